// string_map: a hash map keyed by std::string and looked up by std::string_view without
// building a std::string for the lookup (C++20's heterogeneous lookup).
// Thread affinity: none (a type; callers guard their maps).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace escrowd {

struct transparent_string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

template <class Value>
using string_map = std::unordered_map<std::string, Value, transparent_string_hash, std::equal_to<>>;

}  // namespace escrowd
