"""A 15-second smoke of the load test (`make load`) against the faulty stack: the mixed traffic
runs, and afterwards every aggregate equals what was sent (exit status 0)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.integration.conftest import ROOT, RunningStack

pytestmark = pytest.mark.chaos


def test_load_smoke(faulty_stack: RunningStack) -> None:
    command = [sys.executable, "-m", "bench.load", "--time", "15s", "--users", "4", "--state-file",
               str(faulty_stack.state_file)]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "every aggregate equals the brute-force answer" in output
    assert "| **total** |" in output
