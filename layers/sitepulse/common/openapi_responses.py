"""What every route documents in the OpenAPI document: its successes and every error it can
answer, all errors with the ONE error body the API sends (`sitepulse.common.http`).

    @app.get("/api/sensors/<sensor>/occupancy", responses=api_responses(
        {200: "People inside"}, not_found="Unknown sensor"))

* `ErrorBody` (`sitepulse.common.errors`) is the error model, defined once:
  `{"message": str, "errors"?: [{"field", "message"}]}` (`errors` only on 422, one entry per
  wrong field); `sitepulse.common.http` builds every error answer from it.
* `api_responses` adds the statuses that apply to every route (422 when it takes input,
  429 from the gateway's throttling, 503 when AWS keeps failing) and the body statuses
  (400, 413) for routes with a JSON body. 401 and 403 depend on the route's scope, not on
  its code: `local.contract.openapi.with_access_control` adds them to every protected operation from
  the one route → scope table, with this same error body.
"""

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from sitepulse.common.errors import ErrorBody
from sitepulse.common.http import MAX_BODY_BYTES

VALIDATION = "Validation failed: `errors` names each wrong field or parameter and why"
THROTTLED = "Too many requests: the API's throttling limit was reached; retry later"
UNAVAILABLE = "AWS kept failing for a while: nothing was changed; retry after `Retry-After` seconds"
MALFORMED = "The body is not a JSON object: malformed JSON, not UTF-8, NaN/Infinity or nested too deep"
TOO_LARGE = f"The body is larger than {MAX_BODY_BYTES // 1024} KiB"

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}


def error_response(description: str, headers: Mapping[str, Any] | None = None) -> OpenAPIResponse:
    response: OpenAPIResponse = {
        "description": description,
        "content": {"application/json": {"model": ErrorBody}},
    }
    if headers:
        response["headers"] = dict(headers)  # type: ignore[typeddict-item]
    return response


def linked(description: str, links: Mapping[str, tuple[str, Mapping[str, str]]]) -> OpenAPIResponse:
    """A success whose body feeds other operations (OpenAPI links: clients and contract fuzzers
    follow them, e.g. a listing's `next_token` into its next page)."""
    return {
        "description": description,
        "links": {
            name: {"operationId": operation_id, "parameters": dict(parameters)}
            for name, (operation_id, parameters) in links.items()
        },
    }


def api_responses(
    success: Mapping[int, str | OpenAPIResponse],
    *,
    not_found: str | None = None,
    conflict: str | None = None,
    body: bool = False,
    validated: bool = True,
) -> dict[int, OpenAPIResponse]:
    """Every status a route answers. `success` maps a status to its description (the body is
    the route's return type) or to a full response object (e.g. a redirect without body)."""
    responses: dict[int, OpenAPIResponse] = {
        status: {"description": value} if isinstance(value, str) else value
        for status, value in success.items()
    }
    errors: dict[int, OpenAPIResponse] = {}
    if body:
        errors[400] = error_response(MALFORMED)
        errors[413] = error_response(TOO_LARGE)
    if not_found:
        errors[404] = error_response(not_found)
    if conflict:
        errors[409] = error_response(conflict)
    if validated or body:
        errors[422] = error_response(VALIDATION)
    errors[429] = error_response(THROTTLED)
    errors[503] = error_response(UNAVAILABLE, _RETRY_AFTER)
    return responses | dict(sorted(errors.items()))
