// Tests http/background_worker.hpp: jobs run one at a time in order, a full queue refuses,
// and a shared job answers everyone who asked for its kind before it started with one run,
// while those asking once it runs get a run of their own that starts after they asked.
// stop() drops what waits (a shared job's callers included), lets the running job end and
// leaves the worker refusing, valid to call until it is destroyed.
#include "http/background_worker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace escrowd::http {
namespace {

// Each test declares its worker last: destroyed first, it joins its thread before the
// promises and latches its jobs refer to go.
TEST(background_worker, a_full_queue_refuses) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::latch started(1);
  background_worker worker(1);
  ASSERT_TRUE(worker.post([&] {
    started.count_down();
    released.wait();
  }));
  started.wait();
  EXPECT_TRUE(worker.post([] {}));   // waits: the queue holds one
  EXPECT_FALSE(worker.post([] {}));  // refused
  release.set_value();
}

TEST(background_worker, a_shared_job_runs_once_for_all_who_asked_before_it_started) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::latch blocker_started(1);
  std::atomic<int> runs{0};
  std::mutex answered_mutex;
  std::vector<std::string> answers;
  std::latch all_answered(5);
  background_worker worker(4);
  ASSERT_TRUE(worker.post([&] {
    blocker_started.count_down();
    released.wait();
  }));
  blocker_started.wait();
  auto compute = [&] {
    response answer;
    answer.body = "run " + std::to_string(++runs);
    return answer;
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(worker.post_shared("verify", compute, [&](response answer) {
      {
        std::lock_guard lock(answered_mutex);
        answers.push_back(answer.body);
      }
      all_answered.count_down();
    }));
  }
  release.set_value();
  all_answered.wait();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(answers, std::vector<std::string>(5, "run 1"));
}

TEST(background_worker, who_asks_while_a_shared_job_runs_gets_a_later_run) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::latch first_running(1);
  std::atomic<int> runs{0};
  std::promise<std::string> first_answer;
  std::promise<std::string> second_answer;
  background_worker worker(4);
  ASSERT_TRUE(worker.post_shared(
      "verify",
      [&] {
        response answer;
        answer.body = "run " + std::to_string(++runs);
        if (runs == 1) {
          first_running.count_down();
          released.wait();
        }
        return answer;
      },
      [&](response answer) { first_answer.set_value(answer.body); }));
  first_running.wait();
  ASSERT_TRUE(worker.post_shared(
      "verify",
      [&] {
        response answer;
        answer.body = "run " + std::to_string(++runs);
        return answer;
      },
      [&](response answer) { second_answer.set_value(answer.body); }));
  release.set_value();
  EXPECT_EQ(first_answer.get_future().get(), "run 1");
  EXPECT_EQ(second_answer.get_future().get(), "run 2");
}

TEST(background_worker, stop_drops_what_waits_and_refuses_later_posts) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::latch started(1);
  std::atomic<bool> running_ended{false}, queued_ran{false}, shared_ran{false};
  std::atomic<int> shared_answers{0};
  background_worker worker(4);
  ASSERT_TRUE(worker.post([&] {
    started.count_down();
    released.wait();
    running_ended = true;
  }));
  started.wait();
  ASSERT_TRUE(worker.post([&] { queued_ran = true; }));
  ASSERT_TRUE(worker.post_shared(
      "scan",
      [&] {
        shared_ran = true;
        return response{};
      },
      [&](response) { ++shared_answers; }));
  std::thread stopper([&] { worker.stop(); });
  while (!worker.stopped()) std::this_thread::yield();
  release.set_value();
  stopper.join();
  EXPECT_TRUE(running_ended);
  EXPECT_FALSE(queued_ran);
  EXPECT_FALSE(shared_ran);
  EXPECT_EQ(shared_answers, 0);  // dropped: its responder answers for it
  EXPECT_FALSE(worker.post([] {}));
  EXPECT_FALSE(worker.post_shared(
      "scan", [] { return response{}; }, [](response) {}));
  worker.stop();  // again: nothing left to do
}

}  // namespace
}  // namespace escrowd::http
