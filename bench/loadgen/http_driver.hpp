// The escrowd target: each logical operation becomes one v1 API request sent through the
// project's pipelined client (tools/client), which keys every write and retries like Stripe's
// client libraries; a batch becomes one POST /v1/batch.
// Thread affinity: the io_context's thread (see driver.hpp).
#pragma once

#include "bench/loadgen/driver.hpp"
#include "tools/client/api_call.hpp"

namespace escrowd::loadgen {

// The API request an operation maps to (also used to build batch operations).
client::api_request to_api_request(const operation& op);

// "http://HOST:PORT[/]" -> host and port; throws std::invalid_argument otherwise.
void parse_http_url(const std::string& url, std::string& host, std::uint16_t& port);

std::unique_ptr<driver> make_http_driver(boost::asio::io_context& io, const target_config& target);

}  // namespace escrowd::loadgen
