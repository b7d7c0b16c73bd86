#pragma once
// A request body that its handler reads as it arrives, for routes that take bodies of any size.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cc::http {

/// The body of a request whose route reads it itself (RouteOptions::streams_body): the connection
/// does not buffer it, and the handler pulls it a block at a time, so that its memory is bounded
/// by what it holds, not by the body. Bounded in size by its own limit, and each read by the
/// connection's idle timeout (http.header_timeout_ms). Used by one thread.
class BodySource {
 public:
  /// kEnd: the body was read whole. The others end it early: past the limit, a read that timed
  /// out, or a connection that closed or broke the framing before the body's end.
  enum class State { kReading, kEnd, kTooLarge, kTimeout, kBroken };
  virtual ~BodySource() = default;
  /// Up to `n` bytes into `buf`; 0 once the body has ended, whole or not (state() says which).
  virtual std::size_t read(char* buf, std::size_t n) = 0;
  virtual State state() const = 0;
  /// Body bytes read so far.
  virtual int64_t bytesRead() const = 0;
  /// The most bytes this body may have (the route's limit).
  virtual int64_t limit() const = 0;
};

/// A body held in memory (a request whose body the connection has read, a unit test): read
/// whole unless it is longer than `limit`.
class BufferedBodySource final : public BodySource {
 public:
  explicit BufferedBodySource(std::string_view body, int64_t limit = INT64_MAX)
      : body_(body), limit_(limit) {}
  std::size_t read(char* buf, std::size_t n) override {
    if (state_ != State::kReading) return 0;
    const std::size_t take = std::min(n, body_.size() - at_);
    if (take > 0 && static_cast<int64_t>(at_ + take) > limit_) {
      state_ = State::kTooLarge;
      return 0;
    }
    std::copy_n(body_.data() + at_, take, buf);
    at_ += take;
    if (take == 0) state_ = State::kEnd;
    return take;
  }
  State state() const override { return state_; }
  int64_t bytesRead() const override { return static_cast<int64_t>(at_); }
  int64_t limit() const override { return limit_; }

 private:
  std::string_view body_;
  int64_t limit_;
  std::size_t at_ = 0;
  State state_ = State::kReading;
};

}  // namespace cc::http
