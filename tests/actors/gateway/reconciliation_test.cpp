// Tests the reconciliation comparison: which pairs of (engine operation, processor object)
// are differences, which of them the engine repairs by itself (final at the processor and
// open here; a paid payout that failed later), and what it reports without repairing
// (missing objects, contradictions, duplicates, amounts, objects unknown to the engine).
#include "actors/reconciliation.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "actors/processor_responses.hpp"

namespace escrowd::actors {
namespace {

processor_operation operation(processor_kind kind, std::string id, processor_status status) {
  processor_operation made;
  made.kind = kind;
  made.id = std::move(id);
  made.account_id = "acct_1";
  made.amount = 100;
  made.currency = *currency::parse("usd");
  made.status = status;
  return made;
}

processor_object object(processor_kind kind, std::string operation_id, std::string status) {
  processor_object made;
  made.kind = kind;
  made.id = (kind == processor_kind::topup ? "pi_" : "po_") + operation_id;
  made.operation_id = std::move(operation_id);
  made.amount = 100;
  made.currency = "usd";
  made.status = std::move(status);
  return made;
}

constexpr auto topup = processor_kind::topup;
constexpr auto withdrawal = processor_kind::withdrawal;

TEST(reconciliation, agreeing_records_are_not_differences) {
  reconciliation_builder builder;
  builder.add_processor_object(object(topup, "t1", "succeeded"));
  builder.add_processor_object(object(withdrawal, "w1", "paid"));
  builder.add_processor_object(object(withdrawal, "w2", "pending"));
  builder.compare(operation(topup, "t1", processor_status::succeeded));
  builder.compare(operation(withdrawal, "w1", processor_status::paid));
  builder.compare(operation(withdrawal, "w2", processor_status::pending));
  builder.compare(operation(topup, "t2", processor_status::pending));    // still being driven
  builder.compare(operation(topup, "t3", processor_status::cancelled));  // nothing moved
  const auto report = builder.finish();
  EXPECT_EQ(report.operations_checked, 5u);
  EXPECT_EQ(report.processor_objects_checked, 3u);
  EXPECT_EQ(report.differences_total, 0u);
  EXPECT_TRUE(report.differences.empty());
}

TEST(reconciliation, final_at_the_processor_and_open_here_is_repaired) {
  reconciliation_builder builder;
  builder.add_processor_object(object(topup, "t1", "succeeded"));
  auto declined = object(topup, "t2", "requires_payment_method");
  declined.has_failure = true;
  declined.failure_code = "card_declined";
  builder.add_processor_object(declined);
  builder.add_processor_object(object(withdrawal, "w1", "failed"));
  builder.compare(operation(topup, "t1", processor_status::requires_reconciliation));
  builder.compare(operation(topup, "t2", processor_status::pending));
  builder.compare(operation(withdrawal, "w1", processor_status::requires_reconciliation));
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 3u);
  for (const auto& difference : report.differences) {
    EXPECT_EQ(difference.kind, difference_kind::settled_at_processor);
    ASSERT_TRUE(difference.repair.has_value()) << difference.operation_id;
  }
  EXPECT_EQ(report.differences[0].repair->status, processor_status::succeeded);
  EXPECT_EQ(report.differences[1].repair->status, processor_status::failed);
  EXPECT_EQ(report.differences[1].repair->failure_code, "card_declined");
  EXPECT_EQ(report.differences[2].repair->status, processor_status::failed);
}

TEST(reconciliation, a_paid_payout_that_failed_later_is_reversed) {
  reconciliation_builder builder;
  builder.add_processor_object(object(withdrawal, "w1", "failed"));
  builder.compare(operation(withdrawal, "w1", processor_status::paid));
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 1u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::status_mismatch);
  ASSERT_TRUE(report.differences[0].repair.has_value());
  EXPECT_EQ(report.differences[0].repair->status, processor_status::failed);
}

TEST(reconciliation, contradictions_are_reported_not_repaired) {
  reconciliation_builder builder;
  builder.add_processor_object(object(topup, "t1", "succeeded"));
  builder.add_processor_object(object(topup, "t2", "succeeded"));
  builder.compare(operation(topup, "t1", processor_status::failed));
  builder.compare(operation(topup, "t2", processor_status::cancelled));
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 2u);
  for (const auto& difference : report.differences) {
    EXPECT_EQ(difference.kind, difference_kind::status_mismatch);
    EXPECT_FALSE(difference.repair.has_value());
  }
}

TEST(reconciliation, missing_duplicate_amount_and_unknown_objects_are_reported) {
  reconciliation_builder builder;
  builder.add_processor_object(object(topup, "dup", "succeeded"));
  auto second = object(topup, "dup", "succeeded");
  second.id = "pi_dup_2";
  builder.add_processor_object(second);
  auto wrong_amount = object(topup, "amt", "succeeded");
  wrong_amount.amount = 99;
  builder.add_processor_object(wrong_amount);
  builder.add_processor_object(object(withdrawal, "ghost", "paid"));
  builder.add_processor_object(object(withdrawal, "", "paid"));  // not escrowd's: ignored
  builder.add_processor_object(object(withdrawal, "w_parked", "in_transit"));
  builder.compare(operation(topup, "dup", processor_status::succeeded));
  builder.compare(operation(topup, "amt", processor_status::pending));
  builder.compare(operation(topup, "parked", processor_status::requires_reconciliation));
  builder.compare(operation(topup, "vanished", processor_status::succeeded));
  builder.compare(operation(withdrawal, "w_parked", processor_status::requires_reconciliation));
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 6u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::duplicate_at_processor);
  EXPECT_EQ(report.differences[1].kind, difference_kind::amount_mismatch);
  // Missing ones come once the builder learns no lookup found them (here: none was made).
  EXPECT_EQ(report.differences[2].kind, difference_kind::in_progress_at_processor);
  EXPECT_EQ(report.differences[3].kind, difference_kind::missing_at_processor);
  EXPECT_EQ(report.differences[4].kind, difference_kind::missing_at_processor);
  EXPECT_EQ(report.differences[5].kind, difference_kind::unknown_to_engine);
  EXPECT_EQ(report.differences[5].operation_id, "ghost");
  for (const auto& difference : report.differences) EXPECT_FALSE(difference.repair.has_value());
}

TEST(reconciliation, incomplete_lists_report_nothing_as_missing) {
  reconciliation_builder builder;
  builder.mark_lists_incomplete();
  builder.compare(operation(topup, "old", processor_status::succeeded));
  const auto report = builder.finish();
  EXPECT_FALSE(report.processor_lists_complete);
  EXPECT_EQ(report.differences_total, 0u);
  // ...so the report is not all clear: what was not listed was not compared.
  const auto rendered = reconciliation_rendered(report);
  EXPECT_NE(rendered.body.find(R"("ok":false)"), std::string::npos) << rendered.body;
}

// Lists are newest first: an operation whose object the processor made after its kind's
// first page was fetched is on no page. Settled (or parked) since the listing began, it is
// left for the next run; settled before, its object must have been listed.
TEST(reconciliation, operations_settled_while_their_kind_was_listed_are_not_reported_missing) {
  constexpr std::int64_t listing_began = 1'700'000'000;
  reconciliation_builder builder;
  builder.listing_started(topup, listing_began);
  builder.listing_started(withdrawal, listing_began + 5);
  auto settled_at = [](processor_operation made, std::int64_t at) {
    made.updated_at = at;
    return made;
  };
  builder.compare(
      settled_at(operation(topup, "during", processor_status::succeeded), listing_began));
  builder.compare(
      settled_at(operation(topup, "before", processor_status::succeeded), listing_began - 1));
  builder.compare(settled_at(
      operation(withdrawal, "w_parked_during", processor_status::requires_reconciliation),
      listing_began + 5));
  builder.compare(settled_at(operation(withdrawal, "w_paid_before", processor_status::paid),
                             listing_began + 4));
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 2u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::missing_at_processor);
  EXPECT_EQ(report.differences[0].operation_id, "before");
  EXPECT_EQ(report.differences[1].kind, difference_kind::missing_at_processor);
  EXPECT_EQ(report.differences[1].operation_id, "w_paid_before");
}

// The objects are listed first, the operations compared after, in chunks across
// gateway messages (calls' answers and webhooks settle operations between them). An
// operation settled after its kind's listing began is compared with an object older than
// its own state: the processor's later state was what settled it, so the two are not a
// difference, as they are not for an operation missing from the list.
// Lists cut at reconciliation_objects_max leave the window's oldest objects out: its
// oldest operations (a parked one that widened the window) are still judged through their
// own lookups, while one never looked up is not called missing.
TEST(reconciliation, cut_lists_still_judge_the_operations_looked_up) {
  reconciliation_builder builder;
  builder.mark_lists_incomplete();
  builder.compare(operation(topup, "parked", processor_status::requires_reconciliation));
  builder.compare(operation(topup, "not_looked_up", processor_status::succeeded));
  auto parked = builder.next_unlisted();
  ASSERT_TRUE(parked.has_value());
  EXPECT_EQ(parked->id, "parked");
  processor_lookup found;
  found.answered = true;
  found.objects.push_back(object(topup, "parked", "succeeded"));
  builder.judge_unlisted(*parked, found);
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 1u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::settled_at_processor);
  EXPECT_TRUE(report.differences[0].repair.has_value());
}

// A parked operation the processor has no object for, or one still in progress, is driven
// again under its key (repair `pending`) while the processor keeps the key; an older one,
// or one whose lookup got no answer, waits for an operator.
TEST(reconciliation, a_parked_operation_the_processor_has_not_finished_is_sent_again) {
  constexpr std::int64_t requested_at = 1'700'000'000;
  auto parked = [](std::string id) {
    auto made = operation(withdrawal, std::move(id), processor_status::requires_reconciliation);
    made.created_at = requested_at;
    return made;
  };
  processor_lookup nothing;
  nothing.answered = true;
  processor_lookup in_progress = nothing;
  in_progress.objects.push_back(object(withdrawal, "w_in_transit", "pending"));
  const auto judged = [&](std::int64_t retry_since, const std::string& id,
                          const processor_lookup& lookup) {
    reconciliation_builder builder;
    builder.retry_parked_requested_since(retry_since);
    builder.compare(parked(id));
    builder.judge_unlisted(*builder.next_unlisted(), lookup);
    auto report = builder.finish();
    EXPECT_EQ(report.differences.size(), 1u);
    return report.differences.empty() ? reconciliation_difference{} : report.differences[0];
  };
  const auto absent = judged(requested_at, "w_absent", nothing);
  EXPECT_EQ(absent.kind, difference_kind::missing_at_processor);
  ASSERT_TRUE(absent.repair.has_value());
  EXPECT_EQ(absent.repair->status, processor_status::pending);
  const auto moving = judged(requested_at, "w_in_transit", in_progress);
  EXPECT_EQ(moving.kind, difference_kind::in_progress_at_processor);
  EXPECT_EQ(moving.processor_object_id, "po_w_in_transit");
  ASSERT_TRUE(moving.repair.has_value());
  EXPECT_EQ(moving.repair->status, processor_status::pending);
  EXPECT_FALSE(judged(requested_at + 1, "w_absent", nothing).repair.has_value());  // key gone
  EXPECT_FALSE(judged(requested_at, "w_absent", processor_lookup{}).repair.has_value());
  // Parked because the processor answered with an object not its own: the same answer would
  // come back, so it waits for an operator.
  auto contradicted = parked("w_absent");
  contradicted.failure_code = std::string(processor_contradiction_code);
  reconciliation_builder builder;
  builder.retry_parked_requested_since(requested_at);
  builder.compare(contradicted);
  builder.judge_unlisted(*builder.next_unlisted(), nothing);
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), 1u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::missing_at_processor);
  EXPECT_FALSE(report.differences[0].repair.has_value());
  reconciliation_builder unset;  // no horizon given: nothing is sent again
  unset.compare(parked("w_absent"));
  unset.judge_unlisted(*unset.next_unlisted(), nothing);
  EXPECT_FALSE(unset.finish().differences.at(0).repair.has_value());
}

// Past the lookups' bound a run still sends every parked operation of its window again
// (measured: 304 parked operations took four runs at 100 a run, and the report showed 204 of
// them with no repair).
TEST(reconciliation, every_parked_operation_is_sent_again_past_the_lookups_bound) {
  reconciliation_builder builder;
  builder.retry_parked_requested_since(0);
  const std::size_t parked = reconciliation_unlisted_lookups_max + 5;
  for (std::size_t i = 0; i < parked; ++i)
    builder.compare(
        operation(withdrawal, "w_" + std::to_string(i), processor_status::requires_reconciliation));
  processor_lookup nothing;
  nothing.answered = true;
  while (auto unlisted = builder.next_unlisted()) builder.judge_unlisted(*unlisted, nothing);
  const auto report = builder.finish();
  ASSERT_EQ(report.differences.size(), parked);
  for (const auto& difference : report.differences) {
    EXPECT_EQ(difference.kind, difference_kind::missing_at_processor);
    ASSERT_TRUE(difference.repair.has_value()) << difference.operation_id;
    EXPECT_EQ(difference.repair->status, processor_status::pending);
  }
}

TEST(reconciliation, operations_settled_after_their_object_was_listed_are_not_contradictions) {
  constexpr std::int64_t listing_began = 1'700'000'000;
  reconciliation_builder builder;
  builder.listing_started(withdrawal, listing_began);
  builder.add_processor_object(object(withdrawal, "w_in_transit", "pending"));
  builder.add_processor_object(object(withdrawal, "w_bounced", "paid"));
  auto settled_at = [](processor_operation made, std::int64_t at) {
    made.updated_at = at;
    return made;
  };
  // A poll saw it paid, and a payout.failed webhook came, after the list was read.
  builder.compare(
      settled_at(operation(withdrawal, "w_in_transit", processor_status::paid), listing_began + 2));
  builder.compare(
      settled_at(operation(withdrawal, "w_bounced", processor_status::failed), listing_began + 2));
  const auto report = builder.finish();
  EXPECT_EQ(report.differences_total, 0u)
      << (report.differences.empty() ? "" : report.differences.front().operation_id);
}

TEST(reconciliation, the_window_reaches_back_to_the_oldest_open_operation) {
  constexpr std::int64_t now = 1'700'000'000;
  constexpr std::chrono::seconds two_weeks(14 * 86'400);
  const auto recent = reconciliation_window_at(now, two_weeks, std::nullopt);
  EXPECT_EQ(recent.judged_from, now - two_weeks.count());
  EXPECT_EQ(recent.listed_from, recent.judged_from - processor_clock_skew_margin_s);
  EXPECT_EQ(reconciliation_window_at(now, two_weeks, now - 100).judged_from,
            now - two_weeks.count());
  const auto widened = reconciliation_window_at(now, two_weeks, now - 30 * 86'400);
  EXPECT_EQ(widened.judged_from, now - 30 * 86'400);
  EXPECT_EQ(widened.listed_from, now - 30 * 86'400 - processor_clock_skew_margin_s);
}

// Before the window the processor's objects were not listed: an operation from then is
// compared when its object was listed anyway (the margin), never reported missing.
TEST(reconciliation, operations_before_the_window_are_not_reported_missing) {
  constexpr std::int64_t judged_from = 1'700'000'000;
  reconciliation_builder builder;
  builder.use_window({judged_from, judged_from - 3'600});
  auto created_at = [](processor_operation made, std::int64_t at) {
    made.created_at = at;
    return made;
  };
  builder.add_processor_object(object(topup, "margin", "requires_payment_method"));
  builder.compare(
      created_at(operation(topup, "margin", processor_status::succeeded), judged_from - 1));
  builder.compare(
      created_at(operation(topup, "old", processor_status::succeeded), judged_from - 1));
  builder.compare(created_at(operation(topup, "new", processor_status::succeeded), judged_from));
  const auto report = builder.finish();
  EXPECT_EQ(report.processor_objects_created_since, judged_from - 3'600);
  ASSERT_EQ(report.differences.size(), 2u);
  EXPECT_EQ(report.differences[0].kind, difference_kind::status_mismatch);
  EXPECT_EQ(report.differences[0].operation_id, "margin");
  EXPECT_EQ(report.differences[1].kind, difference_kind::missing_at_processor);
  EXPECT_EQ(report.differences[1].operation_id, "new");
}

TEST(reconciliation, the_report_is_bounded_but_repairs_are_kept) {
  reconciliation_builder builder(2);
  for (int i = 0; i < 3; ++i) {  // repairs found first do not take the operator's places
    const auto id = "r" + std::to_string(i);
    builder.add_processor_object(object(topup, id, "succeeded"));
    builder.compare(operation(topup, id, processor_status::pending));
  }
  for (int i = 0; i < 5; ++i) {  // contradictions, reported up to the bound
    const auto id = "m" + std::to_string(i);
    builder.add_processor_object(object(topup, id, "canceled"));
    builder.compare(operation(topup, id, processor_status::succeeded));
  }
  const auto report = builder.finish();
  EXPECT_EQ(report.differences_total, 8u);
  ASSERT_EQ(report.differences.size(), 5u);
  int repairs = 0;
  for (const auto& difference : report.differences) repairs += difference.repair ? 1 : 0;
  EXPECT_EQ(repairs, 3);
  EXPECT_EQ(report.differences.back().operation_id, "m1");
}

// The answer is cut to the bound however many repairs there are, and shows first what an
// operator must act on.
TEST(reconciliation, the_answer_shows_the_operators_differences_first_up_to_the_bound) {
  reconciliation_builder builder(2);
  for (int i = 0; i < 4; ++i) {
    const auto id = "r" + std::to_string(i);
    builder.add_processor_object(object(topup, id, "succeeded"));
    builder.compare(operation(topup, id, processor_status::pending));
  }
  builder.add_processor_object(object(topup, "m", "canceled"));
  builder.compare(operation(topup, "m", processor_status::succeeded));
  const auto report = builder.finish();
  const auto answer = reconciliation_rendered(report, 3);
  ASSERT_EQ(answer.status, 200);
  const auto body = boost::json::parse(answer.body).as_object();
  EXPECT_EQ(body.at("differences_total").as_int64(), 5);
  EXPECT_TRUE(body.at("has_more").as_bool());
  const auto& shown = body.at("differences").as_array();
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0].at("id").as_string(), "m");
  EXPECT_TRUE(shown[0].at("repair").is_null());
  EXPECT_EQ(shown[1].at("id").as_string(), "r0");
  EXPECT_EQ(shown[2].at("id").as_string(), "r1");

  const auto whole = boost::json::parse(reconciliation_rendered(report, 5).body);
  EXPECT_FALSE(whole.at("has_more").as_bool());
}

// An operation no list showed is judged by what a lookup of its own finds: the object, as
// if listed; nothing, or no answer, is missing_at_processor.
TEST(reconciliation, an_unlisted_operation_is_judged_by_its_lookup) {
  reconciliation_builder builder;
  for (const char* id : {"found", "found_twice", "found_failed", "absent", "no_answer", "unasked"})
    builder.compare(operation(topup, id, processor_status::succeeded));
  builder.compare(operation(topup, "pending", processor_status::pending));  // not suspicious
  const auto lookup_of = [](std::vector<processor_object> objects) {
    processor_lookup lookup;
    lookup.answered = true;
    lookup.objects = std::move(objects);
    return lookup;
  };
  std::vector<std::string> asked;
  for (int i = 0; i < 5; ++i) {
    auto unlisted = builder.next_unlisted();
    ASSERT_TRUE(unlisted.has_value());
    asked.push_back(unlisted->id);
    if (unlisted->id == "found") {
      builder.judge_unlisted(*unlisted, lookup_of({object(topup, "found", "succeeded")}));
    } else if (unlisted->id == "found_twice") {
      auto second = object(topup, "found_twice", "succeeded");
      second.id = "pi_second";
      builder.judge_unlisted(*unlisted,
                             lookup_of({object(topup, "found_twice", "succeeded"), second}));
    } else if (unlisted->id == "found_failed") {
      builder.judge_unlisted(*unlisted, lookup_of({object(topup, "found_failed", "canceled")}));
    } else if (unlisted->id == "absent") {
      builder.judge_unlisted(*unlisted, lookup_of({}));
    } else {
      builder.judge_unlisted(*unlisted, processor_lookup{});  // the processor did not answer
    }
  }
  EXPECT_EQ(asked, (std::vector<std::string>{"found", "found_twice", "found_failed", "absent",
                                             "no_answer"}));
  const auto report = builder.finish();
  std::vector<std::pair<std::string, difference_kind>> seen;
  for (const auto& difference : report.differences)
    seen.emplace_back(difference.operation_id, difference.kind);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, difference_kind>>{
                      {"found_twice", difference_kind::duplicate_at_processor},
                      {"found_failed", difference_kind::status_mismatch},
                      {"absent", difference_kind::missing_at_processor},
                      {"no_answer", difference_kind::missing_at_processor},
                      {"unasked", difference_kind::missing_at_processor}}));
  EXPECT_EQ(report.operations_checked, 7u);
}

// Lists cut (or one kind's list unanswered) call nothing missing unconfirmed: only a lookup
// that answered may. A lookup that got no answer confirms nothing either, so an operation
// whose list was cut and whose lookup failed is not reported missing_at_processor (during
// a payouts outage, up to 100 paid withdrawals were reported missing at the processor).
TEST(reconciliation, cut_lists_and_an_unanswered_lookup_report_nothing_missing) {
  reconciliation_builder builder;
  builder.mark_lists_incomplete();
  builder.compare(operation(withdrawal, "w_paid", processor_status::paid));
  auto unlisted = builder.next_unlisted();
  ASSERT_TRUE(unlisted.has_value());
  builder.judge_unlisted(*unlisted, processor_lookup{});  // the processor did not answer
  const auto report = builder.finish();
  EXPECT_EQ(report.differences_total, 0u)
      << (report.differences.empty() ? "" : report.differences.front().operation_id);
}

}  // namespace
}  // namespace escrowd::actors
