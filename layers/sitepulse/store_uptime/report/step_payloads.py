"""Payloads of the report state machine's Lambda steps (`statemachine/report.asl.json`).

Each step validates its input and returns a model, so a change to the state machine's
`Parameters`/`ItemSelector` that drops or renames a field fails the step loudly instead of
producing a wrong report. Payloads stay small (bucket numbers, counts, S3 keys), far below
the 256 KB state limit, whatever the number of stores.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ReportId = Field(min_length=1, max_length=80)  # Step Functions execution names


class StepModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PrepareInput(StepModel):
    report_id: str = ReportId
    now: str | None = None  # requested instant; None: the latest ingested poll


class ShardPlan(StepModel):
    shard: int = Field(ge=0)
    buckets: list[int]
    stores: int = Field(ge=0)


class PrepareOutput(StepModel):
    report_id: str = ReportId
    now: str
    now_us: int
    shards: list[ShardPlan]


class ShardInput(StepModel):
    """One Map item: the plan of one shard with the report's id and instant."""

    report_id: str = ReportId
    now_us: int
    shard: int = Field(ge=0)
    buckets: list[int]
    stores: int = Field(default=0, ge=0)


class ShardOutput(StepModel):
    shard: int = Field(ge=0)
    key: str = Field(min_length=1)  # the shard's part in REPORTS_BUCKET
    rows: int
    polls: int
    queries: int


class FinalizeInput(StepModel):
    report_id: str = ReportId
    parts: list[ShardOutput] = []


class FinalizeOutput(StepModel):
    report_id: str
    status: Literal["Complete"]
    rows: int
    csv_key: str


class FailedInput(StepModel):
    report_id: str = ReportId
    error: Any = None  # what the Catch hands over: {"Error", "Cause"}


class FailedOutput(StepModel):
    report_id: str
    status: Literal["Failed"]
    error: str
