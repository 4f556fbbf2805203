// request header lookup, the responder, and the pending response behind it.
#include "http/request.hpp"

#include <algorithm>
#include <mutex>

#include "http/pending_response.hpp"
#include "http/transport_error.hpp"

namespace escrowd::http {
namespace {

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

response dropped_response() {
  return transport_error(error_code::internal, "The request was dropped before it was answered.");
}

}  // namespace

bool ascii_iequals(std::string_view left, std::string_view right) {
  return left.size() == right.size() &&
         std::equal(left.begin(), left.end(), right.begin(),
                    [](char a, char b) { return ascii_lower(a) == ascii_lower(b); });
}

std::string_view trimmed_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::size_t request::header_count(std::string_view name) const {
  return std::size_t(std::count_if(headers.begin(), headers.end(), [name](const auto& field) {
    return ascii_iequals(field.first, name);
  }));
}

std::string_view request::header(std::string_view name) const {
  const auto found = std::find_if(headers.begin(), headers.end(), [name](const auto& field) {
    return ascii_iequals(field.first, name);
  });
  return found == headers.end() ? std::string_view{} : std::string_view{found->second};
}

responder::responder(std::shared_ptr<detail::pending_response> pending)
    : pending_(std::move(pending)) {}

void responder::operator()(response answer) const {
  if (pending_) pending_->complete(std::move(answer));
}

namespace detail {

pending_response::pending_response(std::shared_ptr<response_gate> gate,
                                   std::weak_ptr<response_target> target, std::uint64_t sequence)
    : gate_(std::move(gate)), target_(std::move(target)), sequence_(sequence) {}

pending_response::~pending_response() {
  // Allocating the 500 body may throw; a destructor must not.
  try {
    if (!answered_.exchange(true, std::memory_order_acq_rel)) deliver(dropped_response());
  } catch (...) {
  }
}

void pending_response::complete(response answer) {
  if (answered_.exchange(true, std::memory_order_acq_rel)) return;
  deliver(std::move(answer));
}

void pending_response::deliver(response answer) {
  // Under the shared lock, stop() cannot close the gate and tear the io_context down between
  // our check and the post inside deliver().
  std::shared_lock lock{gate_->mutex};
  if (!gate_->open) return;
  if (const auto target = target_.lock()) target->deliver(sequence_, std::move(answer));
}

}  // namespace detail
}  // namespace escrowd::http
