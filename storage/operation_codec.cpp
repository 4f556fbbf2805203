#include "storage/operation_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

bool is_storable(const processor_operation& row) {
  const auto fits = [](const std::string& text) { return text.size() <= short_string_bytes_max; };
  return row.id.size() <= id_length_max && row.account_id.size() <= id_length_max &&
         row.amount >= 0 && fits(row.instrument) && fits(row.processor_object_id) &&
         fits(row.failure_code) && fits(row.failure_message);
}

void encode_operation(const processor_operation& row, std::string& out) {
  begin_value(out, value_tag::operation);
  byte_writer writer(out);
  writer.u8(std::uint8_t(row.kind));
  writer.string(row.id);
  writer.string(row.account_id);
  writer.i64(row.amount);
  writer.currency(row.currency);
  writer.string(row.instrument);
  writer.u8(std::uint8_t(row.status));
  writer.i64(row.created_at);
  writer.i64(row.updated_at);
  writer.string(row.processor_object_id);
  writer.string(row.failure_code);
  writer.string(row.failure_message);
  finish_value(out);
}

result<processor_operation> decode_operation(std::string_view stored) {
  constexpr std::string_view table = "operations";
  auto payload = open_value(stored, value_tag::operation, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  processor_operation row;
  const auto kind = reader.u8();
  if (kind < 1 || kind > 2) reader.fail();
  row.kind = processor_kind(kind);
  row.id = reader.string(id_length_max);
  row.account_id = reader.string(id_length_max);
  row.amount = reader.i64();
  row.currency = reader.currency();
  row.instrument = reader.string(short_string_bytes_max);
  const auto status = reader.u8();
  if (status < 1 || status > 6) reader.fail();
  row.status = processor_status(status);
  row.created_at = reader.i64();
  row.updated_at = reader.i64();
  row.processor_object_id = reader.string(short_string_bytes_max);
  row.failure_code = reader.string(short_string_bytes_max);
  row.failure_message = reader.string(short_string_bytes_max);
  if (!reader.done() || row.amount < 0) return corrupt(table);
  return row;
}

}  // namespace escrowd::storage
