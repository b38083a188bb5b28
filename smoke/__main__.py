"""Smoke suite: a short, safe check of a deployed (or local) Sitepulse stack.

    SMOKE_KEY=<api key> python -m smoke --url https://…execute-api…amazonaws.com
    make smoke URL=… KEY=…            (the same; KEY may also come from SMOKE_KEY)
    SMOKE_WRITES=1 make smoke …       also one idempotent write per domain and a report

The key is read from the environment only (never a command-line argument, which other users of
the machine can see). One PASS/FAIL/SKIP line per check, a summary, exit status 0 only when every
check that ran passed. Bounded: each request by --request-timeout, the whole run by --timeout.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import time
import urllib.parse
from collections.abc import Sequence
from typing import TextIO

from smoke.checks import CHECKS, Check, CheckFailedError
from smoke.client import BudgetExhaustedError, Deadline, SmokeClient

WRITES_ENV = "SMOKE_WRITES"
KEY_ENV = "SMOKE_KEY"


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m smoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SMOKE_URL", ""), help="the stack's API base URL")
    parser.add_argument(
        "--writes",
        action="store_true",
        default=os.environ.get(WRITES_ENV, "") in {"1", "true", "yes"},
        help=f"also write to the smoke resources (or {WRITES_ENV}=1)",
    )
    parser.add_argument("--request-timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds for the whole run")
    return parser.parse_args(argv)


def run(checks: Sequence[Check], client: SmokeClient, writes: bool, out: TextIO) -> tuple[int, int, int]:
    passed = failed = skipped = 0
    for check in checks:
        label = f"{check.group:<12} {check.name}"
        if check.writes and not writes:
            skipped += 1
            print(f"SKIP  {label} (writes need {WRITES_ENV}=1)", file=out, flush=True)
            continue
        began = time.monotonic()
        try:
            detail = check.run(client)
        except (CheckFailedError, BudgetExhaustedError, OSError, http.client.HTTPException) as error:
            # Refused connection, DNS, TLS, a timeout, a garbled answer: a failed check, not a crash.
            failed += 1
            print(f"FAIL  {label}: {error} ({time.monotonic() - began:.2f} s)", file=out, flush=True)
        else:
            passed += 1
            print(f"PASS  {label}: {detail} ({time.monotonic() - began:.2f} s)", file=out, flush=True)
    return passed, failed, skipped


def main(argv: Sequence[str], out: TextIO = sys.stdout) -> int:
    args = _parse(argv)
    key = os.environ.get(KEY_ENV, "")
    scheme = urllib.parse.urlsplit(args.url).scheme
    if scheme not in {"http", "https"} or not key:
        print(f"usage: {KEY_ENV}=<api key> python -m smoke --url <http(s)://…> (or make smoke URL=… KEY=…)",
              file=sys.stderr)  # fmt: skip
        return 2
    began = time.monotonic()
    client = SmokeClient(args.url, key, request_timeout=args.request_timeout, deadline=Deadline(args.timeout))
    print(f"smoke suite against {client.base_url} (writes {'on' if args.writes else 'off'})", file=out)
    passed, failed, skipped = run(CHECKS, client, args.writes, out)
    verdict = "PASSED" if failed == 0 else "FAILED"
    print(
        f"smoke {verdict}: {passed} passed, {failed} failed, {skipped} skipped "
        f"in {time.monotonic() - began:.1f} s",
        file=out,
    )
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
