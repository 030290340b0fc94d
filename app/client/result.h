// Result<T>: either a value or an ApiError — how every gateway call reports back, never by throwing.
#pragma once

#include <utility>
#include <variant>

#include "client/api_error.h"

namespace fleetdeck::console {

template <class T>
class Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(ApiError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(state_); }
  T& value() & { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const T* operator->() const { return &std::get<0>(state_); }
  const T& operator*() const { return std::get<0>(state_); }

  const ApiError& error() const { return std::get<1>(state_); }

  // Keeps the error, replaces the value: for typed wrappers over a raw response.
  template <class F>
  auto map(F&& convert) const -> Result<decltype(convert(std::declval<const T&>()))> {
    if (!ok()) return error();
    return convert(value());
  }

 private:
  std::variant<T, ApiError> state_;
};

// For calls whose success carries nothing worth reading (204, 202 without body).
struct Done {};

}  // namespace fleetdeck::console
