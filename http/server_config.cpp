// Validation of server_config: the checks start() makes before binding anything.
#include "http/server_config.hpp"

namespace escrowd::http {
namespace {

status invalid(const char* field) {
  return error{error_code::parameter_invalid, field};
}

}  // namespace

status validate(const server_config& config) {
  using std::chrono::milliseconds;
  if (config.io_threads_count < 1 || config.io_threads_count > 64) {
    return invalid("io_threads_count");
  }
  if (config.listen_backlog_max < 1) return invalid("listen_backlog_max");
  if (config.connections_max < 1) return invalid("connections_max");
  if (config.pipelined_requests_max < 1) return invalid("pipelined_requests_max");
  // Below 1 KiB not even an Authorization header plus a request line fits.
  if (config.request_header_bytes_max < 1024) return invalid("request_header_bytes_max");
  if (config.header_timeout_ms <= milliseconds::zero()) return invalid("header_timeout_ms");
  if (config.body_timeout_ms <= milliseconds::zero()) return invalid("body_timeout_ms");
  if (config.idle_timeout_ms <= milliseconds::zero()) return invalid("idle_timeout_ms");
  if (config.write_timeout_ms <= milliseconds::zero()) return invalid("write_timeout_ms");
  if (config.linger_timeout_ms < milliseconds::zero()) return invalid("linger_timeout_ms");
  if (config.stop_timeout_ms < milliseconds::zero()) return invalid("stop_timeout_ms");
  return {};
}

}  // namespace escrowd::http
