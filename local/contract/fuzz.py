"""Contract fuzzing: schemathesis against a running stack, over HTTP, with every check that
applies (`make fuzz`; a shorter run is part of `make test`, tests/integration/test_contract.py).

    python -m local.contract.fuzz                       # against `make run` (state in .sitepulse/local.json)
    python -m local.contract.fuzz --start               # starts its own stack (demo data) on a free port
    python -m local.contract.fuzz --examples 300 --seed 7
    python -m local.contract.fuzz --examples 20 --phases fuzzing --include-path-regex '^/api/events$'

Anything it does not know goes to `schemathesis run` as is. It ends with a summary (requests per
operation and status, duration, RESULT: PASSED/FAILED) and exits non-zero when schemathesis found
a failure, a response was a 5xx, the stack logged a traceback, or no request was sent.

The document under test is the one the stack serves (`/api/openapi.json`). When the stack's
state file holds API keys (`"keys": {"admin": "<secret>"}`), every request carries
`Authorization: Bearer <admin key>`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.contract.fuzz_checks import STATS_ENV

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE = ROOT / ".sitepulse" / "local.json"
SEED = 20261127
FUZZ_EXAMPLES = 150
MAX_RESPONSE_SECONDS = 30
CHECKS_MODULE = "local.contract.fuzz_checks"

# Every built-in check runs except these, each for a reason that is not "it fails":
EXCLUDED_CHECKS: dict[str, str] = {
    "unsupported_method": (
        "API Gateway HTTP API answers a method no route declares with 404 {'message': 'Not Found'}, "
        "never 405: no function runs, so the API cannot answer otherwise (the local stack does the same)"
    ),
    "positive_data_acceptance": (
        "replaced by local.contract.fuzz_checks.schema_valid_requests_accepted: the same rule, except a 422 "
        "for one of the rules no JSON Schema can state (an opaque next_token, a bound against the clock or "
        "another parameter), each named there with the words of its message"
    ),
}

# Operations not fuzzed, and why.
EXCLUDED_PATHS: dict[str, str] = {
    "^/api/keys/": (
        "DELETE /api/keys/{key_id} revokes keys: following the links from GET /api/keys, the fuzzer would "
        "revoke its own admin key mid-run; revocation is covered by the access tests"
    ),
}


@dataclass
class FuzzRun:
    api_url: str
    examples: int = FUZZ_EXAMPLES
    seed: int = SEED
    workers: int = 2
    api_key: str | None = None
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    extra: list[str] = field(default_factory=list)

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{self.api_url.rstrip('/')}/api/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            ",".join(EXCLUDED_CHECKS),
            "--seed",
            str(self.seed),
            "--max-examples",
            str(self.examples),
            "--workers",
            str(self.workers),
            "--phases",
            ",".join(self.phases),
            "--generation-database",
            "none",
            "--request-timeout",
            "60",
            # A hang is a contract violation; a slow answer on a loaded laptop is not (see bench/).
            "--max-response-time",
            str(MAX_RESPONSE_SECONDS),
            "--no-color",
        ]
        for pattern in EXCLUDED_PATHS:
            command += ["--exclude-path-regex", pattern]
        if self.api_key:
            command += ["--header", f"Authorization: Bearer {self.api_key}"]
        return command + self.extra

    def env(self, stats_file: Path | None = None) -> dict[str, str]:
        env = {**os.environ, "SCHEMATHESIS_HOOKS": CHECKS_MODULE, "PYTHONPATH": str(ROOT)}
        if stats_file is not None:
            env[STATS_ENV] = str(stats_file)
        return env

    def run(
        self, output: Path | None = None, stats_file: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run to completion, capturing the output (into `output`) and the request counts (into
        `stats_file`, see `read_calls`)."""
        with tempfile.TemporaryDirectory(prefix="fuzz-") as workdir:  # schemathesis writes reports in cwd
            result = subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
                self.command(),
                cwd=workdir,
                env=self.env(stats_file),
                capture_output=True,
                text=True,
                check=False,
            )
        if output is not None:
            output.write_text(result.stdout + result.stderr, encoding="utf-8")
        return result


def admin_key(state: dict[str, Any]) -> str | None:
    """The admin API key of the stack's state file (None when it holds none)."""
    keys = state.get("keys")
    if isinstance(keys, dict) and isinstance(keys.get("admin"), str):
        return keys["admin"]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--state-file", type=Path, default=DEFAULT_STATE, help="state file of a running stack"
    )
    parser.add_argument("--start", action="store_true", help="always start a stack of our own (as make run)")
    parser.add_argument("--examples", type=int, default=FUZZ_EXAMPLES, help="examples per operation")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--phases", default="examples,coverage,fuzzing,stateful", help="schemathesis phases (comma-separated)"
    )
    # Anything else goes to schemathesis, e.g. `--include-path-regex '^/api/events'` to iterate on one
    # operation, or `--max-failures 1`.
    args, extra = parser.parse_known_args(argv)
    args.extra = extra
    state = None if args.start else _running_stack(args.state_file)
    if state is None:
        print("no running stack found: starting one with the demo data, as `make run` does", flush=True)
        return _with_own_stack(args)
    return _fuzz(state, args, log_dir(state, args.state_file))


def _running_stack(state_file: Path) -> dict[str, Any] | None:
    """The state of the `make run` stack, if it is up."""
    import urllib.request

    if not state_file.exists():
        return None
    state = json.loads(state_file.read_text())
    try:
        with urllib.request.urlopen(f"{state['api_url']}/api/openapi.json", timeout=5):  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
            return state
    except OSError:
        return None


def log_dir(state: dict[str, Any], state_file: Path) -> Path:
    """Where the stack writes its logs (`stack.log` and one file per function)."""
    return Path(state["logs"]) if state.get("logs") else state_file.with_name("logs")


def log_offsets(directory: Path) -> dict[Path, int]:
    return {log: log.stat().st_size for log in directory.glob("*.log")}


def new_tracebacks(directory: Path, offsets: dict[Path, int]) -> list[Path]:
    """The log files that got a traceback since `offsets` (files created since count from 0)."""
    found = []
    for log in sorted(directory.glob("*.log")):
        with log.open("rb") as handle:
            handle.seek(offsets.get(log, 0))
            if b"Traceback" in handle.read():
                found.append(log)
    return found


def _fuzz(state: dict[str, Any], args: argparse.Namespace, logs: Path) -> int:
    run = FuzzRun(
        api_url=state["api_url"],
        api_key=admin_key(state),
        examples=args.examples,
        seed=args.seed,
        workers=args.workers,
        phases=tuple(args.phases.split(",")),
        extra=list(args.extra),
    )
    print(f"fuzzing {run.api_url}: {args.examples} examples per operation, seed {args.seed}", flush=True)
    offsets = log_offsets(logs)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as workdir:  # schemathesis writes a cache in cwd
        stats_file = Path(workdir) / "calls.json"
        code = subprocess.call(run.command(), cwd=workdir, env=run.env(stats_file))  # noqa: S603 — an argv list of this project's own commands, no shell
        calls = read_calls(stats_file)
    summary = FuzzSummary(
        run=run,
        exit_code=code,
        seconds=time.monotonic() - started,
        calls=calls,
        tracebacks=new_tracebacks(logs, offsets),
    )
    print(summary.render(), flush=True)
    return summary.result_code()


def read_calls(stats_file: Path) -> dict[tuple[str, int], int]:
    """What `local.contract.fuzz_checks.after_call` counted: (operation, status) → requests."""
    if not stats_file.exists():
        return {}
    rows = json.loads(stats_file.read_text(encoding="utf-8"))
    return {(row["operation"], row["status"]): row["count"] for row in rows}


@dataclass
class FuzzSummary:
    """The few lines that say whether the contract held: schemathesis's verdict, the stack's logs,
    and how much was sent (so that "0 failures" cannot come from a run that tested nothing)."""

    run: FuzzRun
    exit_code: int
    seconds: float
    calls: dict[tuple[str, int], int]
    tracebacks: list[Path]

    def problems(self) -> list[str]:
        found = []
        if self.exit_code != 0:
            found.append(
                f"schemathesis reported failures or errors (exit code {self.exit_code}; details above)"
            )
        if self.tracebacks:
            found.append(f"the stack logged tracebacks: {', '.join(map(str, self.tracebacks))}")
        server_errors = sum(n for (_, status), n in self.calls.items() if status >= 500)
        if server_errors:
            found.append(f"{server_errors} responses were 5xx")
        if not self.calls:
            found.append("no request was sent")
        return found

    def result_code(self) -> int:
        return (self.exit_code or 1) if self.problems() else 0

    def render(self) -> str:
        per_operation: dict[str, dict[int, int]] = {}
        for (operation, status), count in self.calls.items():
            per_operation.setdefault(operation, {})[status] = count
        lines = ["", "== make fuzz summary " + "=" * 50]
        for operation in sorted(per_operation, key=lambda op: (op.split(" ", 1)[1], op)):
            statuses = per_operation[operation]
            detail = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
            lines.append(f"  {operation:<72} {sum(statuses.values()):>6}  [{detail}]")
        problems = self.problems()
        lines += [
            f"operations: {len(per_operation)}   requests: {sum(self.calls.values())}   "
            f"examples per operation: {self.run.examples}   phases: {','.join(self.run.phases)}   "
            f"seed: {self.run.seed}   duration: {self.seconds / 60:.1f} min",
            *(f"FAILED: {problem}" for problem in problems),
            "RESULT: " + ("FAILED" if problems else "PASSED (0 failures, no tracebacks, no 5xx)"),
        ]
        return "\n".join(lines)


def _with_own_stack(args: argparse.Namespace) -> int:
    from tests.integration.conftest import start_stack, stop_stack

    with tempfile.TemporaryDirectory(prefix="sitepulse-fuzz-") as workdir:
        # The demo data, as `make run` has it: reports then have polls to compute (and complete).
        stack = start_stack(Path(workdir))
        try:
            return _fuzz(stack.state, args, log_dir(stack.state, stack.state_file))
        finally:
            stop_stack(stack)


if __name__ == "__main__":
    sys.exit(main())
