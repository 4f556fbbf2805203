// The PostgreSQL baseline target: each logical operation is one call of a PL/pgSQL function
// of bench/pg/schema.sql (one round trip, one transaction, committed with
// synchronous_commit=on) over libpq's asynchronous API, on `connections` connections that
// each run one transaction at a time, driven from the io_context by waiting on their sockets.
// Like the HTTP client, every write carries an idempotency key reused on its retries;
// deadlocks and serialization failures (SQLSTATE 40P01, 40001) are retried.
//
// This path skips HTTP, JSON request parsing and authentication, which favours the baseline:
// the functions get the principal's name in place of a key.
// Thread affinity: the io_context's thread (see driver.hpp).
#pragma once

#include "bench/loadgen/driver.hpp"

namespace escrowd::loadgen {

// Throws std::runtime_error when a connection or a statement preparation fails.
std::unique_ptr<driver> make_pg_driver(boost::asio::io_context& io, const target_config& target);

}  // namespace escrowd::loadgen
