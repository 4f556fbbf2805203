#include "storage/keys.hpp"

namespace escrowd::storage {

void append_big_endian(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char((value >> shift) & 0xffu));
}

std::uint64_t read_big_endian(std::string_view eight_bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8 && i < eight_bytes.size(); ++i)
    value = (value << 8) | std::uint8_t(eight_bytes[i]);
  return value;
}

std::uint64_t bias_time(std::int64_t time) {
  return std::uint64_t(time) ^ (std::uint64_t{1} << 63);
}

std::int64_t unbias_time(std::uint64_t biased) {
  return std::int64_t(biased ^ (std::uint64_t{1} << 63));
}

std::string sequence_key(std::uint64_t sequence) {
  std::string key;
  key.reserve(8);
  append_big_endian(key, sequence);
  return key;
}

std::string operation_key(processor_kind kind, std::string_view id) {
  std::string key(1, char(kind));
  key.append(id);
  return key;
}

std::string idempotency_key(std::string_view scope, std::string_view key) {
  std::string out(1, char(std::uint8_t(scope.size())));
  out.append(scope).append(key);
  return out;
}

std::string idempotency_expiry_key(std::int64_t expires_at, std::uint64_t txn_id,
                                   std::uint32_t serial) {
  std::string key;
  key.reserve(20);
  append_big_endian(key, bias_time(expires_at));
  append_big_endian(key, txn_id);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(char((serial >> shift) & 0xffu));
  return key;
}

namespace {

std::string time_then_id(std::int64_t time, std::string_view id) {
  std::string key;
  key.reserve(8 + id.size());
  append_big_endian(key, bias_time(time));
  key.append(id);
  return key;
}

}  // namespace

std::string review_deadline_key(std::int64_t deadline, std::string_view task_id) {
  return time_then_id(deadline, task_id);
}

std::string webhook_event_time_key(std::int64_t processed_at, std::string_view event_id) {
  return time_then_id(processed_at, event_id);
}

std::string operation_time_key(std::int64_t created_at, processor_kind kind, std::string_view id) {
  return time_then_id(created_at, operation_key(kind, id));
}

std::string time_prefix_key(std::int64_t time) {
  return time_then_id(time, {});
}

}  // namespace escrowd::storage
