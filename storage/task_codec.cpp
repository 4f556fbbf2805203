#include "storage/task_codec.hpp"

#include <bit>
#include <cstring>

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

// `width` bytes little-endian, as byte_writer lays them out: one load on such a host.
std::uint64_t load_little_endian(const char* bytes, std::size_t width) {
  std::uint64_t value = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, bytes, width);
  } else {
    for (std::size_t i = 0; i < width; ++i)
      value |= std::uint64_t(std::uint8_t(bytes[i])) << (8 * i);
  }
  return value;
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
  // Read by offsets, not with byte_reader: this runs in the writer for every task row, and
  // the reader's byte loops and the CRC cost three times as much (about 1.4% of a durable
  // transition's instructions, against 0.4%). The CRC guards the disk, not this handoff.
  if (stored.size() < envelope_overhead_bytes || std::uint8_t(stored[0]) != value_format_version ||
      std::uint8_t(stored[1]) != std::uint8_t(value_tag::task))
    return false;
  const auto payload = stored.substr(2, stored.size() - envelope_overhead_bytes);
  std::size_t at = 0;
  auto same_text = [&](std::string_view expected) {
    if (payload.size() - at < 4 + expected.size() ||
        load_little_endian(payload.data() + at, 4) != expected.size())
      return false;
    at += 4 + expected.size();
    return payload.substr(at - expected.size(), expected.size()) == expected;
  };
  if (!same_text(row.id) || !same_text(row.payer) || !same_text(row.worker)) return false;
  // amount, currency, review_window_s, created_at, state, last_transition, escrow, deadline
  constexpr std::size_t fixed_bytes = 8 + 3 + 8 + 8 + 1 + 1 + 8 + 8;
  if (payload.size() - at < fixed_bytes) return false;
  const char* fixed = payload.data() + at;
  return std::int64_t(load_little_endian(fixed, 8)) == row.amount &&
         std::string_view(fixed + 8, 3) == row.currency.view() &&
         std::uint8_t(fixed[27]) == std::uint8_t(row.state) &&
         std::int64_t(load_little_endian(fixed + 29, 8)) == row.escrow &&
         std::int64_t(load_little_endian(fixed + 37, 8)) == row.review_deadline;
}

}  // namespace escrowd::storage
