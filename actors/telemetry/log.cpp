#include "actors/telemetry/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "actors/telemetry/redaction.hpp"
#include "engine/utf8.hpp"

namespace escrowd::actors::telemetry {
namespace {

constexpr std::string_view replacement_character = "\\ufffd";

void append_control(std::string& out, unsigned char c) {
  switch (c) {
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    default: {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    }
  }
}

void append_number(std::string& out, const log_value& value) {
  char buffer[32];
  std::to_chars_result written{};
  switch (value.type()) {
    case log_value::kind::signed_number:
      written = std::to_chars(buffer, buffer + sizeof buffer, value.signed_number());
      break;
    case log_value::kind::unsigned_number:
      written = std::to_chars(buffer, buffer + sizeof buffer, value.unsigned_number());
      break;
    default:
      if (!std::isfinite(value.real())) {
        out += "null";  // JSON has no NaN or infinity
        return;
      }
      written = std::to_chars(buffer, buffer + sizeof buffer, value.real());
      break;
  }
  out.append(buffer, written.ptr);
}

void append_value(std::string& out, std::string_view name, const log_value& value) {
  if (is_sensitive_field(name)) {
    append_json_string(out, redacted_text);
    return;
  }
  switch (value.type()) {
    case log_value::kind::text:
      append_json_string(out, looks_secret(value.text()) ? redacted_text : value.text());
      return;
    case log_value::kind::flag:
      out += value.unsigned_number() != 0 ? "true" : "false";
      return;
    case log_value::kind::real:
      append_number(out, value);  // a card number is never a fraction
      return;
    default: {
      std::string number;
      append_number(number, value);
      // A card number passed as an integer is still a card number.
      if (looks_secret(number))
        append_json_string(out, redacted_text);
      else
        out += number;
    }
  }
}

void write_to_stderr(std::string_view line) {
  while (!line.empty()) {
    const auto written = ::write(STDERR_FILENO, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report it
    }
    line.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

std::string_view label_of(log_level level) {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::off:
      return "off";
  }
  return "unknown";
}

std::optional<log_level> parse_log_level(std::string_view text) {
  if (text == "debug") return log_level::debug;
  if (text == "info") return log_level::info;
  if (text == "warn" || text == "warning") return log_level::warn;
  if (text == "error") return log_level::error;
  if (text == "off") return log_level::off;
  return std::nullopt;
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(char(c));
      } else if (c < 0x20 || c == 0x7F) {
        append_control(out, c);
      } else {
        out.push_back(char(c));
      }
      ++i;
      continue;
    }
    const auto length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += replacement_character;
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  out.push_back('"');
}

std::string format_rfc3339_utc(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t whole = seconds.count();
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char buffer[96];  // room for any int the format could print, so GCC sees no truncation
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, int(millis));
  return buffer;
}

std::string format_log_line(log_level level, std::chrono::system_clock::time_point time,
                            std::string_view message, std::span<const log_field> fields) {
  std::string line;
  line.reserve(128 + message.size());
  line += "{\"time\":\"";
  line += format_rfc3339_utc(time);
  line += "\",\"level\":\"";
  line += label_of(level);
  line += "\",\"message\":";
  append_json_string(line, looks_secret(message) ? redacted_text : message);
  for (const auto& field : fields) {
    line.push_back(',');
    append_json_string(line, field.name);
    line.push_back(':');
    append_value(line, field.name, field.value);
  }
  line += "}\n";
  return line;
}

logger::logger(log_level minimum) : logger(minimum, write_to_stderr) {}

logger::logger(log_level minimum, sink out) : minimum_(minimum), sink_(std::move(out)) {}

void logger::log(log_level level, std::string_view message,
                 std::initializer_list<log_field> fields) {
  if (!enabled(level)) return;
  const auto line = format_log_line(level, std::chrono::system_clock::now(), message,
                                    std::span<const log_field>(fields.begin(), fields.size()));
  std::lock_guard lock(sink_mutex_);
  sink_(line);
}

logger& process_logger() {
  static logger instance([] {
    const char* configured = std::getenv("ESCROWD_LOG_LEVEL");
    if (configured == nullptr) return log_level::info;
    return parse_log_level(configured).value_or(log_level::info);
  }());
  return instance;
}

}  // namespace escrowd::actors::telemetry
