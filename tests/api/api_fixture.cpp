// api_fixture: the world-building helpers, all through the public HTTP API.
#include "tests/api/api_fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ostream>
#include <thread>

namespace escrowd::api_testing {
namespace {

// The type api.md assigns to an error status (and, for 409/422, to the idempotency codes).
std::string expected_type(unsigned status, std::string_view code) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 409:
    case 422:
      return code.starts_with("idempotency_") ? "idempotency_error" : "invalid_request_error";
    case 502:
      return "processor_error";
    case 500:
    case 503:
      return "api_error";
    default:
      return "invalid_request_error";
  }
}

bool is_snake_case(std::string_view word) {
  if (word.empty()) return false;
  for (const char c : word) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<escrowd_server> api_fixture::server_;

std::ostream& operator<<(std::ostream& out, const balances& value) {
  return out << "{available " << value.available << ", escrowed " << value.escrowed
             << ", pending_withdrawal " << value.pending_withdrawal << ", pending_topup "
             << value.pending_topup << "}";
}

void api_fixture::SetUpTestSuite() {
  server_ = std::make_unique<escrowd_server>();
  ASSERT_TRUE(server_->start()) << server_->last_problem();
}

void api_fixture::TearDownTestSuite() {
  if (server_ && server_->running()) {
    const int status = server_->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "escrowd did not exit cleanly on SIGTERM (status " << status << "):\n"
        << server_->log();
  }
  server_.reset();
}

void api_fixture::SetUp() {
  ASSERT_TRUE(server_ && server_->running()) << "no server";
  client_ = std::make_unique<api_client>(server_->port());
}

std::string api_fixture::unique_id(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  static const std::string run =
      std::to_string(::getpid()) + "x" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
  return std::string(prefix) + "_" + run + "_" + std::to_string(++counter);
}

account_handle api_fixture::create_account(std::string_view currency) {
  account_handle account;
  account.id = unique_id("acct");
  const auto created = client().post(
      "/v1/accounts", admin(), body_of({{"id", account.id}, {"currency", std::string(currency)}}));
  EXPECT_EQ(created.status, 201u) << describe(created);
  const auto key = client().post("/v1/accounts/" + account.id + "/keys", admin(), "{}");
  EXPECT_EQ(key.status, 201u) << describe(key);
  account.key = key.text("key");
  account.key_id = key.text("id");
  return account;
}

void api_fixture::top_up(const account_handle& account, std::int64_t amount) {
  // Once one top-up in this process never settled, later ones fail at once instead of each
  // waiting out the deadline, so a stalled processor path fails the suite quickly.
  static bool processor_stalled = false;
  ASSERT_FALSE(processor_stalled) << "an earlier top-up never settled; not waiting again";
  const auto before = balances_of(account.id);
  const auto requested =
      client().post("/v1/accounts/" + account.id + "/topups", account.key,
                    body_of({{"amount", amount}, {"payment_method", "pm_card_visa"}}));
  ASSERT_EQ(requested.status, 202u) << describe(requested);
  const auto settled = poll_status("/v1/topups/" + requested.text("id"), {"succeeded", "failed"});
  processor_stalled = settled.text("status") == "pending";
  ASSERT_EQ(settled.text("status"), "succeeded") << describe(settled);
  // The webhook or poll that settles the top-up credits the account in the same commit.
  EXPECT_EQ(balances_of(account.id).available, before.available + amount);
}

account_handle api_fixture::funded_account(std::int64_t amount, std::string_view currency) {
  auto account = create_account(currency);
  top_up(account, amount);
  return account;
}

balances api_fixture::balances_of(std::string_view account_id) {
  const auto found = client().get("/v1/accounts/" + std::string(account_id), admin());
  EXPECT_EQ(found.status, 200u) << describe(found);
  return {found.integer("available"), found.integer("escrowed"),
          found.integer("pending_withdrawal"), found.integer("pending_topup")};
}

std::string api_fixture::create_task(const account_handle& payer, const account_handle& worker,
                                     std::int64_t amount, std::string_view extra) {
  const auto id = unique_id("task");
  std::string body = R"({"id":")" + id + R"(","payer":")" + payer.id + R"(")";
  if (!worker.id.empty()) body += R"(,"worker":")" + worker.id + R"(")";
  body += R"(,"amount":)" + std::to_string(amount) + R"(,"currency":"usd")";
  body.append(extra).append("}");
  const auto created = client().post("/v1/tasks", payer.key, body);
  EXPECT_EQ(created.status, 201u) << describe(created);
  return created.status == 201 ? id : std::string();
}

api_response api_fixture::transition(std::string_view task_id, std::string_view name,
                                     std::string_view key, std::string_view body) {
  if (task_id.empty()) {
    ADD_FAILURE() << name << " on a task that was not created";
    return {};
  }
  auto response =
      client().post("/v1/tasks/" + std::string(task_id) + "/" + std::string(name), key, body);
  EXPECT_EQ(response.status, 200u) << name << ": " << describe(response);
  return response;
}

std::string api_fixture::task_state(std::string_view task_id) {
  const auto found = client().get("/v1/tasks/" + std::string(task_id), admin());
  EXPECT_EQ(found.status, 200u) << describe(found);
  return found.text("state");
}

api_response api_fixture::poll_status(std::string_view target,
                                      std::initializer_list<std::string_view> done,
                                      std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  api_response last;
  for (;;) {
    last = client().get(target, admin());
    const auto status = last.text("status");
    for (const auto final_status : done) {
      if (status == final_status) return last;
    }
    if (std::chrono::steady_clock::now() > until) {
      ADD_FAILURE() << target << " did not reach a final status in time: " << describe(last);
      return last;
    }
    std::this_thread::sleep_for(20ms);
  }
}

void expect_error(const api_response& response, unsigned status, std::string_view code,
                  std::string_view param) {
  EXPECT_EQ(response.status, status) << describe(response);
  EXPECT_EQ(response.error_code(), code) << describe(response);
  EXPECT_EQ(response.error_type(), expected_type(status, code)) << describe(response);
  EXPECT_FALSE(response.error_message().empty()) << describe(response);
  if (!param.empty()) {
    EXPECT_EQ(response.error_param(), param) << describe(response);
  }
  EXPECT_TRUE(response.header("Request-Id").has_value()) << describe(response);
}

void expect_error_shape(const api_response& response, unsigned status) {
  EXPECT_EQ(response.status, status) << describe(response);
  EXPECT_EQ(response.error_type(), expected_type(status, response.error_code()))
      << describe(response);
  EXPECT_TRUE(is_snake_case(response.error_code())) << describe(response);
  EXPECT_FALSE(response.error_message().empty()) << describe(response);
  EXPECT_TRUE(response.header("Request-Id").has_value()) << describe(response);
}

void expect_bad_request(const api_response& response, std::string_view param) {
  expect_error_shape(response, 400);
  EXPECT_EQ(response.error_param(), param) << describe(response);
}

std::string body_of(const json::value& value) {
  return json::serialize(value);
}

}  // namespace escrowd::api_testing
