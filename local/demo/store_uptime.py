"""Store uptime demo data: 300 generated stores (business hours, timezones) and a week of their
hourly status files, dropped in the data bucket exactly where the poller would drop them. The
start-up run of the hourly ingestion picks them up."""

from __future__ import annotations

import boto3

from local.demo.client import Demo
from local.demo.store_data import DEMO, generate_stores, hourly_status_files, hours_csv, timezones_csv


def store_uptime_demo(demo: Demo) -> str:
    bucket = demo.stack.buckets.get("DataBucket")
    if bucket is None:
        return "store uptime: skipped (the template has no DataBucket)"
    stores = generate_stores(DEMO)
    s3 = boto3.client("s3")

    def put(key: str, text: str) -> None:
        s3.put_object(Bucket=bucket.name, Key=key, Body=text.encode(), ContentType="text/csv")

    put("incoming/business_hours/menu_hours.csv", hours_csv(stores))
    put("incoming/timezones/timezones.csv", timezones_csv(stores))
    files = hourly_status_files(DEMO, stores)
    for name, text in files:
        put(f"incoming/store_status/{name}", text)
    return (
        f"store uptime: {len(files)} hourly status files of {len(stores)} stores, hours, timezones "
        f"in s3://{bucket.name}/"
    )
