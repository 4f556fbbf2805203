#include "actors/gateway_inbox.hpp"

#include <caf/send.hpp>

namespace escrowd::actors {

void gateway_inbox::open(gateway_actor target) {
  std::lock_guard lock(mutex_);
  if (!closed_) target_ = std::move(target);
}

void gateway_inbox::post(std::function<void()> work) {
  std::lock_guard lock(mutex_);
  // Sent under the lock: close() cannot release the handle (and the system with it)
  // while a send is on its way into the mailbox.
  if (target_) caf::anon_send(target_, gateway_task{std::move(work)});
}

void gateway_inbox::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  target_ = nullptr;
}

}  // namespace escrowd::actors
