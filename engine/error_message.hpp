// error_message: the sentence a rejection is answered with. The code and param are the
// contract clients branch on; the sentence is for the person reading a log or a response,
// so it says what was wrong with this request where the site that refused it knows.
// Thread affinity: none; pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.hpp"

namespace escrowd {

// The rejection's own sentence, else one naming its param (missing, unknown or invalid
// parameters), else the code's default sentence.
std::string error_message(const error& failure);

// `code` with `param` and a specific sentence.
error rejection(error_code code, std::string_view param, std::string message);

// parameter_invalid for a text field past its limit.
error too_long(std::string_view param, std::size_t length_max);

// insufficient_funds, worded "<balance_name> is <balance>, less than the <required> required."
error insufficient_funds(std::string_view balance_name, std::int64_t balance,
                         std::int64_t required);

}  // namespace escrowd
