"""Delivers notifications from the delivery queue: one signed webhook POST per attempt.

A failed attempt leaves its message on the queue with a visibility timeout of the next backoff
(exponential, full jitter) and is reported (ReportBatchItemFailures); after the queue's
maxReceiveCount the message moves to the dead-letter queue and the delivery reads `failed`.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.alerts.wiring import deliverer, delivery_queue
from sitepulse.common.observability import logger, metrics, tracer

deliveries = deliverer()  # at init: a missing or empty variable fails the cold start
sqs, queue_url = delivery_queue()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        try:
            message = json.loads(record["body"])
            receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
            outcome = deliveries.deliver(str(message["alert_id"]), int(message["version"]), receives)
        except Exception:
            logger.exception("delivery attempt failed", extra={"message_id": message_id})
            failures.append({"itemIdentifier": message_id})
            continue
        logger.info("delivery", extra={"message_id": message_id, "done": outcome.done, "note": outcome.note})
        if outcome.done:
            metrics.add_metric(name="AlertDeliveriesDone", unit=MetricUnit.Count, value=1)
            continue
        failures.append({"itemIdentifier": message_id})
        if outcome.retry_in is not None:
            try:  # the backoff; without it the message comes back after the queue's visibility timeout
                sqs.change_message_visibility(  # type: ignore[attr-defined]
                    QueueUrl=queue_url,
                    ReceiptHandle=record["receiptHandle"],
                    VisibilityTimeout=outcome.retry_in,
                )
            except Exception:
                logger.warning(
                    "could not set the retry delay", extra={"message_id": message_id}, exc_info=True
                )
    return {"batchItemFailures": failures}


init_phase.end()
