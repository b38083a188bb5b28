"""The whole local stack: moto in server mode for AWS, resources from the template,
the real handlers behind an API Gateway-like HTTP front, schedules, demo data."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local import lambda_bridge, moto_dynamodb
from local.fault_spec import FaultSpec, faults_from_env
from local.faults import FaultInjector, FaultyAws, FaultyRuntime
from local.functions import FunctionRuntime, merged_environment
from local.gateway import GatewayServer, Router
from local.moto_server import LocalMotoServer
from local.provision import provision
from local.scheduler import Scheduler
from local.template import REGION, Stack, load_stack

ROOT = Path(__file__).resolve().parent.parent
MOTO_CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}


def aws_environment(endpoint: str, moto_port: int) -> dict[str, str]:
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
    state_file: Path = ROOT / ".sitepulse" / "local.json"
    demo: bool = True
    schedules: bool = True
    log: Any = print
    faults: FaultSpec | None = field(default_factory=faults_from_env)  # SITEPULSE_FAULTS, off by default
    stack: Stack | None = None
    api_url: str = ""
    endpoint: str = ""
    _moto: LocalMotoServer | None = None
    _gateway: GatewayServer | None = None
    _scheduler: Scheduler | None = None
    _injector: FaultInjector | None = None
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> LocalStack:
        self.stack = load_stack(self.template)
        moto_dynamodb.install()  # transactions roll back per item instead of copying whole tables
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log drowns the handlers' logs
        self._moto = LocalMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        injector = self._injector = FaultInjector(self.faults) if self.faults else None
        if injector:
            self._moto.middleware = lambda app: FaultyAws(app, injector)
        self._moto.start()
        _, moto_port = self._moto.get_host_and_port()
        self.endpoint = f"http://127.0.0.1:{moto_port}"
        os.environ.update(aws_environment(self.endpoint, moto_port))
        os.environ.update(merged_environment(self.stack))
        _post_json(f"{self.endpoint}/moto-api/config", MOTO_CONFIG)

        provision(self.stack, boto3.Session())
        runtime = FunctionRuntime(self.stack)
        # Lambda invocations (state machine tasks, schedules) may crash; API Gateway's own path does not.
        invoker = FaultyRuntime(runtime, injector) if injector else runtime
        lambda_bridge.install(invoker)

        self._gateway = GatewayServer((self.host, self.port), Router(self.stack.routes), runtime)
        host, port = self._gateway.server_address[:2]
        self.api_url = f"http://{host}:{port}"
        thread = threading.Thread(target=self._gateway.serve_forever, daemon=True, name="gateway")
        thread.start()
        self._threads.append(thread)

        if self.demo:
            from local.demo import load_demo_data

            load_demo_data(self.api_url, self.stack, self.log)
        if injector:  # deployed and seeded: from now on AWS misbehaves
            injector.arm()
            self.log(f"faults: {injector.spec.describe()}")
        self._write_state()
        if self.schedules and self.stack.schedules:
            self._scheduler = Scheduler(self.stack.schedules, invoker, self.log)
            self._scheduler.start()
        return self

    def _write_state(self) -> None:
        assert self.stack is not None
        state = {
            "api_url": self.api_url,
            "endpoint_url": self.endpoint,
            "region": REGION,
            "tables": {t.logical_id: t.name for t in self.stack.tables.values()},
            "buckets": {b.logical_id: b.name for b in self.stack.buckets.values()},
            "state_machines": {
                m.logical_id: f"arn:aws:states:{REGION}:123456789012:stateMachine:{m.name}"
                for m in self.stack.state_machines.values()
            },
            "functions": {f.logical_id: f.name for f in self.stack.functions.values()},
            "faults": self.faults.describe() if self.faults else None,
            "pid": os.getpid(),
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(self.state_file)

    def stop(self) -> None:
        if self._injector:
            self.log(f"faults injected: {self._injector.injected}")
        if self._scheduler:
            self._scheduler.stop()
        if self._gateway:
            self._gateway.shutdown()
            self._gateway.server_close()
        lambda_bridge.uninstall()
        if self._moto:
            self._moto.stop()
        if self.state_file.exists():
            try:
                if json.loads(self.state_file.read_text()).get("pid") == os.getpid():
                    self.state_file.unlink()
            except (OSError, ValueError):
                pass


def _post_json(url: str, payload: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
