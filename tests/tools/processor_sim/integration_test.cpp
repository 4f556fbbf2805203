// Integration tests of the real escrowd-processor-sim binary: each test starts it on port 0
// with a fixed seed, talks HTTP to it, and checks what a Stripe client would see plus the
// processor's records through /_sim. Every test ends by stopping the process with SIGTERM
// and requiring exit status 0, so a leak reported by LeakSanitizer fails the test.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "sim_harness.hpp"
#include "webhook_signature.hpp"

namespace escrowd::processor_sim::testing {
namespace {

using namespace std::chrono_literals;

const std::string visa =
    "amount=2500&currency=usd&payment_method=pm_card_visa&confirm=true"
    "&payment_method_types[]=card";

class sim_test : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args) {
    args.insert(args.begin(), {"--listen", "127.0.0.1:0", "--seed", "11"});
    sim_.emplace(args);
    client_.emplace(sim_->port());
  }
  void start_unseeded() {
    sim_.emplace(std::vector<std::string>{"--listen", "127.0.0.1:0"});
    client_.emplace(sim_->port());
  }
  void TearDown() override {
    client_.reset();
    if (sim_) {
      EXPECT_EQ(sim_->stop(), 0) << "simulator exited uncleanly (leak or crash?)";
    }
  }
  boost::json::array records(const std::string& kind) {
    auto reply = client_->get("/_sim/" + kind);
    EXPECT_EQ(reply.status, 200);
    return reply.json().as_array();
  }
  std::size_t records_with_key(const std::string& kind, const std::string& key) {
    std::size_t count = 0;
    for (const auto& record : records(kind)) {
      const auto& k = record.as_object().at("idempotency_key");
      if (k.is_string() && k.as_string() == key) ++count;
    }
    return count;
  }

  std::optional<sim_process> sim_;
  std::optional<http_client> client_;
};

TEST_F(sim_test, payment_intents_succeed_and_decline_in_stripe_shape) {
  start({});
  auto ok = client_->post("/v1/payment_intents", visa + "&metadata%5Btopup%5D=top_1", "key-ok");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.header("content-type"), "application/json");
  EXPECT_TRUE(ok.header("request-id").starts_with("req_"));
  EXPECT_EQ(ok.header("idempotency-key"), "key-ok");
  auto pi = ok.json().as_object();
  EXPECT_EQ(pi["object"], "payment_intent");
  EXPECT_EQ(pi["status"], "succeeded");
  EXPECT_EQ(pi["amount"], 2500);
  EXPECT_EQ(pi["metadata"].as_object()["topup"], "top_1");

  auto declined = client_->post("/v1/payment_intents",
                                "amount=2500&currency=usd&confirm=true&payment_method_types[]=card&"
                                "payment_method=pm_card_chargeDeclined",
                                "key-no");
  ASSERT_EQ(declined.status, 402);
  auto error = declined.json().as_object()["error"].as_object();
  EXPECT_EQ(error["type"], "card_error");
  EXPECT_EQ(error["code"], "card_declined");
  EXPECT_EQ(error["decline_code"], "generic_decline");
  EXPECT_EQ(error["payment_intent"].as_object()["status"], "requires_payment_method");
  EXPECT_EQ(declined.header("stripe-should-retry"), "false");

  auto fetched = client_->get("/v1/payment_intents/" + std::string(pi["id"].as_string()));
  EXPECT_EQ(fetched.body, ok.body);
  auto unauthenticated = client_->request("GET", "/v1/payment_intents");
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.json().as_object()["error"].as_object()["type"],
            "invalid_request_error");
}

TEST_F(sim_test, idempotent_replay_and_key_reuse) {
  start({});
  auto first = client_->post("/v1/payment_intents", visa, "topup:1:charge");
  auto replay = client_->post("/v1/payment_intents", visa, "topup:1:charge");
  ASSERT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.header("idempotent-replayed"), "true");
  EXPECT_EQ(replay.header("original-request"), first.header("request-id"));
  auto reused = client_->post("/v1/payment_intents", "amount=1&currency=usd", "topup:1:charge");
  ASSERT_EQ(reused.status, 400);
  EXPECT_EQ(reused.json().as_object()["error"].as_object()["type"], "idempotency_error");
  EXPECT_EQ(records_with_key("charges", "topup:1:charge"), 1u);
}

TEST_F(sim_test, search_finds_by_metadata_and_the_list_refuses_a_metadata_filter) {
  start({});
  for (int i = 0; i < 4; ++i) {
    auto r = client_->post("/v1/payment_intents",
                           visa + "&metadata[owner]=" + (i == 2 ? "mine" : "other"));
    ASSERT_EQ(r.status, 200);
  }
  // query=metadata['owner']:'mine', form-encoded
  auto found = client_->get(
      "/v1/payment_intents/search?query=metadata%5B%27owner%27%5D%3A%27mine%27&limit=10");
  ASSERT_EQ(found.status, 200) << found.body;
  auto object = found.json().as_object();
  EXPECT_EQ(object["object"], "search_result");
  EXPECT_EQ(object["url"], "/v1/payment_intents/search");
  EXPECT_TRUE(object["next_page"].is_null());
  ASSERT_EQ(object["data"].as_array().size(), 1u);
  EXPECT_EQ(object["data"].as_array()[0].as_object().at("metadata").as_object().at("owner"),
            "mine");
  auto list = client_->get("/v1/payment_intents?metadata[owner]=mine&limit=10");
  ASSERT_EQ(list.status, 400);
  EXPECT_EQ(list.json().as_object()["error"].as_object()["code"], "parameter_unknown");
}

// escrowd's reconciliation reads everything since a time this way: `created[gte]` with the
// `starting_after` cursor, until has_more is false.
TEST_F(sim_test, list_pages_through_objects_created_since_a_time) {
  start({});
  std::vector<std::string> ids;
  std::vector<std::int64_t> created;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(client_->post("/_sim/clock/advance", "seconds=1").status, 200);
    auto intent = client_->post("/v1/payment_intents", visa).json().as_object();
    ids.emplace_back(intent.at("id").as_string());
    created.push_back(intent.at("created").as_int64());
  }
  const std::string since =
      "/v1/payment_intents?limit=2&created%5Bgte%5D=" + std::to_string(created[2]);
  std::vector<std::string> seen;
  std::string cursor;
  for (bool more = true; more;) {
    auto reply = client_->get(since + (cursor.empty() ? "" : "&starting_after=" + cursor));
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto page = reply.json().as_object();
    for (const auto& item : page.at("data").as_array())
      seen.emplace_back(item.as_object().at("id").as_string());
    ASSERT_FALSE(seen.empty());
    cursor = seen.back();
    more = page.at("has_more").as_bool();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2]}));
  auto refused = client_->get("/v1/payouts?created%5Bgte%5D=soon");
  ASSERT_EQ(refused.status, 400);
  EXPECT_EQ(refused.json().as_object()["error"].as_object()["param"], "created[gte]");
}

TEST_F(sim_test, payouts_go_pending_then_paid_or_failed) {
  start({"--payout-settle-ms", "50"});
  auto paid = client_->post("/v1/payouts", "amount=900&currency=usd&metadata[wd]=1", "po-1");
  auto failed = client_->post("/v1/payouts", "amount=900&currency=usd&destination=ba_fail", "po-2");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(paid.json().as_object()["status"], "pending");
  auto status_of = [&](const http_result& created) {
    auto id = std::string(created.json().as_object()["id"].as_string());
    return client_->get("/v1/payouts/" + id).json().as_object();
  };
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (status_of(paid)["status"] == "pending" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(status_of(paid)["status"], "paid");
  auto failure = status_of(failed);
  EXPECT_EQ(failure["status"], "failed");
  EXPECT_EQ(failure["failure_code"], "account_closed");
  // No payout search at Stripe: the list refuses metadata, a client filters it itself.
  EXPECT_EQ(client_->get("/v1/payouts?metadata[wd]=1").status, 400);
  auto list = client_->get("/v1/payouts").json().as_object();
  std::size_t tagged = 0;
  for (const auto& payout : list["data"].as_array()) {
    const auto& metadata = payout.as_object().at("metadata").as_object();
    if (metadata.contains("wd") && metadata.at("wd") == "1") ++tagged;
  }
  EXPECT_EQ(tagged, 1u);
}

TEST_F(sim_test, webhooks_arrive_signed_retried_and_duplicated) {
  // The first delivery attempt fails, so at-least-once retrying is exercised too.
  webhook_receiver receiver([](std::size_t attempt) { return attempt == 0 ? 500 : 200; });
  start({"--webhook-url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks",
         "--webhook-secret", "whsec_integration", "--webhook-duplicate", "1.0",
         "--webhook-retry-delay-ms", "20"});
  ASSERT_EQ(client_->post("/v1/payment_intents", visa, "hook-key").status, 200);
  auto received = receiver.wait_for(2, 5s);
  ASSERT_GE(received.size(), 2u);
  for (const auto& hook : received) {
    auto comma = hook.signature.find(",v1=");
    ASSERT_TRUE(hook.signature.starts_with("t=") && comma != std::string::npos) << hook.signature;
    std::string timestamp = hook.signature.substr(2, comma - 2);
    EXPECT_EQ(hook.signature.substr(comma + 4),
              hmac_sha256_hex("whsec_integration", timestamp + "." + hook.body));
    EXPECT_LE(
        std::abs(std::stoll(timestamp) - std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()),
        300);
    auto event = boost::json::parse(hook.body).as_object();
    EXPECT_EQ(event["object"], "event");
    EXPECT_EQ(event["type"], "payment_intent.succeeded");
    EXPECT_EQ(event["request"].as_object()["idempotency_key"], "hook-key");
  }
  // Duplicated: the same event id twice.
  EXPECT_EQ(boost::json::parse(received[0].body).as_object()["id"],
            boost::json::parse(received[1].body).as_object()["id"]);
}

TEST_F(sim_test, dropped_response_keeps_the_charge_and_the_retry_replays_it) {
  start({"--drop-after-effect", "1.0"});
  auto lost = client_->post("/v1/payment_intents", visa, "topup:7:charge");
  EXPECT_FALSE(lost.answered) << "status " << lost.status;
  ASSERT_EQ(records_with_key("charges", "topup:7:charge"), 1u);
  auto retry = client_->post("/v1/payment_intents", visa, "topup:7:charge");
  ASSERT_TRUE(retry.answered) << retry.error;
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(records_with_key("charges", "topup:7:charge"), 1u);
  auto listed = client_->get("/v1/payment_intents");
  EXPECT_EQ(listed.json().as_object()["data"].as_array().size(), 1u);
}

TEST_F(sim_test, hang_mode_outlasts_the_client_timeout) {
  start({"--drop-after-effect", "1.0", "--drop-mode", "hang", "--hang-ms", "3000"});
  auto lost =
      client_->request("POST", "/v1/payouts", "amount=5&currency=usd",
                       {{"Authorization", "Bearer sk_test_x"}, {"Idempotency-Key", "h"}}, 300ms);
  EXPECT_FALSE(lost.answered);
  EXPECT_EQ(records("payouts").size(), 1u);
}

TEST_F(sim_test, fail_before_effect_is_500_without_a_charge) {
  start({"--fail-before-effect", "1.0"});
  auto failed = client_->post("/v1/payment_intents", visa, "topup:9:charge");
  ASSERT_EQ(failed.status, 500);
  EXPECT_EQ(failed.json().as_object()["error"].as_object()["type"], "api_error");
  EXPECT_EQ(failed.header("stripe-should-retry"), "false");  // a retry would replay it
  EXPECT_TRUE(records("charges").empty());
  auto stats = client_->get("/_sim/stats").json().as_object();
  EXPECT_EQ(stats["faults"].as_object()["fail_before_effect"], 1);
}

TEST_F(sim_test, concurrent_request_with_a_key_in_flight_gets_409) {
  start({"--slow", "1.0", "--slow-ms", "600"});
  std::uint16_t port = sim_->port();
  auto first = std::async(std::launch::async, [port] {
    http_client other(port);
    return other.post("/v1/payment_intents", visa, "busy-key");
  });
  std::this_thread::sleep_for(150ms);
  auto second = client_->post("/v1/payment_intents", visa, "busy-key");
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.json().as_object()["error"].as_object()["code"], "idempotency_key_in_use");
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(records_with_key("charges", "busy-key"), 1u);
}

TEST_F(sim_test, rate_limit_is_429_with_retry_after) {
  start({"--rate-limit", "1.0"});
  auto limited = client_->post("/v1/payment_intents", visa, "rl");
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "1");
  EXPECT_EQ(limited.header("stripe-rate-limited-reason"), "global-rate");
  EXPECT_EQ(limited.json().as_object()["error"].as_object()["code"], "rate_limit");
  EXPECT_TRUE(records("charges").empty());
}

TEST_F(sim_test, same_seed_draws_the_same_faults) {
  auto run = [](std::uint16_t p) {
    http_client client(p);
    std::string outcomes;
    for (int i = 0; i < 20; ++i) {
      auto r = client.post("/v1/payouts", "amount=5&currency=usd", "seed-" + std::to_string(i));
      outcomes += r.answered ? std::to_string(r.status) + "," : "drop,";
    }
    return outcomes;
  };
  std::vector<std::string> faults{"--fail-before-effect", "0.3", "--drop-after-effect", "0.3",
                                  "--rate-limit",         "0.2"};
  start(faults);
  std::string first = run(sim_->port());
  EXPECT_EQ(sim_->stop(), 0);
  start(faults);
  EXPECT_EQ(run(sim_->port()), first);
  EXPECT_NE(first.find("drop"), std::string::npos);
  EXPECT_NE(first.find("500"), std::string::npos);
  EXPECT_NE(first.find("429"), std::string::npos);
  // The seed drives the faults too, not only the ids.
  EXPECT_EQ(sim_->stop(), 0);
  faults.insert(faults.end(), {"--seed", "12"});
  start(faults);
  EXPECT_NE(run(sim_->port()), first);
}

// Without --seed, every start draws its own: ids do not repeat across restarts.
TEST_F(sim_test, ids_differ_between_runs_without_a_seed) {
  auto first_payout_id = [this] {
    auto created = client_->post("/v1/payouts", "amount=5&currency=usd", "unseeded");
    EXPECT_EQ(created.status, 200);
    return std::string(created.json().as_object()["id"].as_string());
  };
  start_unseeded();
  const auto first = first_payout_id();
  EXPECT_EQ(sim_->stop(), 0);
  start_unseeded();
  EXPECT_NE(first_payout_id(), first);
}

// User plus system CPU time of a process so far, in clock ticks (/proc/PID/stat).
long cpu_ticks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (name) "
  std::string field;
  for (int i = 3; i < 14; ++i) fields >> field;  // state .. cmajflt: fields 3 to 13
  long user = 0;
  long system = 0;
  fields >> user >> system;
  return user + system;
}

// Out of descriptors, a failed accept was retried at once, and failed again at once (the
// connection stays queued): a core spun as long as the descriptors stayed taken.
TEST_F(sim_test, running_out_of_descriptors_does_not_spin_a_core) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit few = saved;
  few.rlim_cur = 32;  // inherited by the simulator, restored for the test at once
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &few), 0);
  start({});
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> connections;
  const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                sim_->port());
  for (int i = 0; i < 40; ++i) connections.emplace_back(io).connect(endpoint);
  std::this_thread::sleep_for(200ms);
  const long before = cpu_ticks(sim_->pid());
  std::this_thread::sleep_for(1s);
  const long spent = cpu_ticks(sim_->pid()) - before;
  EXPECT_LT(spent, sysconf(_SC_CLK_TCK) / 5) << "ticks in one second";
  connections.clear();
  EXPECT_EQ(client_->get("/_sim/clock").status, 200) << "serves again once descriptors free up";
}

TEST(sim_process_test, refuses_bad_flags) {
  EXPECT_THROW(sim_process({"--drop-after-effect", "1.5"}), std::runtime_error);
  EXPECT_THROW(sim_process({"--no-such-flag"}), std::runtime_error);
}

}  // namespace
}  // namespace escrowd::processor_sim::testing
