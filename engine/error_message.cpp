#include "engine/error_message.hpp"

namespace escrowd {

std::string error_message(const error& failure) {
  if (!failure.message.empty()) return failure.message;
  if (!failure.param.empty()) {
    switch (failure.code) {
      case error_code::parameter_missing:
        return "Missing required parameter: " + failure.param + ".";
      case error_code::parameter_unknown:
        return "Received unknown parameter: " + failure.param + ".";
      case error_code::parameter_invalid:
        return "Invalid value for parameter: " + failure.param + ".";
      default:
        break;
    }
  }
  return std::string(describe(failure.code).message);
}

error rejection(error_code code, std::string_view param, std::string message) {
  return error{code, std::string(param), std::move(message)};
}

error too_long(std::string_view param, std::size_t length_max) {
  return rejection(error_code::parameter_invalid, param,
                   std::string(param) + " is at most " + std::to_string(length_max) + " bytes.");
}

error insufficient_funds(std::string_view balance_name, std::int64_t balance,
                         std::int64_t required) {
  return rejection(error_code::insufficient_funds, {},
                   std::string(balance_name) + " is " + std::to_string(balance) +
                       ", less than the " + std::to_string(required) + " required.");
}

}  // namespace escrowd
