// Request validation over HTTP (api.md "Conventions"): malformed JSON, bodies that are not
// objects, unknown fields (400 naming the field), wrong JSON types, amounts outside
// 1..10^15 or not integers, ids outside 1..64 of [A-Za-z0-9_-], currencies that are not three
// lower-case letters, deep nesting, and the 1 MiB body limit (413 body_too_large). Every
// rejection has the error envelope with the type of its status and a Request-Id, and leaves
// no trace.
#include "engine/task.hpp"
#include "tests/api/api_fixture.hpp"

namespace escrowd::api_testing {
namespace {

class validation_api : public api_fixture {};

TEST_F(validation_api, malformed_json_and_non_object_bodies_are_400) {
  for (const auto* body : {"{", R"({"currency":"usd",})", "not json", "[]", R"("usd")", "1", "null",
                           R"({"currency":"usd"} trailing)", ""}) {
    SCOPED_TRACE(body);
    expect_error_shape(client().post("/v1/accounts", admin(), body), 400);
  }
}

// api.md: JSON bodies. A body that says it is something else is not read as JSON.
TEST_F(validation_api, a_body_declared_as_not_json_is_415) {
  const auto raw = [&](std::string_view content_type_line) {
    const std::string body = R"({"currency":"usd"})";
    return client().exchange_raw(
        "POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer " +
        admin() + "\r\n" + std::string(content_type_line) +
        "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  for (const auto* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                           "multipart/form-data; boundary=x"}) {
    SCOPED_TRACE(type);
    const auto refused = raw(std::string("Content-Type: ") + type + "\r\n");
    expect_error(refused, 415, "unsupported_media_type");
    EXPECT_EQ(refused.json.at("error").at("param").as_string(), "Content-Type");
  }
  for (const auto* line : {"Content-Type: application/json\r\n",
                           "Content-Type: Application/JSON; charset=utf-8\r\n", ""}) {
    SCOPED_TRACE(line);
    EXPECT_EQ(raw(line).status, 201u) << "JSON, or nothing said: read as JSON";
  }
}

// A query parameter the route does not read is an unknown field too: a misspelt one must
// not be silently ignored.
TEST_F(validation_api, query_parameters_a_route_does_not_read_are_400_naming_them) {
  const auto account = create_account();
  const auto created = client().post("/v1/accounts?x=1", admin(), R"({"currency":"usd"})");
  expect_error(created, 400, "parameter_unknown");
  EXPECT_EQ(created.json.at("error").at("param").as_string(), "x");
  const auto read = client().get("/v1/accounts/" + account.id + "?expand=all", admin());
  expect_error(read, 400, "parameter_unknown");
  EXPECT_EQ(read.json.at("error").at("param").as_string(), "expand");
  expect_error(client().get("/v1/accounts/" + account.id + "/entries?limt=5", admin()), 400,
               "parameter_unknown");
  EXPECT_EQ(client().get("/v1/accounts/" + account.id + "/entries?limit=5", admin()).status, 200u);
  EXPECT_EQ(client().get("/healthz?probe=1", "").status, 200u) << "probes may add what they like";
}

TEST_F(validation_api, unknown_fields_are_400_naming_the_field) {
  const auto payer = create_account();
  expect_bad_request(client().post("/v1/accounts", admin(), R"({"currency":"usd","balance":5})"),
                     "balance");
  expect_bad_request(
      client().post(
          "/v1/tasks", payer.key,
          body_of({{"payer", payer.id}, {"amount", 5}, {"currency", "usd"}, {"price", 5}})),
      "price");
  const auto task = create_task(payer, {}, 5);
  expect_bad_request(client().post("/v1/tasks/" + task + "/fund", payer.key, R"({"amount":5})"),
                     "amount");
  expect_bad_request(client().post("/v1/tasks/" + task + "/cancel", payer.key, R"({"why":"x"})"),
                     "why");
  expect_bad_request(client().post("/v1/keys", admin(), R"({"role":"arbiter","name":"x"})"),
                     "name");
  EXPECT_EQ(task_state(task), "open");
}

TEST_F(validation_api, amounts_must_be_integers_from_1_to_10_to_the_15) {
  const auto payer = create_account();
  const auto with_amount = [&](std::string_view amount) {
    return R"({"payer":")" + payer.id + R"(","currency":"usd","amount":)" + std::string(amount) +
           "}";
  };
  for (const auto* amount : {"0", "-1", "1000000000000001", "1.5", "1e3", "100.0", R"("100")",
                             "null", "true", "100000000000000000000000000000", "-0"}) {
    SCOPED_TRACE(amount);
    expect_bad_request(client().post("/v1/tasks", payer.key, with_amount(amount)), "amount");
  }
  const auto missing =
      client().post("/v1/tasks", payer.key, body_of({{"payer", payer.id}, {"currency", "usd"}}));
  expect_bad_request(missing, "amount");
  EXPECT_EQ(client().post("/v1/tasks", payer.key, with_amount("1")).status, 201u);
  const auto largest = client().post("/v1/tasks", payer.key, with_amount("1000000000000000"));
  EXPECT_EQ(largest.status, 201u) << describe(largest);
  EXPECT_EQ(largest.integer("amount"), 1'000'000'000'000'000);
}

TEST_F(validation_api, ids_and_currencies_are_checked_in_every_body) {
  const auto payer = create_account();
  const auto task_with = [&](json::object overrides) {
    json::object body{{"payer", payer.id}, {"amount", 5}, {"currency", "usd"}};
    for (const auto& [name, value] : overrides) body[name] = value;
    return client().post("/v1/tasks", payer.key, body_of(body));
  };
  for (const auto* bad : {"", "with space", "slash/inside", "dot.inside", "é"}) {
    SCOPED_TRACE(bad);
    expect_bad_request(task_with({{"id", bad}}), "id");
  }
  expect_bad_request(task_with({{"id", std::string(65, 'a')}}), "id");
  expect_bad_request(task_with({{"id", 12}}), "id");
  expect_bad_request(task_with({{"worker", "bad id"}}), "worker");
  expect_bad_request(task_with({{"payer", 3}}), "payer");
  for (const auto* bad : {"USD", "us", "usdx", "u5d", ""}) {
    SCOPED_TRACE(bad);
    expect_bad_request(task_with({{"currency", bad}}), "currency");
  }
  expect_bad_request(task_with({{"review_window_s", -1}}), "review_window_s");
  expect_bad_request(task_with({{"review_window_s", "60"}}), "review_window_s");
  expect_bad_request(task_with({{"fund", "yes"}}), "fund");
  expect_bad_request(client().post("/v1/tasks", payer.key, R"({"amount":5,"currency":"usd"})"),
                     "payer");
}

TEST_F(validation_api, deeply_nested_json_is_400) {
  std::string deep = R"({"currency":"usd","owner":)";
  deep += std::string(2'000, '[') + std::string(2'000, ']') + "}";
  const auto refused = client().post("/v1/accounts", admin(), deep);
  expect_error_shape(refused, 400);
  EXPECT_EQ(refused.error_message(), "The body nests deeper than 32 levels.");
}

TEST_F(validation_api, body_over_one_mebibyte_is_413_body_too_large) {
  std::string huge = R"({"currency":"usd","owner":")" + std::string(1'100'000, 'x') + "\"}";
  const auto refused = client().post("/v1/accounts", admin(), huge);
  expect_error(refused, 413, "body_too_large");
  // The server is still fine afterwards.
  EXPECT_EQ(client().get("/healthz", "").status, 200u);
}

TEST_F(validation_api, every_error_status_carries_the_envelope_and_a_request_id) {
  const auto account = create_account();
  expect_error_shape(client().post("/v1/accounts", admin(), "{"), 400);
  expect_error_shape(client().get("/v1/accounts/" + account.id, ""), 401);
  expect_error_shape(client().post("/v1/accounts", account.key, R"({"currency":"usd"})"), 403);
  expect_error(client().get("/v1/accounts/" + unique_id("nobody"), admin()), 404, "not_found");
  const auto no_route =
      client().send_unlisted("GET", "/v1/no-such-thing", std::nullopt, {.key = admin()});
  expect_error_shape(no_route, 404);
}

// A text past the engine's limit is refused before execution (the HTTP layer checks the
// engine's own limits), so the refusal is not stored under the key: the corrected retry runs.
TEST_F(validation_api, too_long_texts_are_refused_before_execution_and_not_stored) {
  const auto payer = funded_account(100);
  const auto worker = create_account();
  const auto task = create_task(payer, worker, 50, R"(,"fund":true)");
  const auto submit = "/v1/tasks/" + task + "/submit";
  const auto key = unique_id("submit");
  const auto too_long =
      client().post(submit, worker.key,
                    body_of({{"submission", std::string(submission_length_max + 1, 's')}}), key);
  expect_bad_request(too_long, "submission");
  EXPECT_EQ(too_long.error_message(),
            "submission is at most " + std::to_string(submission_length_max) + " bytes.");
  const auto retried = client().post(submit, worker.key, body_of({{"submission", "done"}}), key);
  EXPECT_EQ(retried.status, 200u) << describe(retried);
  EXPECT_EQ(task_state(task), "submitted");
}

// The code and param are what clients branch on; the message is for the person reading it,
// so it says what was wrong with this request, not only which rule family it broke.
TEST_F(validation_api, messages_say_what_was_wrong_with_this_request) {
  const auto payer = funded_account(1'000);
  const auto worker = create_account();
  const auto message_of = [](const api_response& reply) { return reply.error_message(); };
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), "[1]")),
            "The body must be a JSON object.");
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), "{")),
            "The body is not valid JSON: it ends too early.");
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), R"({"currency":"usd",})")),
            "The body is not valid JSON: unexpected character at byte 18.");
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), R"({"id":"a","id":"b"})")),
            "The body repeats the key \"id\".");
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), R"({"currency":"usd","x":1})")),
            "Received unknown parameter: x.");
  EXPECT_EQ(message_of(client().post("/v1/accounts", admin(), "{}")),
            "Missing required parameter: currency.");
  EXPECT_EQ(
      message_of(client().post(
          "/v1/tasks", payer.key,
          body_of({{"payer", payer.id}, {"amount", 5}, {"currency", "usd"}, {"fund", "yes"}}))),
      "fund must be true or false.");
  EXPECT_EQ(message_of(client().get("/v1/accounts/" + payer.id + "/entries?limit=0", admin())),
            "limit is an integer from 1 to 100.");

  const auto too_dear = create_task(payer, worker, 5'000);
  const auto refused = client().post("/v1/tasks/" + too_dear + "/fund", payer.key, "{}");
  expect_error(refused, 409, "insufficient_funds");
  EXPECT_EQ(message_of(refused),
            "The payer's available balance is 1000, less than the 5000 required.");

  const auto task = create_task(payer, worker, 100, R"(,"fund":true)");
  transition(task, "submit", worker.key);
  transition(task, "approve", payer.key);
  const auto late = client().post("/v1/tasks/" + task + "/dispute", payer.key, R"({"reason":"x"})");
  expect_error(late, 409, "invalid_state_transition");
  EXPECT_EQ(message_of(late), "Cannot dispute a task that is released.");
}

}  // namespace
}  // namespace escrowd::api_testing
