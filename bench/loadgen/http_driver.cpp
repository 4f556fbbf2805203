// http_driver: request bodies are rendered by hand (ids are [A-Za-z0-9_-] and amounts are
// integers, so nothing needs escaping) because JSON serialization would cost more than the
// rest of the client's work per request.
#include "bench/loadgen/http_driver.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <stdexcept>

#include "tools/client/async_client.hpp"

namespace escrowd::loadgen {
namespace {

// The simulator's test instruments (tools/processor_sim/README.md): a card that succeeds and
// a bank account whose payouts are paid.
constexpr std::string_view payment_method = "pm_card_visa";
constexpr std::string_view destination = "ba_default";
constexpr std::string_view dispute_reason = "work not as described";
// How much of an unreadable batch answer goes into the failure report.
constexpr std::size_t batch_excerpt_bytes_max = 400;

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.append("\"").append(text).append("\"");
  return out;
}

std::string task_path(const operation& op, std::string_view verb) {
  return "/v1/tasks/" + op.task + "/" + std::string{verb};
}

std::string create_task_body(const operation& op) {
  std::string body = R"({"id":)" + quoted(op.task) + R"(,"payer":)" + quoted(op.payer);
  if (!op.worker.empty()) body += R"(,"worker":)" + quoted(op.worker);
  body += R"(,"amount":)" + std::to_string(op.amount) + R"(,"currency":"usd")";
  if (op.fund) body += R"(,"fund":true)";
  return body + "}";
}

op_result from_api(client::api_result&& result) {
  op_result out;
  out.answered = result.answered;
  out.status = result.status;
  out.body = std::move(result.body);
  out.error = std::move(result.transport_error);
  out.attempts = result.attempts;
  return out;
}

class http_driver final : public driver {
 public:
  http_driver(boost::asio::io_context& io, client::client_config config)
      : client_(io, std::move(config)) {}

  void execute(const operation& op, completion done) override {
    client_.send(to_api_request(op), [done = std::move(done)](client::api_result result) {
      done(from_api(std::move(result)));
    });
  }

  bool supports_batch() const override { return true; }

  void execute_batch(const std::vector<operation>& ops, const std::string& principal,
                     batch_completion done) override {
    std::string body = R"({"operations":[)";
    for (std::size_t index = 0; index < ops.size(); ++index) {
      auto request = to_api_request(ops[index]);
      if (index > 0) body += ",";
      body += R"({"method":)" + quoted(request.method) + R"(,"path":)" + quoted(request.target);
      if (!request.body.empty()) body += R"(,"body":)" + request.body;
      body += "}";
    }
    body += "]}";
    client::api_request batch;
    batch.method = "POST";
    batch.target = "/v1/batch";
    batch.body = std::move(body);
    batch.api_key = principal;
    client_.send(std::move(batch),
                 [count = ops.size(), done = std::move(done)](client::api_result result) {
                   auto whole = from_api(std::move(result));
                   auto each = split_batch(whole, count);
                   done(std::move(whole), std::move(each));
                 });
  }

  void close() override { client_.close(); }

  driver_stats stats() const override {
    const auto from_client = client_.stats();
    return driver_stats{.connections_opened = from_client.connections_opened,
                        .retries = from_client.retries,
                        .timeouts = from_client.timeouts};
  }

 private:
  // The per-operation results of a batch answer; when the batch itself failed, each
  // operation carries the batch's failure.
  static std::vector<op_result> split_batch(const op_result& whole, std::size_t count) {
    std::vector<op_result> each(count);
    std::string problem;
    if (whole.ok()) {
      boost::system::error_code failure;
      auto parsed = boost::json::parse(whole.body, failure);
      const auto* results =
          !failure && parsed.is_object() ? parsed.as_object().if_contains("results") : nullptr;
      if (failure) {
        problem = "unreadable JSON (" + failure.message() + ")";
      } else if (results == nullptr || !results->is_array()) {
        problem = "no results list";
      } else if (results->as_array().size() != count) {
        problem = std::to_string(results->as_array().size()) + " results for " +
                  std::to_string(count) + " operations";
      }
      if (problem.empty()) {
        for (std::size_t index = 0; index < count; ++index) {
          const auto& item = results->as_array()[index].as_object();
          each[index].answered = true;
          each[index].attempts = whole.attempts;
          each[index].status = static_cast<unsigned>(item.at("status").to_number<std::int64_t>());
          each[index].body = boost::json::serialize(item.at("body"));
        }
        return each;
      }
    }
    for (auto& one : each) {
      one = whole;
      if (whole.ok()) {  // 2xx without a readable results list: a protocol problem
        one.status = 0;
        one.answered = false;
        one.error = "batch answer " + std::to_string(whole.status) + " with " + problem + ": " +
                    whole.body.substr(0, batch_excerpt_bytes_max);
      }
    }
    return each;
  }

  client::async_client client_;
};

}  // namespace

client::api_request to_api_request(const operation& op) {
  client::api_request request;
  request.api_key = op.principal;
  request.method = "POST";
  switch (op.kind) {
    case op_kind::create_account:
      request.target = "/v1/accounts";
      request.body = R"({"id":)" + quoted(op.account) + R"(,"currency":"usd"})";
      break;
    case op_kind::create_account_key:
      request.target = "/v1/accounts/" + op.account + "/keys";
      break;
    case op_kind::create_arbiter_key:
      request.target = "/v1/keys";
      request.body = R"({"role":"arbiter"})";
      break;
    case op_kind::revoke_key:
      request.method = "DELETE";
      request.target = "/v1/keys/" + op.object;
      break;
    case op_kind::get_topup:
      request.method = "GET";
      request.target = "/v1/topups/" + op.object;
      break;
    case op_kind::get_withdrawal:
      request.method = "GET";
      request.target = "/v1/withdrawals/" + op.object;
      break;
    case op_kind::verify_ledger:
      request.method = "GET";
      request.target = "/v1/ledger/verify";
      break;
    case op_kind::topup:
      request.target = "/v1/accounts/" + op.account + "/topups";
      request.body = R"({"amount":)" + std::to_string(op.amount) + R"(,"payment_method":)" +
                     quoted(payment_method) + "}";
      break;
    case op_kind::create_task:
      request.target = "/v1/tasks";
      request.body = create_task_body(op);
      break;
    case op_kind::fund_task:
      request.target = task_path(op, "fund");
      break;
    case op_kind::submit_task:
      request.target = task_path(op, "submit");
      break;
    case op_kind::approve_task:
      request.target = task_path(op, "approve");
      break;
    case op_kind::dispute_task:
      request.target = task_path(op, "dispute");
      request.body = R"({"reason":)" + quoted(dispute_reason) + "}";
      break;
    case op_kind::resolve_task:
      request.target = task_path(op, "resolve");
      request.body = R"({"worker_amount":)" + std::to_string(op.worker_amount) + "}";
      break;
    case op_kind::cancel_task:
      request.target = task_path(op, "cancel");
      break;
    case op_kind::withdraw:
      request.target = "/v1/accounts/" + op.account + "/withdrawals";
      request.body = R"({"amount":)" + std::to_string(op.amount) + R"(,"destination":)" +
                     quoted(destination) + "}";
      break;
    case op_kind::get_account:
      request.method = "GET";
      request.target = "/v1/accounts/" + op.account;
      break;
    case op_kind::get_task:
      request.method = "GET";
      request.target = "/v1/tasks/" + op.task;
      break;
  }
  return request;
}

void parse_http_url(const std::string& url, std::string& host, std::uint16_t& port) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) throw std::invalid_argument("target must be http://HOST:PORT");
  std::string_view rest{url};
  rest.remove_prefix(scheme.size());
  if (rest.ends_with('/')) rest.remove_suffix(1);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    throw std::invalid_argument("target must be http://HOST:PORT");
  }
  host = std::string{rest.substr(0, colon)};
  const auto digits = rest.substr(colon + 1);
  unsigned parsed = 0;
  const auto [stop, problem] =
      std::from_chars(digits.data(), digits.data() + digits.size(), parsed);
  if (problem != std::errc{} || stop != digits.data() + digits.size() || parsed == 0 ||
      parsed > 65535) {
    throw std::invalid_argument("bad port in " + url);
  }
  port = static_cast<std::uint16_t>(parsed);
}

std::unique_ptr<driver> make_http_driver(boost::asio::io_context& io, const target_config& target) {
  client::client_config config;
  parse_http_url(target.url, config.host, config.port);
  config.connections_count = target.connections;
  config.pipeline_depth = target.pipeline_depth;
  config.request_timeout_ms = target.request_timeout;
  return std::make_unique<http_driver>(io, std::move(config));
}

}  // namespace escrowd::loadgen
