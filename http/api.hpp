// The v1 API: the request handler the transport calls. It matches the route, authenticates
// the bearer key, checks the Idempotency-Key header and the body's JSON, and hands the
// request to its endpoint (endpoints.hpp); `POST /v1/batch` runs each of its operations
// through the same path.
// Thread affinity: handle() on I/O threads, never blocking. Lifetime: the ledger outlives
// the api; stop the server before destroying the api.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "actors/ledger.hpp"
#include "http/api_call.hpp"
#include "http/api_settings.hpp"
#include "http/background_worker.hpp"
#include "http/request.hpp"

namespace escrowd::http {

struct batch_run;

class api final : public request_handler {
 public:
  api(actors::ledger& ledger, api_settings settings);

  void handle(request incoming, responder respond) override;
  void answered_by_transport(std::string_view method, std::string_view target,
                             unsigned status) override;

  // Runs one request whose route matched (and, unless public, whose principal is known):
  // header and body checks, then its endpoint. Errors are answered through call.reply.
  void dispatch(api_call call);

  // Joins the background worker; call after the server stopped, before the ledger goes.
  void stop();

 private:
  // Runs one batch operation as the batch's principal; `reply` gets its response.
  void run_operation(const batch_run& batch, std::size_t index, std::string method,
                     std::string target, std::string body, std::string idempotency_key,
                     std::function<void()> on_decided, reply_function reply);
  void run_batch(api_call& call);
  void start_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index);
  void launch_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index);
  // Why the batch's key may not run another operation (revoked since the batch began), if so.
  std::optional<error> batch_key_refusal(batch_run& run);
  void finish_batch_operation(const std::shared_ptr<batch_run>& run, std::size_t index,
                              const response& answer);
  void start_batch_operations(const std::shared_ptr<batch_run>& run,
                              const std::vector<std::size_t>& ready);
  void start_after_decision(const std::shared_ptr<batch_run>& run, std::size_t index);

  // Why a read's answer of `size` bytes is not given: it would pass the batch answers'
  // bounds (api_settings).
  std::optional<error> read_size_refusal(batch_run& run, std::size_t size);

  actors::ledger& ledger_;
  const api_settings settings_;
  std::unique_ptr<background_worker> background_;
  std::atomic<std::size_t> batch_answer_bytes_in_flight_{0};
};

}  // namespace escrowd::http
