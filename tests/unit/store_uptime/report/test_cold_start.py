"""The report API functions load the report records and service only: not the pipeline, the CSV
engine or the storage reader/writer (cold start is user-visible latency)."""

from __future__ import annotations

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
