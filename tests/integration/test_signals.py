"""The local stack's signals, as the kernel really delivers them: a process-directed SIGINT
may be handed to any thread that does not block it, not only the main one (seen in CI: a
Ctrl-C under load ignored for 30 s). Whichever thread gets it, the stack stops within
seconds; SIGUSR1 writes every thread's stack to logs/stack.log and the stack carries on."""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import RunningStack, start_stack
from tests.integration.http_client import ApiClient


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RunningStack]:
    running = start_stack(tmp_path, "--no-demo", "--no-schedules")
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def _thread_ids(pid: int) -> list[int]:
    return sorted(int(task.name) for task in Path(f"/proc/{pid}/task").iterdir())


def _signal_thread(pid: int, tid: int, signum: int) -> None:
    """tgkill(2): one thread of another process, which os.kill and signal.pthread_kill cannot do."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.tgkill(pid, tid, signum) != 0:
        raise OSError(ctypes.get_errno(), f"tgkill({pid}, {tid}, {signum})")


def _thread_dump(log: Path) -> str:
    """What faulthandler has written to the log so far (from its first thread header on)."""
    text = log.read_text(errors="replace")
    start = text.find("(most recent call first):")
    return "" if start < 0 else text[start:]


def test_ctrl_c_delivered_to_a_thread_other_than_the_main_one_stops_the_stack(stack: RunningStack) -> None:
    api = ApiClient(stack.api_url, stack.state["keys"]["admin"])
    assert api.get("/api/v1/buildings/b1/rooms").status == 404  # served (an empty stack): threads started
    pid = stack.process.pid
    others = [tid for tid in _thread_ids(pid) if tid != pid]
    assert others, "the stack serves from threads besides the main one"
    started = time.monotonic()
    _signal_thread(pid, others[-1], signal.SIGINT)
    assert stack.process.wait(timeout=30) == 0
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    assert not stack.state_file.exists()


def test_sigusr1_writes_every_threads_stack_and_the_stack_carries_on(stack: RunningStack) -> None:
    log = stack.state_file.with_name("logs") / "stack.log"
    os.kill(stack.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    # The dump is written thread after thread; the main one, where it waits, comes in the end.
    while "local/__main__.py" not in (dump := _thread_dump(log)):
        assert time.monotonic() < deadline, f"no dump of the main thread in logs/stack.log: {dump[-2000:]}"
        time.sleep(0.1)
    api = ApiClient(stack.api_url, stack.state["keys"]["admin"])
    assert api.get("/api/v1/buildings/b1/rooms").status == 404  # still served
    assert stack.process.poll() is None
