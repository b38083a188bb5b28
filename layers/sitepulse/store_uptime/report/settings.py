"""Environment of the report functions (validated at init: an empty name fails the cold start)."""

from pydantic import BaseModel, Field


class PipelineSettings(BaseModel):
    stores_table: str = Field(min_length=1)
    reports_table: str = Field(min_length=1)
    reports_bucket: str = Field(min_length=1)
    report_stores_per_shard: int = Field(default=1000, ge=1)


class ReportsWriteSettings(BaseModel):
    reports_table: str = Field(min_length=1)
    report_state_machine_arn: str = Field(min_length=1)


class ReportsReadSettings(BaseModel):
    reports_table: str = Field(min_length=1)
    reports_bucket: str = Field(min_length=1)
