"""Alert rules (scopes alerts:write / alerts:read): create (secret shown once), list, read with
recent transitions and deliveries, delete."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from sitepulse.access.edge import current_grant, current_limits
from sitepulse.alerts.models import ALERT_ID_PATTERN, AlertCreated, AlertDetail, AlertList, AlertRuleIn
from sitepulse.alerts.wiring import alert_service
from sitepulse.common.http import create_app, lambda_entry, stored_response
from sitepulse.common.observability import logger
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit

service = alert_service()
app = create_app()

AlertId = Annotated[str, Path(pattern=ALERT_ID_PATTERN)]


@app.post(
    "/api/alerts",
    summary="Create an alert rule (its signing secret is in this response only)",
    responses=api_responses(
        {
            201: linked(
                "Created; `secret` signs every notification and is shown once",
                {"Alert": ("getAlert", {"alert_id": "$response.body#/alert_id"})},
            ),
            200: "Replay of a request with the same Idempotency-Key: the first answer again",
        },
        conflict="This Idempotency-Key was used with another request",
        body=True,
    ),
    tags=["alerts"],
)
def create_alert(
    rule: Annotated[AlertRuleIn, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Retrying with the same key and body returns the first answer, not a second rule",
        ),
    ] = None,
) -> Response[AlertCreated]:
    grant = current_grant()
    answer, created = service.create(rule, grant.key_id if grant else None, idempotency_key)
    if created:
        logger.info("alert rule created", extra={"alert_id": answer["alert_id"], "kind": answer["kind"]})
    return stored_response(answer, created)


@app.get(
    "/api/alerts",
    summary="List alert rules with their current state, newest first",
    responses=api_responses(
        {
            200: linked(
                "One page of rules; `next_token` is null on the last page",
                {"Alert": ("getAlert", {"alert_id": "$response.body#/alerts/0/alert_id"})},
            )
        }
    ),
    tags=["alerts"],
)
def list_alerts(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> Response[AlertList]:
    page = service.list(limit, next_token, current_limits())
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=page.as_json())


@app.get(
    "/api/alerts/<alert_id>",
    operation_id="getAlert",
    summary="One alert rule, its recent transitions and deliveries",
    responses=api_responses({200: "The rule"}, not_found="No such alert rule"),
    tags=["alerts"],
)
def get_alert(alert_id: AlertId) -> Response[AlertDetail]:
    detail = service.get(alert_id, current_limits())
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=detail.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


@app.delete(
    "/api/alerts/<alert_id>",
    summary="Delete an alert rule: no notification is sent for it any more",
    responses=api_responses(
        {204: {"description": "Deleted (no body)", "content": {}}}, not_found="No such alert rule"
    ),
    tags=["alerts"],
)
def delete_alert(alert_id: AlertId) -> Response[None]:
    service.delete(alert_id, current_limits())
    logger.info("alert rule deleted", extra={"alert_id": alert_id})
    return Response(status_code=204, body=None)


handler = lambda_entry(app)
init_phase.end()
