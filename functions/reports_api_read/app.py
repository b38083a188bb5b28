"""GET /api/reports/{report_id}, its CSV download, and the original API's /get_report (read-only)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.common.aws import dynamodb, s3
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.settings import load_settings
from sitepulse.store_uptime.report.models import LegacyReportStatus, Report
from sitepulse.store_uptime.report.repository import ReportRepository
from sitepulse.store_uptime.report.service import ReportQueries
from sitepulse.store_uptime.report.settings import ReportsReadSettings

settings = load_settings(ReportsReadSettings)
queries = ReportQueries(ReportRepository(dynamodb(), settings.reports_table), s3(), settings.reports_bucket)
app = create_app()

ReportId = Annotated[
    str, Path(min_length=1, max_length=128, description="Id returned when the report was started")
]


@app.get(
    "/api/reports/<report_id>",
    summary="State of a report; a presigned download URL once Complete",
    responses={404: {"description": "Unknown report"}},
    tags=["reports"],
)
def get_report(report_id: ReportId) -> Report:
    return queries.report(report_id)


@app.get(
    "/api/reports/<report_id>/csv",
    summary="Redirect (302) to the report CSV's presigned URL",
    responses={
        302: {"description": "Location: the presigned S3 URL (expires within 1 hour)"},
        404: {"description": "Unknown report"},
        409: {"description": "The report is still Running, or Failed: there is no CSV"},
    },
    tags=["reports"],
)
def download_report(report_id: ReportId) -> Response[None]:
    url = queries.download_url(report_id)
    return Response(status_code=302, headers={"Location": url, "Cache-Control": "no-store"}, body="")


@app.get(
    "/get_report", summary="Original API: report status and download URL", tags=["reports (original API)"]
)
def get_report_legacy(report_id: Annotated[str, Query(min_length=1, max_length=128)]) -> LegacyReportStatus:
    return queries.legacy_status(report_id)


handler = lambda_entry(app)
