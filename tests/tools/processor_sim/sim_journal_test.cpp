// Tests the simulator's state file (sim_journal, journal_codec, api::open_state_file): a
// simulator is driven through its api as the server drives it, then a fresh one (a restart)
// opens the same file and must show the same PaymentIntents and Payouts in the same list
// order, replay idempotent retries with the stored answer, move scheduled transitions at
// their stored due times, give back undelivered webhooks, tolerate a torn last line, refuse
// garbage in the middle or a newer format, and keep everything through compaction; on a
// full disk it answers 503, shows nothing and appends nothing behind the part of a line the
// failed write left, until the file holds every record again. (Compaction while running:
// sim_journal_compaction_test.cpp.)
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/utf8.hpp"
#include "sim_journal_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

namespace fs = std::filesystem;

TEST_F(sim_journal_test, a_restart_shows_the_same_objects_in_the_same_order) {
  build_world();
  const std::string before = sim().everything();
  start();
  EXPECT_EQ(sim().everything(), before);
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + held_), "requires_capture");
}

TEST_F(sim_journal_test, an_idempotent_retry_after_a_restart_replays_the_stored_answer) {
  const auto first = sim().call("POST", "/v1/payment_intents", visa, "key-retry");
  ASSERT_EQ(first.status, 200) << first.body;
  start();
  const auto retried = sim().call("POST", "/v1/payment_intents", visa, "key-retry");
  EXPECT_EQ(retried.body, first.body);
  EXPECT_EQ(header_of(retried, "Idempotent-Replayed"), "true");
  EXPECT_EQ(header_of(retried, "Original-Request"), header_of(first, "Request-Id"));
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/charges").body).as_array().size(), 1u);
  const auto other_params =
      sim().call("POST", "/v1/payment_intents", visa + "&description=x", "key-retry");
  EXPECT_EQ(other_params.status, 400) << "the key's fingerprint came back too";
}

TEST_F(sim_journal_test, scheduled_transitions_happen_at_their_stored_due_times) {
  build_world();
  // Settings that would put both transitions far later if due times were recomputed.
  api_options later = default_options();
  later.settings.payout_settle_ms = 3'600'000;
  later.settings.authorization_expiry_s = 100 * 3600;
  start(later);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + pending_), "pending");
  sim().advance_ms(1000);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + pending_), "paid");
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + held_), "requires_capture");
  sim().advance_ms(3600 * 1000);  // default_options: authorizations expire after an hour
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + held_), "canceled");
}

// The first transition of this payout left its queue and scheduled a second one: a replay
// that forgot the take would fail the payout at once.
TEST_F(sim_journal_test, a_payout_paid_then_failed_keeps_its_second_due_time) {
  const auto payout =
      sim().post("/v1/payouts", "amount=500&currency=usd&destination=ba_paid_then_fail");
  sim().advance_ms(1000);
  ASSERT_EQ(sim().status_of("/v1/payouts/" + payout), "paid");
  start();
  sim().advance_ms(500);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + payout), "paid");
  sim().advance_ms(500);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + payout), "failed");
}

TEST_F(sim_journal_test, the_clock_offset_survives_a_restart) {
  sim().advance_ms(5'000'000);
  const auto before = boost::json::parse(sim().call("GET", "/_sim/clock").body).at("now_ms");
  start();
  const auto after = boost::json::parse(sim().call("GET", "/_sim/clock").body).at("now_ms");
  EXPECT_GE(after.as_int64(), before.as_int64());
}

TEST_F(sim_journal_test, a_fixed_seed_repeats_no_id_after_a_restart) {
  const auto first = sim().post("/v1/payment_intents", visa);
  start();
  const auto second = sim().post("/v1/payment_intents", visa);
  EXPECT_NE(first, second);
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + first), "succeeded");
}

TEST_F(sim_journal_test, undelivered_webhooks_are_delivered_after_a_restart) {
  sim().logic.track_webhook_deliveries();  // as the server does when it has a sender
  sim().post("/v1/payment_intents", visa);
  auto queued = sim().logic.take_events();
  ASSERT_EQ(queued.size(), 1u);
  sim().post("/v1/payouts", "amount=500&currency=usd");
  auto delivered = sim().logic.take_events();
  ASSERT_EQ(delivered.size(), 1u);
  sim().logic.webhook_settled(delivered[0].delivery);
  start();
  auto again = sim().logic.take_events();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, queued[0].id);
  EXPECT_EQ(again[0].body, queued[0].body);
  sim().logic.webhook_settled(again[0].delivery);
  start();
  EXPECT_TRUE(sim().logic.take_events().empty());
}

TEST_F(sim_journal_test, a_reset_survives_a_restart) {
  build_world();
  ASSERT_EQ(sim().call("POST", "/_sim/reset").status, 200);
  start();
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/charges").body).as_array().size(), 0u);
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/payouts").body).as_array().size(), 0u);
  const auto fresh = sim().call("POST", "/v1/payment_intents", visa, "key-confirmed");
  EXPECT_EQ(header_of(fresh, "Idempotent-Replayed"), "") << "the reset forgot the keys too";
}

TEST_F(sim_journal_test, a_torn_last_line_is_ignored) {
  build_world();
  const std::string before = sim().everything();
  sim_.reset();  // the process died in the middle of its next write
  append_to_file(R"({"changes":[{"type":"payment_intent","object":{"id":"pi_torn","amo)");
  start();
  EXPECT_EQ(sim().everything(), before);
  EXPECT_EQ(file_text().find("pi_torn"), std::string::npos) << "compaction drops the torn tail";
  start();
  EXPECT_EQ(sim().everything(), before);
}

TEST_F(sim_journal_test, garbage_in_the_middle_is_refused) {
  build_world();
  sim_.reset();
  std::string text = file_text();
  const auto second_line = text.find('\n') + 1;
  text.insert(second_line, "not json at all\n");
  std::ofstream(file_, std::ios::binary | std::ios::trunc) << text;
  simulator refused(default_options(), file_);
  ASSERT_TRUE(refused.problem);
  EXPECT_NE(refused.problem->find("line 2: not JSON"), std::string::npos) << *refused.problem;
  EXPECT_EQ(file_text(), text) << "a refused file is left as it was";
}

TEST_F(sim_journal_test, an_unknown_change_or_a_newer_format_is_refused) {
  sim_.reset();
  append_to_file(R"({"changes":[{"type":"refund","id":"re_1"}]})"
                 "\n");
  simulator unknown_change(default_options(), file_);
  ASSERT_TRUE(unknown_change.problem);
  EXPECT_NE(unknown_change.problem->find("unknown change type 'refund'"), std::string::npos)
      << *unknown_change.problem;

  std::ofstream(file_, std::ios::binary | std::ios::trunc)
      << R"({"format":"escrowd-processor-sim-state","version":2,"generation":0})"
         "\n";
  simulator newer(default_options(), file_);
  ASSERT_TRUE(newer.problem);
  EXPECT_NE(newer.problem->find("format version 2"), std::string::npos) << *newer.problem;
}

TEST_F(sim_journal_test, a_change_missing_a_field_is_refused) {
  sim_.reset();
  append_to_file(R"({"changes":[{"type":"payout","object":{"id":"po_1"}}]})"
                 "\n");
  simulator refused(default_options(), file_);
  ASSERT_TRUE(refused.problem);
  EXPECT_NE(refused.problem->find("line 2"), std::string::npos) << *refused.problem;
  EXPECT_NE(refused.problem->find("missing"), std::string::npos) << *refused.problem;
}

// Bytes that are not UTF-8 (a parameter, an Idempotency-Key, the API key or the path) were
// stored as they came and written to the file as they were, which its JSON parser refuses:
// one such request and the next start (escrowd's too) refused the file. Now they are 400
// (401 for the API key) before execution, as invalid input, and never reach the file.
TEST_F(sim_journal_test, bytes_that_are_not_utf8_are_refused_and_never_reach_the_file) {
  const auto in_metadata =
      sim().call("POST", "/v1/payment_intents", visa + "&metadata[order]=%FF", "key-metadata");
  EXPECT_EQ(in_metadata.status, 400) << in_metadata.body;
  const auto in_key = sim().call("POST", "/v1/payment_intents", visa, std::string("key-\xC3("));
  EXPECT_EQ(in_key.status, 400) << in_key.body;
  const auto in_path =
      sim().call("POST", std::string("/v1/payment_intents/pi_\xFF/cancel"), "", "key-path");
  EXPECT_EQ(in_path.status, 400) << in_path.body;
  api_request in_api_key;
  in_api_key.method = "POST";
  in_api_key.target = "/v1/payment_intents";
  in_api_key.body = visa;
  in_api_key.authorization = "Bearer sk_test_\xE2\x82";
  in_api_key.has_idempotency_key = true;
  in_api_key.idempotency_key = "key-api-key";
  const auto refused = sim().logic.prepare(in_api_key);
  ASSERT_TRUE(refused.reply);
  EXPECT_EQ(refused.reply->status, 401) << refused.reply->body;
  for (const auto* reply : {&in_metadata, &in_key, &in_path, &*refused.reply})
    EXPECT_TRUE(is_utf8(reply->body)) << reply->body;
  // Text that is UTF-8 is kept as sent.
  const auto accented = sim().call("POST", "/v1/payment_intents",
                                   visa + "&metadata[order]=%C3%A9t%C3%A9", "key-\xC3\xA9");
  ASSERT_EQ(accented.status, 200) << accented.body;
  start();
  const auto replayed = sim().call("POST", "/v1/payment_intents",
                                   visa + "&metadata[order]=%C3%A9t%C3%A9", "key-\xC3\xA9");
  EXPECT_EQ(header_of(replayed, "Idempotent-Replayed"), "true");
  EXPECT_EQ(replayed.body, accented.body);
}

// A file an older build wrote with such bytes in it (before they were refused) stopped every
// start: it is read, bytes and all, and keeps its records and keys.
TEST_F(sim_journal_test, a_file_holding_bytes_that_are_not_utf8_still_starts) {
  const auto first =
      sim().call("POST", "/v1/payment_intents", visa + "&metadata[order]=x", "key-old-build");
  ASSERT_EQ(first.status, 200) << first.body;
  sim_.reset();
  std::string text = file_text();
  for (std::size_t at = 0; (at = text.find("\"order\":\"x\"", at)) != std::string::npos;)
    text.replace(at += 9, 1, "\xFF");  // what the old build wrote for metadata[order]=%FF
  std::ofstream(file_, std::ios::binary | std::ios::trunc) << text;
  start();
  // (Answers quoting those bytes are not JSON to a strict parser: only the count is read.)
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/stats").body).at("payment_intents"), 1);
  const auto retried =
      sim().call("POST", "/v1/payment_intents", visa + "&metadata[order]=x", "key-old-build");
  EXPECT_EQ(header_of(retried, "Idempotent-Replayed"), "true");
  start();
}

// A capture's metadata changes reach the file with the capture itself, and the restart
// replays the merged map, whether from the appended line or from the compacted file.
TEST_F(sim_journal_test, metadata_merged_by_a_capture_survives_restarts) {
  const auto id = sim().post("/v1/payment_intents",
                             visa + "&capture_method=manual&metadata[a]=1&metadata[b]=2");
  const auto captured = sim().call("POST", "/v1/payment_intents/" + id + "/capture",
                                   "metadata[b]=&metadata[c]=3", "key-capture");
  ASSERT_EQ(captured.status, 200) << captured.body;
  const boost::json::value merged = boost::json::object{{"a", "1"}, {"c", "3"}};
  for (int restart = 0; restart < 2; ++restart) {
    start();
    const auto intent = boost::json::parse(sim().call("GET", "/v1/payment_intents/" + id).body);
    EXPECT_EQ(intent.at("metadata"), merged) << "restart " << restart;
    EXPECT_EQ(intent.at("status"), "succeeded") << "restart " << restart;
    const auto found = boost::json::parse(
        sim().call("GET", search_target("metadata['c']:'3' AND metadata['a']:'1'")).body);
    EXPECT_EQ(found.at("data").as_array().size(), 1u) << "restart " << restart;
    const auto retried = sim().call("POST", "/v1/payment_intents/" + id + "/capture",
                                    "metadata[b]=&metadata[c]=3", "key-capture");
    EXPECT_EQ(retried.body, captured.body) << "restart " << restart;
  }
}

TEST_F(sim_journal_test, compaction_keeps_everything_and_only_the_last_state) {
  build_world();
  for (int i = 0; i < 20; ++i) sim().advance_ms(1);  // lines that compaction folds away
  const std::string before = sim().everything();
  const auto grown = fs::file_size(file_);
  start();
  const auto compacted = fs::file_size(file_);
  EXPECT_LT(compacted, grown);
  EXPECT_EQ(file_text().rfind(R"({"format":"escrowd-processor-sim-state","version":1,)", 0), 0u);
  EXPECT_EQ(sim().everything(), before);
  start();
  EXPECT_EQ(fs::file_size(file_), compacted) << "only the generation's digit changed";
  EXPECT_EQ(sim().everything(), before);
}

// Within escrowd a failed append must not take the server down (it aborted): the request
// answers 503, nothing is shown (a replay, a list, a webhook) while memory holds what the
// file lacks, and once the disk has room the file is rewritten whole and all goes on.
TEST_F(sim_journal_test, a_full_disk_answers_503_shows_nothing_and_recovers_once_written) {
  if (!mount_small_disk()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  file_ = small_disk() / "state.log";
  start();
  fill_small_disk();
  // Appends fill the state file's last page first: charge until one cannot be written.
  std::size_t written = 0;
  std::string key;
  api_reply failed;
  for (; written < 200; ++written) {
    key = "key-full-" + std::to_string(written);
    failed = sim().call("POST", "/v1/payment_intents", visa, key);
    if (failed.status != 200) break;
  }
  ASSERT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(header_of(failed, "Stripe-Should-Retry"), "true");
  EXPECT_EQ(sim().call("GET", "/v1/payment_intents?limit=10").status, 503);
  EXPECT_EQ(sim().call("POST", "/v1/payment_intents", visa, key).status, 503);
  EXPECT_TRUE(sim().logic.take_events().empty());

  remove_filler();
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));  // a rewrite a second at most
  const auto retried = sim().call("POST", "/v1/payment_intents", visa, key);
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(header_of(retried, "Idempotent-Replayed"), "true");
  start();
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/charges").body).as_array().size(),
            written + 1);
}

// The line of a call's changes could not be built (a failed allocation, injected): the
// changes were already taken from memory's change lists, so without the file marked behind
// they never reached it, and a restart lost a charge whose key had answered.
TEST_F(sim_journal_test, a_line_that_cannot_be_built_is_written_by_a_rewrite_before_answers) {
  sim().logic.set_stage_hook([armed = true](call_stage reached) mutable {
    if (reached != call_stage::journal_line || !armed) return;
    armed = false;
    throw std::bad_alloc();
  });
  const auto failed = sim().call("POST", "/v1/payment_intents", visa, "key-unbuilt");
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(header_of(failed, "Stripe-Should-Retry"), "true");
  std::this_thread::sleep_for(std::chrono::milliseconds(1'100));  // a rewrite a second at most
  const auto retried = sim().call("POST", "/v1/payment_intents", visa, "key-unbuilt");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(header_of(retried, "Idempotent-Replayed"), "true");
  start();
  EXPECT_EQ(boost::json::parse(sim().call("GET", "/_sim/charges").body).as_array().size(), 1u);
  const auto after_restart = sim().call("POST", "/v1/payment_intents", visa, "key-unbuilt");
  EXPECT_EQ(header_of(after_restart, "Idempotent-Replayed"), "true");
  EXPECT_EQ(after_restart.body, retried.body);
}

// A failed append can leave part of a line at the end of the file. A webhook settled before
// the rewrite used to be appended behind that part, making it a garbage line in the middle:
// the next start refused the file. Now nothing is appended until the file was rewritten.
TEST_F(sim_journal_test, nothing_is_appended_behind_the_torn_line_a_full_disk_left) {
  if (!mount_small_disk()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  file_ = small_disk() / "state.log";
  start();
  sim().logic.track_webhook_deliveries();
  sim().post("/v1/payment_intents", visa, "key-answered");
  const auto in_flight = sim().logic.take_events();
  ASSERT_EQ(in_flight.size(), 1u);
  fill_small_disk();
  std::size_t answered = 1;
  api_reply failed;
  for (; answered < 200; ++answered) {
    failed = sim().call("POST", "/v1/payment_intents", visa, "key-" + std::to_string(answered));
    if (failed.status != 200) break;
  }
  ASSERT_EQ(failed.status, 503) << failed.body;
  ASSERT_FALSE(file_text().ends_with('\n')) << "the failed append wrote part of its line";

  remove_filler();
  sim().logic.webhook_settled(in_flight[0].delivery);  // before any request could rewrite
  const std::string after_the_settlement = file_text();
  sim_.reset();  // a crash before the rewrite
  simulator restarted(default_options(), file_);
  ASSERT_FALSE(restarted.problem) << *restarted.problem;
  EXPECT_EQ(after_the_settlement.find("webhook_settled"), std::string::npos);
  const auto charges = boost::json::parse(restarted.call("GET", "/_sim/charges").body);
  EXPECT_EQ(charges.as_array().size(), answered) << "every charge answered 200, none other";
  restarted.logic.track_webhook_deliveries();
  EXPECT_EQ(restarted.logic.take_events().size(), 1u) << "the unsettled event is sent again";
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
