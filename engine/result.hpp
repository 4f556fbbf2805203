// result<T>: the value-or-error return type used across every layer of escrowd.
// Expected outcomes (rejections) are values, never exceptions (style.md "Errors").
// Thread affinity: none; a plain value type.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engine/error_code.hpp"

namespace escrowd {

// A rejection: the stable code plus the request parameter that caused it, if any, and
// a sentence for the human reading the response (empty: the code's default sentence).
struct error {
  error_code code = error_code::internal;
  std::string param = {};  // a field name; short enough for the small-string buffer
  std::string message = {};

  // The same rejection whatever the wording: clients and tests branch on code and param.
  friend bool operator==(const error& a, const error& b) {
    return a.code == b.code && a.param == b.param;
  }
};

template <class T>
class [[nodiscard]] result {
 public:
  // By reference, not by value: a value parameter moved a T twice (into the parameter,
  // then into the storage), and a task is ~270 bytes of strings and a vector.
  result(const T& value) : storage_(std::in_place_index<0>, value) {}        // NOLINT: implicit
  result(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  // Builds the value where the result lives: a function that fills it in and returns it
  // from its only return statement moves nothing (named return value optimization).
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args)
      : storage_(std::in_place_index<0>, std::forward<Args>(args)...) {}
  result(error failure) : storage_(std::move(failure)) {}  // NOLINT: implicit by design
  result(error_code code) : storage_(error{code}) {}       // NOLINT: implicit by design

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(storage_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(storage_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const escrowd::error& failure() const {
    assert(!has_value());
    return std::get<1>(storage_);
  }
  error_code code() const { return has_value() ? error_code::ok : failure().code; }

 private:
  std::variant<T, escrowd::error> storage_;
};

// status: a result without a value.
class [[nodiscard]] status {
 public:
  status() = default;
  status(error failure) : failure_(std::move(failure)) {}  // NOLINT: implicit by design
  status(error_code code) : failure_(error{code}) {}       // NOLINT: implicit by design

  bool ok() const { return failure_.code == error_code::ok; }
  explicit operator bool() const { return ok(); }
  const escrowd::error& failure() const { return failure_; }
  error_code code() const { return failure_.code; }

 private:
  escrowd::error failure_{error_code::ok, {}};
};

}  // namespace escrowd
