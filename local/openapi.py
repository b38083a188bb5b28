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

from local.inprocess import load_handler_module, merged_environment
from local.stack import ROOT, aws_environment
from local.template import load_stack

DOCUMENT = ROOT / "layers" / "sitepulse" / "openapi.json"
TITLE = "Sitepulse API"
VERSION = "1.0.0"


def build_document(template: Path = ROOT / "template.yaml") -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    stack = load_stack(template)
    # Handlers validate their settings at import; AWS is never called while generating.
    os.environ.update(aws_environment("http://127.0.0.1:9", 9))
    os.environ.update(merged_environment(stack))
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="Sitepulse: occupancy, temperatures, store uptime reports and hotel bookings.",
    )
    for function in stack.functions.values():
        if not function.routes or any(route.path.startswith("/api/openapi") for route in function.routes):
            continue  # the docs function serves this document and adds no routes of its own
        app = load_handler_module(function).app
        merge.add_schema(app.get_openapi_schema(title=TITLE, version=VERSION))
    return json.loads(merge.get_openapi_json_schema())


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
