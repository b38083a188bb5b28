"""Schemathesis extension loaded by `local.contract.fuzz` (SCHEMATHESIS_HOOKS=local.contract.fuzz_checks).

`schema_valid_requests_accepted` replaces the built-in `positive_data_acceptance`, which
fails on any 4xx other than 401/403/404/409 for a request the document calls valid. It
applies the same rule, with ONE exception: a 422 whose every error is one of the rules
below, which no JSON Schema can express (they depend on the clock, on another parameter,
or on what the API issued). Each is named with the words its message must contain, so a
422 for anything else (a bound the document forgot, a type it misstates) still fails.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from collections import Counter
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.core.failures import Failure
from schemathesis.core.transport import expand_status_codes

SERIES_RULES: dict[str, tuple[str, ...]] = {
    "from": ("must be between",),
    "to": ("must be later than from", "must be between"),
    "step": (
        "must be a multiple of",
        "must be between",
        "points asked for",
        "at most 366",
    ),
}
FOR_RULES = ("longer than zero", "at most 366 days", "years and months")
# operation → field → words the 422 message for that field contains.
UNEXPRESSIBLE_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    # Opaque: only a token the API issued for the same query is valid.
    "GET /api/sensors": {"next_token": ("",)},
    "GET /api/keys": {"next_token": ("",)},
    "POST /api/keys": {"expires_at": ("in the future",)},
    "GET /api/v1/buildings/{building}/rooms": {"next_token": ("",)},
    "GET /api/v1/buildings": {"next_token": ("",)},
    "GET /api/hotels": {"next_token": ("",)},
    "GET /api/reports": {"next_token": ("",)},
    "GET /api/alerts": {"next_token": ("",)},
    # The addresses a webhook's host resolves to (no SSRF), `max` against `min`, a store rule's
    # `for` within the week the reports read. The body is one of three shapes: pydantic names a
    # field after its shape (`store_down.for`).
    "POST /api/alerts": {
        "webhook_url": ("resolves to", "does not resolve", "must be https", "not a valid URL", "control"),
        "temperature_outside.max": ("must be at least min",),
        "temperature_outside.for": FOR_RULES,
        "store_down.for": (*FOR_RULES, "at most 7 days"),
    },
    # Series: `to` against `from`, the step against the range (≤ 1000 points) and its grain, and
    # instants floored to the grain, which must leave room for one step before 9999-12-31.
    "GET /api/sensors/{sensor}/occupancy/series": SERIES_RULES,
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/series": {
        **SERIES_RULES,
        "from": ("must be between", "may span at most"),
    },
    "GET /api/events": {
        "next_token": ("",),
        # Two parameters against each other.
        "updated__gte": ("must not be after updated__lte",),
        "night_of_stay__gte": ("must not be after night_of_stay__lte",),
    },
    # Against the clock of the server.
    "POST /api/v1/buildings/{building}/rooms/{room}/temperatures": {"recorded_at": ("in the future",)},
    "POST /api/events": {"timestamp": ("in the future",)},
    # A length: the pattern states the grammar and "longer than zero", the description the upper
    # bound (≤ 366 days), which a pattern could state only as an unreadable regular expression.
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/average": {
        "duration": ("at most 366 days", "years and months"),
    },
}
# `local.contract.fuzz` names a file here: every request the run sends is counted per operation and status,
# and written there when schemathesis exits (its own summary counts test cases, not requests).
STATS_ENV = "SITEPULSE_FUZZ_STATS"
_calls: Counter[tuple[str, int]] = Counter()
_calls_lock = threading.Lock()  # schemathesis workers are threads

ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429")


class RejectedSchemaValidRequest(Failure):
    kind_title = "Schema-valid request rejected"
    __slots__ = ("status_code",)

    def __init__(self, operation: str, status_code: int, detail: str) -> None:
        message = f"{detail}\nExpected {', '.join(ACCEPTED)}, or a 422 for a rule no schema can state"
        super().__init__(operation=operation, message=message)
        self.status_code = status_code

    @property
    def _unique_key(self) -> str:
        return str(self.status_code)


def _is_positive(case: Case) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def _probe(case: Case) -> bool:
    from schemathesis.specs.openapi.checks import is_unexpected_http_status_case

    return is_unexpected_http_status_case(case)


def _unexpressible(operation: str, body: Any) -> bool:
    rules = UNEXPRESSIBLE_RULES.get(operation, {})
    errors = body.get("errors") if isinstance(body, dict) else None
    if not rules or not isinstance(errors, list) or not errors:
        return False
    for error in errors:
        words = rules.get(error.get("field")) if isinstance(error, dict) else None
        if words is None or not any(word in str(error.get("message", "")) for word in words):
            return False
    return True


@schemathesis.check
def schema_valid_requests_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    if not _is_positive(case) or _probe(case):
        return None
    if response.status_code in expand_status_codes(list(ACCEPTED)):
        return None
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    if response.status_code == 422 and _unexpressible(operation, body):
        return None
    detail = json.dumps(body)[:500] if body is not None else repr(response.content[:200])
    raise RejectedSchemaValidRequest(operation, response.status_code, f"{response.status_code}: {detail}")


@schemathesis.hook
def after_call(context: Any, case: Case, response: Response) -> None:
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    with _calls_lock:
        _calls[(operation, response.status_code)] += 1


def _write_stats() -> None:
    path = os.environ.get(STATS_ENV)
    if path:
        rows = [{"operation": op, "status": status, "count": n} for (op, status), n in sorted(_calls.items())]
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(rows, handle)


atexit.register(_write_stats)
