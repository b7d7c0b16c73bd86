#pragma once
// Result<T>: a value or an Error, for failures that are expected on the request path.

#include <cassert>
#include <utility>
#include <variant>

#include "common/error.h"

namespace cc::common {

/// Holds either a T or an Error. Not thread-safe (a plain value type).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// For operations with no value on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace cc::common
