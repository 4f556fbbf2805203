// Tests docs/grafana/escrowd.json against the catalogue and the real server: the file
// parses as JSON and has panels for throughput, latency, escrow, batching and the
// processor; every metric any panel queries is in docs/metrics.md and in the exposition of
// a real ledger; every query is valid PromQL (promtool check rules, with Grafana's
// $__rate_interval and $__range replaced); and the catalogue lists exactly the families the
// exposition has, so neither can drift from the other.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/actors/ledger_fixture.hpp"
#include "tests/actors/telemetry/exposition_reader.hpp"

namespace escrowd::actors::testing {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

void collect_queries(const boost::json::value& value, std::vector<std::string>& queries) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.as_object()) {
      if (key == "expr" && child.is_string()) queries.emplace_back(child.as_string());
      collect_queries(child, queries);
    }
  } else if (value.is_array()) {
    for (const auto& child : value.as_array()) collect_queries(child, queries);
  }
}

std::set<std::string> metric_names_in(const std::string& text) {
  static const std::regex name(R"(escrowd_[a-z0-9_]+)");
  std::set<std::string> names;
  for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it)
    names.insert(it->str());
  return names;
}

// The family a queried series belongs to: histograms are queried as _bucket/_sum/_count.
std::string family_of(const std::string& series, const std::map<std::string, std::string>& types) {
  for (std::string suffix : {"_bucket", "_sum", "_count"}) {
    if (!series.ends_with(suffix)) continue;
    const auto base = series.substr(0, series.size() - suffix.size());
    auto found = types.find(base);
    if (found != types.end() && found->second == "histogram") return base;
  }
  return series;
}

// The names in the first column of the catalogue's tables.
std::set<std::string> catalogue_names() {
  std::set<std::string> names;
  static const std::regex row(R"(^\| `(escrowd_[a-z0-9_]+)` \|)");
  std::istringstream lines(read_file(fs::path(ESCROWD_SOURCE_DIR) / "docs/metrics.md"));
  std::string line;
  std::smatch match;
  while (std::getline(lines, line))
    if (std::regex_search(line, match, row)) names.insert(match[1].str());
  return names;
}

class dashboard_test : public ledger_fixture {
 protected:
  boost::json::value dashboard() {
    return boost::json::parse(
        read_file(fs::path(ESCROWD_SOURCE_DIR) / "docs/grafana/escrowd.json"));
  }

  // A ledger that has done a little of everything it can do without a processor.
  std::string real_exposition() {
    create_account("payer");
    create_account("worker");
    top_up("payer", 1'000, "top_1");
    create_task("t1", "payer", "worker", 300, true);
    ledger_->record_http_request("POST /v1/accounts", 201, 0.002);
    return ledger_->metrics_exposition();
  }
};

TEST_F(dashboard_test, parses_and_has_the_required_panels) {
  const auto root = dashboard();
  ASSERT_TRUE(root.is_object());
  const auto& panels = root.at("panels").as_array();
  std::string titles;
  for (const auto& panel : panels) titles += std::string(panel.at("title").as_string()) + "\n";
  for (auto required : {"Requests per second", "Latency percentiles", "Money in escrow",
                        "Records per commit batch", "Commit latency", "Processor calls"})
    EXPECT_NE(titles.find(required), std::string::npos) << required << " in\n" << titles;
  std::vector<std::string> queries;
  collect_queries(root, queries);
  EXPECT_GE(queries.size(), 20u);
}

TEST_F(dashboard_test, every_queried_metric_is_in_the_catalogue_and_the_exposition) {
  const auto exposition = real_exposition();
  const auto types = telemetry::testing::families_of(exposition);
  const auto catalogue = catalogue_names();
  std::vector<std::string> queries;
  collect_queries(dashboard(), queries);
  std::set<std::string> queried;
  for (const auto& query : queries)
    for (const auto& series : metric_names_in(query)) queried.insert(family_of(series, types));
  ASSERT_FALSE(queried.empty());
  for (const auto& family : queried) {
    EXPECT_TRUE(catalogue.contains(family)) << family << " is not in docs/metrics.md";
    EXPECT_TRUE(types.contains(family)) << family << " is not in the exposition";
  }
}

TEST_F(dashboard_test, the_catalogue_lists_exactly_the_exposed_families) {
  const auto types = telemetry::testing::families_of(real_exposition());
  const auto catalogue = catalogue_names();
  for (const auto& [family, type] : types)
    EXPECT_TRUE(catalogue.contains(family)) << family << " (" << type << ") is not documented";
  for (const auto& family : catalogue)
    EXPECT_TRUE(types.contains(family)) << family << " is documented but not exposed";
}

TEST_F(dashboard_test, every_query_is_valid_promql) {
  ASSERT_TRUE(fs::exists(ESCROWD_PROMTOOL_PATH))
      << "promtool is missing: run scripts/install-deps (Debian package prometheus)";
  std::vector<std::string> queries;
  collect_queries(dashboard(), queries);
  // Each query as a recording rule: promtool check rules parses every expression.
  std::string rules = "groups:\n- name: dashboard\n  rules:\n";
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto query = std::regex_replace(queries[i], std::regex(R"(\$__rate_interval|\$__range)"), "5m");
    boost::json::string quoted(query);
    rules += "  - record: escrowd:dashboard_query_" + std::to_string(i) +
             "\n    expr: " + boost::json::serialize(quoted) + "\n";
  }
  const auto file = fs::path(data_dir_) / "dashboard_rules.yml";
  std::ofstream(file) << rules;
  const std::string command =
      std::string(ESCROWD_PROMTOOL_PATH) + " check rules " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output << "\n" << rules;
}

}  // namespace
}  // namespace escrowd::actors::testing
