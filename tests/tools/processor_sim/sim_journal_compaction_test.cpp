// Tests the state file's compaction while the simulator runs (sim_journal::rewrite through
// the api, with thresholds of a few KiB): the file shrinks back once grown past the
// threshold and a restart then finds the same objects, keys, scheduled transitions and
// undelivered events; a rewrite that fails keeps the old file, complete, in use and tries
// again only after more growth; and a crash between writing PATH.tmp and the rename (the disk
// as the crash leaves it, built from real files) loses nothing.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim_journal_fixture.hpp"

namespace escrowd::processor_sim::testing {
namespace {

namespace fs = std::filesystem;

api_options compacting(std::uint64_t floor_bytes, std::uint64_t growth_factor) {
  api_options options = default_options();
  options.state_file_compaction = {floor_bytes, growth_factor};
  return options;
}

class sim_journal_compaction_test : public sim_journal_test {
 protected:
  // The state file's figures as GET /_sim/stats reports them.
  boost::json::object file_stats() {
    const auto stats = boost::json::parse(sim().call("GET", "/_sim/stats").body);
    return stats.at("state_file").as_object();
  }
  std::uint64_t stat(std::string_view name) {
    return file_stats().at(name).to_number<std::uint64_t>();
  }
  std::string first_line() {
    const std::string text = file_text();
    return text.substr(0, text.find('\n'));
  }
  // A line that compaction folds away: the clock's offset, which only its last value matters.
  void grow() { sim().advance_ms(1); }
};

TEST_F(sim_journal_compaction_test, the_file_shrinks_back_past_the_threshold_and_keeps_the_state) {
  build_world();
  // Transitions scheduled from now on are due in an hour; the hold build_world left expires
  // an hour after it was made, which a replay that recomputed due times would put off.
  api_options options = compacting(0, 2);
  options.settings.payout_settle_ms = 3'600'000;
  options.settings.authorization_expiry_s = 100 * 3600;
  start(options);
  sim().logic.track_webhook_deliveries();
  const auto pending = sim().post("/v1/payouts", "amount=800&currency=usd", "key-with-event");
  const auto undelivered = sim().logic.take_events();
  ASSERT_EQ(undelivered.size(), 1u);
  sim().post("/v1/payment_intents", visa);
  const auto delivered = sim().logic.take_events();
  ASSERT_EQ(delivered.size(), 1u);
  sim().logic.webhook_settled(delivered[0].delivery);
  const std::string header = first_line();

  std::uint64_t largest = 0;
  while (stat("compactions") < 2) {
    grow();
    const auto size = fs::file_size(file_);
    largest = std::max<std::uint64_t>(largest, size);
    ASSERT_EQ(size, stat("file_bytes")) << "the journal counts what it writes";
    ASSERT_LE(size, 2 * stat("compacted_bytes")) << "compacted as soon as it was due";
  }
  EXPECT_EQ(stat("file_bytes"), stat("compacted_bytes")) << "the file is the compaction alone";
  EXPECT_LT(fs::file_size(file_), largest);
  EXPECT_EQ(stat("failed_compactions"), 0u);
  EXPECT_EQ(first_line(), header) << "a compaction while running is not a new start";
  const std::string before = sim().everything();

  start(options);
  EXPECT_EQ(sim().everything(), before);
  const auto replayed =
      sim().call("POST", "/v1/payouts", "amount=800&currency=usd", "key-with-event");
  EXPECT_EQ(header_of(replayed, "Idempotent-Replayed"), "true");
  const auto sent_again = sim().logic.take_events();
  ASSERT_EQ(sent_again.size(), 1u) << "the delivered event is not sent again";
  EXPECT_EQ(sent_again[0].id, undelivered[0].id);
  EXPECT_EQ(sent_again[0].body, undelivered[0].body);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + pending), "pending");
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + held_), "requires_capture");
  sim().advance_ms(3600 * 1000);
  EXPECT_EQ(sim().status_of("/v1/payouts/" + pending), "paid");
  EXPECT_EQ(sim().status_of("/v1/payment_intents/" + held_), "canceled");
}

// A directory where PATH.tmp goes makes every rewrite fail, as a full disk or a directory
// without write permission would, while appends still work.
TEST_F(sim_journal_compaction_test, a_failed_rewrite_keeps_the_old_file_and_retries_after_growth) {
  build_world();
  start(compacting(0, 2));
  const fs::path temporary = file_.string() + ".tmp";
  fs::create_directory(temporary);
  while (stat("failed_compactions") == 0) {
    ASSERT_LE(stat("file_bytes"), 2 * stat("compacted_bytes")) << "no attempt when due";
    grow();  // answered 200 all the same (advance_ms checks)
  }
  const std::uint64_t failed_at_bytes = stat("file_bytes");
  const std::uint64_t retry_step_bytes = stat("compacted_bytes");
  EXPECT_EQ(stat("compactions"), 0u);
  grow();
  EXPECT_EQ(stat("failed_compactions"), 1u) << "no new attempt on every line";

  const std::string records = sim().everything();
  const fs::path copy = root_ / "copy.log";
  fs::copy_file(file_, copy);
  simulator from_the_old_file(default_options(), copy);
  ASSERT_FALSE(from_the_old_file.problem) << *from_the_old_file.problem;
  EXPECT_EQ(from_the_old_file.everything(), records) << "the old file holds every line";

  fs::remove(temporary);
  while (stat("compactions") == 0) {
    ASSERT_LE(stat("file_bytes"), failed_at_bytes + retry_step_bytes) << "retried too late";
    EXPECT_EQ(stat("failed_compactions"), 1u);
    grow();
  }
  EXPECT_LT(fs::file_size(file_), failed_at_bytes);
  const std::string after = sim().everything();
  start();
  EXPECT_EQ(sim().everything(), after);
}

// The crash leaves the old file, complete, and PATH.tmp whole or in part: the start replays
// the old file, ignores PATH.tmp and replaces it with its own compaction.
TEST_F(sim_journal_compaction_test, a_crash_between_writing_the_temporary_file_and_the_rename) {
  build_world();
  for (int i = 0; i < 20; ++i) grow();
  const std::string before = sim().everything();
  const std::string old_file = file_text();
  start();  // its compaction is what a rewrite of these records puts into PATH.tmp
  const std::string compacted = file_text();
  const fs::path temporary = file_.string() + ".tmp";
  for (const std::string& written : {compacted, compacted.substr(0, compacted.size() / 2)}) {
    sim_.reset();
    std::ofstream(file_, std::ios::binary | std::ios::trunc) << old_file;
    std::ofstream(temporary, std::ios::binary | std::ios::trunc) << written;
    start();
    EXPECT_EQ(sim().everything(), before) << written.size() << " bytes in PATH.tmp";
    EXPECT_FALSE(fs::exists(temporary));
  }
}

// A start that cannot write its compacted copy (a full disk) starts on the old file as it
// is, its torn last line cut off, once its generation is on file: the next start draws no
// id this one handed out, and finds everything.
TEST_F(sim_journal_compaction_test, a_start_that_cannot_compact_appends_to_the_old_file) {
  build_world();
  const fs::path temporary = file_.string() + ".tmp";
  fs::create_directory(temporary);
  append_to_file(R"({"changes":[)");  // torn
  std::vector<std::string> ids;
  for (int restart = 0; restart < 3; ++restart) {
    start();
    EXPECT_EQ(stat("failed_compactions"), 0u);
    ids.push_back(sim().post("/v1/payment_intents", visa));
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(ids[1], ids[2]);
  EXPECT_NE(ids[0], ids[2]);
  const std::string before = sim().everything();
  fs::remove(temporary);
  start();  // compacts again
  EXPECT_EQ(sim().everything(), before);
  EXPECT_EQ(file_text().find(R"({"generation")"), std::string::npos) << "compacted away";
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
