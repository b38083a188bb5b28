"""local/lambdas/workers.py: each function in its own awslambdaric workers, like Lambda.

The functions here are small handlers written into a temporary project, so that each
Lambda behaviour (environment, layer path, module state, concurrency, timeout, crash,
stop, logs) is pinned without AWS."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from local.lambdas.logs import FunctionLogs
from local.lambdas.workers import FunctionError, FunctionRuntime, LocalAws, function_environment
from local.template import Function, Stack

HANDLER = """
import os, sys, time, warnings
import shared_lib  # from the layer

state = {}


def handler(event, context):
    if event.get("print"):
        print(event["print"])  # plain text on stdout
        warnings.warn("a warning on stderr")
    state["id"] = event.get("id")
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise ValueError(event["fail"])
    return {
        "id": state["id"],
        "env": dict(os.environ),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "layer": shared_lib.NAME,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""

BROKEN = """
import os
TABLE = os.environ["MISSING_TABLE"]  # fails while the module loads, as a missing template variable does


def handler(event, context):
    return TABLE
"""


@pytest.fixture
def project(tmp_path: Path) -> Stack:
    layer = tmp_path / "layers"
    layer.mkdir()
    (layer / "shared_lib.py").write_text("NAME = 'from the layer'\n")
    functions: dict[str, Function] = {}
    for logical_id, source, timeout, reserved in (
        ("EchoFunction", HANDLER, 3, None),
        ("OtherFunction", HANDLER, 3, 2),
        ("BrokenFunction", BROKEN, 3, None),
    ):
        code = tmp_path / "functions" / logical_id
        code.mkdir(parents=True)
        (code / "app.py").write_text(source)
        functions[logical_id] = Function(
            logical_id=logical_id,
            name=f"test-{logical_id}",
            code_dir=code,
            handler="app.handler",
            environment={"STAGE": "dev", f"{logical_id.upper()}_ONLY": "yes"},
            timeout=timeout,
            memory=256,
            layers=[layer],
            reserved_concurrency=reserved,
        )
    return Stack(tmp_path, functions, {}, {}, {}, [], [])


@pytest.fixture
def runtime(project: Stack, tmp_path: Path) -> Iterator[FunctionRuntime]:
    runtime = FunctionRuntime(
        project,
        LocalAws("http://127.0.0.1:9"),
        FunctionLogs(tmp_path / "logs"),
        lambda f: f.reserved_concurrency or 4,
    )
    yield runtime
    runtime.stop()


def concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    def run(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except FunctionError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_a_worker_sees_only_its_template_environment_and_what_lambda_sets(
    runtime: FunctionRuntime, project: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACK_PROCESS_SECRET", "must not leak")
    result = runtime.invoke("EchoFunction", {"id": 1})
    env = result["env"]
    expected = function_environment(project.functions["EchoFunction"], LocalAws("http://127.0.0.1:9"))
    # Added by the runtime itself: the trace id per invocation (Lambda too), Python's locale coercion.
    added = set(env) - set(expected) - {"AWS_LAMBDA_RUNTIME_API", "_X_AMZN_TRACE_ID", "LC_CTYPE"}
    assert added == set()
    assert {key: env[key] for key in expected} == expected
    assert "STACK_PROCESS_SECRET" not in env and "OTHERFUNCTION_ONLY" not in env
    assert env["ECHOFUNCTION_ONLY"] == "yes" and env["AWS_LAMBDA_FUNCTION_NAME"] == "test-EchoFunction"
    assert env["_HANDLER"] == "app.handler" and env["LAMBDA_TASK_ROOT"] == result["cwd"]
    assert result["layer"] == "from the layer" and result["function_name"] == "test-EchoFunction"
    assert 0 < result["remaining_ms"] <= 3000
    other = runtime.invoke("OtherFunction", {"id": 2})["env"]
    assert other["AWS_ACCESS_KEY_ID"] != env["AWS_ACCESS_KEY_ID"]  # each function its own identity
    assert "ECHOFUNCTION_ONLY" not in other


def test_warm_workers_are_reused_and_one_invocation_runs_per_worker(runtime: FunctionRuntime) -> None:
    first = runtime.invoke("EchoFunction", {"id": "a"})
    second = runtime.invoke("EchoFunction", {"id": "b"})
    assert first["pid"] == second["pid"] != os.getpid()
    # Module state is per worker: four requests at once, each sleeping after setting the global,
    # each sees its own id (one process shared by all would hand back the last one).
    results = concurrently(
        [lambda i=i: runtime.invoke("EchoFunction", {"id": i, "sleep": 0.5}) for i in range(4)]
    )
    assert [r["id"] for r in results] == [0, 1, 2, 3]
    assert len({r["pid"] for r in results}) == 4
    assert len(runtime.worker_pids("EchoFunction")) == 4


def test_concurrency_is_bounded_by_reserved_concurrency(runtime: FunctionRuntime) -> None:
    started = time.monotonic()
    results = concurrently(
        [lambda i=i: runtime.invoke("OtherFunction", {"id": i, "sleep": 0.6}) for i in range(5)]
    )
    assert [r["id"] for r in results] == [0, 1, 2, 3, 4]
    assert len({r["pid"] for r in results}) <= 2 and len(runtime.worker_pids("OtherFunction")) <= 2
    assert time.monotonic() - started >= 1.8  # 5 invocations, 2 at a time: at least 3 rounds


def test_a_handler_error_is_lambdas_unhandled_error_and_the_worker_stays(runtime: FunctionRuntime) -> None:
    pid = runtime.invoke("EchoFunction", {})["pid"]
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("EchoFunction", {"fail": "boom"})
    assert raised.value.payload["errorType"] == "ValueError"
    assert raised.value.payload["errorMessage"] == "boom"
    assert runtime.invoke("EchoFunction", {})["pid"] == pid


def test_a_module_that_cannot_load_fails_every_invocation_with_its_init_error(
    runtime: FunctionRuntime,
) -> None:
    for _ in range(2):
        with pytest.raises(FunctionError) as raised:
            runtime.invoke("BrokenFunction", {})
        assert raised.value.payload["errorType"] == "KeyError"
        assert "MISSING_TABLE" in raised.value.payload["errorMessage"]
    assert runtime.invoke("EchoFunction", {"id": 1})["id"] == 1  # the others are unaffected


def test_a_worker_past_its_timeout_is_killed_and_replaced(runtime: FunctionRuntime) -> None:
    pid = runtime.invoke("EchoFunction", {})["pid"]
    started = time.monotonic()
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("EchoFunction", {"sleep": 30})
    assert 2.9 < time.monotonic() - started < 10
    assert raised.value.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 3.00 seconds" in raised.value.payload["errorMessage"]
    assert pid not in runtime.worker_pids("EchoFunction")
    assert runtime.invoke("EchoFunction", {"id": 2})["pid"] != pid


def test_a_worker_killed_mid_invocation_is_an_exit_error_then_replaced(runtime: FunctionRuntime) -> None:
    pid = runtime.invoke("EchoFunction", {})["pid"]
    assert runtime.worker_pids("EchoFunction") == [pid]
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("EchoFunction", {"sleep": 2})
    assert raised.value.payload["errorType"] == "Runtime.ExitError"
    assert "signal: killed" in raised.value.payload["errorMessage"]
    replacement = runtime.invoke("EchoFunction", {"id": 3})
    assert replacement["id"] == 3 and replacement["pid"] != pid


def test_a_worker_killed_while_idle_is_replaced(runtime: FunctionRuntime) -> None:
    pid = runtime.invoke("EchoFunction", {})["pid"]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert runtime.invoke("EchoFunction", {"id": 4})["pid"] != pid


def test_stop_ends_busy_workers_within_seconds(project: Stack, tmp_path: Path) -> None:
    for function in project.functions.values():
        function.timeout = 60
    runtime = FunctionRuntime(project, LocalAws("http://127.0.0.1:9"), FunctionLogs(tmp_path / "logs"))
    outcomes: list[Any] = []

    def call(i: int) -> None:
        try:
            outcomes.append(runtime.invoke("EchoFunction", {"id": i, "sleep": 50}))
        except FunctionError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(runtime.worker_pids("EchoFunction")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = runtime.worker_pids("EchoFunction")
    time.sleep(1)  # all three inside the handler
    started = time.monotonic()
    runtime.stop()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - started < 5
    assert len(outcomes) == 3 and all(isinstance(o, FunctionError) for o in outcomes)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(FunctionError):
        runtime.invoke("EchoFunction", {})


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_log_line_names_its_function_also_under_concurrency(
    runtime: FunctionRuntime, tmp_path: Path
) -> None:
    calls = [
        lambda i=i, fid=fid: runtime.invoke(fid, {"id": i, "print": f"text line {fid} {i}"})
        for i in range(6)
        for fid in ("EchoFunction", "OtherFunction")
    ]
    concurrently([*calls, lambda: runtime.invoke("EchoFunction", {"fail": "a traceback"})])
    runtime.stop()
    for fid in ("EchoFunction", "OtherFunction"):
        records = read_log(tmp_path / "logs" / f"{fid}.log")
        assert records, fid
        assert {r["function_name"] for r in records} == {f"test-{fid}"}
        messages = "\n".join(r["message"] for r in records)
        assert all(f"text line {fid} {i}" in messages for i in range(6))
        other = "OtherFunction" if fid == "EchoFunction" else "EchoFunction"
        assert f"text line {other}" not in messages
        assert any(r["stream"] == "stderr" and "a warning on stderr" in r["message"] for r in records)
    echo = read_log(tmp_path / "logs" / "EchoFunction.log")
    assert any(r["level"] == "ERROR" and "a traceback" in r["message"] for r in echo)


def test_workers_idle_for_too_long_are_reclaimed(runtime: FunctionRuntime) -> None:
    busy = runtime.invoke("EchoFunction", {})["pid"]
    runtime.functions["EchoFunction"].reap(60)  # used just now: kept
    assert runtime.worker_pids("EchoFunction") == [busy]
    runtime.functions["EchoFunction"].reap(0)
    assert runtime.worker_pids("EchoFunction") == []
    assert runtime.invoke("EchoFunction", {})["pid"] != busy
