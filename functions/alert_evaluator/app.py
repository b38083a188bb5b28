"""Evaluates alert rules from the occupancy and temperature tables' DynamoDB Streams.

Records of one shard arrive in order. They are handled one by one; the first that fails is
reported (ReportBatchItemFailures) with nothing after it, so Lambda retries the batch from
that record, in order. Records handled before it are not lost either way: evaluating a change
again finds its transition already made (`sitepulse.alerts.rules`). A record that keeps
failing ends, after the event source's retries, in the evaluator's dead-letter queue.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.alerts.service import EvaluationStats
from sitepulse.alerts.wiring import evaluator
from sitepulse.common.observability import logger, metrics, tracer

rules = evaluator()  # at init: a missing or empty variable fails the cold start


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stats = EvaluationStats()
    failures: list[dict[str, str]] = []
    records = event.get("Records") or []
    for record in records:
        try:
            rules.apply_record(record, stats)
        except Exception:
            sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
            logger.exception(
                "alert evaluation failed; the batch resumes from this record", extra={"sequence": sequence}
            )
            failures.append({"itemIdentifier": sequence})
            break  # an ordered stream: nothing after a failed record may be reported done
    metrics.add_metric(name="AlertStreamRecords", unit=MetricUnit.Count, value=len(records))
    metrics.add_metric(name="AlertRulesEvaluated", unit=MetricUnit.Count, value=stats.rules_evaluated)
    metrics.add_metric(name="AlertTransitions", unit=MetricUnit.Count, value=stats.transitions)
    return {"batchItemFailures": failures}


init_phase.end()
