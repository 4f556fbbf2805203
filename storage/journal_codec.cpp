#include "storage/journal_codec.hpp"

#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace escrowd::storage {

std::optional<std::uint64_t> previous_of(const sequenced_entry& item, std::string_view account_id) {
  const auto& legs = item.entry.legs;
  for (std::size_t i = 0; i < legs.size() && i < item.owner_previous.size(); ++i)
    if (is_account_book(legs[i].book.kind) && legs[i].book.owner == account_id)
      return item.owner_previous[i];
  return std::nullopt;
}

void encode_entry(std::uint64_t sequence, const journal_entry& entry,
                  std::span<const std::uint64_t> owner_previous, std::string& out) {
  begin_value(out, value_tag::journal_entry);
  byte_writer writer(out);
  writer.u64(sequence);
  writer.u8(std::uint8_t(entry.kind));
  writer.string(entry.reference);
  writer.i64(entry.time);
  writer.u16(std::uint16_t(entry.legs.size()));
  for (std::size_t i = 0; i < entry.legs.size(); ++i) {
    const auto& leg = entry.legs[i];
    writer.u8(std::uint8_t(leg.book.kind));
    writer.string(leg.book.owner);
    writer.currency(leg.book.currency);
    writer.i64(leg.amount);
    writer.u64(i < owner_previous.size() ? owner_previous[i] : 0);
  }
  finish_value(out);
}

namespace {

bool links_form_a_chain(const sequenced_entry& decoded) {
  const auto& legs = decoded.entry.legs;
  for (std::size_t i = 0; i < legs.size(); ++i) {
    const auto link = decoded.owner_previous[i];
    if (!is_account_book(legs[i].book.kind)) {
      if (link != 0) return false;
      continue;
    }
    if (link >= decoded.sequence) return false;
    for (std::size_t j = 0; j < i; ++j)
      if (is_account_book(legs[j].book.kind) && legs[j].book.owner == legs[i].book.owner &&
          decoded.owner_previous[j] != link)
        return false;
  }
  return true;
}

}  // namespace

result<sequenced_entry> decode_entry(std::string_view stored, std::uint64_t expected_sequence) {
  constexpr std::string_view table = "journal";
  auto payload = open_value(stored, value_tag::journal_entry, table);
  if (!payload) return payload.failure();
  byte_reader reader(*payload);
  sequenced_entry decoded;
  decoded.sequence = reader.u64();
  auto& entry = decoded.entry;
  const auto kind = reader.u8();
  if (kind < 1 || kind > 9) reader.fail();
  entry.kind = entry_kind(kind);
  entry.reference = reader.string(id_length_max);
  entry.time = reader.i64();
  const auto count = reader.u16();
  if (count > legs_per_entry_max) reader.fail();
  for (std::uint16_t i = 0; reader.ok() && i < count; ++i) {
    leg item;
    const auto book = reader.u8();
    if (book < 1 || book > 4) reader.fail();
    item.book.kind = book_kind(book);
    item.book.owner = reader.string(id_length_max);
    item.book.currency = reader.currency();
    item.amount = reader.i64();
    entry.legs.push_back(std::move(item));
    decoded.owner_previous.push_back(reader.u64());
  }
  if (!reader.done() || decoded.sequence != expected_sequence) return corrupt(table);
  if (!is_balanced(entry) || !links_form_a_chain(decoded)) return corrupt(table);
  return decoded;
}

}  // namespace escrowd::storage
