#include "storage/meta_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

void encode_header(const store_header& header, std::string& out) {
  begin_value(out, value_tag::header);
  byte_writer writer(out);
  writer.raw(store_magic);
  writer.u32(header.format_version);
  writer.i64(header.created_at);
  finish_value(out);
}

result<store_header> decode_header(std::string_view stored) {
  constexpr std::string_view table = "meta";
  auto payload = open_value(stored, value_tag::header, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  if (reader.raw(store_magic.size()) != store_magic) reader.fail();
  store_header header;
  header.format_version = reader.u32();
  header.created_at = reader.i64();
  if (!reader.done()) return corrupt(table);
  return header;
}

void encode_webhook_event(const webhook_event_record& row, std::string& out) {
  begin_value(out, value_tag::webhook_event);
  byte_writer writer(out);
  writer.string(row.event_id);
  writer.i64(row.processed_at);
  finish_value(out);
}

result<webhook_event_record> decode_webhook_event(std::string_view stored) {
  constexpr std::string_view table = "webhook_events";
  auto payload = open_value(stored, value_tag::webhook_event, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  webhook_event_record row;
  row.event_id = reader.string(webhook_event_id_bytes_max);
  row.processed_at = reader.i64();
  if (!reader.done()) return corrupt(table);
  return row;
}

}  // namespace escrowd::storage
