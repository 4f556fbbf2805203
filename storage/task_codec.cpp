#include "storage/task_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {
namespace {

bool valid_state(std::uint8_t value) {
  return value >= 1 && value <= 7;
}
bool valid_transition(std::uint8_t value) {
  return value >= 1 && value <= 9;
}

}  // namespace

void encode_task(const task& row, std::string& out) {
  begin_value(out, value_tag::task);
  byte_writer writer(out);
  writer.string(row.id);
  writer.string(row.payer);
  writer.string(row.worker);
  writer.i64(row.amount);
  writer.currency(row.currency);
  writer.i64(row.review_window_s);
  writer.i64(row.created_at);
  writer.u8(std::uint8_t(row.state));
  writer.u8(std::uint8_t(row.last_transition));
  writer.i64(row.escrow);
  writer.i64(row.review_deadline);
  writer.i64(row.worker_amount);
  writer.string(row.submission);
  writer.string(row.dispute_reason);
  writer.u16(std::uint16_t(row.history.size()));
  for (const auto& item : row.history) {
    writer.u8(std::uint8_t(item.transition));
    writer.u8(std::uint8_t(item.to));
    writer.i64(item.time);
    writer.string(item.actor);
  }
  finish_value(out);
}

result<task> decode_task(std::string_view stored) {
  constexpr std::string_view table = "tasks";
  auto payload = open_value(stored, value_tag::task, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  task row;
  row.id = reader.string(id_length_max);
  row.payer = reader.string(id_length_max);
  row.worker = reader.string(id_length_max);
  row.amount = reader.i64();
  row.currency = reader.currency();
  row.review_window_s = reader.i64();
  row.created_at = reader.i64();
  const auto state = reader.u8();
  const auto last = reader.u8();
  if (!valid_state(state) || !valid_transition(last)) reader.fail();
  row.state = task_state(state);
  row.last_transition = task_transition(last);
  row.escrow = reader.i64();
  row.review_deadline = reader.i64();
  row.worker_amount = reader.i64();
  row.submission = reader.string(submission_length_max);
  row.dispute_reason = reader.string(dispute_reason_length_max);
  const auto count = reader.u16();
  if (count > task_history_max) reader.fail();
  for (std::uint16_t i = 0; reader.ok() && i < count; ++i) {
    task_history_item item;
    const auto transition = reader.u8();
    const auto to = reader.u8();
    if (!valid_transition(transition) || !valid_state(to)) reader.fail();
    item.transition = task_transition(transition);
    item.to = task_state(to);
    item.time = reader.i64();
    item.actor = reader.string(id_length_max);
    row.history.push_back(std::move(item));
  }
  if (!reader.done()) return corrupt(table);
  if (row.escrow < 0 || row.amount < 0 || row.escrow > row.amount) return corrupt(table);
  return row;
}

result<task_standing> decode_task_standing(std::string_view stored) {
  constexpr std::string_view table = "tasks";
  auto payload = open_value(stored, value_tag::task, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  reader.skip_string(id_length_max);  // id
  reader.skip_string(id_length_max);  // payer
  reader.skip_string(id_length_max);  // worker
  const auto amount = reader.i64();
  reader.raw(3);  // currency
  reader.i64();   // review_window_s
  reader.i64();   // created_at
  const auto state = reader.u8();
  const auto last = reader.u8();
  if (!valid_state(state) || !valid_transition(last)) reader.fail();
  task_standing standing;
  standing.state = task_state(state);
  standing.escrow = reader.i64();
  standing.review_deadline = reader.i64();
  if (!reader.ok()) return corrupt(table);
  if (standing.escrow < 0 || amount < 0 || standing.escrow > amount) return corrupt(table);
  return standing;
}

bool holds_checked_fields(std::string_view stored, const task& row) {
  auto payload = open_value(stored, value_tag::task, "tasks");
  if (!payload) return false;
  byte_reader reader(*payload);
  auto text = [&] { return reader.raw(reader.u32()); };
  const bool same_people = text() == row.id && text() == row.payer && text() == row.worker;
  const bool same_amount = reader.i64() == row.amount && reader.raw(3) == row.currency.view();
  reader.i64();  // review_window_s
  reader.i64();  // created_at
  const bool same_state = reader.u8() == std::uint8_t(row.state);
  reader.u8();  // last_transition
  const bool same_escrow = reader.i64() == row.escrow && reader.i64() == row.review_deadline;
  return reader.ok() && same_people && same_amount && same_state && same_escrow;
}

}  // namespace escrowd::storage
