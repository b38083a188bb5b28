"""The outbox relay: each delivery written with a transition (alerts table stream, INSERT of a
`DELIVERY#` item) becomes one message on the delivery queue, and one message on the alerts
e-mail topic (SNS).

A record handed over twice (a retried batch) sends a second message for the same delivery; the
deliverer claims a delivery before posting and never posts a delivered one, so that costs one
extra receive, not a second notification.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.alerts.outbox import delivery_message
from sitepulse.alerts.wiring import relay
from sitepulse.common.observability import logger, metrics, tracer

sqs, queue_url, email = relay()  # at init: a missing or empty variable fails the cold start


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures: list[dict[str, str]] = []
    sent = 0
    for record in event.get("Records") or []:
        message = delivery_message(record)
        if message is None:
            continue
        try:
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))  # type: ignore[attr-defined]
            sent += 1
            email.notify(message["alert_id"], message["version"])
        except Exception:
            sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
            logger.exception("could not queue a delivery", extra={"sequence": sequence})
            failures.append({"itemIdentifier": sequence})
            break
    metrics.add_metric(name="AlertDeliveriesQueued", unit=MetricUnit.Count, value=sent)
    return {"batchItemFailures": failures}


init_phase.end()
