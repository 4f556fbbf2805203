// Reads samples back out of Prometheus text exposition, so tests can check a metric's value
// by name and labels rather than by matching strings. Handles the subset prometheus-cpp
// writes: `name{k="v",...} value` lines, `# HELP` / `# TYPE` comments, escaped label values.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace escrowd::actors::telemetry::testing {

using label_map = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_map labels;
  double value = 0;
};

inline std::vector<sample> read_samples(std::string_view text) {
  std::vector<sample> samples;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    sample parsed;
    std::size_t at = 0;
    while (at < line.size() && line[at] != '{' && line[at] != ' ') ++at;
    parsed.name = line.substr(0, at);
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (at < line.size() && line[at] != '}') {
        const auto equals = line.find('=', at);
        std::string key = line.substr(at, equals - at);
        at = equals + 2;  // past ="
        std::string value;
        while (at < line.size() && line[at] != '"') {
          if (line[at] == '\\' && at + 1 < line.size()) ++at;
          value.push_back(line[at++]);
        }
        parsed.labels[key] = value;
        ++at;  // closing quote
        if (at < line.size() && line[at] == ',') ++at;
      }
      ++at;  // '}'
    }
    parsed.value = std::strtod(line.c_str() + at, nullptr);
    samples.push_back(std::move(parsed));
  }
  return samples;
}

// The value of the one sample with this name and exactly these labels.
inline std::optional<double> value_of(std::string_view text, std::string_view name,
                                      const label_map& labels = {}) {
  for (const auto& found : read_samples(text))
    if (found.name == name && found.labels == labels) return found.value;
  return std::nullopt;
}

// Every family named by a `# TYPE` line.
inline std::map<std::string, std::string> families_of(std::string_view text) {
  std::map<std::string, std::string> families;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string name;
    std::string type;
    words >> name >> type;
    families[name] = type;
  }
  return families;
}

}  // namespace escrowd::actors::telemetry::testing
