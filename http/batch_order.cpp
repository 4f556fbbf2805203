#include "http/batch_order.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace escrowd::http {
namespace {

struct object_order {
  std::optional<std::size_t> last_writer;
  std::vector<std::size_t> readers_since;  // of the last writer
};

std::vector<object_touch> merged(const std::vector<object_touch>& touches) {
  std::vector<object_touch> out;
  for (const auto& touch : touches) {
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const object_touch& seen) { return seen.id == touch.id; });
    if (same == out.end())
      out.push_back(touch);
    else
      same->writes = same->writes || touch.writes;
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::size_t>> batch_predecessors(
    const std::vector<std::vector<object_touch>>& touches) {
  std::vector<std::vector<std::size_t>> predecessors(touches.size());
  std::map<std::string, object_order, std::less<>> orders;
  for (std::size_t index = 0; index < touches.size(); ++index) {
    auto& waits = predecessors[index];
    for (const auto& touch : merged(touches[index])) {
      auto& order = orders[touch.id];
      if (order.last_writer) waits.push_back(*order.last_writer);
      if (touch.writes) {
        waits.insert(waits.end(), order.readers_since.begin(), order.readers_since.end());
        order.last_writer = index;
        order.readers_since.clear();
      } else {
        order.readers_since.push_back(index);
      }
    }
    std::sort(waits.begin(), waits.end());
    waits.erase(std::unique(waits.begin(), waits.end()), waits.end());
  }
  return predecessors;
}

}  // namespace escrowd::http
