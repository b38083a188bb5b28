"""The whole local stack: moto in server mode for AWS, resources from the template,
the real handlers behind an API Gateway-like HTTP front, schedules, demo data."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.aws import moto_fast_reads, moto_safe_writes
from local.aws.fault_spec import FaultSpec, faults_from_env
from local.aws.faults import FaultInjector, FaultyAws, FaultyRuntime
from local.aws.moto_server import LocalMotoServer
from local.aws.provision import provision
from local.aws.recorded_actions import ActionRecorder
from local.aws.scheduler import Scheduler
from local.front.authorizer import LocalAuthorizer
from local.front.gateway import Authorize, GatewayServer, Router
from local.front.throttle import RouteThrottle
from local.lambdas import moto_bridge
from local.lambdas.credentials import identities
from local.lambdas.event_sources import EventSources
from local.lambdas.logs import FunctionLogs
from local.lambdas.workers import FunctionRuntime, LocalAws
from local.ready import ReadyStack, banner, env_text, state_document, write_atomically
from local.template import REGION, Stack, load_stack

ROOT = Path(__file__).resolve().parent.parent
ACTIONS_FILE = "aws-actions.jsonl"
MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}


def aws_environment(endpoint: str, moto_port: int) -> dict[str, str]:
    """The stack process's own view of the emulated AWS (functions get theirs: `local.lambdas.workers`)."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        # moto's Step Functions interpreter calls Lambda on this port.
        "MOTO_PORT": str(moto_port),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
    }


@dataclass
class LocalStack:
    template: Path = ROOT / "template.yaml"
    host: str = "127.0.0.1"
    port: int = 3000
    state_file: Path = ROOT / ".sitepulse" / "local.json"  # `env` and `logs/` go beside it
    demo: bool = True
    schedules: bool = True
    log: Callable[[str], None] = print  # the terminal: progress, then one line per request / scheduled run
    details: Callable[[str], None] | None = None  # where long outputs go (scheduled runs' results)
    authorize: Authorize | None = None  # the gateway's authorizer hook (see local/front/gateway.py)
    demo_keys: dict[str, str] = field(default_factory=dict)  # name -> secret, shown in the banner and env
    faults: FaultSpec | None = field(default_factory=faults_from_env)  # SITEPULSE_FAULTS, off by default
    parameters: dict[str, str] = field(default_factory=dict)  # template parameter overrides
    stack: Stack | None = None
    api_url: str = ""
    endpoint: str = ""
    ready: ReadyStack | None = None
    _moto: LocalMotoServer | None = None
    _gateway: GatewayServer | None = None
    _scheduler: Scheduler | None = None
    event_sources: EventSources | None = None
    receiver: Any = None  # the demo's webhook receiver (local.demo.webhook_receiver)
    _injector: FaultInjector | None = None
    runtime: FunctionRuntime | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closing: bool = False

    def start(self) -> LocalStack:
        """Start everything; returns once the stack is ready: demo data loaded, each schedule run
        once. Only then are the state file and the env file written (scripts wait for them)."""
        started = time.monotonic()
        self._discard_stale_state()
        self.stack = load_stack(self.template, self.parameters)
        moto_fast_reads.install()  # DynamoDB queries read one partition, item reads encode as plain JSON
        moto_safe_writes.install()  # transactions roll back per item instead of copying whole tables
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log drowns the handlers' logs
        state_dir = self.state_file.parent
        injector = self._injector = FaultInjector(self.faults) if self.faults else None
        keys = identities(list(self.stack.functions))
        self._moto = LocalMotoServer(
            ip_address="127.0.0.1",
            port=0,
            verbose=False,
            # Every AWS action each function's identity performs, for the least-privilege check.
            middleware=lambda app: _with_faults(
                ActionRecorder(app, state_dir / ACTIONS_FILE, keys), injector
            ),
        )
        self._moto.start()
        _, moto_port = self._moto.get_host_and_port()
        self.endpoint = f"http://127.0.0.1:{moto_port}"
        os.environ.update(aws_environment(self.endpoint, moto_port))
        _post_json(f"{self.endpoint}/moto-api/config", MOTO_CONFIG)

        provision(self.stack, boto3.Session())
        # Each function in its own workers, with only its own environment; logs in files.
        runtime = FunctionRuntime(self.stack, LocalAws(self.endpoint), FunctionLogs(state_dir / "logs"))
        self.runtime = runtime
        # Lambda invocations (state machine tasks, schedules) may crash; API Gateway's own path does not.
        invoker = FaultyRuntime(runtime, injector) if injector else runtime
        moto_bridge.install(invoker)
        if self.stack.event_sources:  # streams and queues feed their functions from now on
            self.event_sources = EventSources(self.stack, invoker.invoke, boto3.Session(), self.log)
            self.event_sources.start()
        if not self.demo_keys:
            self._create_demo_keys()
        if self.authorize is None:  # the template's Lambda authorizer, as API Gateway runs it
            self.authorize = LocalAuthorizer(self.stack, runtime, log=self.log)

        # No access log yet: the demo loaders' requests would flood the terminal.
        self._gateway = GatewayServer(
            (self.host, self.port),
            Router(self.stack.routes),
            runtime,
            cors=self.stack.cors,
            authorize=self.authorize,
        )
        host, port = self._gateway.server_address[:2]
        self.api_url = f"http://{host}:{port}"
        thread = threading.Thread(target=self._gateway.serve_forever, daemon=True, name="gateway")
        thread.start()
        self._threads.append(thread)

        demo_lines: list[str] = []
        if self.demo:
            from local.demo.loader import Demo, load_demo_data
            from local.demo.webhook_receiver import WebhookReceiver

            self.log("loading demo data...")
            admin = self.demo_keys.get("admin")
            headers = {"Authorization": f"Bearer {admin}"} if admin else {}
            # Where the demo's alert rules notify: each delivery is one line on the terminal.
            self.receiver = WebhookReceiver(
                self.host if self.host.startswith("127.") else "127.0.0.1", 0, self.log
            )
            self.receiver.start()
            demo_lines = load_demo_data(Demo(self.api_url, self.stack, headers, self.receiver), self.log)
        if injector:  # deployed and seeded: from now on AWS misbehaves
            injector.arm()
            self.log(f"faults: {injector.spec.describe()}")
        schedule_lines: list[str] = []
        if self.schedules and self.stack.schedules:
            self._scheduler = Scheduler(self.stack.schedules, invoker, self.log, self.details)
            names = ", ".join(s.function for s in self.stack.schedules)
            self.log(f"running the schedules once before ready ({names})...")
            schedule_lines = self._scheduler.run_startup()

        self.ready = ReadyStack(
            api_url=self.api_url,
            endpoint=self.endpoint,
            state_file=self.state_file,
            startup_seconds=time.monotonic() - started,
            resources=self._resources(),
            demo_lines=demo_lines,
            schedule_lines=schedule_lines,
            demo_keys=dict(self.demo_keys),
        )
        # From now on, as API Gateway: 429 over the route limits (the demo loaders were not held back).
        self._gateway.throttle = RouteThrottle(self.stack.throttle) if self.stack.throttle else None
        self._publish(self.ready)
        self._gateway.access_log = self.log
        if self._scheduler:
            self._scheduler.start()  # next runs one period from now
        return self

    def _create_demo_keys(self) -> None:
        """admin, reader and device keys, straight in ApiKeysTable (as `make key` does)."""
        assert self.stack is not None  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        table = self.stack.tables.get("ApiKeysTable")
        if table is None:
            return
        from local.demo.keys import create_demo_keys

        self.demo_keys = create_demo_keys(boto3.Session(), table.name)

    def banner(self) -> str:
        assert self.ready is not None, "start() first"  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        return banner(self.ready)

    @property
    def env_file(self) -> Path:
        return self.state_file.with_name("env")

    def _resources(self) -> dict[str, dict[str, str]]:
        assert self.stack is not None  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
        return {
            "tables": {t.logical_id: t.name for t in self.stack.tables.values()},
            "buckets": {b.logical_id: b.name for b in self.stack.buckets.values()},
            "state_machines": {
                m.logical_id: f"arn:aws:states:{REGION}:123456789012:stateMachine:{m.name}"
                for m in self.stack.state_machines.values()
            },
            "functions": {f.logical_id: f.name for f in self.stack.functions.values()},
        }

    def _publish(self, ready: ReadyStack) -> None:
        with self._lock:
            if self._closing:  # stopped while starting: announce nothing
                return
            # env first: a script that waits for local.json then sources env finds it.
            write_atomically(self.env_file, env_text(ready))
            write_atomically(self.state_file, json.dumps(state_document(ready), indent=2))

    def _discard_stale_state(self) -> None:
        """Files left by a stack that died without cleaning up must not look ready."""
        if not self.state_file.exists():
            return
        try:
            pid = int(json.loads(self.state_file.read_text(encoding="utf-8")).get("pid", 0))
        except (OSError, ValueError):
            pid = 0
        if pid and pid != os.getpid() and _alive(pid):
            self.log(
                f"warning: {self.state_file} belongs to a running stack (pid {pid}); it will be replaced"
            )
            return
        for path in (self.state_file, self.env_file):
            path.unlink(missing_ok=True)

    def _remove_state_files(self) -> None:
        if not self.state_file.exists():
            return
        try:
            ours = json.loads(self.state_file.read_text(encoding="utf-8")).get("pid") == os.getpid()
        except (OSError, ValueError):
            return
        if ours:
            self.state_file.unlink(missing_ok=True)
            self.env_file.unlink(missing_ok=True)

    def stop(self) -> None:
        """Stop serving; safe to call while `start` is still running (Ctrl-C during start-up)."""
        with self._lock:
            self._closing = True
            self._remove_state_files()  # first: scripts must not find a stack that is going away
        if self._injector:
            self.log(f"faults injected: {self._injector.injected}")
        if self._scheduler:
            self._scheduler.stop()
        if self.event_sources:
            self.event_sources.stop()
        if self.receiver:
            self.receiver.stop()
        if self.runtime:
            self.runtime.stop()  # before the gateway: its requests in flight end at once
        if self._gateway:
            self._gateway.access_log = None
            if self._threads:
                self._gateway.shutdown()
            self._gateway.server_close()
        moto_bridge.uninstall()
        if self._moto:
            self._moto.stop()


def _with_faults(app: Any, injector: FaultInjector | None) -> Any:
    """Fault injection outermost, so injected latency never holds the DynamoDB lock."""
    return FaultyAws(app, injector) if injector else app


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _post_json(url: str, payload: dict[str, Any]) -> None:
    request = urllib.request.Request(  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — the URL is the local stack's or a presigned http(s) address built here
        response.read()
