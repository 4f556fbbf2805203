// GoogleTest printers for the engine's value types, so a failed EXPECT_EQ on a leg, a delta
// or an event shows its fields by name instead of raw bytes. Include it in every test file
// that compares these types (one printer per type in the whole program).
// Thread affinity: none.
#pragma once

#include <ostream>

#include "engine/account.hpp"
#include "engine/error_code.hpp"
#include "engine/journal.hpp"
#include "engine/processor_operation.hpp"
#include "engine/result.hpp"
#include "engine/task.hpp"

namespace escrowd {

inline const char* book_kind_name(book_kind kind) {
  switch (kind) {
    case book_kind::available:
      return "available";
    case book_kind::pending_withdrawal:
      return "pending_withdrawal";
    case book_kind::escrow:
      return "escrow";
    case book_kind::processor_clearing:
      return "processor_clearing";
  }
  return "unknown";
}

inline const char* balance_field_name(balance_field field) {
  switch (field) {
    case balance_field::available:
      return "available";
    case balance_field::pending_withdrawal:
      return "pending_withdrawal";
    case balance_field::escrowed:
      return "escrowed";
    case balance_field::pending_topup:
      return "pending_topup";
  }
  return "unknown";
}

inline void PrintTo(error_code code, std::ostream* out) {
  *out << describe(code).code;
}
inline void PrintTo(const error& failure, std::ostream* out) {
  *out << describe(failure.code).code << "(param='" << failure.param << "')";
}
inline void PrintTo(task_state state, std::ostream* out) {
  *out << to_string(state);
}
inline void PrintTo(task_transition transition, std::ostream* out) {
  *out << to_string(transition);
}
inline void PrintTo(processor_status status, std::ostream* out) {
  *out << to_string(status);
}
inline void PrintTo(book_kind kind, std::ostream* out) {
  *out << book_kind_name(kind);
}
inline void PrintTo(balance_field field, std::ostream* out) {
  *out << balance_field_name(field);
}
inline void PrintTo(const currency& ccy, std::ostream* out) {
  *out << ccy.view();
}

inline void PrintTo(const book_account& book, std::ostream* out) {
  *out << book_kind_name(book.kind) << ":" << book.owner << ":" << book.currency.view();
}
inline void PrintTo(const leg& posted, std::ostream* out) {
  PrintTo(posted.book, out);
  *out << " " << (posted.amount > 0 ? "+" : "") << posted.amount;
}
inline void PrintTo(const journal_entry& entry, std::ostream* out) {
  *out << "entry{kind=" << static_cast<int>(entry.kind) << " ref=" << entry.reference
       << " time=" << entry.time << " legs=[";
  for (const auto& posted : entry.legs) {
    PrintTo(posted, out);
    *out << "; ";
  }
  *out << "]}";
}
inline void PrintTo(const account_delta& delta, std::ostream* out) {
  *out << delta.account_id << "." << balance_field_name(delta.field) << " "
       << (delta.amount > 0 ? "+" : "") << delta.amount;
}
inline void PrintTo(const task_history_item& item, std::ostream* out) {
  *out << "history{" << to_string(item.transition) << "->" << to_string(item.to)
       << " time=" << item.time << " actor=" << item.actor << "}";
}
inline void PrintTo(const account& held, std::ostream* out) {
  *out << "account{" << held.id << " " << held.currency.view() << " available=" << held.available
       << " pending_withdrawal=" << held.pending_withdrawal << " escrowed=" << held.escrowed
       << " pending_topup=" << held.pending_topup << "}";
}

inline void PrintTo(const task& held, std::ostream* out) {
  *out << "task{" << held.id << " " << to_string(held.state) << " payer=" << held.payer
       << " worker=" << held.worker << " amount=" << held.amount << " escrow=" << held.escrow
       << " last=" << to_string(held.last_transition) << " deadline=" << held.review_deadline
       << " history=" << held.history.size() << "}";
}
inline void PrintTo(const processor_operation& held, std::ostream* out) {
  *out << to_string(held.kind) << "{" << held.id << " " << to_string(held.status)
       << " account=" << held.account_id << " amount=" << held.amount << "}";
}

}  // namespace escrowd
