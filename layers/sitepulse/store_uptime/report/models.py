"""Report API request and response models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import Instant, parse_instant

ReportStatus = Literal["Running", "Complete", "Failed"]
IDEMPOTENCY_HEADER = "Idempotency-Key"


class ReportRequest(BaseModel):
    """Optional body of `POST /api/reports`."""

    model_config = ConfigDict(extra="forbid")

    now: Instant | None = Field(
        default=None,
        description=f"Report instant: {INSTANT_DESCRIPTION}. Default (absent or null): the latest poll "
        "ingested.",
    )

    @field_validator("now", mode="before")
    @classmethod
    def _iso_instant(cls, value: Any) -> datetime | None:
        # One error naming `now` (the union with None would report each of its branches).
        return None if value is None else parse_instant(value)


class ReportAccepted(BaseModel):
    report_id: str
    status: ReportStatus


class Progress(BaseModel):
    done: int = Field(description="Stores computed so far")
    total: int | None = Field(description="Stores to compute; null until the report is planned")


class Report(BaseModel):
    report_id: str
    status: ReportStatus
    now: str | None = Field(description="Report instant (UTC); null until the report is planned")
    created_at: str
    completed_at: str | None
    stores: int | None = Field(description="Rows in the CSV; null until Complete")
    progress: Progress
    download_url: str | None = Field(
        description="Presigned S3 GET URL (expires within 1 hour); Complete only"
    )
    download_expires_at: str | None
    error: str | None = Field(description="Why the report failed; Failed only")


class TriggerReportOut(BaseModel):
    report_id: str


class LegacyReportStatus(BaseModel):
    """`GET /get_report`: `{"status": "Running"}` or `{"status": "Complete", "download_url": …}`."""

    status: ReportStatus
    download_url: str | None = None
    error: str | None = None

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}
