"""Store uptime demo data: the real business hours and timezones of the loop_2023 dataset and
generated hourly status files for a few hundred stores, dropped in the data bucket exactly
where the poller would drop them. The start-up run of the hourly ingestion picks them up."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

from local.demo_client import Demo

SHARED = Path(os.environ.get("SITEPULSE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEMO_STORES = 300


def store_uptime_demo(demo: Demo) -> str:
    data = SHARED / "data" / "loop_2023"
    generator = SHARED / "tools" / "gen_store_polls.py"
    bucket = demo.stack.buckets.get("DataBucket")
    if bucket is None or not data.is_dir() or not generator.exists():
        return f"store uptime: skipped ({SHARED} not found)"
    s3 = boto3.client("s3")
    s3.upload_file(str(data / "menu_hours.csv"), bucket.name, "incoming/business_hours/menu_hours.csv")
    s3.upload_file(str(data / "timezones.csv"), bucket.name, "incoming/timezones/timezones.csv")
    with tempfile.TemporaryDirectory(prefix="sitepulse-polls-") as hourly:
        subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
            [
                sys.executable,
                str(generator),
                "--data",
                str(data),
                "--stores",
                str(DEMO_STORES),
                "--hourly-dir",
                hourly,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        files = sorted(Path(hourly).glob("*.csv"))
        for path in files:
            s3.upload_file(str(path), bucket.name, f"incoming/store_status/{path.name}")
    return (
        f"store uptime: {len(files)} hourly status files of {DEMO_STORES} stores, hours, timezones "
        f"in s3://{bucket.name}/"
    )
