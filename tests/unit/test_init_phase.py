"""The init phase runs without the cyclic GC: every handler pauses it first and ends it last."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
PAUSE = "from sitepulse.common import init_phase"


def _statements(function: str) -> list[ast.stmt]:
    body = ast.parse((ROOT / "functions" / function / "app.py").read_text()).body
    return body[1:] if isinstance(body[0], ast.Expr) else body  # without the docstring


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_handler_pauses_the_collector_first_and_ends_init_last(function: str) -> None:
    statements = _statements(function)
    assert ast.unparse(statements[0]) == PAUSE  # before any other import allocates
    assert ast.unparse(statements[-1]) == "init_phase.end()"  # after the module's own wiring


def _run(code: str, function: str | None = None, env: dict[str, str] | None = None) -> str:
    path = [str(ROOT / "layers")] + ([str(ROOT / "functions" / function)] if function else [])
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join(path)}
    run = subprocess.run(
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, check=True
    )
    return run.stdout.strip()


def test_the_collector_is_off_until_end_then_init_objects_are_frozen() -> None:
    code = (
        "import gc\n"
        "from sitepulse.common import init_phase\n"
        "paused = not gc.isenabled()\n"
        "init_phase.end()\n"
        "frozen = gc.get_freeze_count()\n"
        "init_phase.end()\n"  # a second end (another handler in the same process) changes nothing
        "print(paused, gc.isenabled(), frozen > 1000, gc.get_freeze_count() == frozen)"
    )
    assert _run(code) == "True True True True"


def test_a_process_whose_collector_was_already_off_keeps_it_off() -> None:
    code = (
        "import gc; gc.disable()\n"
        "from sitepulse.common import init_phase\n"
        "init_phase.end()\n"
        "print(gc.isenabled())"
    )
    assert _run(code) == "False"


def test_a_handler_module_loads_with_the_collector_off_and_leaves_it_on() -> None:
    from local.template import load_stack

    function = load_stack(ROOT / "template.yaml").functions["OccupancyReadFunction"]
    code = (
        "import gc\n"
        "from sitepulse.common import init_phase\n"  # as the handler's first line: the pause starts
        "during_init = []\n"  # collections started before init's objects were frozen
        "gc.callbacks.append(lambda phase, _: phase == 'start' and not gc.get_freeze_count()"
        " and during_init.append(1))\n"
        "import app\n"
        "print(len(during_init), gc.isenabled(), gc.get_freeze_count() > 10000)"
    )
    env = {**function.environment, "AWS_DEFAULT_REGION": "us-east-1"}
    assert _run(code, function.code_dir.name, env) == "0 True True"
