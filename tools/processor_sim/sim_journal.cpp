// Reading, replaying, compacting and appending the state file with plain POSIX calls: the
// guarantees rest on what one write(2), fsync(2) and rename(2) do, so nothing buffers between.
#include "sim_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>

namespace escrowd::processor_sim {
namespace {

namespace json = boost::json;

constexpr std::string_view format_name = "escrowd-processor-sim-state";
constexpr std::string_view generation_line_prefix = "{\"generation\":";
// Compaction writes in pieces of about this size rather than holding the whole file twice.
constexpr std::size_t compaction_chunk_bytes = 1 << 20;

// Builds before the UTF-8 checks at the API's edge stored bytes that are not UTF-8 as they
// came, and serialization copies them as they are: their files hold such strings. Reading
// them back beats refusing to start (escrowd serve would not start either) over bytes that
// change no record's meaning.
json::value parse_line(std::string_view line, boost::system::error_code& ec) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  return json::parse(line, ec, {}, options);
}

std::string system_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// The whole file; empty when there is none. false with `problem` when it cannot be read.
bool read_file(const std::string& path, std::string& contents, std::string& problem) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    problem = system_error("cannot open", path);
    return false;
  }
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) problem = system_error("cannot read", path);
    if (got <= 0) break;
    contents.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return problem.empty();
}

// The generation a header line names; throws journal_format_error for another format.
std::uint64_t read_header(const json::object& header) {
  const json::value* format = header.if_contains("format");
  if (format == nullptr || !format->is_string() || format->get_string() != format_name)
    throw journal_format_error("not a processor simulator state file");
  const json::value* version = header.if_contains("version");
  if (version == nullptr || !version->is_int64()) throw journal_format_error("no format version");
  if (version->get_int64() != state_file_version)
    throw journal_format_error("format version " + std::to_string(version->get_int64()) +
                               ", this build reads version " + std::to_string(state_file_version) +
                               " (written by another simulator build)");
  const json::value* generation = header.if_contains("generation");
  if (generation == nullptr || !generation->is_int64() || generation->get_int64() < 0)
    throw journal_format_error("no generation");
  return static_cast<std::uint64_t>(generation->get_int64());
}

// A start that could not compact records its generation in a line of its own (open()).
std::uint64_t read_generation_line(std::string_view line) {
  boost::system::error_code ec;
  const json::value parsed = parse_line(line, ec);
  const json::value* generation =
      !ec && parsed.is_object() ? parsed.get_object().if_contains("generation") : nullptr;
  if (generation == nullptr || !generation->is_int64() || generation->get_int64() < 0)
    throw journal_format_error("a generation line without a generation");
  return static_cast<std::uint64_t>(generation->get_int64());
}

void replay_line(std::string_view line, sim_records& records) {
  boost::system::error_code ec;
  json::value parsed = parse_line(line, ec);
  if (ec) throw journal_format_error("not JSON (" + ec.message() + ")");
  const json::object* object = parsed.if_object();
  const json::value* changes = object ? object->if_contains("changes") : nullptr;
  if (changes == nullptr || !changes->is_array()) throw journal_format_error("no 'changes' array");
  for (const json::value& change : changes->get_array()) {
    if (!change.is_object()) throw journal_format_error("a change is not an object");
    apply_change(change.get_object(), records);
  }
}

// Replays every complete line; the text after the last newline is a torn write and ignored.
// Returns the generation of the file (0 when it had no header yet).
std::uint64_t replay(std::string_view contents, sim_records& records, const std::string& path) {
  std::uint64_t generation = 0;
  std::size_t line_number = 0;
  for (std::size_t newline; (newline = contents.find('\n')) != std::string_view::npos;) {
    const std::string_view line = contents.substr(0, newline);
    contents.remove_prefix(newline + 1);
    ++line_number;
    try {
      if (line_number == 1) {
        boost::system::error_code ec;
        json::value header = parse_line(line, ec);
        if (ec || !header.is_object())
          throw journal_format_error("not a processor simulator state file");
        generation = read_header(header.get_object()) + 1;
      } else if (line.starts_with(generation_line_prefix)) {
        generation = read_generation_line(line) + 1;
      } else {
        replay_line(line, records);
      }
    } catch (const journal_format_error& e) {
      throw journal_format_error(path + " line " + std::to_string(line_number) + ": " + e.what());
    }
  }
  return generation;
}

// The current records as lines of one change each, after the header.
class snapshot_writer {
 public:
  explicit snapshot_writer(int fd) : fd_(fd) {}

  void line(json::object change) {
    buffer_ += json::serialize(json::object{{"changes", json::array{std::move(change)}}});
    buffer_ += '\n';
    if (buffer_.size() >= compaction_chunk_bytes) flush();
  }
  void raw(std::string text) { buffer_ += text; }
  void flush() {
    ok_ = ok_ && write_all(fd_, buffer_);
    written_bytes_ += buffer_.size();
    buffer_.clear();
  }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::uint64_t written_bytes() const { return written_bytes_; }

 private:
  int fd_;
  std::string buffer_;
  bool ok_ = true;
  std::uint64_t written_bytes_ = 0;
};

void write_snapshot(snapshot_writer& out, const sim_records& records, std::uint64_t generation) {
  out.raw(
      json::serialize(json::object{
          {"format", format_name}, {"version", state_file_version}, {"generation", generation}}) +
      "\n");
  if (records.clock.offset_ms() != 0) out.line(clock_change(records.clock.offset_ms()));
  for (const auto& intent : records.state.payment_intents()) out.line(object_change(intent));
  for (const auto& item : records.state.payouts()) out.line(object_change(item));
  for (auto queue : {transition_queue::payouts, transition_queue::hold_expiries}) {
    for (const auto& [due_ms, id] : records.state.due(queue))
      out.line(queue_change_json({queue, false, id, due_ms}));
  }
  for (const auto& key : records.idempotency.finished_keys()) out.line(finished_key_change(key));
  for (const auto& [delivery, event] : records.undelivered) out.line(webhook_queued_change(event));
  out.flush();
}

// The compacted file, renamed over the old one and open for appends.
struct compacted_file {
  int fd;
  std::uint64_t size_bytes;
};

// Writes the records to PATH.tmp, makes it durable and renames it over `path`, so that a
// crash leaves either the old file or the new one, never a mix. The descriptor the snapshot
// was written with (O_APPEND) stays open for the appends that follow: opening the new file by
// name after the rename could fail, and then the caller would be left appending to the old,
// unlinked one.
std::optional<compacted_file> compact(const std::string& path, const sim_records& records,
                                      std::uint64_t generation, std::string& problem) {
  const std::string temporary = path + ".tmp";
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    problem = system_error("cannot create", temporary);
    return std::nullopt;
  }
  snapshot_writer out(fd);
  write_snapshot(out, records, generation);
  const bool written = out.ok() && ::fsync(fd) == 0;
  if (!written) problem = system_error("cannot write", temporary);
  if (written && ::rename(temporary.c_str(), path.c_str()) != 0)
    problem = system_error("cannot rename over", path);
  if (!problem.empty()) {
    ::close(fd);
    ::unlink(temporary.c_str());  // on a full disk it holds the space the store needs
    return std::nullopt;
  }
  // The rename itself is durable once the directory is.
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int directory_fd =
      ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    (void)::fsync(directory_fd);
    ::close(directory_fd);
  }
  return compacted_file{fd, out.written_bytes()};
}

}  // namespace

std::unique_ptr<sim_journal> sim_journal::open(const std::string& path, sim_records records,
                                               compaction_options compaction,
                                               std::uint64_t& generation, std::string& problem) {
  std::string contents;
  if (!read_file(path, contents, problem)) return nullptr;
  try {
    generation = replay(contents, records, path);
  } catch (const journal_format_error& e) {
    problem = std::string(e.what()) + "; refusing to start rather than lose records";
    return nullptr;
  }
  records.idempotency.expire(records.clock.now_ms());
  compaction_trigger trigger(compaction);
  if (const auto compacted = compact(path, records, generation, problem)) {
    trigger.compacted(compacted->size_bytes);
    return std::unique_ptr<sim_journal>(new sim_journal(path, compacted->fd, generation, trigger));
  }
  // The old file is whole: start on it as it is (on a full disk there is no room for a
  // compacted copy, but reads must go on), once this start's generation is on file, so that
  // the next start draws no id this one may hand out. A torn last line is cut off first: a
  // line appended behind it would turn it into garbage in the middle.
  const auto complete_bytes = contents.rfind('\n') + 1;  // npos + 1 == 0: no header
  if (complete_bytes == 0) return nullptr;
  const std::string marker = json::serialize(json::object{{"generation", generation}}) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const bool marked = fd >= 0 && ::ftruncate(fd, static_cast<off_t>(complete_bytes)) == 0 &&
                      write_all(fd, marker) && ::fsync(fd) == 0;
  if (!marked) {
    problem += "; nor can it append to " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  std::fprintf(stderr,
               "escrowd-processor-sim: cannot compact the state file at start (%s); appending "
               "to it as it is\n",
               problem.c_str());
  problem.clear();
  trigger.compacted(complete_bytes + marker.size());
  trigger.failed();
  return std::unique_ptr<sim_journal>(new sim_journal(path, fd, generation, trigger));
}

bool sim_journal::rewrite(const sim_records& records, std::string& problem) {
  const auto compacted = compact(path_, records, generation_, problem);
  if (!compacted) {
    ++failed_compactions_;
    trigger_.failed();
    return false;
  }
  ::close(fd_);
  fd_ = compacted->fd;
  append_failed_ = false;
  ++compactions_;
  trigger_.compacted(compacted->size_bytes);
  return true;
}

journal_stats sim_journal::stats() const {
  return {compactions_, failed_compactions_, trigger_.file_bytes(), trigger_.compacted_bytes()};
}

sim_journal::~sim_journal() {
  ::close(fd_);
}

bool sim_journal::append(const json::array& changes) {
  if (append_failed_) return false;
  std::string line = json::serialize(json::object{{"changes", changes}});
  line += '\n';
  if (write_all(fd_, line)) {
    trigger_.appended(line.size());
    return true;
  }
  append_failed_ = true;
  std::fprintf(stderr,
               "escrowd-processor-sim: cannot append to the state file %s: %s; answering 503 "
               "until it can be written again\n",
               path_.c_str(), std::strerror(errno));
  return false;
}

}  // namespace escrowd::processor_sim
