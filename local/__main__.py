"""`python -m local` — start the Sitepulse local stack (what `make run` does).

The terminal shows only the stack's own lines: start-up progress, the banner, then one
line per request and per scheduled run. Everything else written to this process's stdout
and stderr (the functions' JSON logs, metrics, warnings, tracebacks, moto) goes to
`<state dir>/logs/stack.log`.

Ctrl-C (SIGINT) or SIGTERM stops the stack within a few seconds, whatever is running:
reports, ingestion, or the start-up itself. A second Ctrl-C exits at once. SIGUSR1 writes
every thread's stack to `logs/stack.log` (what is it doing?) and the stack carries on.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import TextIO

from local.aws.fault_spec import ENV_VAR, FaultSpecError, faults_from_env
from local.stack import ROOT, LocalStack
from local.template import load_stack

STOP_SECONDS = 6.0  # the clean shutdown's budget; then the process exits regardless
# The main thread never blocks longer than this: a signal's Python handler runs only when
# the main thread executes bytecode, and a signal the kernel hands to another thread does
# not wake a main thread asleep on a lock (seen in CI: Ctrl-C under load ignored for 30 s).
POLL_SECONDS = 0.2


class Terminal:
    """The stack's own lines, on the real terminal; the rest of the process output diverted."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    @classmethod
    def divert(cls, log_file: Path) -> Terminal:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        terminal = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
        # At the file-descriptor level, so that output from C code and from anything that
        # captured sys.stdout before (Powertools loggers, warnings) is diverted too.
        log_fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
        for stream in (sys.stdout, sys.stderr):  # so that `tail -f` the log follows as it happens
            with contextlib.suppress(AttributeError, ValueError):
                stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        return cls(terminal)

    def line(self, text: str) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self._stream.write(text + "\n")
            self._stream.flush()

    def line_now(self, text: str) -> None:
        """Without the lock, for a signal handler: the thread it interrupted may hold it."""
        with contextlib.suppress(OSError, ValueError):
            os.write(self._stream.fileno(), (text + "\n").encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument(
        "--state-file",
        type=Path,
        default=ROOT / ".sitepulse" / "local.json",
        help="written once ready (with `env` and `logs/` beside it); removed on stop",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="start empty, without demo data (make run DEMO=0)"
    )
    parser.add_argument("--no-schedules", action="store_true", help="do not run scheduled functions")
    parser.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="template parameters instead of their defaults, as `sam deploy` takes them "
        "(e.g. ThrottlingRateLimit=5 ThrottlingBurstLimit=10 to see 429s)",
    )
    parser.add_argument(
        "--no-divert",
        action="store_true",
        help="leave this process's other output (moto, warnings, tracebacks, each scheduled run's result) "
        "on the terminal instead of logs/stack.log (debugging); the functions' logs stay in "
        "logs/<LogicalId>.log either way",
    )
    args = parser.parse_args(argv)
    try:
        faults = faults_from_env()
    except FaultSpecError as error:
        parser.error(f"{ENV_VAR}: {error}")
    parameters = _parameter_overrides(parser, args.template, args.parameter_overrides)

    log_file = args.state_file.with_name("logs") / "stack.log"
    terminal = Terminal(sys.stderr) if args.no_divert else Terminal.divert(log_file)

    started = threading.Event()  # the start-up ended, well or not
    signals: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        # Takes no lock (no Event.set, no terminal.line): the handler runs between two
        # bytecodes of the main thread, which may be holding that very lock. The main
        # thread polls `signals` instead.
        if signals:
            terminal.line_now("stopping now")
            os._exit(130)
        signals.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)

    stack = LocalStack(
        template=args.template,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        demo=not args.no_demo,
        schedules=not args.no_schedules,
        faults=faults,
        parameters=parameters,
        log=terminal.line,
    )
    failure: list[BaseException] = []

    def boot() -> None:
        try:
            stack.start()
        except BaseException as error:  # reported below, by the main thread
            failure.append(error)
        finally:
            started.set()

    terminal.line(f"Sitepulse local stack starting (logs: {log_file})")
    # Start-up runs in a thread so that Ctrl-C is served at once, even mid-ingestion.
    threading.Thread(target=boot, daemon=True, name="start-up").start()
    while not signals and not started.wait(POLL_SECONDS):
        pass
    code = 0
    if not signals and failure:
        error = failure[0]
        terminal.line("".join(traceback.format_exception(error)).rstrip())
        terminal.line(f"the stack failed to start: {error} (see {log_file})")
        code = 1
    elif not signals:
        terminal.line(stack.banner())
        while not signals:
            time.sleep(POLL_SECONDS)
    terminal.line("stopping...")
    _stop_within(stack, STOP_SECONDS)
    _exit(code)
    return code


def _parameter_overrides(parser: argparse.ArgumentParser, template: Path, items: list[str]) -> dict[str, str]:
    if any(not item.partition("=")[0] or "=" not in item for item in items):
        parser.error("--parameter-overrides takes NAME=VALUE pairs")
    parameters = dict(item.split("=", 1) for item in items)
    try:
        load_stack(template, parameters)  # an unknown name is a usage error, before anything starts
    except (OSError, ValueError) as error:
        parser.error(str(error))
    return parameters


def _stop_within(stack: LocalStack, seconds: float) -> None:
    """Stop cleanly if that takes less than `seconds`; requests, reports and ingestion still
    running in other threads are abandoned (as when a Lambda environment is shut down)."""
    stopper = threading.Thread(target=stack.stop, daemon=True, name="stop")
    stopper.start()
    deadline = time.monotonic() + seconds
    while stopper.is_alive() and time.monotonic() < deadline:
        stopper.join(POLL_SECONDS)  # in steps, so that a second Ctrl-C is served at once


def _exit(code: int) -> None:
    # os._exit: Python's exit would wait for every non-daemon thread (thread pools of
    # in-flight reports and ingestion), which is what once made Ctrl-C take minutes.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
