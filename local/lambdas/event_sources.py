"""Lambda's event source mappings, run locally: moto keeps DynamoDB streams and SQS queues but
no poller reads them. One thread per mapping of template.yaml does what Lambda's poller does.

DynamoDB stream (per shard, in order): read up to `BatchSize` records, drop those no
`FilterCriteria` pattern matches, invoke the function with the rest. A function error retries
the same batch; with `ReportBatchItemFailures` a reported record makes the batch resume from
that record (nothing before it is sent again). After `MaximumRetryAttempts` retries the batch is
skipped and a failure record (shard, sequence range) goes to the `OnFailure` queue.

SQS: receive up to `BatchSize` messages (long polling), invoke; every message not reported as
failed is deleted; a failed one stays and comes back after its visibility timeout (the queue's,
or what the function set); the queue's redrive policy moves it to its DLQ after
`maxReceiveCount` receives, as SQS does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from local.lambdas.workers import FunctionError
from local.template import REGION, EventSource, Stack

POLL_SECONDS = 0.2  # Lambda polls a stream about four times a second


def matches(pattern: Any, value: Any) -> bool:
    """An event filter pattern (the subset templates use): nested objects, lists of allowed
    literal values and `{"prefix": ...}`; every key of the pattern must match."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(rule, value[key]) for key, rule in pattern.items()
        )
    if isinstance(pattern, list):
        return any(_matches_one(rule, value) for rule in pattern)
    return pattern == value


def _matches_one(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict) and "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    return rule == value


def passes_filters(filters: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    return not filters or any(matches(pattern, record) for pattern in filters)


def failed_identifiers(result: Any) -> list[str] | None:
    """The reported item identifiers; None when the answer is not a valid partial-batch response
    (Lambda then treats the whole batch as failed)."""
    if result is None:
        return []
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures") or []
    if not isinstance(failures, list):
        return None
    identifiers = [f.get("itemIdentifier") for f in failures if isinstance(f, dict)]
    if any(not isinstance(i, str) or not i for i in identifiers):
        return None
    return identifiers


Invoke = Callable[[str, Any], Any]


class EventSources:
    def __init__(
        self, stack: Stack, invoke: Invoke, session: Any, log: Callable[[str], None] = print
    ) -> None:
        self._stack = stack
        self._invoke = invoke
        self._session = session
        self._log = log
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.invocations = 0  # batches handed to functions (bench, tests)

    def start(self) -> None:
        for source in self._stack.event_sources:
            target = self._stream_loop if source.kind == "DynamoDB" else self._queue_loop
            thread = threading.Thread(
                target=target,
                args=(source,),
                daemon=True,
                name=f"{source.kind}-{source.source}->{source.function}",
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    # ------------------------------------------------------------------ streams
    def _stream_loop(self, source: EventSource) -> None:
        dynamodb = self._session.client("dynamodb")
        streams = self._session.client("dynamodbstreams")
        table = self._stack.tables[source.source].name
        arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        iterators: dict[str, str] = {}
        while not self._stop.is_set():
            try:
                shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
                for shard in shards:
                    shard_id = shard["ShardId"]
                    if shard_id not in iterators:
                        iterators[shard_id] = streams.get_shard_iterator(
                            StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                        )["ShardIterator"]
                    iterators[shard_id] = self._drain_shard(
                        source, streams, arn, shard_id, iterators[shard_id]
                    )
            except Exception as exc:  # the stack is stopping, or moto hiccupped: poll again
                if self._stop.is_set():
                    return
                self._log(f"stream poller {source.source} -> {source.function}: {type(exc).__name__}: {exc}")
            self._stop.wait(POLL_SECONDS)

    def _drain_shard(self, source: EventSource, streams: Any, arn: str, shard_id: str, iterator: str) -> str:
        while not self._stop.is_set():
            response = streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
            records = [_lambda_record(record, arn) for record in response.get("Records", [])]
            iterator = response.get("NextShardIterator") or iterator
            if not records:
                return iterator
            batch = [record for record in records if passes_filters(source.filters, record)]
            if batch:
                self._deliver_stream_batch(source, arn, shard_id, batch)
        return iterator

    def _deliver_stream_batch(
        self, source: EventSource, arn: str, shard_id: str, batch: list[dict[str, Any]]
    ) -> None:
        retries = 0
        while batch and not self._stop.is_set():
            self.invocations += 1
            try:
                result = self._invoke(source.function, {"Records": batch})
                failed = failed_identifiers(result) if source.report_item_failures else []
            except FunctionError as error:
                result, failed = None, None
                self._log(f"{source.function}: stream batch failed ({str(error)[:160]}); retrying")
            if failed == []:
                return
            if failed is not None:
                sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
                if failed[0] not in sequences:  # an unknown identifier: the whole batch failed
                    failed = None
                else:
                    batch = batch[sequences.index(min(failed, key=sequences.index)) :]
            if source.max_retries >= 0 and retries >= source.max_retries:
                self._to_on_failure(source, arn, shard_id, batch)
                return
            retries += 1
            self._stop.wait(min(2.0, 0.1 * 2**retries))

    def _to_on_failure(
        self, source: EventSource, arn: str, shard_id: str, batch: list[dict[str, Any]]
    ) -> None:
        self._log(
            f"{source.function}: {len(batch)} stream records failed every retry; sent to the on-failure queue"
        )
        if source.on_failure_queue is None:
            return
        sqs = self._session.client("sqs")
        queue = self._stack.queues[source.on_failure_queue]
        url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(
                {
                    "requestContext": {
                        "condition": "RetryAttemptsExhausted",
                        "functionArn": self._arn(source.function),
                    },
                    "DDBStreamBatchInfo": {
                        "shardId": shard_id,
                        "startSequenceNumber": sequences[0],
                        "endSequenceNumber": sequences[-1],
                        "batchSize": len(batch),
                        "streamArn": arn,
                    },
                    "timestamp": datetime.now(UTC).isoformat(),
                }
            ),
        )

    def _arn(self, function: str) -> str:
        return self._stack.functions[function].arn

    # ------------------------------------------------------------------ queues
    def _queue_loop(self, source: EventSource) -> None:
        sqs = self._session.client("sqs")
        queue = self._stack.queues[source.source]
        url = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=min(source.batch_size, 10),
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
                if messages:
                    self._deliver_messages(source, sqs, url, queue.arn, messages)
            except Exception as exc:
                if self._stop.is_set():
                    return
                self._log(f"queue poller {source.source} -> {source.function}: {type(exc).__name__}: {exc}")
                self._stop.wait(1.0)

    def _deliver_messages(
        self, source: EventSource, sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]
    ) -> None:
        event = {"Records": [_sqs_record(message, arn) for message in messages]}
        self.invocations += 1
        try:
            result = self._invoke(source.function, event)
        except FunctionError as error:
            self._log(f"{source.function}: queue batch failed ({str(error)[:160]}); messages come back later")
            return
        failed = failed_identifiers(result) if source.report_item_failures else []
        if failed is None:
            return
        done = [m for m in messages if m["MessageId"] not in set(failed)]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A GetRecords record in the shape Lambda hands it to a function."""
    data = dict(record.get("dynamodb") or {})
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record.get("eventID", data.get("SequenceNumber")),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": data,
        "eventSourceARN": arn,
    }


def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": message.get("MessageAttributes", {}),
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }
