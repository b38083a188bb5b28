"""Store uptime demo data: the real business hours and timezones of the loop_2023 dataset and
generated hourly status files for a few hundred stores, dropped in the data bucket exactly
where the poller would drop them. The start-up run of the hourly ingestion picks them up."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import boto3

from local.template import Stack

SHARED = Path(os.environ.get("SITEPULSE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
DEMO_STORES = 300


def store_uptime_demo(api_url: str, stack: Stack, log: Callable[[str], None]) -> None:
    data = SHARED / "data" / "loop_2023"
    generator = SHARED / "tools" / "gen_store_polls.py"
    bucket = stack.buckets.get("DataBucket")
    if bucket is None or not data.is_dir() or not generator.exists():
        log(f"demo: store uptime skipped ({SHARED} not found)")
        return
    s3 = boto3.client("s3")
    s3.upload_file(str(data / "menu_hours.csv"), bucket.name, "incoming/business_hours/menu_hours.csv")
    s3.upload_file(str(data / "timezones.csv"), bucket.name, "incoming/timezones/timezones.csv")
    with tempfile.TemporaryDirectory(prefix="sitepulse-polls-") as hourly:
        subprocess.run(
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
    log(
        f"demo: store uptime files in s3://{bucket.name}/incoming/ (hours, timezones, {len(files)} hourly "
        f"status files for {DEMO_STORES} stores); the start-up ingestion loads them"
    )
