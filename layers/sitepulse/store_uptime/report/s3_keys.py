"""Object keys of a report in REPORTS_BUCKET (a module of its own: the API functions need the
CSV's key without loading the pipeline)."""

PARTS_PREFIX = "report-parts/"
REPORTS_PREFIX = "reports/"


def csv_key(report_id: str) -> str:
    return f"{REPORTS_PREFIX}{report_id}.csv"


def part_key(report_id: str, shard: int) -> str:
    return f"{PARTS_PREFIX}{report_id}/{shard:04d}.csv"
