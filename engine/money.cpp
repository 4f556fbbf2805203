#include "engine/money.hpp"

namespace escrowd {

result<currency> currency::parse(std::string_view text) {
  if (text.size() != 3) return error{error_code::currency_invalid, "currency"};
  std::array<char, 3> letters{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (text[i] < 'a' || text[i] > 'z') return error{error_code::currency_invalid, "currency"};
    letters[i] = text[i];
  }
  return currency{letters};
}

}  // namespace escrowd
