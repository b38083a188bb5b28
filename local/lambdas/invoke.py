"""`make invoke FN=<LogicalId> EVENT=events/x.json` — our `sam local invoke`, without Docker.

Runs one handler in a worker of its own (as the stack does: `local.lambdas.workers`) against the
AWS of the *running* local stack (endpoint from `.sitepulse/local.json`), with only the
function's environment from template.yaml, and prints its result as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from local.lambdas.logs import FunctionLogs
from local.lambdas.workers import FunctionError, FunctionRuntime, LocalAws
from local.stack import ROOT
from local.template import load_stack


def invoke(function: str, event: Any, state_file: Path, template: Path = ROOT / "template.yaml") -> Any:
    if not state_file.exists():
        raise SystemExit(f"{state_file} not found: start the local stack first (make run)")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    stack = load_stack(template)
    # As `sam local invoke`: the function's own output (its log lines) goes to stderr, so stdout
    # holds only the result.
    runtime = FunctionRuntime(stack, LocalAws(state["endpoint_url"]), FunctionLogs(stream=sys.stderr))
    try:
        return runtime.invoke(function, event)
    finally:
        runtime.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--function", required=True, help="logical id (or name) of the function in template.yaml"
    )
    parser.add_argument("--event", type=Path, help="JSON event file (default: an empty object)")
    parser.add_argument(
        "--state-file",
        type=Path,
        default=Path(os.environ.get("SITEPULSE_STATE", ROOT / ".sitepulse/local.json")),
    )
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text(encoding="utf-8")) if args.event else {}
    try:
        result = invoke(args.function, event, args.state_file)
    except FunctionError as error:
        print(json.dumps(error.payload, indent=2), file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
