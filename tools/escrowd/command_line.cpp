#include "tools/escrowd/command_line.hpp"

#include <charconv>
#include <cstdlib>
#include <map>

namespace escrowd {
namespace {

std::optional<subcommand> subcommand_named(const std::string& name) {
  static const std::map<std::string, subcommand> names{
      {"serve", subcommand::serve}, {"verify", subcommand::verify}, {"backup", subcommand::backup},
      {"help", subcommand::help},   {"--help", subcommand::help},   {"-h", subcommand::help}};
  auto found = names.find(name);
  if (found == names.end()) return std::nullopt;
  return found->second;
}

std::string environment_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// Whole seconds from `least` to `most` into `out`; `source` names the flag or variable.
template <class Seconds>
bool parse_seconds(const std::string& value, const std::string& source, Seconds least, Seconds most,
                   std::optional<Seconds>& out, std::string& problem) {
  Seconds seconds = 0;
  auto [end, failure] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (failure != std::errc{} || end != value.data() + value.size() || seconds < least ||
      seconds > most) {
    problem = source + " takes seconds from " + std::to_string(least) +
              (least == 0 ? " (off)" : "") + " to " + std::to_string(most);
    return false;
  }
  out = seconds;
  return true;
}

bool parse_reconcile_every(const std::string& value, const std::string& source, command_line& line,
                           std::string& problem) {
  return parse_seconds<std::uint32_t>(value, source, 0, reconcile_every_s_max,
                                      line.reconcile_every_s, problem);
}

bool parse_idempotency_retention(const std::string& value, const std::string& source,
                                 command_line& line, std::string& problem) {
  return parse_seconds<std::int64_t>(value, source, idempotency_retention_s_min,
                                     idempotency_retention_s_max, line.idempotency_retention_s,
                                     problem);
}

bool parse_webhook_event_retention(const std::string& value, const std::string& source,
                                   command_line& line, std::string& problem) {
  return parse_seconds<std::int64_t>(value, source, webhook_event_retention_s_min,
                                     webhook_event_retention_s_max, line.webhook_event_retention_s,
                                     problem);
}

bool parse_processor_search_lag(const std::string& value, const std::string& source,
                                command_line& line, std::string& problem) {
  return parse_seconds<std::int64_t>(value, source, 0, processor_search_lag_s_max,
                                     line.processor_search_lag_s, problem);
}

// Assigns the value of one `--flag value` or `--flag=value`; false if the flag is unknown.
bool assign_flag(command_line& line, const std::string& flag, const std::string& value,
                 std::string& problem) {
  if (flag == "--listen")
    line.listen = value;
  else if (flag == "--data-dir")
    line.data_dir = value;
  else if (flag == "--processor-url")
    line.processor_url = value;
  else if (flag == "--webhook-secret")
    line.webhook_secret = value;
  else if (flag == "--admin-key-file")
    line.admin_key_file = value;
  else if (flag == "--to")
    line.backup_to = value;
  else if (flag == "--threads") {
    unsigned threads = 0;
    auto [end, failure] = std::from_chars(value.data(), value.data() + value.size(), threads);
    if (failure != std::errc{} || end != value.data() + value.size() || threads > 256) {
      problem = "--threads takes a number from 0 to 256";
      return false;
    }
    line.threads = threads;
  } else if (flag == "--scheduler") {
    if (value != "sharing" && value != "stealing") {
      problem = "--scheduler takes sharing or stealing";
      return false;
    }
    line.scheduler_stealing = value == "stealing";
  } else if (flag == "--reconcile-every") {
    return parse_reconcile_every(value, flag, line, problem);
  } else if (flag == "--idempotency-retention") {
    return parse_idempotency_retention(value, flag, line, problem);
  } else if (flag == "--webhook-event-retention") {
    return parse_webhook_event_retention(value, flag, line, problem);
  } else if (flag == "--processor-search-lag") {
    return parse_processor_search_lag(value, flag, line, problem);
  } else if (flag == "--map-size-gib") {
    std::uint32_t gib = 0;
    auto [end, failure] = std::from_chars(value.data(), value.data() + value.size(), gib);
    if (failure != std::errc{} || end != value.data() + value.size() || gib == 0 ||
        gib > map_size_gib_max) {
      problem = "--map-size-gib takes a number from 1 to " + std::to_string(map_size_gib_max);
      return false;
    }
    line.map_size_gib = gib;
  } else {
    problem = "unknown flag " + flag;
    return false;
  }
  return true;
}

}  // namespace

parse_outcome parse_command_line(const std::vector<std::string>& arguments) {
  command_line line;
  line.data_dir = environment_or("ESCROWD_DATA_DIR", line.data_dir);
  line.listen = environment_or("ESCROWD_LISTEN", line.listen);
  line.processor_url = environment_or("ESCROWD_PROCESSOR_URL", line.processor_url);
  line.webhook_secret = environment_or("ESCROWD_WEBHOOK_SECRET", line.webhook_secret);
  if (const auto every = environment_or("ESCROWD_RECONCILE_EVERY_S", {}); !every.empty()) {
    std::string problem;
    if (!parse_reconcile_every(every, "ESCROWD_RECONCILE_EVERY_S", line, problem))
      return {std::nullopt, problem};
  }
  if (const auto kept = environment_or("ESCROWD_IDEMPOTENCY_RETENTION_S", {}); !kept.empty()) {
    std::string problem;
    if (!parse_idempotency_retention(kept, "ESCROWD_IDEMPOTENCY_RETENTION_S", line, problem))
      return {std::nullopt, problem};
  }
  if (const auto kept = environment_or("ESCROWD_WEBHOOK_EVENT_RETENTION_S", {}); !kept.empty()) {
    std::string problem;
    if (!parse_webhook_event_retention(kept, "ESCROWD_WEBHOOK_EVENT_RETENTION_S", line, problem))
      return {std::nullopt, problem};
  }
  if (const auto lag = environment_or("ESCROWD_PROCESSOR_SEARCH_LAG_S", {}); !lag.empty()) {
    std::string problem;
    if (!parse_processor_search_lag(lag, "ESCROWD_PROCESSOR_SEARCH_LAG_S", line, problem))
      return {std::nullopt, problem};
  }
  if (arguments.empty()) return {line, {}};

  auto named = subcommand_named(arguments[0]);
  if (!named) return {std::nullopt, "unknown command " + arguments[0]};
  line.subcommand = *named;
  for (std::size_t i = 1; i < arguments.size(); ++i) {
    std::string flag = arguments[i];
    if (flag == "--help" || flag == "-h") return {command_line{}, {}};
    std::string value;
    if (auto equals = flag.find('='); equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    } else if (i + 1 < arguments.size()) {
      value = arguments[++i];
    } else {
      return {std::nullopt, flag + " needs a value"};
    }
    std::string problem;
    if (!assign_flag(line, flag, value, problem)) return {std::nullopt, problem};
  }
  if (line.subcommand == subcommand::backup && line.backup_to.empty())
    return {std::nullopt, "backup needs --to FILE"};
  return {line, {}};
}

std::string usage_text() {
  return R"(escrowd: an escrow ledger engine with a durable double-entry journal.

usage:
  escrowd serve [--listen 127.0.0.1:8080] [--data-dir ./data] [--processor-url URL]
                [--webhook-secret S] [--threads N] [--admin-key-file FILE]
                [--scheduler sharing|stealing] [--reconcile-every SECONDS]
                [--map-size-gib N] [--idempotency-retention SECONDS]
                [--webhook-event-retention SECONDS] [--processor-search-lag SECONDS]
      Start the server. The first admin key (at least 16 characters) comes from
      ESCROWD_ADMIN_KEY or --admin-key-file at first start. Without --processor-url the
      bundled processor simulator runs on a loopback port and keeps its records in
      D/processor-sim.log across restarts; with it, STRIPE_API_KEY is the processor's
      secret key. --threads: the actors' scheduler threads (0: one
      fewer than the cores, at least 1); --scheduler: how they share the actors (default
      sharing: idle threads sleep; stealing: idle threads poll each other's queues).
      --reconcile-every: seconds between background reconciliations with the processor,
      which settle what it finished and reverse payouts that failed after paid (default
      600; 0: off, then nothing repairs them; GET /v1/reconciliation only reports).
      --map-size-gib: how large the store's memory map may grow (default 64); a store
      that reached it (503 storage_full until a restart) restarts with a larger one.
      --idempotency-retention: how long an Idempotency-Key's stored answer is replayed
      (default 86400, a day; 60 to 31536000).
      --webhook-event-retention: how long a processed webhook event's id is kept so a
      redelivery is recognised (default 2592000, 30 days; 259200 to 315360000).
      --processor-search-lag: how far the processor's search may lag its writes; where
      the list of PaymentIntents is too long to read, a top-up's search that finds nothing
      proves nothing for this long after its last request (default 3600 with
      --processor-url, as Stripe documents for outages; 0 for the bundled simulator; 0 to
      86400).
  escrowd verify --data-dir D
      Recompute every balance from the journal; exit 0 only if the ledger verifies.
  escrowd backup --data-dir D --to FILE
      Write a consistent copy of the ledger, safe while the server runs. FILE must lie
      outside D; a regular file there is replaced (restore: copy it to DIR/data.mdb).
  escrowd --help

environment: ESCROWD_DATA_DIR, ESCROWD_LISTEN, ESCROWD_PROCESSOR_URL,
             ESCROWD_WEBHOOK_SECRET, ESCROWD_ADMIN_KEY, STRIPE_API_KEY,
             ESCROWD_RECONCILE_EVERY_S, ESCROWD_IDEMPOTENCY_RETENTION_S,
             ESCROWD_WEBHOOK_EVENT_RETENTION_S, ESCROWD_PROCESSOR_SEARCH_LAG_S,
             ESCROWD_MALLOC_TUNING=off (keep glibc's default per-thread cache)
)";
}

}  // namespace escrowd
