"""Fault injection for the local stack (`SITEPULSE_FAULTS`, see `local/aws/fault_spec.py`).

Two places, because AWS fails in two places:

* `FaultyAws`, a WSGI middleware around moto's server app: a share of the requests to each
  service is answered with the error that service really sends, in its wire format, so
  botocore parses and retries it exactly as it would against AWS:
  - DynamoDB: 400 `ThrottlingException`, 400 `ProvisionedThroughputExceededException`,
    500 `InternalServerError` (JSON `__type`). Half of the 500s are sent *after* the request
    was applied — DynamoDB does that too — so a retried write must be idempotent;
  - S3: 503 `SlowDown` (XML `<Error>`), before the request is applied;
  - Step Functions API (StartExecution, DescribeExecution, …): 400 `ThrottlingException` or
    503 `ServiceUnavailable`; Lambda tasks run by the state machine (its Invoke calls): 500
    `ServiceException` or 429 `TooManyRequestsException`, which the state machine sees as
    `Lambda.ServiceException` / `Lambda.TooManyRequestsException` task failures;
  - Lambda Invoke API: half of the `lambda` share, 500 `ServiceException` or 429
    `TooManyRequestsException` (restJson, `x-amzn-ErrorType`);
  - every request, latency drawn uniformly from `latency_ms`.
* `FaultyRuntime`, around the function runtime's `invoke(name_or_arn, event)`: the other half of
  the `lambda` share are crashed invocations (`Runtime.ExitError`, as when the process is
  killed or runs out of memory), either before the handler ran or after it did its work but
  before its answer got out.

`GET <endpoint>/moto-api/faults` answers how many faults of each kind were injected so far.

Reproducible: the n-th request to a service draws from `Random("<seed>/<service>/<n>")`, so a
given sequence of requests meets the same faults on every run (with concurrent clients the
interleaving, and so the sequence, can differ). Faults are armed after provisioning: the
stack is deployed first, then AWS starts misbehaving.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from local.aws.fault_spec import FaultSpec
from local.lambdas.workers import FunctionError

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_SCOPE = re.compile(r"Credential=[^/,]+/\d{8}/[^/]+/([a-z0-9-]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"X-Amz-Credential=[^&]*?(?:/|%2F)\d{8}(?:/|%2F)[^/&%]+(?:/|%2F)([a-z0-9-]+)", re.I)
# moto's Step Functions interpreter signs its Lambda task invocations with this access key.
_INTERPRETER_KEY = "Credential=ak/"
COUNTS_PATH = "/moto-api/faults"
_DDB_PREFIX = "com.amazonaws.dynamodb.v20120810#"


class FaultInjector:
    """Seeded decisions: `draw(service)` gives each request its own reproducible Random."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.armed = False
        self._counters: dict[str, itertools.count[int]] = {}
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}

    def arm(self) -> None:
        self.armed = True

    def draw(self, stream: str) -> random.Random:
        with self._lock:
            n = next(self._counters.setdefault(stream, itertools.count()))
        return random.Random(f"{self.spec.seed}/{stream}/{n}")  # noqa: S311 — which AWS call fails is drawn for a chaos test, not a secret

    def count(self, what: str) -> None:
        with self._lock:
            self.injected[what] = self.injected.get(what, 0) + 1

    def latency(self, rng: random.Random) -> None:
        low, high = self.spec.latency_ms
        if high > 0:
            time.sleep(rng.uniform(low, high) / 1000)


def service_of(environ: dict[str, Any]) -> str | None:
    """The signing service of a request (credential scope of SigV4, header or presigned query)."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found is None:
        found = _QUERY_SCOPE.search(environ.get("QUERY_STRING", ""))
    return unquote(found.group(1)) if found else None


def _json_error(status: str, content_type: str, body: dict[str, Any], code: str) -> tuple[str, list, bytes]:
    headers = [
        ("Content-Type", content_type),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("x-amzn-ErrorType", code),
    ]
    return status, headers, json.dumps(body).encode()


def dynamodb_error(rng: random.Random) -> tuple[str, list, bytes]:
    code = rng.choice(
        ("ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError")
    )
    status, message = {
        "ThrottlingException": ("400 Bad Request", "Rate of requests exceeds the allowed throughput."),
        "ProvisionedThroughputExceededException": (
            "400 Bad Request",
            "The level of configured provisioned throughput for the table was exceeded. "
            "Consider increasing your provisioning level with the UpdateTable API.",
        ),
        "InternalServerError": ("500 Internal Server Error", "Internal server error"),
    }[code]
    body = {"__type": _DDB_PREFIX + code, "message": message}
    return _json_error(status, "application/x-amz-json-1.0", body, code)


def s3_error(method: str) -> tuple[str, list, bytes]:
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
        "<Message>Please reduce your request rate.</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>local-faults</HostId></Error>"
    ).encode()
    headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    return "503 Slow Down", headers, b"" if method == "HEAD" else body


def states_error(rng: random.Random) -> tuple[str, list, bytes]:
    if rng.random() < 0.5:
        body = {"__type": "ThrottlingException", "message": "Rate exceeded"}
        return _json_error("400 Bad Request", "application/x-amz-json-1.0", body, "ThrottlingException")
    body = {"__type": "ServiceUnavailable", "message": "Service Unavailable"}
    return _json_error("503 Service Unavailable", "application/x-amz-json-1.0", body, "ServiceUnavailable")


def lambda_error(rng: random.Random) -> tuple[str, list, bytes]:
    if rng.random() < 0.5:
        body = {"Type": "Service", "message": "An internal error occurred in the Lambda service."}
        return _json_error("500 Internal Server Error", "application/json", body, "ServiceException")
    body = {
        "Type": "User",
        "message": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }
    status, headers, raw = _json_error(
        "429 Too Many Requests", "application/json", body, "TooManyRequestsException"
    )
    return status, [*headers, ("Retry-After", "1")], raw


class FaultyAws:
    """WSGI middleware: answers the configured share of each service's requests with its real errors."""

    def __init__(self, app: WsgiApp, injector: FaultInjector) -> None:
        self._app = app
        self._injector = injector

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == COUNTS_PATH:  # what was injected so far, by kind
            body = json.dumps({"spec": self._injector.spec.describe(), "injected": self._injector.injected})
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body.encode()]
        service = service_of(environ) if self._injector.armed else None
        if service is None:
            return self._app(environ, start_response)
        rng = self._injector.draw(service)
        self._injector.latency(rng)
        fault = self._fault(service, environ, rng)
        if fault is None:
            return self._app(environ, start_response)
        name, apply_first, (status, headers, body) = fault
        if apply_first:  # the service did the work, then failed to say so
            result = self._app(environ, lambda *args, **kwargs: None)
            for _ in result:
                pass
            if hasattr(result, "close"):
                result.close()
        self._injector.count(name)
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _fault(
        self, service: str, environ: dict[str, Any], rng: random.Random
    ) -> tuple[str, bool, Any] | None:
        spec = self._injector.spec
        hit = rng.random()
        if service == "dynamodb" and hit < spec.dynamodb:
            error = dynamodb_error(rng)
            applied = error[0].startswith("500") and rng.random() < 0.5
            return f"dynamodb:{dict(error[1])['x-amzn-ErrorType']}", applied, error
        if service == "s3" and hit < spec.s3:
            return "s3:SlowDown", False, s3_error(environ.get("REQUEST_METHOD", ""))
        if service == "states" and hit < spec.states:
            return "states:api", False, states_error(rng)
        if service == "lambda" and environ.get("PATH_INFO", "").endswith("/invocations"):
            if hit < spec.lambda_ / 2:
                return "lambda:invoke", False, lambda_error(rng)
            from_state_machine = _INTERPRETER_KEY in environ.get("HTTP_AUTHORIZATION", "")
            if from_state_machine and rng.random() < spec.states:
                return "states:task", False, lambda_error(rng)
        return None


class FaultyRuntime:
    """The function runtime with crashed invocations: `Runtime.ExitError`, before or after the handler."""

    def __init__(self, runtime: Any, injector: FaultInjector) -> None:
        self._runtime = runtime
        self._injector = injector

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runtime, name)

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        crash, after = False, False
        if self._injector.armed and self._injector.spec.lambda_ > 0:
            rng = self._injector.draw("lambda-runtime")
            crash = rng.random() < self._injector.spec.lambda_ / 2
            after = rng.random() < 0.5
        if crash and not after:
            self._injector.count("lambda:crash-before")
            raise _crashed()
        result = self._runtime.invoke(name_or_arn, event)
        if crash:
            self._injector.count("lambda:crash-after")
            raise _crashed()
        return result


def _crashed() -> FunctionError:
    return FunctionError(
        {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {uuid.uuid4()} Error: Runtime exited with error: signal: killed",
        }
    )
