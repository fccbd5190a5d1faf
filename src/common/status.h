// Status / Result: expected failures travel as values; broken invariants hit SPP_CHECK.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace spp {

class Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string msg) { Status s; s.ok_ = false; s.msg_ = std::move(msg); return s; }
  bool is_ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const std::string& message() const { return msg_; }
 private:
  bool ok_ = true;
  std::string msg_;
};

// Result<T>: a value or an error message. Deliberately tiny.
template <typename T>
class Result {
 public:
  Result(T v) : v_(std::move(v)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}  // NOLINT
  static Result error(std::string msg) { return Result(Status::error(std::move(msg))); }
  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  std::string error_message() const { return is_ok() ? std::string() : std::get<Status>(v_).message(); }
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }
 private:
  std::variant<T, Status> v_;
};

}  // namespace spp

#define SPP_CHECK(cond, ...)                                                         \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "CHECK failed at %s:%d: %s ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, "" __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                    \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
