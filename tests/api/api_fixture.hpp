// The shared fixture of the black-box API tests: one escrowd server per test suite (started
// in SetUpTestSuite on a fresh data directory, stopped in TearDownTestSuite), a fresh client
// connection per test, ids unique across tests and runs, and helpers that build the usual
// world through the public API only: accounts with their keys, top-ups that have settled,
// tasks in a given state. Helpers assert with ADD_FAILURE and return what they got.
// Thread affinity: the test thread. Lifetimes: the server outlives every test of the suite.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tests/api/api_client.hpp"
#include "tests/api/api_server.hpp"

namespace escrowd::api_testing {

struct account_handle {
  std::string id;
  std::string key;  // the account key's secret
  std::string key_id;
};

struct balances {
  std::int64_t available = -1;
  std::int64_t escrowed = -1;
  std::int64_t pending_withdrawal = -1;
  std::int64_t pending_topup = -1;
  bool operator==(const balances&) const = default;
};
std::ostream& operator<<(std::ostream& out, const balances& value);

class api_fixture : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;

  static escrowd_server& server() { return *server_; }
  const std::string& admin() const { return server_->admin_key(); }
  api_client& client() { return *client_; }
  // After the server restarted on a new port.
  void reconnect_client() { client_ = std::make_unique<api_client>(server_->port()); }

  // "<prefix>_<run>_<n>": unique within the server's data directory, valid as an id.
  static std::string unique_id(std::string_view prefix);

  // POST /v1/accounts (admin) with a client id, then POST /v1/accounts/{id}/keys.
  account_handle create_account(std::string_view currency = "usd");
  // POST /v1/accounts/{id}/topups with pm_card_visa, then polls until it has succeeded.
  void top_up(const account_handle& account, std::int64_t amount);
  // create_account + top_up.
  account_handle funded_account(std::int64_t amount, std::string_view currency = "usd");
  balances balances_of(std::string_view account_id);
  // POST /v1/tasks as the payer with a client id; `extra` is appended inside the object
  // (e.g. R"(,"fund":true)"). Returns the task id (empty on failure).
  std::string create_task(const account_handle& payer, const account_handle& worker,
                          std::int64_t amount, std::string_view extra = {});
  // POST /v1/tasks/{id}/<transition> expecting 200; returns the response.
  api_response transition(std::string_view task_id, std::string_view name, std::string_view key,
                          std::string_view body = "{}");
  std::string task_state(std::string_view task_id);
  // Polls GET <target> (as admin) until field `status` is one of the final values or the
  // deadline passes; returns the last response.
  api_response poll_status(std::string_view target, std::initializer_list<std::string_view> done,
                           std::chrono::milliseconds deadline = 15s);

 private:
  static std::unique_ptr<escrowd_server> server_;
  std::unique_ptr<api_client> client_;
};

// Checks the error envelope: status, {"error":{type, code, message, param?}} with the type
// api.md gives to that status, the code, and the param when one is expected.
void expect_error(const api_response& response, unsigned status, std::string_view code,
                  std::string_view param = {});
// Only the status and the type that api.md ties to it (for errors whose code is unspecified).
void expect_error_shape(const api_response& response, unsigned status);
// A 400 invalid_request_error naming `param` (whatever its code).
void expect_bad_request(const api_response& response, std::string_view param);

// Builds a JSON object body from a boost::json value.
std::string body_of(const json::value& value);

}  // namespace escrowd::api_testing
