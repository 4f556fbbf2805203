// Runs a list of operations through a driver with bounded concurrency and returns every
// result, in the order of the list: the setup and the audit, which need answers, not rates.
// Thread affinity: the caller's thread runs the driver's io_context until all are answered.
#pragma once

#include <chrono>
#include <vector>

#include "bench/loadgen/driver.hpp"

namespace escrowd::loadgen {

std::vector<op_result> run_bulk(boost::asio::io_context& io, driver& target,
                                const std::vector<operation>& ops, std::size_t concurrency);

// Waits while running the io_context (so the driver's connections stay served).
void pause(boost::asio::io_context& io, std::chrono::milliseconds span);

}  // namespace escrowd::loadgen
