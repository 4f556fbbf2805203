// How the API answers: the renderer the deciding actor calls (operation result -> status
// and JSON body, rendered once so the live answer and the stored idempotency record are the
// same bytes), and the conversion of a rendered answer or an error into an HTTP response.
// Thread affinity: none; renderers run on actor threads and are pure.
#pragma once

#include <string_view>

#include "actors/commands.hpp"
#include "engine/result.hpp"
#include "http/request.hpp"

namespace escrowd::http {

// Success answers carry `success_status` (201 create, 202 accepted by the processor
// boundary, 200 otherwise); failures the status of their error code.
[[nodiscard]] actors::response_renderer make_renderer(unsigned success_status);

// The body of a success: the object as api.md shows it.
[[nodiscard]] std::string object_body(const actors::operation_object& object);

// Adds Idempotent-Replayed and Original-Request to replays.
[[nodiscard]] response to_http(actors::rendered_response rendered);

[[nodiscard]] response error_response(const error& failure, std::string_view message = {});

[[nodiscard]] response json_response(unsigned status, std::string body);

}  // namespace escrowd::http
