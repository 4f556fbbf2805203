// Reconciliation (GET /v1/reconciliation): the engine's top-ups and withdrawals compared
// with the processor's records of them, matched by the operation id every object carries
// in its metadata. The comparison is pure: feed it the processor's objects, then the
// engine's operations of the window and those the objects name, and it returns the
// differences, each marked with the repair the engine can make on its own (the clear
// cases: the processor says succeeded, paid or failed while the operation is still open,
// or a paid payout failed later).
// Thread affinity: none; one builder per run.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/gateway_config.hpp"
#include "actors/processor_port.hpp"

namespace escrowd::actors {

enum class difference_kind : std::uint8_t {
  settled_at_processor,      // open here, final there: repairable
  status_mismatch,           // final on both sides, and they disagree
  missing_at_processor,      // the processor has no object (cancellable when parked)
  in_progress_at_processor,  // parked here, still in progress there
  unknown_to_engine,         // an object names an operation the engine does not have
  duplicate_at_processor,    // several objects for one operation: a double effect
  amount_mismatch,
};

[[nodiscard]] std::string_view to_string(difference_kind kind);

struct reconciliation_difference {
  difference_kind kind = difference_kind::status_mismatch;
  processor_kind operation_kind = processor_kind::topup;
  std::string operation_id;
  std::string account_id;
  std::string engine_status;     // empty: the engine has no such operation
  std::string processor_status;  // empty: the processor has no object
  std::string processor_object_id;
  std::optional<settlement> repair;  // the settlement that repairs it, for clear cases
  std::string outcome;               // after the run: "repaired", "repair_refused: <code>", "none"
};

struct reconciliation_report {
  std::uint64_t operations_checked = 0;
  std::uint64_t processor_objects_checked = 0;
  // False when the processor's lists were cut at reconciliation_objects_max (or a page
  // failed): operations older than what was listed are then not reported as missing.
  bool processor_lists_complete = true;
  // The run's window: only objects created since then were listed (Unix seconds).
  std::int64_t processor_objects_created_since = 0;
  std::uint64_t differences_total = 0;
  std::uint64_t repaired = 0;
  // Every repair (the background run applies them all), and at most the bound of the
  // differences without one, in the order found.
  std::vector<reconciliation_difference> differences;
};

// A run's window (Unix seconds): operations created before `judged_from` are compared
// when their object was listed but never reported missing; objects created before
// `listed_from` are not listed.
struct reconciliation_window {
  std::int64_t judged_from = 0;
  std::int64_t listed_from = 0;
};

// The window of a run at `now`: `length` back, or back to the oldest open operation's
// creation when that is older (an open operation is always judged), and the listing starts
// processor_clock_skew_margin_s earlier.
[[nodiscard]] reconciliation_window reconciliation_window_at(
    std::int64_t now, std::chrono::seconds length, std::optional<std::int64_t> oldest_open_created);

class reconciliation_builder {
 public:
  using object_key = std::pair<processor_kind, std::string>;

  explicit reconciliation_builder(std::size_t differences_max = reconciliation_differences_max);

  void add_processor_object(processor_object object);
  void mark_lists_incomplete() { report_.processor_lists_complete = false; }
  void use_window(const reconciliation_window& window);
  // A parked operation requested at or after `requested_since` (the processor still keeps
  // its key, so sending it again cannot apply it twice) whose object the processor lacks
  // or shows in progress is repaired by driving it again under its key: repair `pending`.
  // Without this call none is.
  void retry_parked_requested_since(std::int64_t requested_since) {
    retry_parked_since_ = requested_since;
  }
  // When the listing of `kind` asked for its first page (the ledger's clock): lists are
  // newest first, so an object made after that may be on no page. An operation of the kind
  // settled or parked since then is not reported missing; the next run judges it.
  void listing_started(processor_kind kind, std::int64_t at);
  // Compares one operation; each is compared at most once per run.
  void compare(const processor_operation& operation);
  // The next operation no list showed although it should be there, if any (at most
  // reconciliation_unlisted_lookups_max a run): the gateway asks the processor for its
  // objects (a list can lag or be cut, and the two clocks may disagree by more than the
  // listing's margin) and hands the answer to `judge_unlisted`.
  [[nodiscard]] std::optional<processor_operation> next_unlisted();
  // Judges the operation `next_unlisted` gave against the objects found for it: none is
  // missing_at_processor; no answer is too, but only when the lists were complete, as
  // `finish` reports those never looked up.
  void judge_unlisted(const processor_operation& operation, const processor_lookup& lookup);
  // The operations named by listed objects that no compared operation claimed yet: those
  // created before the window, looked up one by one (an absent one is unknown_to_engine).
  [[nodiscard]] std::vector<object_key> unclaimed_operations() const;
  // Adds the objects no engine operation claimed, and returns the report.
  [[nodiscard]] reconciliation_report finish();

 private:
  struct listed {
    std::vector<processor_object> objects;
    bool claimed = false;
  };

  void add(reconciliation_difference difference);
  // Whether the operation changed after its kind's listing began: the list may show its
  // object as it was before.
  [[nodiscard]] bool changed_since_listed(const processor_operation& operation) const;
  void compare_found(const processor_operation& operation,
                     const std::vector<processor_object>& objects);  // one or more
  void compare_one(const processor_operation& operation, const processor_object& object);
  // A parked operation the processor has not finished: sent again under its key when the
  // processor still keeps the key.
  [[nodiscard]] reconciliation_difference parked_unfinished(difference_kind kind,
                                                            const processor_operation& operation);

  std::size_t differences_max_;
  std::size_t differences_for_operator_ = 0;  // kept without a repair: at most the bound
  std::map<processor_kind, std::int64_t> listings_started_;
  std::int64_t judged_from_ = 0;
  std::optional<std::int64_t> retry_parked_since_;
  std::map<object_key, listed> objects_;
  std::deque<processor_operation> unlisted_;  // would be missing_at_processor; not asked yet
  reconciliation_report report_;
};

}  // namespace escrowd::actors
