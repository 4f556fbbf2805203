// transport_error: error_json + serialize from json_codec, with the table's HTTP status.
#include "http/transport_error.hpp"

#include "engine/result.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {

response transport_error(error_code code, std::string_view message) {
  response answer;
  answer.status = describe(code).http_status;
  answer.body = serialize(error_json(error{code}, message));
  with_retry_hint(answer);
  return answer;
}

void with_retry_hint(response& answer) {
  if (answer.status != 503) return;
  for (const auto& [name, value] : answer.headers)
    if (name == "Retry-After") return;
  // A 503 is temporary (a full disk being freed, a store reopening, the connection cap):
  // clients and proxies that honour Retry-After come back instead of giving up.
  answer.headers.emplace_back("Retry-After", "1");
}

}  // namespace escrowd::http
