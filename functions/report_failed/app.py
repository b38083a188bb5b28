"""Report pipeline Catch target: mark the report Failed with a readable error."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.common.observability import logger
from sitepulse.store_uptime.report.errors import classify_aws_errors
from sitepulse.store_uptime.report.step_payloads import FailedInput
from sitepulse.store_uptime.report.wiring import report_pipeline

step = report_pipeline()


@logger.inject_lambda_context
@classify_aws_errors
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return step.mark_failed(FailedInput.model_validate(event)).model_dump()


init_phase.end()
