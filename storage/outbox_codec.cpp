#include "storage/outbox_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

void encode_outbox(const outbox_row& row, std::string& out) {
  begin_value(out, value_tag::outbox);
  byte_writer writer(out);
  writer.string(row.key);
  writer.u8(std::uint8_t(row.operation_kind));
  writer.string(row.operation_id);
  writer.string(row.request_payload);
  writer.u32(row.attempts);
  writer.i64(row.next_attempt_at);
  writer.u8(std::uint8_t(row.state));
  writer.i64(row.created_at);
  finish_value(out);
}

result<outbox_row> decode_outbox(std::string_view stored) {
  constexpr std::string_view table = "outbox";
  auto payload = open_value(stored, value_tag::outbox, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  outbox_row row;
  row.key = reader.string(outbox_key_bytes_max);
  const auto kind = reader.u8();
  if (kind < 1 || kind > 2) reader.fail();
  row.operation_kind = processor_kind(kind);
  row.operation_id = reader.string(id_length_max);
  row.request_payload = reader.string(stored_string_bytes_max);
  row.attempts = reader.u32();
  row.next_attempt_at = reader.i64();
  const auto state = reader.u8();
  if (state < 1 || state > 3) reader.fail();
  row.state = outbox_state(state);
  row.created_at = reader.i64();
  if (!reader.done()) return corrupt(table);
  return row;
}

}  // namespace escrowd::storage
