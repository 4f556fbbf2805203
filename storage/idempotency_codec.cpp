#include "storage/idempotency_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

void encode_idempotency(const idempotency_record& row, std::string& out) {
  begin_value(out, value_tag::idempotency);
  byte_writer writer(out);
  writer.string(row.scope);
  writer.string(row.key);
  writer.string(row.fingerprint);
  writer.string(row.endpoint);
  writer.u16(row.status_code);
  writer.string(row.response_body);
  writer.string(row.request_id);
  writer.i64(row.created_at);
  writer.i64(row.expires_at);
  finish_value(out);
}

result<idempotency_record> decode_idempotency(std::string_view stored) {
  constexpr std::string_view table = "idempotency";
  auto payload = open_value(stored, value_tag::idempotency, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  idempotency_record row;
  row.scope = reader.string(idempotency_scope_bytes_max);
  row.key = reader.string(idempotency_key_bytes_max);
  row.fingerprint = reader.string(short_string_bytes_max);
  row.endpoint = reader.string(short_string_bytes_max);
  row.status_code = reader.u16();
  row.response_body = reader.string(stored_string_bytes_max);
  row.request_id = reader.string(short_string_bytes_max);
  row.created_at = reader.i64();
  row.expires_at = reader.i64();
  if (!reader.done()) return corrupt(table);
  return row;
}

void encode_idempotency_expiry(std::string_view record_key, std::string& out) {
  begin_value(out, value_tag::idempotency_expiry);
  byte_writer(out).string(record_key);
  finish_value(out);
}

result<std::string> decode_idempotency_expiry(std::string_view stored) {
  constexpr std::string_view table = "idempotency_expiry";
  auto payload = open_value(stored, value_tag::idempotency_expiry, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  auto key = reader.string(1 + idempotency_scope_bytes_max + idempotency_key_bytes_max);
  if (!reader.done()) return corrupt(table);
  return key;
}

}  // namespace escrowd::storage
