"""The report objects of this container, built once (see `sitepulse.common.container`).

The API functions import only the repository and the service: the pipeline (CSV engine,
storage reader) is loaded by the four pipeline functions alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitepulse.common.aws import client, credentials, dynamodb, s3
from sitepulse.common.container import per_container
from sitepulse.common.presigned import WindowPresigner
from sitepulse.common.settings import load_settings
from sitepulse.common.timestamps import utc_now
from sitepulse.store_uptime.report.repository import ReportRepository
from sitepulse.store_uptime.report.service import ReportQueries, ReportStarter
from sitepulse.store_uptime.report.settings import (
    PipelineSettings,
    ReportsReadSettings,
    ReportsWriteSettings,
)

if TYPE_CHECKING:
    from sitepulse.store_uptime.report.pipeline import ReportPipeline


@per_container
def report_starter() -> ReportStarter:
    settings = load_settings(ReportsWriteSettings)
    return ReportStarter(
        ReportRepository(dynamodb(), settings.reports_table),
        client("stepfunctions"),
        settings.report_state_machine_arn,
    )


@per_container
def report_queries() -> ReportQueries:
    settings = load_settings(ReportsReadSettings)
    presigner = WindowPresigner(s3(), credentials, utc_now)
    return ReportQueries(
        ReportRepository(dynamodb(), settings.reports_table), presigner, settings.reports_bucket
    )


@per_container
def report_pipeline() -> ReportPipeline:
    from sitepulse.store_uptime.report.pipeline import ReportPipeline  # pipeline functions only

    settings = load_settings(PipelineSettings)
    return ReportPipeline(
        dynamodb(),
        s3(),
        settings.stores_table,
        ReportRepository(dynamodb(), settings.reports_table),
        settings.reports_bucket,
        settings.report_stores_per_shard,
    )
