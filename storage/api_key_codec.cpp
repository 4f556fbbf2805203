#include "storage/api_key_codec.hpp"

#include <algorithm>

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {
namespace {

std::string_view hash_bytes(const api_key_hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

bool read_hash(byte_reader& reader, api_key_hash& hash) {
  auto bytes = reader.raw(hash.size());
  if (!reader.ok()) return false;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return true;
}

}  // namespace

void encode_api_key(const api_key_record& row, std::string& out) {
  begin_value(out, value_tag::api_key);
  byte_writer writer(out);
  writer.string(row.key_id);
  writer.raw(hash_bytes(row.hash));
  writer.u8(std::uint8_t(row.role));
  writer.string(row.account_id);
  writer.i64(row.created_at);
  writer.u8(row.revoked ? 1 : 0);
  writer.i64(row.revoked_at);
  finish_value(out);
}

result<api_key_record> decode_api_key(std::string_view stored) {
  constexpr std::string_view table = "api_keys";
  auto payload = open_value(stored, value_tag::api_key, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  api_key_record row;
  row.key_id = reader.string(id_length_max);
  read_hash(reader, row.hash);
  const auto role = reader.u8();
  if (role < 1 || role > 3) reader.fail();
  row.role = principal_role(role);
  row.account_id = reader.string(id_length_max);
  row.created_at = reader.i64();
  const auto revoked = reader.u8();
  if (revoked > 1) reader.fail();
  row.revoked = revoked == 1;
  row.revoked_at = reader.i64();
  if (!reader.done()) return corrupt(table);
  return row;
}

void encode_api_key_id(const api_key_hash& hash, std::string& out) {
  begin_value(out, value_tag::api_key_id);
  byte_writer(out).raw(hash_bytes(hash));
  finish_value(out);
}

result<api_key_hash> decode_api_key_id(std::string_view stored) {
  constexpr std::string_view table = "api_key_ids";
  auto payload = open_value(stored, value_tag::api_key_id, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  api_key_hash hash{};
  read_hash(reader, hash);
  if (!reader.done()) return corrupt(table);
  return hash;
}

}  // namespace escrowd::storage
