"""The lazy tracer: no X-Ray import where tracing cannot be on, the real Tracer where it can."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sitepulse.common.observability import LazyTracer, tracing_enabled

LAYERS = Path(__file__).resolve().parents[2] / "layers"


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_CHALICE_CLI_MODE": "true"}, False),
    ],
)
def test_tracing_enabled_follows_powertools_rule(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], enabled: bool
) -> None:
    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert tracing_enabled() is enabled


def test_disabled_tracer_returns_the_handler_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)

    def handler(event: dict[str, int], context: object) -> int:
        return event["n"]

    assert LazyTracer().capture_lambda_handler(handler) is handler


def _modules_after(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(LAYERS), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


_DECORATE = (
    "import sys\n"
    "from sitepulse.common.observability import tracer\n"
    "handler = tracer.capture_lambda_handler(lambda event, context: 1)\n"
    "print(any(name.startswith('aws_xray_sdk') for name in sys.modules), hasattr(handler, '__wrapped__'))\n"
)


def test_no_xray_import_outside_lambda() -> None:
    assert _modules_after(_DECORATE, {}) == "False False"


def test_real_tracer_in_lambda_with_tracing_on() -> None:
    out = _modules_after(_DECORATE, {"LAMBDA_TASK_ROOT": "/var/task", "AWS_REGION": "us-east-1"})
    assert out == "True True"  # X-Ray imported, handler wrapped by Powertools' capture_lambda_handler


def test_in_lambda_only_botocore_is_patched() -> None:
    code = (
        "import sys\n"
        "from sitepulse.common.observability import tracer\n"
        "tracer.capture_lambda_handler(lambda event, context: 1)\n"
        "from aws_xray_sdk.core.patcher import _PATCHED_MODULES\n"
        "print(sorted(_PATCHED_MODULES), 'requests' in sys.modules, 'sqlite3' in sys.modules)\n"
    )
    out = _modules_after(code, {"LAMBDA_TASK_ROOT": "/var/task", "AWS_REGION": "us-east-1"})
    assert out == "['botocore'] False False"
