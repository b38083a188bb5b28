"""The HTTP edge shared by every API function.

`create_app()` builds the Powertools resolver with validation and maps every
domain error to its status code in one place; `lambda_entry()` wraps a
resolver into the Lambda handler (logging context, tracing, metrics),
refuses requests the API key may not make (`sitepulse.access.edge`: 403) and
bodies that are not acceptable JSON before any route code runs, and gives every
read its caching headers, ETag and 304 (`sitepulse.common.caching`).
"""

import base64
import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.version import VERSION as POWERTOOLS_VERSION
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from sitepulse.access.edge import access_problem
from sitepulse.common.aws import is_transient
from sitepulse.common.caching import apply_http_caching
from sitepulse.common.errors import (
    ConflictError,
    ErrorBody,
    FieldError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
    validation_message,
)
from sitepulse.common.observability import logger, metrics, tracer
from sitepulse.common.pinned import POWERTOOLS, require_version

# API Gateway accepts up to 10 MB; no route of ours needs more than a few KB.
MAX_BODY_BYTES = 256 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass(frozen=True)
class _BodyRead:
    """One invocation's body, read once: the text parsed and its value, or the answer refusing it."""

    event: dict[str, Any]  # the invocation's event (identity): never another invocation's body
    text: str | None = None
    value: Any = None
    problem: dict[str, Any] | None = None


# The body read for this invocation: the access edge asks for its fields (`body_fields`), the
# edge refuses it (`body_problem`), and Powertools' validation asks its `json_body_deserializer`
# for the same text and gets this value: one parse per request.
_EDGE_BODY: ContextVar[_BodyRead | None] = ContextVar("edge_body", default=None)


def error_body(message: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    """The one error body (`ErrorBody`): `{"message"}`, plus `errors` on validation failures."""
    return ErrorBody(message=message, errors=errors).as_json()


def error_response(status: int, message: str, errors: list[FieldError] | None = None) -> Response:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=error_body(message, errors)
    )


def _field_of(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
    return ".".join(loc) or "body"


def describe_validation_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    return [FieldError(field=_field_of(err), message=validation_message(err)) for err in errors]


def validation_failed(details: list[FieldError]) -> tuple[str, list[FieldError]]:
    """The 422 message (a one-line summary) and its `errors`."""
    summary = "; ".join(f"{detail.field}: {detail.message}" for detail in details)
    return f"Validation failed: {summary}", details


def stored_response(body: dict[str, Any], created: bool) -> Response:
    """An idempotent write's answer: 201 when this call stored it, 200 for a replay of the same."""
    return Response(
        status_code=201 if created else 200, content_type=content_types.APPLICATION_JSON, body=body
    )


_PATH_PARAMETER = re.compile(r"(<\w+>)")  # a `<name>` placeholder of a route rule
# `_compile_regex` below overrides a private Powertools method (no public hook sets what a path
# parameter matches): checked against the version it was written for, at import.
require_version("aws-lambda-powertools", POWERTOOLS_VERSION, POWERTOOLS, "common.http's _compile_regex")


class _GatewayDecodedPathResolver(APIGatewayHttpResolver):
    """Routes an HTTP API event whose path the gateway has already percent-decoded.

    An HTTP API decodes the request path before routing and hands the function the decoded
    path (`rawPath`, `requestContext.http.path`): `/api/sensors/a%3Ab/occupancy` arrives as
    `/api/sensors/a:b/occupancy`. Decoding again would turn a client's `a%2541` (the text
    `a%41`) into `aA`, so path parameters are taken as they come."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = "^{}$") -> re.Pattern[str]:
        """A path parameter is any non-empty segment; the route's own pattern then judges it.

        Powertools lets only URI-safe characters and `\\w` into a parameter, so a segment with
        a control or symbol character (`/rooms/%C2%84/…`, decoded by the gateway) matched no
        route at all: a 404 "Not found" where the document promises the parameter's 422."""
        return re.compile(base_regex.format(_PATH_PARAMETER.sub(r"(?P\1[^/]+)", rule)))


def _edge_parsed_json(text: str) -> Any:
    """Powertools' body deserializer: the value the edge parsed from this text, else a parse."""
    read = _EDGE_BODY.get()
    if read is not None and read.problem is None and read.text == text:
        return read.value
    return json.loads(text)


def create_app() -> APIGatewayHttpResolver:
    app = _GatewayDecodedPathResolver(enable_validation=True, json_body_deserializer=_edge_parsed_json)

    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(err.get("type") == "json_invalid" for err in errors):
            return error_response(400, "Malformed JSON body")
        return error_response(422, *validation_failed(describe_validation_errors(errors)))

    @app.exception_handler(InvalidInputError)
    def _invalid(exc: InvalidInputError) -> Response:
        return error_response(422, *validation_failed([FieldError(field=exc.field, message=exc.reason)]))

    @app.exception_handler(NotFoundError)
    def _not_found(exc: NotFoundError) -> Response:
        return error_response(404, exc.message)

    @app.exception_handler(ConflictError)
    def _conflict(exc: ConflictError) -> Response:
        return error_response(409, exc.message)

    @app.exception_handler(ServiceUnavailableError)
    def _unavailable(exc: ServiceUnavailableError) -> Response:
        response = error_response(503, exc.message)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response

    @app.exception_handler(ClientError)
    @app.exception_handler(BotoCoreError)
    def _aws_unavailable(exc: Exception) -> Response:
        # Throttling, 5xx or a lost connection that outlived the SDK's bounded retries
        # (`sitepulse.common.aws`). Every write is one conditional request or transaction,
        # keyed for idempotency, so the client can safely send the same request again: 503,
        # never 500. Anything else is a bug and stays a 500.
        if not is_transient(exc):
            raise exc
        logger.warning("AWS unavailable after retries", extra={"error": f"{type(exc).__name__}: {exc}"})
        return _unavailable(ServiceUnavailableError("The service is busy; retry the same request shortly."))

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(404, "Not found")

    return app


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _plain_response(status: int, message: str, errors: list[FieldError] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(error_body(message, errors)),
        "isBase64Encoded": False,
    }


def body_problem(event: dict[str, Any]) -> dict[str, Any] | None:
    """A 400/413 response for bodies no route should see: too large, not JSON,
    NaN/Infinity, nested deeper than the parser can take, or not a JSON object."""
    return _read_body(event).problem


def body_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The body's top-level fields, for the access edge's limits: the one parse of this
    request ({} when there is no body to read or it is refused: `body_problem` answers)."""
    read = _read_body(event)
    return read.value if read.problem is None and isinstance(read.value, dict) else {}


def _read_body(event: dict[str, Any]) -> _BodyRead:
    read = _EDGE_BODY.get()
    if read is None or read.event is not event:
        read = _parse_body(event)
        _EDGE_BODY.set(read)
    return read


def _parse_body(event: dict[str, Any]) -> _BodyRead:
    # Only the methods whose routes read a body: any other body is never seen by a route.
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    body = event.get("body")
    if method not in _BODY_METHODS or not body:
        return _BodyRead(event)
    if len(body) > MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1):
        return _BodyRead(event, problem=_plain_response(413, f"Body larger than {MAX_BODY_BYTES} bytes"))
    if event.get("isBase64Encoded"):
        # The gateway base64-encodes a body it cannot pass as text: one that is not UTF-8.
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _BodyRead(event, problem=_plain_response(400, "Malformed body: not valid UTF-8 text"))
    try:
        parsed = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _BodyRead(event, problem=_plain_response(400, "Malformed JSON body"))
    if not isinstance(parsed, dict):
        # Every write takes one JSON object; Powertools would validate only an array's first element.
        return _BodyRead(
            event,
            problem=_plain_response(
                *_validation_answer(FieldError(field="body", message="expected a JSON object"))
            ),
        )
    # The API speaks JSON only: a client that forgot Content-Type still sent JSON.
    headers = event.setdefault("headers", {})
    headers["content-type"] = content_types.APPLICATION_JSON
    return _BodyRead(event, text=body, value=parsed)


def _validation_answer(detail: FieldError) -> tuple[int, str, list[FieldError]]:
    return (422, *validation_failed([detail]))


def lambda_entry(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # Every answer, refusals included, leaves through the one caching rule of the API.
        return apply_http_caching(event, answer(event, context))

    def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        _EDGE_BODY.set(None)
        # Access first: a caller without a valid key learns nothing about its body from a 400.
        # The body is read (once) only when a key with limits needs its fields.
        denied = access_problem(event, lambda: body_fields(event))
        if denied is not None:
            return denied
        problem = body_problem(event)
        if problem is not None:
            return problem
        return app.resolve(event, context)

    return handler
