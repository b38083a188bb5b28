"""HTTP API Lambda authorizer (payload 2.0, simple responses).

API Gateway calls it once per (Authorization header, route) and caches the answer for the
template's TTL. It authenticates the bearer key with one DynamoDB GetItem, checks the
route's scope, and passes key id, scopes and limits to the function in the context.
Anything else is `isAuthorized: false` (API Gateway's 403; no function runs): fail closed.
What API Gateway answers for each outcome: `sitepulse.access.decision`, docs/access-control.md.
"""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from sitepulse.access.decision import decide
from sitepulse.access.wiring import api_keys
from sitepulse.common.observability import logger
from sitepulse.common.timestamps import utc_now

keys = api_keys()


# Never log the event: its Authorization header is the secret.
@logger.inject_lambda_context(log_event=False)
@event_source(data_class=APIGatewayAuthorizerEventV2)
def handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    decision = decide(event.headers.get("authorization"), event.route_key, utc_now(), keys.get)
    logger.info(
        "authorizer decision",
        extra={
            "key_id": decision.key_id,
            "route": event.route_key,
            "decision": decision.outcome,
        },
    )
    return APIGatewayAuthorizerResponseV2(authorize=decision.authorized, context=decision.context).asdict()


init_phase.end()
