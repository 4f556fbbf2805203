// transport_error: error_json + serialize from json_codec, with the table's HTTP status.
#include "http/transport_error.hpp"

#include "engine/result.hpp"
#include "http/json_codec.hpp"

namespace escrowd::http {

response transport_error(error_code code, std::string_view message) {
  response answer;
  answer.status = describe(code).http_status;
  answer.body = serialize(error_json(error{code}, message));
  return answer;
}

}  // namespace escrowd::http
