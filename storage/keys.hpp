// Key formats of every table (FORMAT.md "Tables"). Numbers in keys are big-endian so that
// LMDB's bytewise order is numeric order; signed times are biased (sign bit flipped) so
// that negative times sort before positive ones. Ids never contain 0x00, which is why a
// 0x00 separator after an id keeps composite keys unambiguous and prefix-ordered.
// Thread affinity: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/processor_operation.hpp"

namespace escrowd::storage {

inline constexpr std::string_view header_key = "header";

void append_big_endian(std::string& out, std::uint64_t value);
[[nodiscard]] std::uint64_t read_big_endian(std::string_view eight_bytes);
[[nodiscard]] std::uint64_t bias_time(std::int64_t time);
[[nodiscard]] std::int64_t unbias_time(std::uint64_t biased);

// journal: sequence (8 bytes).
[[nodiscard]] std::string sequence_key(std::uint64_t sequence);
// operations: kind (1 byte) + id.
[[nodiscard]] std::string operation_key(processor_kind kind, std::string_view id);
// idempotency: scope length (1 byte) + scope + key.
[[nodiscard]] std::string idempotency_key(std::string_view scope, std::string_view key);
// idempotency_expiry: biased expires_at + write transaction id + serial within it. Times
// and transaction ids only grow, so new keys land at the end of the index (an append, not
// a random page per record); the value names the record.
[[nodiscard]] std::string idempotency_expiry_key(std::int64_t expires_at, std::uint64_t txn_id,
                                                 std::uint32_t serial);
// review_deadlines: biased deadline + task id.
[[nodiscard]] std::string review_deadline_key(std::int64_t deadline, std::string_view task_id);
// webhook_event_times: biased processed_at + event id (the oldest events come first).
[[nodiscard]] std::string webhook_event_time_key(std::int64_t processed_at,
                                                 std::string_view event_id);
// operation_times: biased created_at + operation_key (the oldest operations come first).
[[nodiscard]] std::string operation_time_key(std::int64_t created_at, processor_kind kind,
                                             std::string_view id);
// The first possible key of a time: the walk from `time` starts there.
[[nodiscard]] std::string time_prefix_key(std::int64_t time);

}  // namespace escrowd::storage
