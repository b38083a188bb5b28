"""`make load`: locust, headless, against a running local stack (or one it starts).

    python -m bench.load [--time 2m] [--users 20] [--state-file .sitepulse/local.json]

Uses the stack described by the state file when its API answers; otherwise starts
`python -m local` (demo data, so reports have stores) on a free port and stops it afterwards.
SITEPULSE_FAULTS in the environment applies to a stack started here. Exit status 0 only if
every aggregate matched what was sent and every report left Running.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def _answers(state_file: Path) -> str | None:
    try:
        api = json.loads(state_file.read_text(encoding="utf-8"))["api_url"]
        with urllib.request.urlopen(f"{api}/api/openapi.json", timeout=5):  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
            return api
    except (OSError, ValueError, KeyError, urllib.error.URLError):
        return None


def _start_stack(state_file: Path) -> subprocess.Popen[bytes]:
    log = (state_file.parent / "load-stack.log").open("wb")
    command = [sys.executable, "-m", "local", "--port", "0", "--state-file", str(state_file)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 — an argv list of this project's own commands, no shell
    deadline = time.monotonic() + 600
    while _answers(state_file) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the local stack did not start; see {log.name}")
        time.sleep(1)
    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--time", default=os.environ.get("LOAD_TIME", "2m"), help="run time (locust syntax)")
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", "20")))
    parser.add_argument("--state-file", type=Path, default=ROOT / ".sitepulse" / "local.json")
    parser.add_argument("--seed", default=os.environ.get("LOAD_SEED", "7"))
    args = parser.parse_args(argv)

    stack = None
    state_file = args.state_file
    api = _answers(state_file)
    if api is None:
        state_file = Path(tempfile.mkdtemp(prefix="sitepulse-load-")) / "local.json"
        print(f"no running stack at {args.state_file}: starting one ({state_file})", file=sys.stderr)
        stack = _start_stack(state_file)
        api = _answers(state_file)
    try:
        env = {**os.environ, "LOAD_STATE_FILE": str(state_file), "LOAD_SEED": str(args.seed)}
        command = [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "-u", str(args.users), "-r", str(args.users), "-t", args.time, "--host", str(api),
            "--only-summary", "--stop-timeout", "30", "--loglevel", "WARNING",
        ]  # fmt: skip
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603 — an argv list of this project's own commands, no shell
    finally:
        if stack is not None:
            stack.send_signal(signal.SIGINT)
            try:
                stack.wait(timeout=60)
            except subprocess.TimeoutExpired:
                stack.kill()


if __name__ == "__main__":
    sys.exit(main())
