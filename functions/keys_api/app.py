"""Key management (scope `admin`): create a key (its secret shown once), list keys, revoke one."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from sitepulse.access.models import ApiKeyCreated, ApiKeyIn, ApiKeyList
from sitepulse.access.tokens import KEY_ID_PATTERN
from sitepulse.access.wiring import key_service
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.observability import logger
from sitepulse.common.openapi_responses import api_responses
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit

service = key_service()
app = create_app()


@app.post(
    "/api/keys",
    summary="Create an API key (the secret is in this response only)",
    responses=api_responses({201: "Created; `secret` is shown once"}, body=True),
    tags=["keys"],
)
def create_key(request: Annotated[ApiKeyIn, Body()]) -> Response[ApiKeyCreated]:
    created = service.create(request)
    logger.info("api key created", extra={"created_key_id": created.key_id, "scopes": created.scopes})
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=created.model_dump(mode="json")
    )


@app.get(
    "/api/keys",
    summary="List API keys (never their secrets)",
    responses=api_responses({200: "One page of keys; `next_token` is null on the last page"}),
    tags=["keys"],
)
def list_keys(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> ApiKeyList:
    return service.list(limit, next_token)


@app.delete(
    "/api/keys/<key_id>",
    summary="Revoke an API key (idempotent)",
    responses=api_responses(
        {204: {"description": "Revoked (no body)", "content": {}}}, not_found="No such key"
    ),
    tags=["keys"],
)
def revoke_key(key_id: Annotated[str, Path(pattern=KEY_ID_PATTERN)]) -> Response[None]:
    revoked = service.revoke(key_id)
    logger.info("api key revoked", extra={"revoked_key_id": revoked.key_id})
    return Response(status_code=204, body=None)


handler = lambda_entry(app)
init_phase.end()
