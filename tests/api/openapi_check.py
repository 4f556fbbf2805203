#!/usr/bin/env python3
"""Checks docs/openapi.yaml against the API tests and against the real server.

1. The document parses (PyYAML) and is OpenAPI 3.1 with a bearer security scheme.
2. Its routes are exactly those in tests/api/routes.txt, the list of routes the black-box
   tests hit (the test client refuses to send elsewhere), so the document and the tests cover
   the same API.
3. Shape rules: every response documents Request-Id; every error code of
   engine/error_code.cpp is listed in the error schema; every error response uses the error
   schema; every JSON request body object with properties sets additionalProperties: false;
   every POST with an effect takes Idempotency-Key; operations without a key are exactly the
   health, readiness, metrics and webhook ones.
4. With --escrowd: starts the server on a loopback port and probes every documented route
   (it must not answer 404 route_not_found or 405; with an unknown query parameter, and a
   POST with a body that is not JSON, it must answer a status the operation declares), and
   probes undocumented neighbours
   (other methods on documented paths, plausible list endpoints), which must be 404
   route_not_found or 405: a route the server answers must be documented.

Only the standard library and PyYAML (Debian python3-yaml). Exit 0 when all checks pass.
"""
import argparse
import http.client
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

METHODS = ["get", "post", "put", "patch", "delete"]
UNAUTHENTICATED = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
                   ("POST", "/v1/processor/webhooks")}
# Bodies that are not ours to close: the processor's events grow new fields.
OPEN_BODIES = {("POST", "/v1/processor/webhooks")}
# Routes that plausibly exist in an API like this one but are not in the contract.
UNDOCUMENTED_PROBES = [("GET", "/v1/accounts"), ("GET", "/v1/tasks"), ("GET", "/v1/keys"),
                       ("GET", "/v1/topups"), ("GET", "/v1/withdrawals"),
                       ("GET", "/v1/entries"), ("GET", "/v1/keys/probe"),
                       ("DELETE", "/v1/accounts/probe"), ("DELETE", "/v1/tasks/probe"),
                       ("POST", "/v1/tasks/probe/release"), ("POST", "/v1/tasks/probe/reopen"),
                       ("GET", "/v1/tasks/probe/history"), ("GET", "/v1/batch"),
                       ("POST", "/v1/ledger/verify"), ("GET", "/v1/accounts/probe/keys")]

problems = []


def problem(text):
    problems.append(text)


def normalize(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method], item


def check_closed_objects(spec, schema, where, seen):
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if schema.get("type") == "object" and "properties" in schema:
        if schema.get("additionalProperties") is not False:
            problem(f"{where}: request object without additionalProperties: false")
        for name, child in schema["properties"].items():
            check_closed_objects(spec, child, f"{where}.{name}", seen)
    if "items" in schema:
        check_closed_objects(spec, schema["items"], f"{where}[]", seen)


def check_document(spec):
    if not str(spec.get("openapi", "")).startswith("3.1"):
        problem(f"openapi version is {spec.get('openapi')!r}, not 3.1.x")
    schemes = spec.get("components", {}).get("securitySchemes", {})
    if not any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values()):
        problem("no http bearer security scheme")
    if "bearer" not in [next(iter(r)) for r in spec.get("security", []) if r]:
        problem("bearer is not the document's default security")
    for method, path, operation, item in operations(spec):
        where = f"{method} {path}"
        unauthenticated = operation.get("security") == []
        if unauthenticated != ((method, path) in UNAUTHENTICATED):
            problem(f"{where}: security is {'none' if unauthenticated else 'bearer'}")
        parameters = [resolve(spec, p) for p in item.get("parameters", []) +
                      operation.get("parameters", [])]
        names = {(p["in"], p["name"]) for p in parameters}
        for placeholder in re.findall(r"\{([^}]+)\}", path):
            if ("path", placeholder) not in names:
                problem(f"{where}: path parameter {placeholder} not declared")
        if method == "POST" and (method, path) not in UNAUTHENTICATED:
            if ("header", "Idempotency-Key") not in names:
                problem(f"{where}: no Idempotency-Key parameter")
        if ("header", "Idempotency-Key") in names:
            for status in ("413", "422"):  # a body past the limit; a key reused elsewhere
                if status not in operation.get("responses", {}):
                    problem(f"{where}: takes Idempotency-Key but does not declare {status}")
        body = operation.get("requestBody")
        if body and (method, path) not in OPEN_BODIES:
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                problem(f"{where}: request body without an application/json schema")
            else:
                check_closed_objects(spec, schema, f"{where} body", set())
        responses = operation.get("responses", {})
        if not responses:
            problem(f"{where}: no responses")
        for status, response in responses.items():
            response = resolve(spec, response)
            if "Request-Id" not in response.get("headers", {}):
                problem(f"{where} {status}: no Request-Id header")
            if not str(status).startswith("2"):
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/error"}:
                    problem(f"{where} {status}: error response without the error schema")


# Codes in engine/error_code.cpp the server never answers (kept for the processor's words).
UNANSWERED_CODES = {"ok", "rate_limited"}


def check_error_codes(spec, table_file):
    """Every error code the engine can answer is listed in the error schema's description,
    so a client written from the document knows each one it can meet."""
    with open(table_file) as table:
        codes = set(re.findall(r'\{"([a-z_]+)", \d{3},', table.read())) - UNANSWERED_CODES
    if not codes:
        problem(f"{table_file}: no error codes found")
    listed = resolve(spec, {"$ref": "#/components/schemas/error"})["properties"]["error"][
        "properties"]["code"].get("description", "")
    for code in sorted(codes):
        if f"`{code}`" not in listed:
            problem(f"error code {code} is not listed in the error schema's code description")


def check_routes(spec, routes_file):
    documented = {(m, normalize(p)) for m, p, _, _ in operations(spec)}
    tested = set()
    with open(routes_file) as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                method, path = line.split(maxsplit=1)
                tested.add((method, normalize(path)))
    for method, path in sorted(tested - documented):
        problem(f"{method} {path}: the tests use it but docs/openapi.yaml does not document it")
    for method, path in sorted(documented - tested):
        problem(f"{method} {path}: documented but no API test uses it (add it to routes.txt)")


def start_server(binary, data_dir, admin_key):
    environment = dict(os.environ, ESCROWD_ADMIN_KEY=admin_key)
    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment)
    deadline = time.monotonic() + 20
    output = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([server.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(server.stdout.fileno(), 4096)
            if not chunk:
                break
            output += chunk
            match = re.search(rb"escrowd ready [^\n]*?listen=[^ \n]*:(\d+)[ \n]", output)
            if match:
                return server, int(match.group(1))
    server.kill()
    raise RuntimeError("escrowd did not become ready:\n" + output.decode(errors="replace"))


def ask(port, method, path, admin_key, content_type="application/json"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {admin_key}"}
    body = None
    if method in ("POST", "PUT", "PATCH"):
        body = "{}"
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    try:
        code = json.loads(text).get("error", {}).get("code", "")
    except (ValueError, AttributeError):
        code = ""
    return response.status, code


def check_declared(operation, method, path, status, code):
    """A status the server answers (to an unknown query parameter or a body that is not
    JSON) must be one the operation declares: clients generated from the document expect it."""
    if str(status) not in operation.get("responses", {}):
        problem(f"{method} {path}: the server answers {status} {code}, which the operation "
                "does not declare")


def not_routed(status, code):
    return status == 405 or (status == 404 and code == "route_not_found")


def probe(spec, binary):
    admin_key = "sk_openapi_check_" + os.urandom(12).hex()
    data_dir = tempfile.mkdtemp(prefix="escrowd-openapi-")
    server = None
    try:
        server, port = start_server(binary, os.path.join(data_dir, "data"), admin_key)
        documented = set()
        paths = set()
        for method, path, operation, _ in operations(spec):
            concrete = re.sub(r"\{[^}]+\}", "probe-missing", path)
            documented.add((method, concrete))
            paths.add(concrete)
            status, code = ask(port, method, concrete, admin_key)
            if not_routed(status, code):
                problem(f"{method} {path}: documented, but the server answers {status} {code}")
            check_declared(operation, method, path, *ask(port, method, concrete + "?probe=1",
                                                         admin_key))
            if method == "POST":
                check_declared(operation, method, path,
                               *ask(port, method, concrete, admin_key, "text/plain"))
        neighbours = {(m.upper(), p) for p in paths for m in METHODS} - documented
        extra = {(m, p.replace("probe", "probe-missing")) for m, p in UNDOCUMENTED_PROBES}
        for method, path in sorted(neighbours | (extra - documented)):
            status, code = ask(port, method, path, admin_key)
            if not not_routed(status, code):
                problem(f"{method} {path}: the server answers {status} {code or ''} but it is "
                        "not documented")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--routes", required=True)
    parser.add_argument("--escrowd", help="the escrowd binary to probe (optional)")
    parser.add_argument("--error-codes", help="engine/error_code.cpp, whose codes the document "
                        "must list (optional)")
    arguments = parser.parse_args()
    with open(arguments.spec) as document:
        spec = yaml.safe_load(document)
    check_document(spec)
    check_routes(spec, arguments.routes)
    if arguments.error_codes:
        check_error_codes(spec, arguments.error_codes)
    if arguments.escrowd:
        probe(spec, arguments.escrowd)
    for text in problems:
        print("openapi_check:", text)
    operation_count = sum(1 for _ in operations(spec))
    print(f"openapi_check: {operation_count} operations, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
