"""Generate the merged OpenAPI document of every function (`make openapi`).

Each function's resolver describes its own routes; this loads every function
listed in template.yaml, merges their documents with Powertools' OpenAPIMerge
and writes `layers/sitepulse/openapi.json`, which the docs function serves.
`--check` exits non-zero when the committed document is stale (used in CI).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from local.lambdas.inprocess import load_handler_module, merged_environment
from local.stack import ROOT, aws_environment
from local.template import load_stack

DOCUMENT = ROOT / "layers" / "sitepulse" / "openapi.json"
TITLE = "Sitepulse API"
SECURITY_SCHEME = "apiKey"
VERSION = "1.0.0"


def build_document(template: Path = ROOT / "template.yaml") -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    stack = load_stack(template)
    # Handlers validate their settings at import; AWS is never called while generating.
    os.environ.update(aws_environment("http://127.0.0.1:9", 9))
    os.environ.update(merged_environment(stack))
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="Sitepulse: occupancy, temperatures, store uptime reports and hotel bookings.",
        security_schemes={
            SECURITY_SCHEME: HTTPBearer(
                bearerFormat="sp_<key id>_<secret>",
                description="An API key: `Authorization: Bearer <key>`. Each route needs one scope (README).",
            )
        },
        security=[{SECURITY_SCHEME: []}],
    )
    extra_paths: dict[str, Any] = {}
    for function in stack.functions.values():
        if not function.routes or any(route.path.startswith("/api/openapi") for route in function.routes):
            continue  # the docs function serves this document and adds no routes of its own
        module = load_handler_module(function)
        if hasattr(module, "openapi_paths"):  # not a Powertools resolver (the console's static files)
            extra_paths.update(module.openapi_paths())
            continue
        merge.add_schema(module.app.get_openapi_schema(title=TITLE, version=VERSION))
    document = json.loads(merge.get_openapi_json_schema())
    document["paths"].update(extra_paths)
    return drop_unused_schemas(non_null_parameters(with_http_caching(with_access_control(document))))


def non_null_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter is `str | None` in Python; on the wire it is absent or a string, never
    null: keep only the non-null branch of its `anyOf` (its format, pattern and bounds stay)."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                branches = schema.get("anyOf", [])
                others = [branch for branch in branches if branch != {"type": "null"}]
                if len(branches) == 2 and len(others) == 1:
                    del schema["anyOf"]
                    parameter["schema"] = {**others[0], **schema}
    return document


def drop_unused_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Remove component schemas nothing refers to: Powertools always adds its own validation
    error models, which this API never sends (its errors are `ErrorBody`)."""
    schemas = document.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps({**document, "components": {**document["components"], "schemas": {}}})
        text += json.dumps(schemas)
        unused = [name for name in schemas if f'"#/components/schemas/{name}"' not in text]
        if not unused:
            return document
        for name in unused:
            del schemas[name]


# 401/403 carry the API's one error body (`sitepulse.common.errors.ErrorBody`, on every route).
ACCESS_ERROR = "#/components/schemas/ErrorBody"
_ACCESS_RESPONSES = {
    "401": 'No `Authorization` header: API Gateway itself answers `{"message": "Unauthorized"}` '
    "and no function runs.",
    "403": "The key was refused: malformed, unknown, wrong secret, revoked, expired, or without the "
    'route\'s scope — API Gateway answers `{"message": "Forbidden"}` and no function runs. '
    "Or a valid key names a resource outside its limits (path, query or body): the function answers "
    '`{"message": "Forbidden: this API key may not access ..."}` and stores nothing.',
}


def with_access_control(document: dict[str, Any]) -> dict[str, Any]:
    """Every protected operation: its scope, the bearer requirement and its 401/403 answers,
    read from the one route → scope table (`sitepulse.access.scopes`)."""
    from sitepulse.access.scopes import is_public, scope_of

    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route_key = f"{method.upper()} {path}"
            if is_public(route_key):
                operation["security"] = []
                continue
            scope = scope_of(route_key) or "(none: refused)"
            operation["security"] = [{SECURITY_SCHEME: []}]
            note = f"Needs an API key with scope `{scope}`."
            description = operation.get("description") or ""
            if note not in description:
                operation["description"] = f"{description}\n\n{note}".strip()
            responses = operation.setdefault("responses", {})
            for status, text in _ACCESS_RESPONSES.items():
                responses.setdefault(
                    status,
                    {
                        "description": text,
                        "content": {"application/json": {"schema": {"$ref": ACCESS_ERROR}}},
                    },
                )
    return document


_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of copies the client holds (or `*`): when one is current the answer is 304 "
    "with no body. Weak comparison: `W/` is ignored.",
    "schema": {"type": "string"},
}
_CONSOLE_CACHING = "`no-cache` for the console's pages; `public, max-age=31536000, immutable` for its "
"content-hashed assets"


def _caching_headers(cache_control: str, *, etag: str | None) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "Cache-Control": {
            "description": f"`{cache_control}`",
            "required": True,
            "schema": {"type": "string"},
        }
    }
    if etag:
        headers["ETag"] = {
            "description": f"{etag}; send it back in If-None-Match",
            "required": True,
            "schema": {"type": "string", "pattern": '^(W/)?"[A-Za-z0-9_-]+"$'},
        }
    return headers


_STRONG = "Strong validator of this answer (a hash of its body)"


def with_http_caching(document: dict[str, Any]) -> dict[str, Any]:
    """Every GET: its caching headers, and for a revalidated read the If-None-Match parameter
    and its 304, from the one route → policy table (`sitepulse.common.caching`)."""
    from sitepulse.access.scopes import is_public
    from sitepulse.common.caching import ROUTE_POLICIES, VARY, policy_of

    for path, operations in document.get("paths", {}).items():
        operation = operations.get("get")
        if operation is None:
            continue
        route_key = f"GET {path}"
        known = route_key in ROUTE_POLICIES
        policy = policy_of(route_key)
        cache_control = policy.cache_control if known else _CONSOLE_CACHING
        responses = operation.setdefault("responses", {})
        for status, response in responses.items():
            if status.startswith("2") or (status.startswith("3") and status != "304"):
                fresh = status == "200" and policy.validated
                etag = None
                if fresh:
                    clock = ", ".join(f"`{field}`" for field in policy.clock_fields)
                    weak = f"Weak validator: a hash of the body without {clock}, which follow the clock"
                    etag = weak if policy.clock_fields else _STRONG
                headers = _caching_headers(cache_control if fresh else "no-store", etag=etag)
                if fresh and not is_public(route_key):
                    headers["Vary"] = {
                        "description": f"`{VARY}`",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                response["headers"] = {**response.get("headers", {}), **headers}
        if not policy.validated:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(parameter["name"] == _IF_NONE_MATCH["name"] for parameter in parameters):
            parameters.append(dict(_IF_NONE_MATCH))
        not_modified = {
            "description": "Not modified: the copy named in If-None-Match is current (no body)",
            "headers": responses["200"]["headers"],
        }
        operation["responses"] = dict(sorted({**responses, "304": not_modified}.items()))
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the committed document is stale")
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.check:
        current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else ""
        if current != text:
            print(f"{DOCUMENT} is stale: run `make openapi` and commit it", file=sys.stderr)
            return 1
        return 0
    DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {DOCUMENT} ({len(document_paths(text))} paths)")
    return 0


def document_paths(text: str) -> list[str]:
    return sorted(json.loads(text)["paths"])


if __name__ == "__main__":
    sys.exit(main())
