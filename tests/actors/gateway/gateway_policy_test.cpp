// Tests the gateway's pure decisions: what follows each kind of processor answer (a
// decline settles as failed and is never retried, a retryable answer is rescheduled until
// the attempt bound, then looked up; an uncertain one is looked up at once), what a lookup
// or poll leads to (a failure saved under the key with no record fails the operation), the
// full-jitter backoff bounds, and the token bucket.
#include "actors/gateway_policy.hpp"

#include <gtest/gtest.h>

#include "actors/ledger_clock.hpp"

namespace escrowd::actors {
namespace {

using std::chrono::milliseconds;

gateway_config config() {
  gateway_config settings;
  settings.retry_delay_base = milliseconds(100);
  settings.retry_delay_cap = milliseconds(1'000);
  settings.retry_delay_floor = milliseconds(10);
  settings.attempts_max = 5;
  return with_defaults(settings);
}

processor_object object(processor_kind kind, std::string status) {
  processor_object made;
  made.kind = kind;
  made.id = kind == processor_kind::topup ? "pi_1" : "po_1";
  made.operation_id = "op_1";
  made.amount = 100;
  made.status = std::move(status);
  return made;
}

processor_reply object_reply(processor_object made) {
  processor_reply reply;
  reply.kind = reply_kind::object;
  reply.object = std::move(made);
  return reply;
}

processor_reply of_kind(reply_kind kind) {
  processor_reply reply;
  reply.kind = kind;
  reply.detail = "detail";
  return reply;
}

TEST(gateway_policy, a_final_object_settles_and_a_pending_one_is_polled) {
  auto step =
      after_send(object_reply(object(processor_kind::topup, "succeeded")), 0, config(), 0.5);
  EXPECT_EQ(step.what, next_step::settle);
  EXPECT_EQ(step.verdict.status, processor_status::succeeded);
  EXPECT_EQ(step.verdict.processor_object_id, "pi_1");

  step = after_send(object_reply(object(processor_kind::withdrawal, "pending")), 0, config(), 0.5);
  EXPECT_EQ(step.what, next_step::poll);
  EXPECT_EQ(step.object_id, "po_1");

  step = after_send(object_reply(object(processor_kind::withdrawal, "paid")), 0, config(), 0.5);
  EXPECT_EQ(step.what, next_step::settle);
  EXPECT_EQ(step.verdict.status, processor_status::paid);
}

TEST(gateway_policy, a_decline_settles_as_failed_with_its_code) {
  auto reply = of_kind(reply_kind::declined);
  reply.failure_code = "insufficient_funds";
  reply.failure_message = "Your card has insufficient funds.";
  auto declined_intent = object(processor_kind::topup, "requires_payment_method");
  declined_intent.has_failure = true;
  reply.object = declined_intent;
  const auto step = after_send(reply, 3, config(), 0.5);
  EXPECT_EQ(step.what, next_step::settle);
  EXPECT_EQ(step.verdict.status, processor_status::failed);
  EXPECT_EQ(step.verdict.failure_code, "insufficient_funds");
  EXPECT_EQ(step.verdict.processor_object_id, "pi_1");

  // An id too long to store is left out: the operation would refuse the verdict with it.
  declined_intent.id = std::string(processor_object_id_length_max + 1, 'p');
  reply.object = declined_intent;
  const auto unstorable = after_send(reply, 0, config(), 0.5);
  EXPECT_EQ(unstorable.what, next_step::settle);
  EXPECT_EQ(unstorable.verdict.status, processor_status::failed);
  EXPECT_TRUE(unstorable.verdict.processor_object_id.empty());
}

TEST(gateway_policy, retryable_answers_are_rescheduled_until_the_bound_then_looked_up) {
  for (std::uint32_t attempts = 0; attempts + 1 < config().attempts_max; ++attempts) {
    const auto step = after_send(of_kind(reply_kind::retryable), attempts, config(), 1.0);
    EXPECT_EQ(step.what, next_step::reschedule) << attempts;
    EXPECT_GE(step.delay, config().retry_delay_floor);
    EXPECT_LE(step.delay, config().retry_delay_cap);
  }
  const auto last = after_send(of_kind(reply_kind::retryable), 4, config(), 1.0);
  EXPECT_EQ(last.what, next_step::look_up);
  EXPECT_NE(last.reason.find("gave up after 5 attempts"), std::string::npos);
}

TEST(gateway_policy, retry_after_and_rate_limits_are_honoured) {
  auto reply = of_kind(reply_kind::retryable);
  reply.retry_after = milliseconds(2'000);
  reply.rate_limited = true;
  const auto step = after_send(reply, 0, config(), 0.0);
  EXPECT_EQ(step.what, next_step::reschedule);
  EXPECT_EQ(step.delay, milliseconds(2'000));
  EXPECT_TRUE(step.rate_limited);
}

TEST(gateway_policy, an_uncertain_answer_is_looked_up_never_retried) {
  const auto step = after_send(of_kind(reply_kind::uncertain), 0, config(), 0.5);
  EXPECT_EQ(step.what, next_step::look_up);
}

gateway_step asked(bool absence_is_final) {
  gateway_step step;
  step.what = next_step::look_up;
  step.reason = "why";
  step.absence_is_final = absence_is_final;
  return step;
}

TEST(gateway_policy, lookups_settle_poll_or_park) {
  const auto settings = config();
  processor_lookup nothing;
  nothing.answered = true;
  EXPECT_EQ(after_lookup(nothing, asked(false), 0, 0, settings, 0.5).what, next_step::reschedule);
  const auto bound = settings.attempts_max - 1;
  EXPECT_EQ(after_lookup(nothing, asked(false), bound, bound, settings, 0.5).what, next_step::park);
  EXPECT_NE(
      after_lookup(nothing, asked(false), bound, bound, settings, 0.5).reason.find("no record"),
      std::string::npos);

  processor_lookup one = nothing;
  one.objects.push_back(object(processor_kind::topup, "succeeded"));
  EXPECT_EQ(after_lookup(one, asked(false), 0, 0, settings, 0.5).what, next_step::settle);
  EXPECT_EQ(after_lookup(one, asked(true), 0, 0, settings, 0.5).what, next_step::settle);

  processor_lookup two = one;
  two.objects.push_back(object(processor_kind::topup, "succeeded"));
  EXPECT_EQ(after_lookup(two, asked(true), 0, 0, settings, 0.5).what, next_step::park);

  processor_lookup in_progress = nothing;
  in_progress.objects.push_back(object(processor_kind::withdrawal, "in_transit"));
  EXPECT_EQ(after_lookup(in_progress, asked(false), 0, 0, settings, 0.5).what, next_step::poll);
}

TEST(gateway_policy, an_unanswered_lookup_sends_again_until_the_attempt_bound_then_parks) {
  const auto settings = config();
  processor_lookup unanswered;
  const auto again = after_lookup(unanswered, asked(true), 0, 0, settings, 0.5);
  EXPECT_EQ(again.what, next_step::reschedule);
  EXPECT_GE(again.delay, settings.retry_delay_floor);
  const auto last = after_lookup(unanswered, asked(true), settings.attempts_max - 1,
                                 settings.attempts_max - 1, settings, 0.5);
  EXPECT_EQ(last.what, next_step::park);
  EXPECT_NE(last.reason.find("lookup failed"), std::string::npos);
}

// A 5xx the processor saved under the key replays on every send: nothing can happen under
// the key any more, so records that keep showing nothing mean nothing happened.
TEST(gateway_policy, a_saved_failure_with_no_record_fails_after_the_absence_lookups) {
  auto settings = config();
  settings.absence_lookups = 3;
  processor_reply replayed;
  replayed.kind = reply_kind::uncertain;
  replayed.failure_saved_under_key = true;
  const auto look = after_send(replayed, 0, settings, 0.5);
  ASSERT_EQ(look.what, next_step::look_up);
  EXPECT_TRUE(look.absence_is_final);

  processor_lookup nothing;
  nothing.answered = true;
  EXPECT_EQ(after_lookup(nothing, look, 0, 0, settings, 0.5).what, next_step::reschedule);
  EXPECT_EQ(after_lookup(nothing, look, 1, 1, settings, 0.5).what, next_step::reschedule);
  const auto failed = after_lookup(nothing, look, 2, 2, settings, 0.5);
  ASSERT_EQ(failed.what, next_step::settle);
  EXPECT_EQ(failed.verdict.status, processor_status::failed);
  EXPECT_EQ(failed.verdict.failure_code, "processor_error");
  // Failed sends before the saved failure are attempts, not lookups: with two of them the
  // first lookup that finds nothing is one of three, however many attempts came before
  // (a lagging list may show the record at the next).
  EXPECT_EQ(after_lookup(nothing, look, 2, 0, settings, 0.5).what, next_step::reschedule);
  EXPECT_EQ(after_lookup(nothing, look, 3, 1, settings, 0.5).what, next_step::reschedule);
  EXPECT_EQ(after_lookup(nothing, look, 4, 2, settings, 0.5).what, next_step::settle);
  // An unanswered lookup found nothing out: it does not count as one.
  processor_lookup unanswered;
  EXPECT_EQ(after_lookup(unanswered, look, 2, 2, settings, 0.5).what, next_step::reschedule);

  // Any other uncertain answer (a first 5xx, an unreadable success) may hide an effect the
  // records do not show yet, or a key still running: it never fails the operation, it
  // sends again with the key until the attempt bound parks it.
  processor_reply unreadable;
  unreadable.kind = reply_kind::uncertain;
  const auto unsure = after_send(unreadable, 0, settings, 0.5);
  EXPECT_FALSE(unsure.absence_is_final);
  EXPECT_EQ(after_lookup(nothing, unsure, 2, 2, settings, 0.5).what, next_step::reschedule);
  EXPECT_EQ(after_lookup(nothing, unsure, settings.attempts_max - 1, settings.attempts_max - 1,
                         settings, 0.5)
                .what,
            next_step::park);
}

// A search lagging its writes shows nothing it was not given `search_lag` ago: before then
// an absence that would fail the operation waits (no attempt counted) until it has passed.
TEST(gateway_policy, a_lagging_search_proves_an_absence_only_once_its_lag_has_passed) {
  processor_lookup nothing;
  nothing.answered = true;
  nothing.search_lag = std::chrono::seconds(60);
  gateway_step final_absence;
  final_absence.what = next_step::look_up;
  final_absence.absence_is_final = true;
  EXPECT_FALSE(absence_is_current(nothing, 1'000, 1'059));
  EXPECT_TRUE(absence_is_current(nothing, 1'000, 1'060));
  const auto wait = wait_for_search(nothing, final_absence, 1'000, 1'045);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(wait->what, next_step::reschedule);
  EXPECT_EQ(wait->delay, std::chrono::seconds(15));
  EXPECT_FALSE(wait_for_search(nothing, final_absence, 1'000, 1'060).has_value());
  // Only an absence that decides something waits; an object found or no answer never does.
  gateway_step unsure = final_absence;
  unsure.absence_is_final = false;
  EXPECT_FALSE(wait_for_search(nothing, unsure, 1'000, 1'045).has_value());
  processor_lookup found = nothing;
  found.objects.push_back(object(processor_kind::topup, "succeeded"));
  EXPECT_FALSE(wait_for_search(found, final_absence, 1'000, 1'045).has_value());
  processor_lookup unanswered;
  unanswered.search_lag = nothing.search_lag;
  EXPECT_FALSE(wait_for_search(unanswered, final_absence, 1'000, 1'045).has_value());
  // A current search (a list, the simulator's search) is believed at once.
  nothing.search_lag = std::chrono::seconds(0);
  EXPECT_TRUE(absence_is_current(nothing, 1'000, 1'000));
}

// Past the processor's memory of the key a send could run again: never sent, looked up,
// and an absence then is never final (the operation parks for an admin to cancel).
TEST(gateway_policy, an_operation_past_the_key_horizon_is_looked_up_never_sent) {
  auto settings = config();
  settings.key_resend_horizon = std::chrono::seconds(3600);
  EXPECT_FALSE(past_key_resend_horizon(1'000'000, 1'000'000 + 3599, settings));
  EXPECT_TRUE(past_key_resend_horizon(1'000'000, 1'000'000 + 3600, settings));
  EXPECT_EQ(with_defaults({}).key_resend_horizon, key_resend_horizon_default);
  // The ledger's clock may run 1/20 slow (after the system clock stepped back): the horizon
  // stretched by that still ends before the processor forgets the key (24 h).
  EXPECT_LT(
      key_resend_horizon_default * ledger_clock::drift_divisor / (ledger_clock::drift_divisor - 1),
      std::chrono::hours(24));
  const auto look = past_horizon_lookup();
  EXPECT_EQ(look.what, next_step::look_up);
  EXPECT_FALSE(look.absence_is_final);
  processor_lookup nothing;
  nothing.answered = true;
  EXPECT_EQ(after_lookup(nothing, look, 0, 5, settings, 0.5).what, next_step::reschedule);
  EXPECT_EQ(after_lookup(nothing, look, settings.attempts_max - 1, 9, settings, 0.5).what,
            next_step::park);
  processor_lookup pending_payout = nothing;
  pending_payout.objects.push_back(object(processor_kind::withdrawal, "pending"));
  EXPECT_EQ(after_lookup(pending_payout, look, 0, 0, settings, 0.5).what, next_step::poll);
}

TEST(gateway_policy, a_poll_without_an_answer_polls_again) {
  processor_lookup unanswered;
  const auto step = after_poll(unanswered, "po_1");
  EXPECT_EQ(step.what, next_step::poll);
  EXPECT_EQ(step.object_id, "po_1");
}

TEST(gateway_policy, backoff_is_full_jitter_under_an_exponential_ceiling) {
  const auto settings = config();
  EXPECT_EQ(backoff_delay(settings, 1, 1.0), milliseconds(100));
  EXPECT_EQ(backoff_delay(settings, 2, 1.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(settings, 3, 0.5), milliseconds(200));
  EXPECT_EQ(backoff_delay(settings, 20, 1.0), milliseconds(1'000));  // the cap
  EXPECT_EQ(backoff_delay(settings, 1'000'000, 1.0), milliseconds(1'000));
  EXPECT_EQ(backoff_delay(settings, 3, 0.0), milliseconds(10));  // the floor
}

TEST(gateway_policy, poll_delays_double_up_to_the_cap) {
  gateway_config settings;
  settings.poll_delay_initial = milliseconds(100);
  settings.poll_delay_cap = milliseconds(300);
  EXPECT_EQ(next_poll_delay(settings, milliseconds(0)), milliseconds(100));
  EXPECT_EQ(next_poll_delay(settings, milliseconds(100)), milliseconds(200));
  EXPECT_EQ(next_poll_delay(settings, milliseconds(200)), milliseconds(300));
}

TEST(gateway_policy, defaults_fill_every_zero) {
  const auto settings = with_defaults({});
  EXPECT_EQ(settings.calls_in_flight_max, processor_calls_in_flight_max_default);
  EXPECT_EQ(settings.attempts_max, attempts_max_default);
  EXPECT_EQ(settings.retry_delay_cap, retry_delay_cap_default);
  EXPECT_EQ(settings.outbox_scan_interval, outbox_scan_interval_default);
}

TEST(token_bucket, refills_at_its_rate_up_to_its_burst) {
  const auto start = std::chrono::steady_clock::now();
  token_bucket bucket(10.0, 2.0, start);
  EXPECT_TRUE(bucket.try_take(start));
  EXPECT_TRUE(bucket.try_take(start));
  EXPECT_FALSE(bucket.try_take(start));
  EXPECT_EQ(bucket.wait(start), milliseconds(100));
  EXPECT_FALSE(bucket.try_take(start + milliseconds(50)));
  EXPECT_TRUE(bucket.try_take(start + milliseconds(100)));
  // A long idle time refills only up to the burst.
  const auto later = start + std::chrono::seconds(60);
  EXPECT_TRUE(bucket.try_take(later));
  EXPECT_TRUE(bucket.try_take(later));
  EXPECT_FALSE(bucket.try_take(later));
}

// The object must carry what was sent; a processor may leave out metadata and currency.
TEST(gateway_policy, an_object_with_another_amount_currency_or_operation_is_not_the_operations) {
  const expected_object sent{"op_1", 100, "usd"};
  auto made = object(processor_kind::topup, "succeeded");
  made.currency = "usd";
  EXPECT_FALSE(object_contradiction(made, sent).has_value());
  auto bare = made;
  bare.currency.clear();
  bare.operation_id.clear();
  EXPECT_FALSE(object_contradiction(bare, sent).has_value());

  auto more = made;
  more.amount = 101;
  EXPECT_EQ(object_contradiction(more, sent),
            "the processor's object pi_1 has amount 101, not 100");
  auto euros = made;
  euros.currency = "eur";
  EXPECT_EQ(object_contradiction(euros, sent),
            "the processor's object pi_1 has currency eur, not usd");
  auto other = made;
  other.operation_id = "op_2";
  EXPECT_EQ(object_contradiction(other, sent), "the processor's object pi_1 names operation op_2");
  auto unstorable = made;
  unstorable.id = std::string(processor_object_id_length_max + 1, 'p');
  EXPECT_EQ(object_contradiction(unstorable, sent),
            "the processor's object id has 256 characters, more than 255");
  auto nothing = bare;
  nothing.amount = 0;  // an amount it always carries: none is not the operation's
  EXPECT_TRUE(object_contradiction(nothing, sent).has_value());
}

}  // namespace
}  // namespace escrowd::actors
