// Tests http/batch_order.hpp: which earlier operations of a batch each one waits for.
// Reads of one object wait for its last write only, never for each other; a write waits
// for the last write and every read since; an id named twice by one operation counts once
// (as a write if either is); operations on other objects never wait.
#include "http/batch_order.hpp"

#include <gtest/gtest.h>

namespace escrowd::http {
namespace {

using waits = std::vector<std::vector<std::size_t>>;

object_touch reads(std::string id) {
  return {std::move(id), false};
}
object_touch writes(std::string id) {
  return {std::move(id), true};
}

TEST(batch_order, reads_of_one_object_run_together_after_its_last_write) {
  EXPECT_EQ(batch_predecessors({{writes("a")}, {reads("a")}, {reads("a")}, {reads("a")}}),
            (waits{{}, {0}, {0}, {0}}));
}

TEST(batch_order, a_write_waits_for_the_last_write_and_the_reads_since) {
  EXPECT_EQ(
      batch_predecessors({{writes("a")}, {reads("a")}, {reads("a")}, {writes("a")}, {reads("a")}}),
      (waits{{}, {0}, {0}, {0, 1, 2}, {3}}));
  EXPECT_EQ(batch_predecessors({{writes("a")}, {writes("a")}, {writes("a")}}),
            (waits{{}, {0}, {1}}));
}

TEST(batch_order, other_objects_do_not_wait_and_several_objects_join_their_waits) {
  // A funded task creation (writes task t and payer p, reads worker w) among others.
  EXPECT_EQ(batch_predecessors({{writes("p")},
                                {writes("w")},
                                {writes("t"), writes("p"), reads("w")},
                                {reads("w")},
                                {writes("x")},
                                {writes("t"), writes("w")}}),
            (waits{{}, {}, {0, 1}, {1}, {}, {1, 2, 3}}));
}

TEST(batch_order, an_id_named_twice_counts_once_as_a_write_if_either_is) {
  EXPECT_EQ(batch_predecessors({{reads("a")}, {reads("a"), writes("a")}, {reads("a")}}),
            (waits{{}, {0}, {1}}));
  EXPECT_EQ(batch_predecessors({{writes("a")}, {reads("a"), reads("a")}}), (waits{{}, {0}}));
}

}  // namespace
}  // namespace escrowd::http
