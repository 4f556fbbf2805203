// pg_driver: a connection sends one prepared call (PQsendQueryPrepared), then waits on its
// socket through an Asio stream_descriptor over a dup() of libpq's descriptor (so Asio never
// closes libpq's own), consuming input until the result is complete.
#include "bench/loadgen/pg_driver.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <random>
#include <stdexcept>

#include "tools/client/api_call.hpp"

namespace escrowd::loadgen {
namespace {

namespace asio = boost::asio;

// Deadlocks and serialization failures are the only errors worth a retry: the transaction
// rolled back, idempotency row included, so the retry runs anew.
constexpr unsigned retries_max = 8;
constexpr std::chrono::microseconds retry_delay_us_initial{200};
constexpr std::size_t params_max = 8;

struct statement {
  op_kind kind;
  const char* name;
  const char* sql;
  int params;
};

// One prepared statement per operation; the functions answer (status, body).
constexpr std::array statements{
    statement{op_kind::create_account, "create_account",
              "SELECT status, body FROM api_create_account($1, $2, $3, 'usd')", 3},
    statement{op_kind::get_topup, "get_topup", "SELECT status, body FROM api_get_topup($1, $2)", 2},
    statement{op_kind::get_withdrawal, "get_withdrawal",
              "SELECT status, body FROM api_get_withdrawal($1, $2)", 2},
    statement{op_kind::verify_ledger, "verify_ledger",
              "SELECT status, body FROM api_verify_ledger($1)", 1},
    statement{op_kind::topup, "topup", "SELECT status, body FROM api_topup($1, $2, $3, $4::bigint)",
              4},
    statement{op_kind::create_task, "create_task",
              "SELECT status, body FROM api_create_task($1, $2, $3, $4, $5, $6::bigint, 'usd', "
              "$7::boolean)",
              7},
    statement{op_kind::fund_task, "fund_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'fund', 0)", 3},
    statement{op_kind::submit_task, "submit_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'submit', 0)", 3},
    statement{op_kind::approve_task, "approve_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'approve', 0)", 3},
    statement{op_kind::dispute_task, "dispute_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'dispute', 0)", 3},
    statement{op_kind::resolve_task, "resolve_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'resolve', $4::bigint)", 4},
    statement{op_kind::cancel_task, "cancel_task",
              "SELECT status, body FROM api_task_transition($1, $2, $3, 'cancel', 0)", 3},
    statement{op_kind::withdraw, "withdraw",
              "SELECT status, body FROM api_withdraw($1, $2, $3, $4::bigint)", 4},
    statement{op_kind::get_account, "get_account",
              "SELECT status, body FROM api_get_account($1, $2)", 2},
    statement{op_kind::get_task, "get_task", "SELECT status, body FROM api_get_task($1, $2)", 2},
};

const statement* statement_for(op_kind kind) {
  for (const auto& each : statements) {
    if (each.kind == kind) return &each;
  }
  return nullptr;
}

// The parameters of an operation's statement, in order (principal and key first).
std::vector<std::string> params_of(const operation& op, const std::string& key) {
  switch (op.kind) {
    case op_kind::create_account:
      return {op.principal, key, op.account};
    case op_kind::get_topup:
    case op_kind::get_withdrawal:
      return {op.principal, op.object};
    case op_kind::verify_ledger:
      return {op.principal};
    case op_kind::topup:
    case op_kind::withdraw:
      return {op.principal, key, op.account, std::to_string(op.amount)};
    case op_kind::create_task:
      return {op.principal,
              key,
              op.task,
              op.payer,
              op.worker,
              std::to_string(op.amount),
              op.fund ? "true" : "false"};
    case op_kind::resolve_task:
      return {op.principal, key, op.task, std::to_string(op.worker_amount)};
    case op_kind::get_account:
      return {op.principal, op.account};
    case op_kind::get_task:
      return {op.principal, op.task};
    default:  // the other transitions
      return {op.principal, key, op.task};
  }
}

struct pending_call {
  const statement* sql = nullptr;
  std::vector<std::string> params;
  driver::completion done;
  unsigned attempts = 0;
};

class pg_driver;

class pg_connection {
 public:
  pg_connection(asio::io_context& io, const std::string& url) : socket_(io) {
    connection_ = PQconnectdb(url.c_str());
    if (PQstatus(connection_) != CONNECTION_OK) {
      std::string why = PQerrorMessage(connection_);
      PQfinish(connection_);
      throw std::runtime_error("postgres: cannot connect: " + why);
    }
    for (const auto& each : statements) {
      PGresult* prepared = PQprepare(connection_, each.name, each.sql, each.params, nullptr);
      const bool ok = PQresultStatus(prepared) == PGRES_COMMAND_OK;
      std::string why = ok ? "" : PQresultErrorMessage(prepared);
      PQclear(prepared);
      if (!ok) {
        PQfinish(connection_);
        throw std::runtime_error(std::string{"postgres: cannot prepare "} + each.name + ": " + why);
      }
    }
    PQsetnonblocking(connection_, 1);
    socket_.assign(::dup(PQsocket(connection_)));
  }

  ~pg_connection() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    PQfinish(connection_);
  }

  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  [[nodiscard]] bool idle() const { return !current_; }

  // Sends the call; `finished` runs with its outcome once the result is complete.
  void start(std::unique_ptr<pending_call> call,
             std::function<void(std::unique_ptr<pending_call>, PGresult*)> finished);
  void close() {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }

 private:
  void flush();
  void await_result();
  void finish(PGresult* result);

  PGconn* connection_ = nullptr;
  asio::posix::stream_descriptor socket_;
  std::unique_ptr<pending_call> current_;
  std::function<void(std::unique_ptr<pending_call>, PGresult*)> finished_;
  PGresult* result_ = nullptr;  // the first result of the current call
};

void pg_connection::start(std::unique_ptr<pending_call> call,
                          std::function<void(std::unique_ptr<pending_call>, PGresult*)> finished) {
  current_ = std::move(call);
  finished_ = std::move(finished);
  ++current_->attempts;
  std::array<const char*, params_max> values{};
  for (std::size_t index = 0; index < current_->params.size(); ++index) {
    values[index] = current_->params[index].c_str();
  }
  if (PQsendQueryPrepared(connection_, current_->sql->name,
                          static_cast<int>(current_->params.size()), values.data(), nullptr,
                          nullptr, 0) != 1) {
    // Never complete from inside start(): the completion starts the next call, and a broken
    // connection would otherwise recurse through the whole backlog.
    return asio::post(socket_.get_executor(), [this] { finish(nullptr); });
  }
  flush();
}

void pg_connection::flush() {
  const int flushed = PQflush(connection_);
  if (flushed < 0) return finish(nullptr);
  if (flushed == 0) return await_result();
  socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                     [this](boost::system::error_code failure) {
                       if (failure) return finish(nullptr);
                       flush();
                     });
}

void pg_connection::await_result() {
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [this](boost::system::error_code failure) {
                       if (failure || PQconsumeInput(connection_) != 1) return finish(nullptr);
                       while (PQisBusy(connection_) == 0) {
                         PGresult* next = PQgetResult(connection_);
                         if (next == nullptr) return finish(std::exchange(result_, nullptr));
                         if (result_ == nullptr) {
                           result_ = next;
                         } else {
                           PQclear(next);
                         }
                       }
                       await_result();
                     });
}

void pg_connection::finish(PGresult* result) {
  if (result == nullptr && result_ != nullptr) PQclear(std::exchange(result_, nullptr));
  auto call = std::move(current_);
  auto finished = std::move(finished_);
  finished(std::move(call), result);
}

class pg_driver final : public driver {
 public:
  pg_driver(asio::io_context& io, const target_config& target)
      : io_(io), keep_running_(asio::make_work_guard(io)), random_(std::random_device{}()) {
    for (std::size_t index = 0; index < target.connections; ++index) {
      connections_.push_back(std::make_unique<pg_connection>(io, target.url));
    }
    stats_.connections_opened = connections_.size();
  }

  void execute(const operation& op, completion done) override {
    if (op.kind == op_kind::revoke_key) {
      // Never asked in practice: the baseline's keys always carry their name (below).
      return asio::post(io_, [done = std::move(done)] {
        done(op_result{.answered = true,
                       .status = 200,
                       .body = R"({"deleted":true})",
                       .error = {},
                       .attempts = 1});
      });
    }
    if (op.kind == op_kind::create_account_key || op.kind == op_kind::create_arbiter_key) {
      // No keys in the baseline: the principal is named directly.
      const std::string name = op.kind == op_kind::create_arbiter_key ? "arbiter" : op.account;
      return asio::post(io_, [done = std::move(done), name] {
        done(op_result{.answered = true,
                       .status = 201,
                       .body = R"({"key":")" + name + R"("})",
                       .error = {},
                       .attempts = 1});
      });
    }
    auto call = std::make_unique<pending_call>();
    call->sql = statement_for(op.kind);
    call->params = params_of(op, is_write(op.kind) ? client::new_idempotency_key() : "");
    call->done = std::move(done);
    backlog_.push_back(std::move(call));
    pump();
  }

  void close() override {
    closed_ = true;
    keep_running_.reset();
    for (auto& each : connections_) each->close();
  }

  driver_stats stats() const override { return stats_; }

 private:
  void pump() {
    for (auto& each : connections_) {
      if (backlog_.empty() || closed_) return;
      if (!each->idle()) continue;
      auto next = std::move(backlog_.front());
      backlog_.pop_front();
      each->start(std::move(next), [this](std::unique_ptr<pending_call> call, PGresult* result) {
        finished(std::move(call), result);
      });
    }
  }

  void finished(std::unique_ptr<pending_call> call, PGresult* result) {
    op_result out;
    out.attempts = call->attempts;
    if (result != nullptr && PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      out.answered = true;
      out.status = static_cast<unsigned>(std::atoi(PQgetvalue(result, 0, 0)));
      out.body = PQgetvalue(result, 0, 1);
    } else if (result != nullptr) {
      const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      const std::string sqlstate = state == nullptr ? "" : state;
      if ((sqlstate == "40P01" || sqlstate == "40001") && call->attempts <= retries_max &&
          !closed_) {
        PQclear(result);
        return retry_later(std::move(call));
      }
      out.answered = true;
      out.status = 500;
      out.body = std::string{R"({"error":{"code":"sqlstate_)"} + sqlstate + R"("}})";
      out.error = PQresultErrorMessage(result);
    } else {
      out.error = "postgres connection failed";
    }
    if (result != nullptr) PQclear(result);
    auto done = std::move(call->done);
    call.reset();
    pump();
    done(std::move(out));
  }

  void retry_later(std::unique_ptr<pending_call> call) {
    ++stats_.retries;
    const auto ceiling = retry_delay_us_initial.count() << std::min(call->attempts, 10u);
    const auto delay = std::chrono::microseconds{
        static_cast<std::int64_t>(random_() % static_cast<std::uint64_t>(ceiling + 1))};
    auto timer = std::make_shared<asio::steady_timer>(io_, delay);
    timer->async_wait([this, timer, waiting = std::move(call)](boost::system::error_code) mutable {
      backlog_.push_front(std::move(waiting));
      pump();
    });
    pump();
  }

  asio::io_context& io_;
  // Between calls nothing waits on the io_context, which would then stop itself: the driver
  // keeps it running until close(), as the HTTP client's deadline tick does.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
  std::vector<std::unique_ptr<pg_connection>> connections_;
  std::deque<std::unique_ptr<pending_call>> backlog_;
  std::mt19937_64 random_;
  driver_stats stats_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<driver> make_pg_driver(boost::asio::io_context& io, const target_config& target) {
  return std::make_unique<pg_driver>(io, target);
}

}  // namespace escrowd::loadgen
