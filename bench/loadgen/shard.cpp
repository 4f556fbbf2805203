// shard: the closed loop chains each virtual user's next request onto the completion of its
// last; the open loop schedules request slots at the target rate on a 1 ms tick and hands
// each slot to a story that is ready for its next step (or a new story, up to concurrency).
#include "bench/loadgen/shard.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <deque>

namespace escrowd::loadgen {
namespace {

namespace asio = boost::asio;

constexpr std::size_t error_samples_max = 10;
constexpr std::size_t error_sample_body_bytes_max = 300;
constexpr std::chrono::milliseconds open_loop_tick_interval{1};
constexpr std::chrono::milliseconds progress_interval{250};
constexpr std::chrono::seconds close_drain_max{5};

std::int64_t micros(clock_type::duration span) {
  return std::chrono::duration_cast<std::chrono::microseconds>(span).count();
}

// The "id" of an accepted top-up or withdrawal.
std::string id_in(const std::string& body) {
  boost::system::error_code failure;
  const auto parsed = boost::json::parse(body, failure);
  if (failure || !parsed.is_object()) return {};
  const auto* id = parsed.as_object().if_contains("id");
  return id != nullptr && id->is_string() ? std::string{id->as_string()} : std::string{};
}

}  // namespace

void shard_result::merge(const shard_result& other) {
  latency.merge(other.latency);
  write_latency.merge(other.write_latency);
  requests += other.requests;
  operations += other.operations;
  for (std::size_t kind = 0; kind < op_kind_count; ++kind) {
    by_kind[kind].ok += other.by_kind[kind].ok;
    by_kind[kind].rejected += other.by_kind[kind].rejected;
    by_kind[kind].failed += other.by_kind[kind].failed;
  }
  for (const auto& sample : other.error_samples) {
    if (error_samples.size() < error_samples_max) error_samples.push_back(sample);
  }
  topups.insert(topups.end(), other.topups.begin(), other.topups.end());
  withdrawals.insert(withdrawals.end(), other.withdrawals.begin(), other.withdrawals.end());
  window_begin = std::min(window_begin, other.window_begin);
  window_end = std::max(window_end, other.window_end);
  wall = std::max(wall, other.wall);
  late += other.late;
  in_flight_peak += other.in_flight_peak;
  client.connections_opened += other.client.connections_opened;
  client.retries += other.client.retries;
  client.timeouts += other.client.timeouts;
}

std::chrono::nanoseconds shard_result::window() const {
  if (window_end <= window_begin) return std::chrono::nanoseconds{0};
  return window_end - window_begin;
}

struct shard::virtual_user {
  std::shared_ptr<story> current;            // closed loop, one request at a time
  std::vector<std::shared_ptr<story>> lane;  // batch: one story per operation
};

struct shard::state {
  state(const plan& run_plan, shard_config settings, const target_config& target)
      : run(run_plan),
        config(std::move(settings)),
        driver(make_driver(io, target)),
        stories(run_plan, config.workload, config.index, config.seed),
        ticker(io),
        progress_timer(io) {}

  const plan& run;
  shard_config config;
  asio::io_context io;
  std::unique_ptr<loadgen::driver> driver;
  story_source stories;
  asio::steady_timer ticker;
  asio::steady_timer progress_timer;

  clock_type::time_point started;
  clock_type::time_point window_start;
  clock_type::time_point stop_at;
  clock_type::time_point schedule_end = clock_type::time_point::max();  // open loop only
  clock_type::time_point last_completion;
  std::uint64_t sent = 0;
  std::uint64_t in_flight = 0;
  std::size_t users_active = 0;
  bool finished = false;

  // Open loop.
  std::uint64_t scheduled = 0;
  clock_type::time_point next_due;
  clock_type::duration period{};
  bool scheduling_done = false;
  std::deque<clock_type::time_point> due;    // slots not yet handed to a story
  std::deque<std::shared_ptr<story>> ready;  // stories waiting for a slot
  std::size_t stories_active = 0;

  // Progress: accumulated here on the shard's thread, published under the mutex.
  histogram interval;
  std::uint64_t requests_total = 0;
  std::uint64_t failed_total = 0;
  std::mutex published_mutex;
  shard_progress published;  // guarded by published_mutex
};

shard::shard(const plan& run, shard_config config, target_config target)
    : state_(std::make_unique<state>(run, std::move(config), target)) {}

shard::~shard() = default;

void shard::run() {
  auto& s = *state_;
  s.started = clock_type::now();
  s.window_start = s.config.requests_max > 0 ? s.started : s.started + s.config.warmup;
  s.stop_at = s.window_start + s.config.duration;
  publish_progress();
  if (s.config.open_loop) {
    s.next_due = s.started;
    s.period = std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(1.0 / s.config.rate));
    s.schedule_end = s.config.requests_max > 0
                         ? s.started + s.period * static_cast<std::int64_t>(s.config.requests_max)
                         : s.stop_at;
    open_loop_tick();
  } else {
    start_closed_loop();
  }
  while (!s.finished) s.io.run_one();
  result_.wall = std::max(s.last_completion, s.started) - s.started;
  result_.client = s.driver->stats();
  s.ticker.cancel();
  s.progress_timer.cancel();
  s.driver->close();
  s.io.run_for(close_drain_max);
  publish_progress();
}

bool shard::may_issue() const {
  const auto& s = *state_;
  if (s.config.requests_max > 0) return s.sent < s.config.requests_max;
  return clock_type::now() < s.stop_at;
}

void shard::note_sent(clock_type::time_point scheduled, clock_type::time_point sent) {
  auto& s = *state_;
  if (scheduled >= s.window_start) result_.window_begin = std::min(result_.window_begin, sent);
  ++s.sent;
  ++s.in_flight;
  result_.in_flight_peak = std::max(result_.in_flight_peak, s.in_flight);
}

void shard::start_closed_loop() {
  auto& s = *state_;
  s.users_active = s.config.concurrency;
  for (std::size_t index = 0; index < s.config.concurrency; ++index) {
    auto user = std::make_shared<virtual_user>();
    if (s.config.batch_size > 0) {
      for (std::size_t slot = 0; slot < s.config.batch_size; ++slot) {
        user->lane.push_back(std::make_shared<story>(s.stories.draw()));
      }
      send_batch(user);
    } else {
      user->current = std::make_shared<story>(s.stories.draw());
      next_step(user);
    }
  }
}

void shard::user_finished() {
  auto& s = *state_;
  if (--s.users_active == 0 && s.in_flight == 0) s.finished = true;
}

void shard::next_step(const std::shared_ptr<virtual_user>& user) {
  auto& s = *state_;
  if (!may_issue()) return user_finished();
  while (user->current->over()) user->current = std::make_shared<story>(s.stories.draw());
  const auto op = *user->current->next(s.run);
  const auto sent = clock_type::now();
  note_sent(sent, sent);
  s.driver->execute(op, [this, user, kind = op.kind, sent](op_result result) {
    const auto done = clock_type::now();
    --state_->in_flight;
    record_request(is_write(kind), sent, done, !result.ok() && !result.rejected());
    record_outcome(kind, result, *user->current, sent >= state_->window_start);
    user->current->on_result(result);
    next_step(user);
  });
}

void shard::send_batch(const std::shared_ptr<virtual_user>& user) {
  auto& s = *state_;
  if (!may_issue()) return user_finished();
  std::vector<operation> ops;
  std::vector<op_kind> kinds;
  ops.reserve(user->lane.size());
  for (auto& slot : user->lane) {
    while (slot->over()) slot = std::make_shared<story>(s.stories.draw());
    ops.push_back(*slot->next(s.run));
    kinds.push_back(ops.back().kind);
  }
  const auto sent = clock_type::now();
  note_sent(sent, sent);
  s.driver->execute_batch(
      ops, s.run.admin_key,
      [this, user, kinds = std::move(kinds), sent](op_result whole, std::vector<op_result> each) {
        const auto done = clock_type::now();
        --state_->in_flight;
        const bool in_window = sent >= state_->window_start;
        record_request(true, sent, done, !whole.ok());
        if (!whole.ok() && in_window && result_.error_samples.size() < error_samples_max) {
          result_.error_samples.push_back("batch: " + std::to_string(whole.status) + " " +
                                          whole.error +
                                          whole.body.substr(0, error_sample_body_bytes_max));
        }
        for (std::size_t index = 0; index < kinds.size(); ++index) {
          record_outcome(kinds[index], each[index], *user->lane[index], in_window);
          user->lane[index]->on_result(each[index]);
        }
        send_batch(user);
      });
}

void shard::open_loop_tick() {
  auto& s = *state_;
  const auto now = clock_type::now();
  while (!s.scheduling_done && s.next_due <= now) {
    const bool more =
        s.config.requests_max > 0 ? s.scheduled < s.config.requests_max : s.next_due < s.stop_at;
    if (!more) {
      s.scheduling_done = true;
      break;
    }
    s.due.push_back(s.next_due);
    ++s.scheduled;
    s.next_due += s.period;
  }
  dispatch_due();
  if (s.scheduling_done) return finish_open_loop_if_idle();
  s.ticker.expires_after(open_loop_tick_interval);
  s.ticker.async_wait([this](boost::system::error_code failure) {
    if (!failure) open_loop_tick();
  });
}

void shard::dispatch_due() {
  auto& s = *state_;
  while (!s.due.empty()) {
    std::shared_ptr<story> current;
    if (!s.ready.empty()) {
      current = std::move(s.ready.front());
      s.ready.pop_front();
    } else if (s.stories_active < s.config.concurrency) {
      current = std::make_shared<story>(s.stories.draw());
      ++s.stories_active;
    } else {
      return;  // every story is waiting for an answer: the slot waits, its latency grows
    }
    const auto intended = s.due.front();
    s.due.pop_front();
    const auto op = *current->next(s.run);
    note_sent(intended, clock_type::now());
    s.driver->execute(op, [this, current, kind = op.kind, intended](op_result result) {
      const auto done = clock_type::now();
      auto& st = *state_;
      --st.in_flight;
      record_request(is_write(kind), intended, done, !result.ok() && !result.rejected());
      record_outcome(kind, result, *current, intended >= st.window_start);
      current->on_result(result);
      if (current->over()) {
        --st.stories_active;
      } else {
        st.ready.push_back(current);
      }
      dispatch_due();
      if (st.scheduling_done) finish_open_loop_if_idle();
    });
  }
}

void shard::finish_open_loop_if_idle() {
  auto& s = *state_;
  if (s.due.empty() && s.in_flight == 0) s.finished = true;
}

void shard::record_request(bool write, clock_type::time_point sent, clock_type::time_point done,
                           bool failed) {
  auto& s = *state_;
  const auto latency = micros(done - sent);
  s.last_completion = done;
  s.interval.record(latency);
  ++s.requests_total;
  if (failed) ++s.failed_total;
  if (sent < s.window_start) return;
  ++result_.requests;
  result_.window_end = std::max(result_.window_end, done);
  if (done > s.schedule_end) ++result_.late;
  result_.latency.record(latency);
  if (write) result_.write_latency.record(latency);
}

void shard::record_outcome(op_kind kind, const op_result& result, const story& current,
                           bool in_window) {
  auto& s = *state_;
  if (result.ok()) {
    if (kind == op_kind::topup) result_.topups.push_back(id_in(result.body));
    if (kind == op_kind::withdraw) result_.withdrawals.push_back(id_in(result.body));
    if (kind == op_kind::create_task) s.stories.remember_task(current);
  }
  if (!in_window) return;
  ++result_.operations;
  auto& counts = result_.by_kind[static_cast<std::size_t>(kind)];
  if (result.ok()) {
    ++counts.ok;
  } else if (result.rejected()) {
    ++counts.rejected;
  } else {
    ++counts.failed;
    if (result_.error_samples.size() < error_samples_max) {
      result_.error_samples.push_back(std::string{to_string(kind)} + ": " +
                                      (result.answered
                                           ? std::to_string(result.status) + " " +
                                                 result.body.substr(0, error_sample_body_bytes_max)
                                           : result.error));
    }
  }
}

void shard::publish_progress() {
  auto& s = *state_;
  {
    std::lock_guard lock{s.published_mutex};
    s.published.interval_latency.merge(s.interval);
    s.published.requests = s.requests_total;
    s.published.failed = s.failed_total;
    s.published.in_flight = s.in_flight;
  }
  s.interval.reset();
  if (s.finished) return;
  s.progress_timer.expires_after(progress_interval);
  s.progress_timer.async_wait([this](boost::system::error_code failure) {
    if (!failure) publish_progress();
  });
}

shard_progress shard::take_progress() {
  auto& s = *state_;
  std::lock_guard lock{s.published_mutex};
  shard_progress taken = s.published;
  s.published.interval_latency.reset();
  return taken;
}

}  // namespace escrowd::loadgen
