"""Report use cases behind the API: start a report, read its state, hand out its download URL."""

from __future__ import annotations

import contextlib
import json
import uuid
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common.aws import is_transient
from sitepulse.common.errors import (
    ConflictError,
    InvalidInputError,
    KeyTakenError,
    NotFoundError,
    ServiceUnavailableError,
)
from sitepulse.common.presigned import WindowPresigner
from sitepulse.common.timestamps import format_instant, parse_instant, utc_now
from sitepulse.store_uptime.report.models import (
    LegacyReportStatus,
    Progress,
    Report,
    ReportAccepted,
    ReportList,
    ReportRequest,
)
from sitepulse.store_uptime.report.repository import (
    COMPLETE,
    FAILED,
    RUNNING,
    ReportRepository,
)
from sitepulse.store_uptime.report.s3_keys import csv_key

DOWNLOAD_URL_SECONDS = 3600
"""Presigned URLs expire one hour after their signing instant (the start of their signing window,
`sitepulse.common.presigned`): a URL handed out has 45 to 60 minutes left."""

RUNNING_DEADLINE_SECONDS = 3600 + 300
"""The state machine's TimeoutSeconds plus a margin: a report still Running after this never
reached a final step (its execution timed out, or was never started because AWS kept failing
and the client gave up) — it reads as Failed, so no report is Running forever."""

_IDEMPOTENCY_NAMESPACE = uuid.UUID("5b0f5bd4-4a6e-4d55-9f57-3f3c5c4a1d27")
_MAX_ID_LENGTH = 80  # Step Functions execution names


def report_id_for(idempotency_key: str | None) -> str:
    """A new random id, or the id a client's Idempotency-Key always maps to."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    key = idempotency_key.strip()
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise InvalidInputError("Idempotency-Key", "expected 1-200 printable characters")
    return uuid.uuid5(_IDEMPOTENCY_NAMESPACE, key).hex


class ReportStarter:
    """`POST /api/reports`: one record, one Step Functions execution named after the report."""

    def __init__(self, reports: ReportRepository, sfn: Any, state_machine_arn: str) -> None:
        self._reports = reports
        self._sfn = sfn
        self._state_machine_arn = state_machine_arn

    def start(
        self, request: ReportRequest, idempotency_key: str | None = None
    ) -> tuple[ReportAccepted, bool]:
        """The accepted report and whether this call created it (False: an idempotent replay)."""
        report_id = report_id_for(idempotency_key)
        requested = format_instant(request.now) if request.now else None
        record: dict[str, Any] = {
            "report_id": report_id,
            "status": RUNNING,
            "created_at": format_instant(utc_now()),
        }
        if requested:
            record["requested_now"] = requested
        if idempotency_key is not None:
            record["idempotency_key"] = idempotency_key.strip()
        try:
            outcome = self._reports.create(record)
        except KeyTakenError as taken:
            raise ConflictError(
                f"Idempotency-Key already used for report {report_id} with now="
                f"{taken.stored.requested_now or 'latest poll'}"
            ) from None
        if not outcome.created:
            stored = outcome.value
            if stored.status == RUNNING and not stored.execution_arn:
                # the first attempt stopped before starting it
                self._start_execution(report_id, requested, resumable=True)
            return ReportAccepted(report_id=report_id, status=stored.status), False
        self._start_execution(report_id, requested, resumable=idempotency_key is not None)
        return ReportAccepted(report_id=report_id, status=RUNNING), True

    def _start_execution(self, report_id: str, requested: str | None, resumable: bool) -> None:
        """Start the report's execution. When AWS keeps failing: 503; a retry with the same
        Idempotency-Key (`resumable`) starts it then, otherwise the record is marked Failed."""
        try:
            response = self._sfn.start_execution(
                stateMachineArn=self._state_machine_arn,
                name=report_id,  # one execution per report, whatever the retries
                input=json.dumps({"report_id": report_id, "now": requested}),
            )
            execution_arn = response["executionArn"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                if not resumable:
                    self._fail_quietly(report_id, "the report pipeline could not be started; try again")
                if is_transient(error):
                    raise ServiceUnavailableError("the report pipeline is busy; retry the request") from error
                raise
            execution_arn = f"{self._state_machine_arn.replace(':stateMachine:', ':execution:')}:{report_id}"
        self._reports.set_execution(report_id, execution_arn)

    def _fail_quietly(self, report_id: str, message: str) -> None:
        # Best effort: if this write fails too, the report reads as Failed after the deadline.
        with contextlib.suppress(ClientError):
            self._reports.fail(report_id, message)


def past_deadline(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The record as clients see it: Running past the deadline reads as Failed."""
    if record.get("status") != RUNNING or not record.get("created_at"):
        return record
    created = parse_instant(str(record["created_at"]))
    if (now - created).total_seconds() <= RUNNING_DEADLINE_SECONDS:
        return record
    minutes = RUNNING_DEADLINE_SECONDS // 60
    return {
        **record,
        "status": FAILED,
        "error": f"the report did not finish within {minutes} minutes (its pipeline was interrupted); "
        "start a new report",
    }


class ReportQueries:
    """`GET /api/reports/{id}`, its CSV redirect and the original API's `get_report`."""

    def __init__(self, reports: ReportRepository, presigner: WindowPresigner, bucket: str) -> None:
        self._reports = reports
        self._presigner = presigner
        self._bucket = bucket

    def _record(self, report_id: str) -> dict[str, Any]:
        record = self._reports.get(report_id) if 0 < len(report_id) <= _MAX_ID_LENGTH else None
        if record is None:
            raise NotFoundError(f"unknown report {report_id!r}")
        return past_deadline(record, utc_now())

    def report(self, report_id: str) -> Report:
        return self._report(self._record(report_id))

    def newest(self, limit: int, next_token: str | None) -> ReportList:
        """Newest first, each as `GET /api/reports/{id}` shows it (download URLs are signed locally:
        no request)."""
        records, token = self._reports.newest(limit, next_token)
        return ReportList(reports=[self._report(record) for record in records], next_token=token)

    def _report(self, record: dict[str, Any]) -> Report:
        report_id = record["report_id"]
        status = record["status"]
        url, expires = self._download(record) if status == COMPLETE else (None, None)
        total = record.get("total")
        return Report(
            report_id=report_id,
            status=status,
            now=record.get("now"),
            created_at=record["created_at"],
            completed_at=record.get("completed_at") if status == COMPLETE else None,
            stores=int(record["stores"]) if status == COMPLETE and "stores" in record else None,
            progress=Progress(
                done=int(record.get("done", 0)), total=int(total) if total is not None else None
            ),
            download_url=url,
            download_expires_at=expires,
            error=record.get("error") if status == FAILED else None,
        )

    def download_url(self, report_id: str) -> str:
        record = self._record(report_id)
        if record["status"] == COMPLETE:
            return self._download(record)[0]
        if record["status"] == FAILED:
            raise ConflictError(f"report {report_id} failed, there is no CSV: {record.get('error')}")
        raise ConflictError(f"report {report_id} is still Running; its CSV is available once it is Complete")

    def legacy_status(self, report_id: str) -> LegacyReportStatus:
        record = self._record(report_id)
        status = record["status"]
        if status == COMPLETE:
            return LegacyReportStatus(status=status, download_url=self._download(record)[0])
        return LegacyReportStatus(status=status, error=record.get("error") if status == FAILED else None)

    def _download(self, record: dict[str, Any]) -> tuple[str, str]:
        """The CSV's URL, the same for every read of one signing window (stable ETags)."""
        report_id = record["report_id"]
        url, expires = self._presigner.get_object_url(
            {
                "Bucket": self._bucket,
                "Key": record.get("csv_key") or csv_key(report_id),
                "ResponseContentDisposition": f'attachment; filename="report-{report_id}.csv"',
                "ResponseContentType": "text/csv",
            },
            DOWNLOAD_URL_SECONDS,
        )
        return url, format_instant(expires)
