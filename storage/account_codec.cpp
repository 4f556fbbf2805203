#include "storage/account_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

void encode_account(const account_row& stored, std::string& out) {
  const account& row = stored.data;
  begin_value(out, value_tag::account);
  byte_writer writer(out);
  writer.string(row.id);
  writer.currency(row.currency);
  writer.string(row.owner);
  writer.i64(row.created_at);
  writer.i64(row.available);
  writer.i64(row.pending_withdrawal);
  writer.i64(row.escrowed);
  writer.i64(row.pending_topup);
  writer.u64(stored.last_entry_sequence);
  finish_value(out);
}

result<account_row> decode_account_row(std::string_view stored) {
  constexpr std::string_view table = "accounts";
  auto payload = open_value(stored, value_tag::account, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  account_row decoded;
  account& row = decoded.data;
  row.id = reader.string(id_length_max);
  row.currency = reader.currency();
  row.owner = reader.string(owner_length_max);
  row.created_at = reader.i64();
  row.available = reader.i64();
  row.pending_withdrawal = reader.i64();
  row.escrowed = reader.i64();
  row.pending_topup = reader.i64();
  decoded.last_entry_sequence = reader.u64();
  if (!reader.done()) return corrupt(table);
  // No stored balance is ever negative: the commit path refuses such a row.
  if (row.available < 0 || row.pending_withdrawal < 0 || row.escrowed < 0 || row.pending_topup < 0)
    return corrupt(table);
  return decoded;
}

result<account> decode_account(std::string_view stored) {
  auto decoded = decode_account_row(stored);
  if (!decoded) return decoded.failure();
  return std::move(decoded->data);
}

}  // namespace escrowd::storage
