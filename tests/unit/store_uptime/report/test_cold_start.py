"""The report API functions load the report records and service only: not the pipeline, the CSV
engine or the storage reader/writer (cold start is user-visible latency)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
HEAVY = (
    "sitepulse.store_uptime.report.pipeline",
    "sitepulse.store_uptime.report.rows",
    "sitepulse.store_uptime.engine",
    "sitepulse.store_uptime.csv_input",
    "sitepulse.store_uptime.storage",
    "sitepulse.ingest",
    "numpy",
)


@pytest.mark.parametrize("function", ["reports_api_read", "reports_api_write"])
def test_the_report_api_loads_no_pipeline_module(function: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'functions' / function}{os.pathsep}{ROOT / 'layers'}",
        "REPORTS_TABLE": "reports",
        "REPORTS_BUCKET": "reports-bucket",
        "REPORT_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:report",
    }
    code = (
        "import json, sys; import app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sitepulse'))))"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    loaded = json.loads(run.stdout)
    assert "sitepulse.store_uptime.report.service" in loaded  # the walk sees the function's imports
    heavy = [m for m in loaded if m.startswith(HEAVY)]
    assert heavy == []


def _module_level_imports(path: Path) -> set[str]:
    """Modules imported when `path` is imported (not those imported inside a function)."""
    found: set[str] = set()
    pending: list[ast.AST] = list(ast.parse(path.read_text()).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return found


def _loaded_at_import(function_dir: Path) -> set[str]:
    """Every module a function loads when its `app` is imported: the module-level import closure."""
    layers = ROOT / "layers"
    loaded: set[str] = set()
    pending = [function_dir / "app.py"]
    while pending:
        for module in _module_level_imports(pending.pop()):
            if module in loaded:
                continue
            loaded.add(module)
            source = layers.joinpath(*module.split("."))
            for candidate in (source.with_suffix(".py"), source / "__init__.py"):
                if candidate.is_file():
                    pending.append(candidate)
    return loaded


@pytest.mark.parametrize("function", sorted(path.name for path in (ROOT / "functions").iterdir()))
def test_no_function_loads_numpy_when_it_starts(function: str) -> None:
    """numpy (the report engine's, ~0.1 s of cold start) is loaded by the report shard step when it
    computes, never when a function starts: the API functions never load it at all."""
    loaded = _loaded_at_import(ROOT / "functions" / function)
    assert "sitepulse.common.observability" in loaded  # the walk follows the layer's modules
    assert not any(module == "numpy" or module.startswith("numpy.") for module in loaded)


def test_the_import_walk_sees_numpy_where_it_is_imported() -> None:
    modules = _module_level_imports(
        ROOT / "layers" / "sitepulse" / "store_uptime" / "report" / "array_rows.py"
    )
    assert "numpy" in modules
    pipeline = _module_level_imports(
        ROOT / "layers" / "sitepulse" / "store_uptime" / "report" / "pipeline.py"
    )
    assert "sitepulse.store_uptime.report.array_rows" not in pipeline  # imported by the shard step only
