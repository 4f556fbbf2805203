// A processor port for the gateway's tests: a tiny model of the processor (objects by
// operation id, created by a successful send), scripted answers per idempotency key, a
// hold mode that keeps answers back until the test releases them, and counters of every
// call. Answers are given on the calling thread, or on the test's thread when held.
// Thread affinity: all members are thread-safe (the gateway calls from its actor thread,
// the test inspects from its own).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/processor_port.hpp"
#include "actors/wall_clock.hpp"

namespace escrowd::actors::testing {

// `detail` as the Stripe client words it: "timeout", "connection: ...", or a status first
// ("503 api_error"), which also sets http_status.
inline processor_reply retryable_reply(std::string detail = "timeout") {
  processor_reply reply;
  reply.kind = reply_kind::retryable;
  reply.timed_out = detail == "timeout";
  if (!detail.empty() && detail[0] >= '1' && detail[0] <= '9')
    reply.http_status = std::stoi(detail);
  reply.detail = std::move(detail);
  return reply;
}

inline processor_reply uncertain_reply() {
  processor_reply reply;
  reply.kind = reply_kind::uncertain;
  reply.http_status = 500;
  reply.detail = "replayed 500 api_error";
  return reply;
}

// A 5xx the processor saved under the key: it replays on every send with that key.
inline processor_reply saved_failure_reply() {
  auto reply = uncertain_reply();
  reply.failure_saved_under_key = true;
  return reply;
}

inline processor_reply declined_reply(std::string code) {
  processor_reply reply;
  reply.kind = reply_kind::declined;
  reply.http_status = 402;
  reply.failure_code = std::move(code);
  reply.failure_message = "Your card was declined.";
  return reply;
}

class fake_processor_port final : public processor_port {
 public:
  // The next answers to sends with this key, in order; once used up, sends succeed.
  void script(const std::string& key, std::vector<processor_reply> replies) {
    std::lock_guard lock(mutex_);
    auto& queue = scripts_[key];
    for (auto& reply : replies) queue.push_back(std::move(reply));
  }
  // What a successful send creates for a withdrawal (default "paid") and how many
  // retrieves see it "pending" first.
  void payouts_settle_as(std::string status, int pending_retrieves = 0) {
    std::lock_guard lock(mutex_);
    payout_status_ = std::move(status);
    pending_retrieves_ = pending_retrieves;
  }
  // Puts an object into the processor's records, as if a request had been applied.
  void add_object(processor_object object) {
    std::lock_guard lock(mutex_);
    created_.try_emplace({object.kind, object.operation_id}, unix_now());
    objects_[{object.kind, object.operation_id}] = std::move(object);
  }
  // When the object of the operation was created (Unix seconds; the ledger's clock when it
  // was, unless set here): lists filter on it.
  void set_created(processor_kind kind, const std::string& operation_id, std::int64_t created) {
    std::lock_guard lock(mutex_);
    created_[{kind, operation_id}] = created;
  }
  // The created_since of every list call so far, in order.
  std::vector<std::int64_t> lists_created_since() {
    std::lock_guard lock(mutex_);
    return lists_created_since_;
  }
  // Puts `object` into the records just before the find numbered `number` (1: the first)
  // reads them: a record a lagging list shows late.
  void on_find_number(std::size_t number, processor_object object) {
    std::lock_guard lock(mutex_);
    late_object_ = {number, std::move(object)};
  }
  // Lists go unanswered (the processor unreachable) while on.
  void fail_lists(bool on) {
    std::lock_guard lock(mutex_);
    failing_lists_ = on;
  }
  // Lists of `kind` alone go unanswered (a run then compares the other kind only).
  void fail_lists_of(std::optional<processor_kind> kind) {
    std::lock_guard lock(mutex_);
    failing_kind_ = kind;
  }
  // Finds answer as a search lagging its writes by `lag` would (processor_lookup::search_lag).
  void search_lags(std::chrono::seconds lag) {
    std::lock_guard lock(mutex_);
    search_lag_ = lag;
  }
  // The created_at every find so far was given, in order.
  std::vector<std::int64_t> finds_created_at() {
    std::lock_guard lock(mutex_);
    return finds_created_at_;
  }
  // Finds go unanswered (the processor's search unreachable) while on.
  void fail_finds(bool on) {
    std::lock_guard lock(mutex_);
    failing_finds_ = on;
  }
  void hold(bool on) {
    std::lock_guard lock(mutex_);
    holding_ = on;
  }
  // Answers every held call (on this thread).
  void release() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (auto& answer : held) answer();
  }
  std::size_t held_count() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

  std::size_t sends(const std::string& key) {
    std::lock_guard lock(mutex_);
    return std::count(sent_keys_.begin(), sent_keys_.end(), key);
  }
  std::vector<std::string> sent_keys() {
    std::lock_guard lock(mutex_);
    return sent_keys_;
  }
  std::vector<std::string> payloads(const std::string& key) {
    std::lock_guard lock(mutex_);
    return payloads_[key];
  }
  std::size_t retrieves() {
    std::lock_guard lock(mutex_);
    return retrieves_;
  }
  std::size_t finds() {
    std::lock_guard lock(mutex_);
    return finds_;
  }
  std::size_t lists() {
    std::lock_guard lock(mutex_);
    return lists_;
  }
  std::size_t max_in_flight() {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }

  void send(const processor_request& request, reply_callback done) override {
    std::unique_lock lock(mutex_);
    sent_keys_.push_back(request.idempotency_key);
    payloads_[request.idempotency_key].push_back(request.payload);
    processor_reply reply;
    auto& queue = scripts_[request.idempotency_key];
    if (!queue.empty()) {
      reply = std::move(queue.front());
      queue.pop_front();
    } else {
      reply = apply(request);
    }
    answer(lock, [done, reply] { done(reply); });
  }

  void retrieve(processor_kind kind, const std::string& object_id, lookup_callback done) override {
    std::unique_lock lock(mutex_);
    ++retrieves_;
    processor_lookup lookup;
    lookup.answered = true;
    lookup.http_status = 200;
    for (auto& [key, object] : objects_) {
      if (object.kind != kind || object.id != object_id) continue;
      if (object.status == "pending" && pending_retrieves_-- <= 0) object.status = payout_status_;
      lookup.objects.push_back(object);
    }
    answer(lock, [done, lookup] { done(lookup); });
  }

  void find(processor_kind kind, const std::string& operation_id, std::int64_t created_at,
            lookup_callback done) override {
    std::unique_lock lock(mutex_);
    ++finds_;
    finds_created_at_.push_back(created_at);
    if (late_object_ && late_object_->first == finds_) {
      auto& object = late_object_->second;
      objects_[{object.kind, object.operation_id}] = std::move(object);
      late_object_.reset();
    }
    processor_lookup lookup;
    if (failing_finds_) return answer(lock, [done, lookup] { done(lookup); });
    lookup.answered = true;
    lookup.http_status = 200;
    lookup.search_lag = search_lag_;
    if (auto found = objects_.find({kind, operation_id}); found != objects_.end())
      lookup.objects.push_back(found->second);
    answer(lock, [done, lookup] { done(lookup); });
  }

  void list(processor_kind kind, std::int64_t created_since, const std::string& starting_after,
            std::size_t limit, page_callback done) override {
    std::unique_lock lock(mutex_);
    ++lists_;
    lists_created_since_.push_back(created_since);
    processor_page page;
    if (failing_lists_ || failing_kind_ == kind) return answer(lock, [done, page] { done(page); });
    page.answered = true;
    page.http_status = 200;
    bool started = starting_after.empty();
    for (const auto& [key, object] : objects_) {
      if (object.kind != kind || created_[key] < created_since) continue;
      if (!started) {
        started = object.id == starting_after;
        continue;
      }
      if (page.objects.size() == limit) {
        page.has_more = true;
        break;
      }
      page.objects.push_back(object);
    }
    answer(lock, [done, page] { done(page); });
  }

 private:
  // The processor applying a create: an object named after the key's operation.
  processor_reply apply(const processor_request& request) {
    const auto first = request.idempotency_key.find(':');
    const auto last = request.idempotency_key.rfind(':');
    const std::string operation_id = request.idempotency_key.substr(first + 1, last - first - 1);
    auto& object = objects_[{request.kind, operation_id}];
    created_.try_emplace({request.kind, operation_id}, unix_now());
    if (object.id.empty()) {
      object.kind = request.kind;
      object.id = (request.kind == processor_kind::topup ? "pi_" : "po_") + operation_id;
      object.operation_id = operation_id;
      object.amount = amount_in(request.payload);
      object.currency = "usd";
      object.status = request.kind == processor_kind::topup ? "succeeded" : "pending";
      if (request.kind == processor_kind::withdrawal && pending_retrieves_ < 0)
        object.status = payout_status_;
    }
    processor_reply reply;
    reply.kind = reply_kind::object;
    reply.http_status = 200;
    reply.object = object;
    return reply;
  }

  static std::int64_t amount_in(const std::string& payload) {
    const auto at = payload.find("amount=");
    if (at == std::string::npos) return 0;
    return std::stoll(payload.substr(at + 7));
  }

  void answer(std::unique_lock<std::mutex>& lock, std::function<void()> call) {
    if (holding_) {
      held_.push_back(std::move(call));
      max_in_flight_ = std::max(max_in_flight_, held_.size());
      return;
    }
    max_in_flight_ = std::max<std::size_t>(max_in_flight_, 1);
    lock.unlock();
    call();
  }

  std::mutex mutex_;
  std::map<std::string, std::deque<processor_reply>> scripts_;
  std::optional<std::pair<std::size_t, processor_object>> late_object_;
  std::map<std::pair<processor_kind, std::string>, processor_object> objects_;
  std::map<std::pair<processor_kind, std::string>, std::int64_t> created_;
  std::vector<std::int64_t> lists_created_since_;
  std::string payout_status_ = "paid";
  int pending_retrieves_ = -1;  // < 0: a payout is final at once
  bool holding_ = false;
  std::vector<std::function<void()>> held_;
  std::vector<std::string> sent_keys_;
  std::map<std::string, std::vector<std::string>> payloads_;
  std::size_t finds_ = 0;
  std::size_t retrieves_ = 0;
  std::size_t lists_ = 0;
  bool failing_lists_ = false;
  bool failing_finds_ = false;
  std::chrono::seconds search_lag_{0};
  std::vector<std::int64_t> finds_created_at_;
  std::optional<processor_kind> failing_kind_;
  std::size_t max_in_flight_ = 0;
};

}  // namespace escrowd::actors::testing
