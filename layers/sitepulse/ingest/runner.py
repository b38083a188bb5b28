"""One ingestion run: list `incoming/`, and ingest every object not ingested yet, each exactly once.

* Objects are taken in a fixed order (kind in the order of the sinks, upload time, key).
  Kinds whose files overwrite earlier ones (`Sink.ordered`: business hours, timezones) are
  applied strictly in upload order: when one of them is held by another run, later files of
  that kind wait for the next run.
* An object is claimed in the ledger (lease), streamed segment by segment, and checkpointed
  after each segment. A crash loses at most the segment in progress, whose writes are
  idempotent, so the next run (same or other) resumes and ends in the same state.
* The run stops claiming objects when the Lambda's remaining time gets low, and stops
  between segments of a large object; the next run continues where it stopped.
* Bad rows never stop a file; a file whose header lacks a required column cannot be read
  at all and is marked Failed with the reason in its errors file.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from sitepulse.common.observability import logger
from sitepulse.common.timestamps import format_instant, utc_now
from sitepulse.ingest.csv_lines import MissingColumnsError, RowError
from sitepulse.ingest.ledger import DONE, FAILED, PROCESSING, Claim, IngestionLedger, LeaseLostError
from sitepulse.ingest.objects import IncomingObject, list_incoming
from sitepulse.ingest.rejected_store import RejectedRows
from sitepulse.ingest.segments import (
    HEADER_PROBE_BYTES,
    HeaderTooLongError,
    Position,
    header_of,
    iter_segments,
)
from sitepulse.ingest.sink import Sink


@dataclass(frozen=True)
class RunLimits:
    segment_bytes: int = 32 << 20
    lease_seconds: int = 960  # longer than the function timeout: a live run never loses its lease
    claim_reserve_ms: int = 120_000  # do not start an object with less time left than this
    segment_reserve_ms: int = 45_000  # do not start another segment with less time left than this
    max_attempts: int = 3  # an object that failed this many times is marked Failed


@dataclass
class ObjectOutcome:
    key: str
    kind: str
    status: str  # Done, Failed, Paused (time budget: resumed next run), LeaseLost
    accepted: int = 0
    rejected: int = 0
    replayed: int = 0
    segments: int = 0
    duration_ms: int = 0
    rejected_key: str | None = None
    error: str | None = None


@dataclass
class RunSummary:
    run_id: str
    objects: list[ObjectOutcome] = field(default_factory=list)
    waiting: int = 0  # objects left for a later run (leased elsewhere, ordered behind one, or no time)
    stopped_early: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class IngestionRunner:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        ledger: IngestionLedger,
        sinks: Mapping[str, Sink],
        limits: RunLimits = RunLimits(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._ledger = ledger
        self._sinks = sinks
        self._limits = limits
        self._clock = clock
        self._rejected = RejectedRows(s3, bucket)

    def run(self, remaining_ms: Callable[[], int]) -> RunSummary:
        summary = RunSummary(run_id=uuid.uuid4().hex)
        order = {kind: position for position, kind in enumerate(self._sinks)}
        objects = sorted(
            (o for o in list_incoming(self._s3, self._bucket) if o.kind in self._sinks),
            key=lambda o: (order[o.kind], o.last_modified, o.key),
        )
        ledger = self._ledger.statuses(objects)
        waiting_kinds: set[str] = set()
        for position, obj in enumerate(objects):
            entry = ledger.get((obj.key, obj.etag))
            status = entry.get("status") if entry else None
            if status in (DONE, FAILED):
                continue
            if obj.kind in waiting_kinds:
                summary.waiting += 1
                continue
            if remaining_ms() < self._limits.claim_reserve_ms:
                summary.stopped_early = True
                summary.waiting += sum(
                    1 for o in objects[position:] if _unfinished(ledger.get((o.key, o.etag)))
                )
                break
            claim = None
            if not (status == PROCESSING and _leased_elsewhere(entry, self._now())):
                claim = self._claim(obj, summary.run_id)
            if claim is None:
                summary.waiting += 1
                if self._sinks[obj.kind].ordered:
                    waiting_kinds.add(obj.kind)
                continue
            outcome = self._ingest(claim, remaining_ms)
            summary.objects.append(outcome)
            if outcome.status == "Paused":
                summary.stopped_early = True
                summary.waiting += 1 + sum(
                    1 for o in objects[position + 1 :] if _unfinished(ledger.get((o.key, o.etag)))
                )
                break
        logger.info("ingestion run finished", extra={"run": summary.as_dict()})
        return summary

    def _now(self) -> int:
        return int(self._clock())

    def _claim(self, obj: IncomingObject, run_id: str) -> Claim | None:
        sink = self._sinks[obj.kind]
        return self._ledger.claim(
            obj,
            owner=run_id,
            now_s=self._now(),
            lease_s=self._limits.lease_seconds,
            segment_bytes=sink.segment_bytes(self._limits.segment_bytes),
            started_at=format_instant(utc_now()),
        )

    def _ingest(self, claim: Claim, remaining_ms: Callable[[], int]) -> ObjectOutcome:
        obj = claim.obj
        outcome = ObjectOutcome(key=obj.key, kind=obj.kind, status=DONE)
        clock = _AttemptClock(claim)
        try:
            if claim.attempts > self._limits.max_attempts:
                return self._give_up(claim, outcome)
            paused = self._ingest_segments(claim, outcome, remaining_ms, clock)
            if paused:
                outcome.status = "Paused"
                self._ledger.release(claim, None)
                return self._summarise(claim, outcome)
            clock.update()
            outcome.rejected_key = self._rejected.publish(obj, claim.rejected)
            self._ledger.finish(claim, DONE, format_instant(utc_now()), outcome.rejected_key)
        except (MissingColumnsError, HeaderTooLongError) as exc:
            clock.update()
            return self._reject_file(claim, outcome, str(exc))
        except ObjectReplacedError as exc:
            clock.update()
            outcome.status, outcome.error = FAILED, str(exc)
            self._ledger.finish(claim, FAILED, format_instant(utc_now()), None, str(exc))
        except LeaseLostError as exc:
            outcome.status, outcome.error = "LeaseLost", str(exc)
        except Exception as exc:
            # Unexpected (AWS outage, throttling past retries, a bug): give the lease back so
            # the next run retries at once from the last checkpoint, and fail this run loudly.
            self._ledger.release(claim, f"{type(exc).__name__}: {exc}")
            raise
        return self._summarise(claim, outcome)

    def _ingest_segments(
        self, claim: Claim, outcome: ObjectOutcome, remaining_ms: Callable[[], int], clock: _AttemptClock
    ) -> bool:
        """Ingest from the checkpoint to the end; True when paused for lack of time."""
        obj = claim.obj
        sink = self._sinks[obj.kind]
        if claim.header is None or claim.position is None:
            claim.header = self._read_header(obj)
            claim.position = Position(offset=len(claim.header), line=2, index=0)
        sink.check_header(claim.header)
        if claim.position.offset >= obj.size:
            return False
        body = self._get(obj, f"bytes={claim.position.offset}-")
        try:
            for segment in iter_segments(body, claim.header, claim.position, obj.size, claim.segment_bytes):
                result = sink.ingest(obj, segment)
                segment.drain()
                if result.rejected:
                    self._rejected.write_part(obj, segment.index, result.rejected)
                claim.accepted += result.accepted
                claim.rejected += len(result.rejected)
                claim.replayed += result.replayed
                clock.update()
                self._ledger.checkpoint(claim, segment.end(), self._now(), self._limits.lease_seconds)
                outcome.segments += 1
                logger.debug(
                    "segment ingested",
                    extra={"key": obj.key, "segment": segment.index, "accepted": result.accepted,
                           "rejected": len(result.rejected), "writes": result.writes},
                )  # fmt: skip
                more = segment.end().offset < obj.size
                if more and remaining_ms() < self._limits.segment_reserve_ms:
                    return True
        finally:
            body.close()
        return False

    def _read_header(self, obj: IncomingObject) -> bytes:
        if obj.size == 0:
            return b""
        prefix = self._get(obj, f"bytes=0-{min(obj.size, HEADER_PROBE_BYTES) - 1}").read()
        return header_of(prefix, obj.size)

    def _get(self, obj: IncomingObject, byte_range: str) -> Any:
        try:
            return self._s3.get_object(Bucket=self._bucket, Key=obj.key, Range=byte_range, IfMatch=obj.etag)[
                "Body"
            ]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("PreconditionFailed", "412", "NoSuchKey"):
                raise ObjectReplacedError(
                    f"{obj.key} was replaced or deleted while being ingested; "
                    "a new version is ingested on its own"
                ) from None
            raise

    def _reject_file(self, claim: Claim, outcome: ObjectOutcome, reason: str) -> ObjectOutcome:
        header = (claim.header or b"").removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace").rstrip("\r\n")
        key = self._rejected.write_whole(claim.obj, [RowError(1, reason, header)])
        outcome.status, outcome.error, outcome.rejected_key = FAILED, reason, key
        self._ledger.finish(claim, FAILED, format_instant(utc_now()), key, reason)
        return self._summarise(claim, outcome)

    def _give_up(self, claim: Claim, outcome: ObjectOutcome) -> ObjectOutcome:
        reason = f"gave up after {claim.attempts - 1} failed attempts; last error: {claim.last_error}"
        outcome.status, outcome.error = FAILED, reason
        self._ledger.finish(claim, FAILED, format_instant(utc_now()), None, reason)
        return self._summarise(claim, outcome)

    def _summarise(self, claim: Claim, outcome: ObjectOutcome) -> ObjectOutcome:
        outcome.accepted, outcome.rejected, outcome.replayed = claim.accepted, claim.rejected, claim.replayed
        outcome.duration_ms = claim.duration_ms
        logger.info(
            "object ingested" if outcome.status == DONE else "object not ingested", extra=asdict(outcome)
        )
        return outcome


class ObjectReplacedError(RuntimeError):
    pass


def _unfinished(entry: dict[str, Any] | None) -> bool:
    return entry is None or entry.get("status") == PROCESSING


def _leased_elsewhere(entry: dict[str, Any] | None, now_s: int) -> bool:
    return bool(entry) and int(entry.get("lease_expires", 0)) >= now_s


class _AttemptClock:
    """Keeps `claim.duration_ms` = time spent on the object over all attempts, this one included."""

    def __init__(self, claim: Claim) -> None:
        self._claim = claim
        self._before = claim.duration_ms
        self._started = time.monotonic()

    def update(self) -> None:
        self._claim.duration_ms = self._before + int((time.monotonic() - self._started) * 1000)
