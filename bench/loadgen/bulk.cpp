// bulk: each completion starts the next operation not yet sent.
#include "bench/loadgen/bulk.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <functional>

namespace escrowd::loadgen {

std::vector<op_result> run_bulk(boost::asio::io_context& io, driver& target,
                                const std::vector<operation>& ops, std::size_t concurrency) {
  std::vector<op_result> results(ops.size());
  std::size_t next = 0;
  std::size_t answered = 0;
  std::function<void()> send_next = [&] {
    const auto index = next++;
    target.execute(ops[index], [&, index](op_result result) {
      results[index] = std::move(result);
      ++answered;
      if (next < ops.size()) send_next();
    });
  };
  const auto first = std::min(ops.size(), std::max<std::size_t>(concurrency, 1));
  for (std::size_t started = 0; started < first; ++started) send_next();
  if (io.stopped()) io.restart();
  while (answered < ops.size()) io.run_one();
  return results;
}

void pause(boost::asio::io_context& io, std::chrono::milliseconds span) {
  boost::asio::steady_timer timer{io, span};
  bool waited = false;
  timer.async_wait([&](boost::system::error_code) { waited = true; });
  if (io.stopped()) io.restart();
  while (!waited) io.run_one();
}

}  // namespace escrowd::loadgen
