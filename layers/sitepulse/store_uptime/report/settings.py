"""Environment of the report functions."""

from pydantic import BaseModel, Field


class PipelineSettings(BaseModel):
    stores_table: str
    reports_table: str
    reports_bucket: str
    report_stores_per_shard: int = Field(default=1000, ge=1)


class ReportsWriteSettings(BaseModel):
    reports_table: str
    report_state_machine_arn: str


class ReportsReadSettings(BaseModel):
    reports_table: str
    reports_bucket: str
