// Byte-level primitives of the on-disk format (storage/FORMAT.md): fixed-width
// little-endian integers, u32-length-prefixed strings, and the envelope every stored value
// wears: [u8 format version][u8 value tag][payload][u32 CRC-32C of all bytes before it].
// The reader never reads past its input: a short or corrupt value makes it fail (sticky),
// and the table codecs turn that into an error. Thread affinity: none; plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/money.hpp"
#include "engine/result.hpp"

namespace escrowd::storage {

// Which table a value belongs to, so that a value copied into the wrong table (or a key
// collision between formats) is detected, not misread. Do not renumber: on disk.
enum class value_tag : std::uint8_t {
  header = 1,
  account = 2,
  task = 3,
  operation = 4,
  journal_entry = 5,
  idempotency = 6,
  outbox = 7,
  api_key = 8,
  api_key_id = 9,
  webhook_event = 10,
  idempotency_expiry = 11,
};

// The version of every value's layout. A value with another version is rejected.
inline constexpr std::uint8_t value_format_version = 1;
inline constexpr std::size_t envelope_overhead_bytes = 1 + 1 + 4;

// Appends to a caller-owned buffer, so a hot path can reuse one allocation.
class byte_writer {
 public:
  explicit byte_writer(std::string& out) : out_(out) {}

  void u8(std::uint8_t value) { out_.push_back(char(value)); }
  void u16(std::uint16_t value) { fixed(value, 2); }
  void u32(std::uint32_t value) { fixed(value, 4); }
  void u64(std::uint64_t value) { fixed(value, 8); }
  void i64(std::int64_t value) { fixed(std::uint64_t(value), 8); }
  void raw(std::string_view bytes) { out_.append(bytes); }
  // u32 length, then the bytes. Callers keep strings below their table's bound.
  void string(std::string_view bytes);
  void currency(const escrowd::currency& code) { raw(code.view()); }

 private:
  // Every stored value is a run of these: inline, one append per field.
  void fixed(std::uint64_t value, int width) {
    char bytes[8];
    for (int i = 0; i < width; ++i) bytes[i] = char((value >> (8 * i)) & 0xffu);
    out_.append(bytes, std::size_t(width));
  }
  std::string& out_;
};

// Reads from a view it does not own. After the first failed read every further read
// fails too and yields zero/empty, so decoders can read a whole struct and check once.
class byte_reader {
 public:
  explicit byte_reader(std::string_view in) : in_(in) {}

  std::uint8_t u8() { return std::uint8_t(fixed(1)); }
  std::uint16_t u16() { return std::uint16_t(fixed(2)); }
  std::uint32_t u32() { return std::uint32_t(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::int64_t i64() { return std::int64_t(fixed(8)); }
  std::string_view raw(std::size_t count);
  std::string string(std::size_t bytes_max);
  // Steps over a string it would read with string(bytes_max), without copying it.
  void skip_string(std::size_t bytes_max);
  escrowd::currency currency();

  // Marks the input bad, e.g. when a decoded field is out of range.
  void fail() { ok_ = false; }
  [[nodiscard]] bool ok() const { return ok_; }
  // True when everything was read and nothing is left over.
  [[nodiscard]] bool done() const { return ok_ && position_ == in_.size(); }

 private:
  // Inline: decoders read every row field by field, and the writer decodes rows it stages.
  std::uint64_t fixed(int width) {
    if (!ok_ || in_.size() - position_ < std::size_t(width)) {
      ok_ = false;
      return 0;
    }
    std::uint64_t value = 0;
    for (int i = 0; i < width; ++i)
      value |= std::uint64_t(std::uint8_t(in_[position_ + std::size_t(i)])) << (8 * i);
    position_ += std::size_t(width);
    return value;
  }
  std::string_view in_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

// Clears `out` and writes the envelope's head.
void begin_value(std::string& out, value_tag tag);
// Appends the CRC over everything written since begin_value.
void finish_value(std::string& out);

// Checks length, CRC, version and tag; returns the payload. `table` names the table in
// the error (storage_failed with param = table) so a corruption report says where.
[[nodiscard]] result<std::string_view> open_value(std::string_view stored, value_tag tag,
                                                  std::string_view table);

// The error every decoder returns for a value it cannot trust.
[[nodiscard]] inline error corrupt(std::string_view table) {
  return error{error_code::storage_failed, std::string(table)};
}

}  // namespace escrowd::storage
