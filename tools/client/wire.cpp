// wire: request rendering and response field extraction.
#include "tools/client/wire.hpp"

#include <boost/beast/http/field.hpp>

namespace escrowd::client::detail {

std::string render_request(const api_request& request, std::string_view host,
                           std::string_view default_api_key) {
  const std::string_view api_key = request.api_key.empty() ? default_api_key : request.api_key;
  std::string out;
  out.reserve(160 + request.target.size() + api_key.size() + request.body.size());
  out.append(request.method).append(" ").append(request.target).append(" HTTP/1.1\r\nHost: ");
  out.append(host).append("\r\n");
  if (!api_key.empty()) out.append("Authorization: Bearer ").append(api_key).append("\r\n");
  if (!request.idempotency_key.empty()) {
    out.append("Idempotency-Key: ").append(request.idempotency_key).append("\r\n");
  }
  if (request.is_write() || !request.body.empty()) {
    if (!request.body.empty()) out.append("Content-Type: application/json\r\n");
    out.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  out.append("\r\n").append(request.body);
  return out;
}

attempt_outcome take_response(beast_response& response, api_result& result) {
  namespace http = boost::beast::http;
  result.answered = true;
  result.status = response.result_int();
  result.transport_error.clear();
  if (auto field = response.find("Request-Id"); field != response.end()) {
    result.request_id = std::string{field->value()};
  }
  if (auto field = response.find("Idempotent-Replayed"); field != response.end()) {
    result.replayed = field->value() == "true";
  }
  if (auto field = response.find("Original-Request"); field != response.end()) {
    result.original_request = std::string{field->value()};
  }
  std::optional<std::chrono::milliseconds> retry_after;
  if (auto field = response.find(http::field::retry_after); field != response.end()) {
    retry_after = parse_retry_after(field->value());
  }
  result.body = std::move(response.body());
  return attempt_outcome{.answered = true,
                         .timed_out = false,
                         .status = result.status,
                         .body = result.body,
                         .retry_after = retry_after};
}

}  // namespace escrowd::client::detail
