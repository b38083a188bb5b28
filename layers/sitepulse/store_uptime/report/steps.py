"""Wiring shared by the four pipeline functions (each builds its pipeline once per container)."""

from sitepulse.common.aws import dynamodb, s3
from sitepulse.common.settings import load_settings
from sitepulse.store_uptime.report.pipeline import ReportPipeline
from sitepulse.store_uptime.report.repository import ReportRepository
from sitepulse.store_uptime.report.settings import PipelineSettings


def build_pipeline() -> ReportPipeline:
    settings = load_settings(PipelineSettings)
    return ReportPipeline(
        dynamodb(),
        s3(),
        settings.stores_table,
        ReportRepository(dynamodb(), settings.reports_table),
        settings.reports_bucket,
        settings.report_stores_per_shard,
    )
