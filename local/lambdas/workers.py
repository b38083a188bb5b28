"""Run the real Lambda handlers the way Lambda does: each function in its own workers.

A worker is one execution environment: a Python process running the official Lambda
Runtime Interface Client (`awslambdaric`) with the function's handler, polling its own
local Runtime API (`local.lambdas.runtime_api`). It sees only what Lambda would give it: the
template's variables (Globals + its own `Environment`), the variables Lambda sets
(region, credentials, `AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, `LAMBDA_TASK_ROOT`,
`AWS_LAMBDA_RUNTIME_API`, ...) and the few the emulation needs (`LOCAL_EMULATION_ENV`,
the AWS endpoint), its code directory as the task root and its layers' content on the
path as `/opt/python`. Its stdout and stderr go to its function's log.

Workers stay warm between invocations and serve one invocation at a time; a function has
at most `ReservedConcurrentExecutions` (else `DEFAULT_CONCURRENCY`) of them, further
invocations wait for a free one. A worker that outlives the function's `Timeout` is killed
(`Sandbox.Timedout`), one that dies mid-invocation yields `Runtime.ExitError`; either is
replaced by a fresh one at the next invocation.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.lambdas.credentials import SECRET_ACCESS_KEY, SESSION_TOKEN, access_key_id
from local.lambdas.logs import FunctionLog, FunctionLogs
from local.lambdas.runtime_api import Invocation, RuntimeApi
from local.template import REGION, Function, Stack

DEFAULT_CONCURRENCY = int(os.environ.get("SITEPULSE_FUNCTION_CONCURRENCY", "4"))
# Lambda gives a cold start 10 s of init before counting the timeout; a busy laptop needs more.
INIT_SECONDS = 60.0
# How long an invocation waits for a free worker before it is throttled.
THROTTLE_SECONDS = 300.0
# Lambda reclaims an execution environment left idle for some minutes; so do we (memory).
IDLE_SECONDS = 600.0
# What the emulation adds to a function's environment: no X-Ray daemon, no CloudWatch metrics, and
# alert webhooks may also be plain http to loopback (the demo's and the tests' receivers).
LOCAL_EMULATION_ENV = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "SITEPULSE_LOCAL_WEBHOOKS": "loopback",
}


class FunctionError(Exception):
    """The invocation failed (handler error, init error, timeout, crash): Lambda's Unhandled error."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


@dataclass(frozen=True)
class LocalAws:
    """How workers reach the emulated AWS."""

    endpoint: str
    region: str = REGION
    extra: dict[str, str] = field(default_factory=lambda: dict(LOCAL_EMULATION_ENV))


def function_environment(function: Function, aws: LocalAws) -> dict[str, str]:
    """Everything a worker of `function` sees, except `AWS_LAMBDA_RUNTIME_API` (one per worker)."""
    layer_path = [str(path) for path in function.layers]
    return {
        # Lambda's own variables
        "AWS_REGION": aws.region,
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_ACCESS_KEY_ID": access_key_id(function.logical_id),
        "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{function.logical_id}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "_HANDLER": function.handler,
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        # sys.path as in Lambda: the task root, then the layers' content (/opt/python)
        "PYTHONPATH": os.pathsep.join([str(function.code_dir), *layer_path]),
        # the emulation
        "AWS_ENDPOINT_URL": aws.endpoint,
        **aws.extra,
        # the template: Globals + the function's own Environment
        **function.environment,
    }


def _error(error_type: str, message: str) -> dict[str, Any]:
    return {"errorType": error_type, "errorMessage": message}


def _exit_reason(returncode: int) -> str:
    if returncode < 0:
        return f"signal: {(signal.strsignal(-returncode) or str(-returncode)).lower()}"
    return f"exit status {returncode}"


class Worker:
    """One execution environment of a function: an `awslambdaric` process and its Runtime API."""

    def __init__(self, function: Function, environment: dict[str, str], log: FunctionLog) -> None:
        self.function = function
        self._killed = False
        self.idle_since = time.monotonic()
        self.api = RuntimeApi()
        self.process = subprocess.Popen(  # noqa: S603 — an argv list of this project's own commands, no shell
            [sys.executable, "-u", "-m", "awslambdaric", function.handler],
            cwd=function.code_dir,
            env={**environment, "AWS_LAMBDA_RUNTIME_API": self.api.address},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Its own session: Ctrl-C in the terminal reaches the stack, which stops the workers.
            start_new_session=True,
        )
        assert self.process.stdout is not None and self.process.stderr is not None  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        log.pump(self.process.stdout, "stdout")
        log.pump(self.process.stderr, "stderr")
        threading.Thread(target=self._watch, daemon=True, name=f"watch-{self.process.pid}").start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return not self._killed and self.process.poll() is None

    def _watch(self) -> None:
        returncode = self.process.wait()
        invocation = self.api.current
        if invocation is not None and not invocation.done:
            message = f"RequestId: {invocation.request_id} Error: Runtime exited with error: "
            invocation.finish(
                "exit", json.dumps(_error("Runtime.ExitError", message + _exit_reason(returncode))).encode()
            )
        self.api.close()

    def invoke(self, event: Any) -> Any:
        timeout = float(self.function.timeout)
        invocation = Invocation(json.dumps(event).encode(), self.function.arn, timeout)
        self.api.submit(invocation)
        picked = self._wait_until_picked(invocation)
        if picked and not invocation.wait(timeout):
            message = f"RequestId: {invocation.request_id} Error: Task timed out after {timeout:.2f} seconds"
            if invocation.finish("timeout", json.dumps(_error("Sandbox.Timedout", message)).encode()):
                self.kill()
        if not invocation.done:  # never picked up: the worker did not come up in time
            timed_out = _error("Runtime.InitTimeout", f"init did not finish in {INIT_SECONDS:.0f} s")
            invocation.finish("init_timeout", json.dumps(timed_out).encode())
            self.kill()
        if invocation.outcome == "init_error":
            self.kill()  # the runtime exits after an init error; the next invocation starts afresh
        return _result(invocation)

    def _wait_until_picked(self, invocation: Invocation) -> bool:
        deadline = time.monotonic() + INIT_SECONDS
        while time.monotonic() < deadline:
            if invocation.picked.wait(0.05):
                return True
            if invocation.done:  # an init error
                return False
            if not self.alive:
                # Died before taking it (killed while idle, or a crash while loading the handler).
                invocation.wait(0.5)  # let an init error report, if any, arrive first
                message = f"Runtime exited with error: {_exit_reason(self.process.returncode)}"
                invocation.finish("exit", json.dumps(_error("Runtime.ExitError", message)).encode())
                return False
        return False

    def kill(self) -> None:
        self._killed = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()

    def close(self, wait: float = 2.0) -> None:
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(wait)
        self.api.close()


def _result(invocation: Invocation) -> Any:
    if invocation.outcome == "response":
        return json.loads(invocation.payload) if invocation.payload else None
    try:
        payload = json.loads(invocation.payload)
    except ValueError:
        text = invocation.payload.decode(errors="replace")
        payload = _error(invocation.error_type or "Runtime.Unknown", text)
    if not isinstance(payload, dict):
        payload = _error(invocation.error_type or "Runtime.Unknown", str(payload))
    payload.setdefault("errorMessage", "")
    payload.setdefault("errorType", invocation.error_type or "Runtime.Unknown")
    raise FunctionError(payload)


class FunctionWorkers:
    """The warm workers of one function, at most `concurrency` of them, one invocation each."""

    def __init__(
        self,
        function: Function,
        environment: dict[str, str],
        log: FunctionLog,
        concurrency: int,
        stopping: threading.Event,
    ) -> None:
        self.function = function
        self.concurrency = concurrency
        self._environment = environment
        self._log = log
        self._slots = threading.BoundedSemaphore(concurrency)
        self._idle: list[Worker] = []
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._stopping = stopping

    def pids(self) -> list[int]:
        with self._lock:
            return [worker.pid for worker in self._workers if worker.alive]

    def _acquire_slot(self) -> None:
        deadline = time.monotonic() + THROTTLE_SECONDS
        while not self._slots.acquire(timeout=0.2):
            if self._stopping.is_set():
                raise FunctionError(_error("Runtime.Stopped", "the local stack is stopping"))
            if time.monotonic() > deadline:
                raise FunctionError(_error("TooManyRequestsException", "Rate Exceeded."))

    def _take(self) -> Worker:
        with self._lock:
            if self._stopping.is_set():
                raise FunctionError(_error("Runtime.Stopped", "the local stack is stopping"))
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                self._forget(worker)
            worker = Worker(self.function, self._environment, self._log)
            self._workers.append(worker)
            return worker

    def _forget(self, worker: Worker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        threading.Thread(target=worker.close, daemon=True).start()

    def invoke(self, event: Any) -> Any:
        self._acquire_slot()
        try:
            worker = self._take()
            try:
                return worker.invoke(event)
            finally:
                with self._lock:
                    if worker.alive and not self._stopping.is_set():
                        worker.idle_since = time.monotonic()
                        self._idle.append(worker)
                    else:
                        self._forget(worker)
        finally:
            self._slots.release()

    def reap(self, idle_seconds: float) -> None:
        """Close the workers idle for longer than `idle_seconds`."""
        cutoff = time.monotonic() - idle_seconds
        with self._lock:
            stale = [worker for worker in self._idle if worker.idle_since < cutoff]
            self._idle = [worker for worker in self._idle if worker not in stale]
            for worker in stale:
                self._forget(worker)

    def stop(self) -> list[Worker]:
        with self._lock:
            workers, self._workers, self._idle = self._workers, [], []
        for worker in workers:
            worker.kill()
        return workers


class FunctionRuntime:
    """Every function of the stack in its own workers, invocable by logical id, name or ARN."""

    def __init__(
        self,
        stack: Stack,
        aws: LocalAws,
        logs: FunctionLogs,
        concurrency: Callable[[Function], int] | None = None,
    ) -> None:
        self.stack = stack
        self.logs = logs
        self._stopping = threading.Event()
        limit = concurrency or (lambda f: f.reserved_concurrency or DEFAULT_CONCURRENCY)
        self.functions = {
            logical_id: FunctionWorkers(
                function,
                function_environment(function, aws),
                logs.log(logical_id, function.name),
                max(1, limit(function)),
                self._stopping,
            )
            for logical_id, function in stack.functions.items()
        }
        threading.Thread(target=self._reap, daemon=True, name="reap-idle-workers").start()

    def _reap(self) -> None:
        while not self._stopping.wait(min(60.0, IDLE_SECONDS / 4)):
            for workers in self.functions.values():
                workers.reap(IDLE_SECONDS)

    def _workers(self, name_or_arn: str) -> FunctionWorkers:
        function = self.stack.function_by_name(name_or_arn)
        if function is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        return self.functions[function.logical_id]

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        return self._workers(name_or_arn).invoke(event)

    def worker_pids(self, name_or_arn: str) -> list[int]:
        """The live worker processes of a function (for chaos tests: SIGKILL one)."""
        return self._workers(name_or_arn).pids()

    def stop(self, wait: float = 3.0) -> None:
        """Kill every worker, busy or not; invocations in flight fail with `Runtime.ExitError`."""
        self._stopping.set()
        workers = [w for function in self.functions.values() for w in function.stop()]
        deadline = time.monotonic() + wait
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            worker.api.close()
        self.logs.close()
