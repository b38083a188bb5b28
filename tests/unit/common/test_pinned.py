"""Every override of a library's private internals sits behind one version guard that fails
loudly on an upgrade (`sitepulse.common.pinned`); one test per guard."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import botocore
import pytest
from aws_lambda_powertools.shared.version import VERSION as POWERTOOLS_VERSION

from sitepulse.common.pinned import BOTOCORE, POWERTOOLS, PinnedVersionError, require_version

ROOT = Path(__file__).resolve().parents[3]


def _pin(requirements: str, name: str) -> str:
    text = (ROOT / requirements).read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(name)}(\[[^\]]*\])?==(\S+)$", text, re.M)
    assert found, f"{name} is not pinned in {requirements}"
    return found.group(2)


def test_the_guard_passes_the_pin_and_refuses_anything_else() -> None:
    require_version("lib", "1.2.3", "1.2.3", "here")
    with pytest.raises(
        PinnedVersionError, match=r"here relies on private internals of lib 1\.2\.3, but 1\.2\.4"
    ):
        require_version("lib", "1.2.4", "1.2.3", "here")


def test_the_pins_are_the_ones_requirements_install() -> None:
    assert _pin("layers/requirements.txt", "aws-lambda-powertools") == POWERTOOLS == POWERTOOLS_VERSION
    assert _pin("layers/requirements.txt", "botocore") == BOTOCORE == botocore.__version__


@pytest.mark.parametrize(
    ("module", "relies_on"),
    [
        ("sitepulse.common.http", "_compile_regex"),
        ("sitepulse.common.observability", "tracing_enabled"),
    ],
)
def test_the_layer_refuses_to_import_under_another_powertools(module: str, relies_on: str) -> None:
    """These ship to Lambda: an upgraded Powertools stops at init, with the reason, not later."""
    code = (
        "import sitepulse.common.pinned\n"
        # http imports observability, whose own guard would answer first: import it before.
        + ("import sitepulse.common.observability\n" if module.endswith(".http") else "")
        + "import aws_lambda_powertools.shared.version as version\n"
        "version.VERSION = '9.9.9'\n"
        f"import {module}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "layers"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode != 0
    assert "PinnedVersionError" in result.stderr and relies_on in result.stderr
    assert f"aws-lambda-powertools {POWERTOOLS}, but 9.9.9 is installed" in result.stderr


def test_the_cold_start_replay_refuses_another_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.cold_start_replay import require_pinned_botocore

    require_pinned_botocore()
    monkeypatch.setattr(botocore, "__version__", "1.99.0")
    with pytest.raises(
        PinnedVersionError, match=r"bench\.cold_start_replay .* botocore 1\.44\.5, but 1\.99\.0"
    ):
        require_pinned_botocore()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"LAMBDA_TASK_ROOT": "/var/task"},
        {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"},
        {"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"},
        {"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"},
        {"LAMBDA_TASK_ROOT": "/var/task", "AWS_CHALICE_CLI_MODE": "true"},
    ],
)
def test_tracing_enabled_is_powertools_own_rule(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The mirror of the private `Tracer._is_tracer_disabled` answers as the original does."""
    from aws_lambda_powertools.tracing.tracer import Tracer

    from sitepulse.common.observability import tracing_enabled

    for name in ("LAMBDA_TASK_ROOT", "POWERTOOLS_TRACE_DISABLED", "AWS_SAM_LOCAL", "AWS_CHALICE_CLI_MODE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert tracing_enabled() is not bool(Tracer._is_tracer_disabled())
