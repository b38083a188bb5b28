"""The HTTP edge shared by every API function.

`create_app()` builds the Powertools resolver with validation and maps every
domain error to its status code in one place; `lambda_entry()` wraps a
resolver into the Lambda handler (logging context, tracing, metrics) and
refuses requests the API key may not make (`sitepulse.access.edge`: 401/403) and
bodies that are not acceptable JSON before any route code runs.
"""

import base64
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.access.edge import access_problem
from sitepulse.common.errors import ConflictError, InvalidInputError, NotFoundError, ServiceUnavailableError
from sitepulse.common.observability import logger, metrics, tracer

# API Gateway accepts up to 10 MB; no route of ours needs more than a few KB.
MAX_BODY_BYTES = 256 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def error_response(status: int, message: str, **extra: Any) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"message": message, **extra},
    )


def _field_of(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return ".".join(loc) or "body"


def describe_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_of(err), "message": str(err.get("msg", "invalid value"))} for err in errors]


def stored_response(body: dict[str, Any], created: bool) -> Response:
    """An idempotent write's answer: 201 when this call stored it, 200 for a replay of the same."""
    return Response(
        status_code=201 if created else 200, content_type=content_types.APPLICATION_JSON, body=body
    )


def create_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(err.get("type") == "json_invalid" for err in errors):
            return error_response(400, "Malformed JSON body")
        details = describe_validation_errors(errors)
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return error_response(422, f"Validation failed: {summary}", errors=details)

    @app.exception_handler(InvalidInputError)
    def _invalid(exc: InvalidInputError) -> Response:
        return error_response(
            422, f"Validation failed: {exc.message}", errors=[{"field": exc.field, "message": exc.reason}]
        )

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

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(404, "Not found")

    return app


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _plain_response(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps({"message": message, **extra}),
        "isBase64Encoded": False,
    }


def body_problem(event: dict[str, Any]) -> dict[str, Any] | None:
    """A 400/413 response for bodies no route should see: too large, not JSON,
    NaN/Infinity, or nested deeper than the parser can take."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    body = event.get("body")
    if method not in _BODY_METHODS or not body:
        return None
    if len(body) > MAX_BODY_BYTES * (4 / 3 if event.get("isBase64Encoded") else 1):
        return _plain_response(413, f"Body larger than {MAX_BODY_BYTES} bytes")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return _plain_response(400, "Body is not valid base64-encoded UTF-8")
    try:
        parsed = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return _plain_response(400, "Malformed JSON body")
    if not isinstance(parsed, dict):
        # Every write takes one JSON object; Powertools would validate only an array's first element.
        return _plain_response(
            422,
            "Validation failed: body: expected a JSON object",
            errors=[{"field": "body", "message": "expected a JSON object"}],
        )
    # The API speaks JSON only: a client that forgot Content-Type still sent JSON.
    headers = event.setdefault("headers", {})
    headers["content-type"] = content_types.APPLICATION_JSON
    return None


def lambda_entry(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # Access first: a caller without a valid key learns nothing about its body from a 400.
        denied = access_problem(event)
        if denied is not None:
            return denied
        problem = body_problem(event)
        if problem is not None:
            return problem
        return app.resolve(event, context)

    return handler
