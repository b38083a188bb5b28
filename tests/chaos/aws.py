"""A private moto server with the template's tables and buckets, for worker processes to use.

moto keeps its state in process-wide backends: every server started in one process shares it,
so a test that needs a fresh account calls `reset()`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from local.aws.moto_server import LocalMotoServer
from local.aws.provision import create_table
from local.stack import aws_environment
from local.template import Stack, load_stack

ROOT = Path(__file__).resolve().parents[2]
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, signature_version="s3v4")


WORKER_FUNCTIONS = (
    "IngestFunction",
    "ReportPrepareFunction",
    "ReportShardFunction",
    "ReportFinalizeFunction",
)


def _worker_environment(stack: Stack) -> dict[str, str]:
    """The template environment of the functions a worker runs (they agree on shared names)."""
    env: dict[str, str] = {}
    for logical_id in WORKER_FUNCTIONS:
        env.update(stack.functions[logical_id].environment)
    return env


@dataclass
class Aws:
    stack: Stack
    moto: LocalMotoServer
    endpoint: str
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, **overrides: str) -> Aws:
        stack = load_stack(ROOT / "template.yaml")
        moto = LocalMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env = {**os.environ, **aws_environment(endpoint, port), **_worker_environment(stack), **overrides}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers"), str(ROOT)])
        aws = cls(stack, moto, endpoint, env)
        aws.reset()
        return aws

    def reset(self) -> None:
        """An empty account holding only the template's tables and buckets."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=30).read()
        for table in self.stack.tables.values():
            create_table(self.client("dynamodb"), table)
        for bucket in self.stack.buckets.values():
            self.client("s3").create_bucket(Bucket=bucket.name)

    def stop(self) -> None:
        self.moto.stop()

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=CLIENT_CONFIG,
        )

    def table(self, logical_id: str) -> str:
        return self.stack.tables[logical_id].name

    def bucket(self, logical_id: str) -> str:
        return self.stack.buckets[logical_id].name

    def upload(self, objects: list[tuple[str, str]]) -> None:
        s3 = self.client("s3")
        for key, text in objects:
            s3.put_object(Bucket=self.bucket("DataBucket"), Key=key, Body=text.encode("utf-8"))

    def items(self, logical_id: str) -> list[dict[str, Any]]:
        paginator = self.client("dynamodb").get_paginator("scan")
        items = [i for page in paginator.paginate(TableName=self.table(logical_id)) for i in page["Items"]]
        return sorted(items, key=lambda item: repr(sorted(item.items())))

    def objects(self, logical_id: str, prefix: str) -> dict[str, bytes]:
        s3 = self.client("s3")
        bucket = self.bucket(logical_id)
        keys = [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for o in page.get("Contents", [])
        ]
        return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}

    def worker(self, *args: str, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.chaos.worker", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=stderr,  # a complete run keeps it, for the failure message
        )

    def run(self, *args: str, timeout: float = 180) -> dict[str, Any]:
        """A complete worker run: {"result": …, "aws_calls": n}."""
        process = self.worker(*args, stderr=subprocess.PIPE)
        out, err = process.communicate(timeout=timeout)
        tail = err.decode(errors="replace")[-3000:]
        assert process.returncode == 0, f"worker {args} exited {process.returncode}:\n{tail}"
        return json.loads(out.decode().strip().splitlines()[-1])

    def killed(self, *args: str, at_call: int, timeout: float = 180) -> int:
        """A worker run SIGKILLed when about to send its `at_call`-th AWS request; its exit status."""
        process = self.worker(*args, "--kill-after-calls", str(at_call))
        process.communicate(timeout=timeout)
        return process.returncode
