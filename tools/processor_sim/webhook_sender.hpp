// Delivers webhook events to one http:// URL, signed with Stripe-Signature (a fresh
// timestamp per attempt), at least once: failed attempts (connection errors, timeouts,
// non-2xx) are retried with doubling delays up to webhook_attempts_max, then abandoned and
// counted. Up to webhook_concurrency_max deliveries run at once, so events may arrive out of
// order, as Stripe's do.
//
// Thread affinity: every member runs on the io_context's single thread. Lifetime: must
// outlive the run of the io_context; pending attempts are destroyed with the io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api.hpp"

namespace escrowd::processor_sim {

struct webhook_target {
  std::string host;
  std::string port;
  std::string path;
};

// Parses "http://host[:port][/path]"; nullopt for anything else (no TLS in the simulator).
[[nodiscard]] std::optional<webhook_target> parse_webhook_url(const std::string& url);

struct webhook_stats {
  std::uint64_t queued = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed_attempts = 0;
  std::uint64_t abandoned = 0;
  std::uint64_t dropped_queue_full = 0;
};

class webhook_sender {
 public:
  webhook_sender(boost::asio::io_context& io, webhook_target target, std::string secret,
                 std::int64_t retry_delay_ms);

  void enqueue(std::vector<webhook_event> events);
  // Called with an event's delivery number once it is over: delivered, abandoned after the
  // last attempt, or dropped because the queue was full (the state file then forgets it).
  void on_settled(std::function<void(std::uint64_t delivery)> settled) {
    settled_ = std::move(settled);
  }
  [[nodiscard]] boost::json::object stats_json() const;

 private:
  struct delivery {
    webhook_event event;
    int attempt = 0;  // attempts already made
  };

  void start_ready();
  void attempt(delivery item);
  void finished(delivery item, bool ok);
  void settled(const webhook_event& event) {
    if (settled_) settled_(event.delivery);
  }

  boost::asio::io_context& io_;
  webhook_target target_;
  std::string secret_;
  std::int64_t retry_delay_ms_;
  std::deque<delivery> ready_;
  std::size_t in_flight_ = 0;
  std::size_t retrying_ = 0;  // waiting for their retry timer; counted in the queue bound
  webhook_stats stats_;
  std::function<void(std::uint64_t)> settled_;
};

}  // namespace escrowd::processor_sim
