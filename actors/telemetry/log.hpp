// Structured logs: one JSON object per line ("JSON lines") with `time` (RFC 3339, UTC,
// milliseconds), `level`, `message` and the caller's fields, e.g.
//   {"time":"2026-01-02T03:04:05.678Z","level":"info","message":"request",
//    "request_id":"req_1","principal":"key_9","route":"POST /v1/tasks","status":201,...}
// Secrets never reach the output (redaction.hpp): a field whose name says it holds a
// secret, and any value that looks like an API key, a bearer token or a card number, is
// written as "[redacted]". Log the principal by its key id, never by its secret.
// Thread affinity: a logger is thread-safe; each line goes to the sink in one call (for the
// default sink, one write(2) to stderr), so lines from many threads never interleave.
// Lifetime: process_logger() lives until exit. Field values are views: build the fields in
// the call (`log.info("m", {{"route", a + b}})` keeps its temporaries alive until log()
// returns); an array of fields must not outlive the strings it shows.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace escrowd::actors::telemetry {

enum class log_level : std::uint8_t { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

[[nodiscard]] std::string_view label_of(log_level level);
// "debug", "info", "warn" (or "warning"), "error", "off"; nullopt for anything else.
[[nodiscard]] std::optional<log_level> parse_log_level(std::string_view text);

// A field's value: text, a number or a flag.
class log_value {
 public:
  enum class kind : std::uint8_t { text, signed_number, unsigned_number, real, flag };

  log_value(std::string_view text) : kind_(kind::text), text_(text) {}    // NOLINT: implicit
  log_value(const char* text) : kind_(kind::text), text_(text) {}         // NOLINT: implicit
  log_value(const std::string& text) : kind_(kind::text), text_(text) {}  // NOLINT: implicit
  log_value(bool flag) : kind_(kind::flag), unsigned_(flag ? 1 : 0) {}    // NOLINT: implicit
  template <std::signed_integral Number>
  log_value(Number number) : kind_(kind::signed_number), signed_(number) {}  // NOLINT: implicit
  template <std::unsigned_integral Number>
  requires(!std::same_as<Number, bool>) log_value(Number number)
      : kind_(kind::unsigned_number), unsigned_(number) {}  // NOLINT
  template <std::floating_point Number>
  log_value(Number number) : kind_(kind::real), real_(double(number)) {}  // NOLINT: implicit

  [[nodiscard]] kind type() const { return kind_; }
  [[nodiscard]] std::string_view text() const { return text_; }
  [[nodiscard]] std::int64_t signed_number() const { return signed_; }
  [[nodiscard]] std::uint64_t unsigned_number() const { return unsigned_; }
  [[nodiscard]] double real() const { return real_; }

 private:
  kind kind_;
  std::string_view text_;
  std::int64_t signed_ = 0;
  std::uint64_t unsigned_ = 0;
  double real_ = 0;
};

struct log_field {
  std::string_view name;
  log_value value;
};

// Appends `text` as a JSON string literal: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// "2026-01-02T03:04:05.678Z".
[[nodiscard]] std::string format_rfc3339_utc(std::chrono::system_clock::time_point time);

// One complete line, ending in '\n', with redaction applied. Pure.
[[nodiscard]] std::string format_log_line(log_level level,
                                          std::chrono::system_clock::time_point time,
                                          std::string_view message,
                                          std::span<const log_field> fields);

class logger {
 public:
  // Receives one complete line per call.
  using sink = std::function<void(std::string_view line)>;

  explicit logger(log_level minimum = log_level::info);  // to stderr
  logger(log_level minimum, sink out);

  void set_level(log_level minimum) { minimum_.store(minimum, std::memory_order_relaxed); }
  [[nodiscard]] log_level level() const { return minimum_.load(std::memory_order_relaxed); }
  [[nodiscard]] bool enabled(log_level level) const {
    return level != log_level::off && level >= this->level();
  }

  void log(log_level level, std::string_view message, std::initializer_list<log_field> fields = {});
  void debug(std::string_view message, std::initializer_list<log_field> fields = {}) {
    log(log_level::debug, message, fields);
  }
  void info(std::string_view message, std::initializer_list<log_field> fields = {}) {
    log(log_level::info, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<log_field> fields = {}) {
    log(log_level::warn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<log_field> fields = {}) {
    log(log_level::error, message, fields);
  }

 private:
  std::atomic<log_level> minimum_;
  std::mutex sink_mutex_;  // one line at a time into the sink
  sink sink_;
};

// The process's logger: stderr, level from the environment variable ESCROWD_LOG_LEVEL
// (default info). The composition root may change the level at startup.
[[nodiscard]] logger& process_logger();

}  // namespace escrowd::actors::telemetry
