// The bound on all batch answers held at once (api_settings::batch_answers_in_flight_bytes_max),
// set small over an in-process ledger, api and server: reads past it answer 503 overloaded
// while changes always answer, the batch is not stored under its key (a retry runs it
// again), and a finished batch gives its bytes back.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "actors/ledger.hpp"
#include "actors/wall_clock.hpp"
#include "http/api.hpp"
#include "tests/http/test_client.hpp"
#include "tests/http/test_server.hpp"

namespace escrowd::http::testing {
namespace {

namespace json = boost::json;

constexpr std::string_view admin_secret = "sk_test_batch_answer_bounds_admin_secret";

class batch_answer_bounds : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "escrowd-bounds-XXXXXX");
    data_dir_ = mkdtemp(pattern.data());
    actors::ledger_config config;
    config.data_dir = data_dir_;
    auto opened = actors::ledger::open(config);
    ASSERT_TRUE(opened.has_value()) << describe(opened.code()).code;
    ledger_ = std::move(*opened);
    ASSERT_TRUE(ledger_->bootstrap_admin_key(std::string(admin_secret), actors::unix_now()));
    api_settings settings;
    settings.batch_answers_in_flight_bytes_max = 2'048;  // a handful of account reads
    api_.emplace(*ledger_, settings);
    server_.emplace(test_config(), *api_);
    port_ = start_or_fail(*server_);
  }

  void TearDown() override {
    server_.reset();
    if (api_) api_->stop();
    api_.reset();
    ledger_.reset();
    std::filesystem::remove_all(data_dir_);
  }

  parsed_response post(std::string_view target, const std::string& body,
                       std::string_view idempotency_key = {}) {
    std::string headers = "Authorization: Bearer " + std::string(admin_secret) + "\r\n";
    if (!idempotency_key.empty())
      headers += "Idempotency-Key: " + std::string(idempotency_key) + "\r\n";
    test_client client{port_};
    EXPECT_TRUE(client.send(post_request(target, body, headers)));
    auto answer = client.read_response(std::chrono::seconds{30});
    EXPECT_TRUE(answer.has_value()) << target;
    return answer.value_or(parsed_response{});
  }

  // A batch of `reads` reads of account `id` and, last, the creation of an account.
  std::string reads_then_a_creation(const std::string& id, int reads) {
    json::array operations;
    for (int i = 0; i < reads; ++i)
      operations.push_back(json::object{{"method", "GET"}, {"path", "/v1/accounts/" + id}});
    operations.push_back(json::object{
        {"method", "POST"}, {"path", "/v1/accounts"}, {"body", json::object{{"currency", "usd"}}}});
    return json::serialize(json::object{{"operations", std::move(operations)}});
  }

  static json::array results_of(const parsed_response& answer) {
    const auto parsed = json::parse(answer.body);
    return parsed.at("results").as_array();
  }

  std::string data_dir_;
  std::unique_ptr<actors::ledger> ledger_;
  std::optional<api> api_;
  std::optional<server> server_;  // last: stopped and destroyed before what it calls
  std::uint16_t port_ = 0;
};

TEST_F(batch_answer_bounds, reads_past_the_bound_are_503_changes_answer_and_a_retry_runs_again) {
  const auto created = post("/v1/accounts", R"({"currency":"usd"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto account_id = json::parse(created.body).at("id").as_string();
  const auto batch = reads_then_a_creation(std::string(account_id), 40);

  const auto first = post("/v1/batch", batch, "bounds-batch-1");
  ASSERT_EQ(first.status, 200u) << first.body.substr(0, 500);
  const auto results = results_of(first);
  ASSERT_EQ(results.size(), 41u);
  std::size_t read = 0;
  std::size_t overloaded = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    const auto status = results[i].at("status").as_int64();
    if (status == 200) {
      ++read;
      continue;
    }
    ASSERT_EQ(status, 503) << json::serialize(results[i]);
    EXPECT_EQ(results[i].at("body").at("error").at("code"), "overloaded");
    ++overloaded;
  }
  EXPECT_GT(read, 0u);
  EXPECT_GT(overloaded, 0u);
  ASSERT_EQ(results[40].at("status").as_int64(), 201) << json::serialize(results[40]);
  const auto new_account = results[40].at("body").at("id");

  // Not stored under its key: the retry runs again (no replay), and its creation, keyed by
  // the batch's key, answers the same account. Each batch gave its bytes back when it
  // finished, or the retry's reads would all be refused.
  const auto retry = post("/v1/batch", batch, "bounds-batch-1");
  ASSERT_EQ(retry.status, 200u) << retry.body.substr(0, 500);
  EXPECT_FALSE(retry.header("Idempotent-Replayed").has_value());
  const auto retried = results_of(retry);
  ASSERT_EQ(retried.size(), 41u);
  EXPECT_EQ(retried[0].at("status").as_int64(), 200) << json::serialize(retried[0]);
  EXPECT_EQ(retried[40].at("body").at("id"), new_account);

  const auto small = post("/v1/batch", reads_then_a_creation(std::string(account_id), 2));
  ASSERT_EQ(small.status, 200u) << small.body;
  const auto answered = results_of(small);
  ASSERT_EQ(answered.size(), 3u);
  EXPECT_EQ(answered[0].at("status").as_int64(), 200) << json::serialize(answered[0]);
  EXPECT_EQ(answered[1].at("status").as_int64(), 200) << json::serialize(answered[1]);
  EXPECT_EQ(answered[2].at("status").as_int64(), 201) << json::serialize(answered[2]);
}

}  // namespace
}  // namespace escrowd::http::testing
