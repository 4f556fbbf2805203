// The bytes on the wire: an api_request rendered as an HTTP/1.1 request, and the fields of a
// Beast response an api_result keeps. Shared by both clients; internal to the library.
// Thread affinity: none; pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "tools/client/api_call.hpp"
#include "tools/client/retry_policy.hpp"

namespace escrowd::client::detail {

// Rendered by hand rather than through Beast's serializer: a load generator writes hundreds of
// thousands of these a second, and the shape never varies. `request.idempotency_key` must
// already be settled (empty only on reads).
std::string render_request(const api_request& request, std::string_view host,
                           std::string_view default_api_key);

using beast_response = boost::beast::http::response<boost::beast::http::string_body>;

// Moves status, body and the headers the API defines out of `response` into `result`, and
// returns the answer as the retry policy sees it (a view into `result.body`).
attempt_outcome take_response(beast_response& response, api_result& result);

}  // namespace escrowd::client::detail
