// The gateway's reconciliation run: list the processor's PaymentIntents and Payouts page by
// page (through the gateway's call queue, so the rate limit holds), compare every engine
// operation with them (reconciliation.hpp), settle the clear cases through the account
// actors, and answer every waiting caller with one report. A request while a run is in
// progress joins it. The engine side is one read snapshot scanned inside the gateway's
// handler: a sequential read of the operations table, no fsync.
#include <utility>

#include "actors/gateway.hpp"
#include "actors/processor_responses.hpp"
#include "actors/reconciliation.hpp"
#include "engine/error_message.hpp"

namespace escrowd::actors {

struct reconciliation_run {
  std::vector<completion_handle> waiting;
  reconciliation_builder builder;
  processor_kind listing = processor_kind::topup;
  std::string cursor;
  std::size_t listed = 0;  // objects of the kind being listed
  bool any_page_answered = false;
  reconciliation_report report;
  std::size_t repairs_out = 0;
};

namespace {

using self_pointer = gateway_actor::stateful_pointer<gateway_state>;

void answer_all(self_pointer self, const rendered_response& response) {
  auto run = std::exchange(self->state.reconciliation, nullptr);
  if (!run) return;
  for (auto& done : run->waiting) done.call(response);
}

void repair_done(self_pointer self, const std::shared_ptr<reconciliation_run>& run,
                 std::size_t index, const rendered_response& response) {
  auto& difference = run->report.differences[index];
  if (response.status < 300) {
    difference.outcome = "repaired";
    ++run->report.repaired;
  } else {
    difference.outcome = "repair_refused: " + response.body;
  }
  if (--run->repairs_out == 0) answer_all(self, reconciliation_rendered(run->report));
}

void repair(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  auto& differences = run->report.differences;
  for (std::size_t index = 0; index < differences.size(); ++index) {
    if (!differences[index].repair) continue;
    ++run->repairs_out;
  }
  if (run->repairs_out == 0) return answer_all(self, reconciliation_rendered(run->report));
  for (std::size_t index = 0; index < differences.size(); ++index) {
    const auto& difference = differences[index];
    if (!difference.repair) continue;
    account_command command;
    command.kind = account_command_kind::settle_operation;
    command.account_id = difference.account_id;
    command.operation_kind = difference.operation_kind;
    command.operation_id = difference.operation_id;
    command.settlement = *difference.repair;
    command.context = gateway_context();
    self->request(self->state.directory, gateway_command_timeout, std::move(command))
        .then([self, run, index](
                  const rendered_response& response) { repair_done(self, run, index, response); },
              [self, run, index](const caf::error&) {
                repair_done(self, run, index, rendered_response{504, "timeout", false, {}});
              });
  }
}

void compare_engine(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  status scanned;
  {
    auto snapshot = self->state.store->snapshot();
    if (!snapshot) return answer_all(self, error_rendered(snapshot.failure()));
    scanned = snapshot->for_each_operation([&run](const processor_operation& operation) {
      run->builder.compare(operation);
      return true;
    });
  }
  if (!scanned) return answer_all(self, error_rendered(scanned.failure()));
  run->report = run->builder.finish();
  repair(self, run);
}

void list_next_page(self_pointer self, const std::shared_ptr<reconciliation_run>& run);

void next_kind_or_compare(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  if (run->listing == processor_kind::topup) {
    run->listing = processor_kind::withdrawal;
    run->cursor.clear();
    run->listed = 0;
    return list_next_page(self, run);
  }
  // Nothing to compare with: a report would list no difference and read as all clear.
  if (!run->any_page_answered)
    return answer_all(
        self, error_rendered(rejection(error_code::processor_error, {},
                                       "The processor could not be reached to list its objects; "
                                       "nothing was compared. Retry later.")));
  compare_engine(self, run);
}

void list_next_page(self_pointer self, const std::shared_ptr<reconciliation_run>& run) {
  const auto kind = run->listing;
  const auto cursor = run->cursor;
  request_processor_call(
      self, "list " + std::string(to_string(kind)) + " " + cursor,
      processor_call_of(kind, port_method::list),
      [kind, cursor](processor_port& port, std::function<void(call_result)> done) {
        port.list(kind, cursor, reconciliation_page_size,
                  [done](processor_page page) { done(std::move(page)); });
      },
      [self, run](const call_result& result) {
        const auto& page = std::get<processor_page>(result);
        if (!page.answered) {
          run->builder.mark_lists_incomplete();
          return next_kind_or_compare(self, run);
        }
        run->any_page_answered = true;
        for (const auto& object : page.objects) run->builder.add_processor_object(object);
        run->listed += page.objects.size();
        if (page.has_more && !page.objects.empty() && run->listed < reconciliation_objects_max) {
          run->cursor = page.objects.back().id;
          return list_next_page(self, run);
        }
        if (page.has_more) run->builder.mark_lists_incomplete();
        next_kind_or_compare(self, run);
      });
}

}  // namespace

void reconcile(self_pointer self, completion_handle done) {
  auto& state = self->state;
  if (state.reconciliation) {
    state.reconciliation->waiting.push_back(std::move(done));
    return;
  }
  state.reconciliation = std::make_shared<reconciliation_run>();
  state.reconciliation->waiting.push_back(std::move(done));
  list_next_page(self, state.reconciliation);
}

}  // namespace escrowd::actors
