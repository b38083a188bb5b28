"""AWS errors that outlived the SDK's retries answer 503 + Retry-After at the edge, never 500;
a report Running past its deadline reads as Failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from sitepulse.common.http import create_app
from sitepulse.store_uptime.report.service import RUNNING_DEADLINE_SECONDS, past_deadline


def _client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutItem"
    )


def _call(error: Exception) -> dict[str, Any]:
    app = create_app()

    @app.post("/w")
    def write() -> dict[str, Any]:
        raise error

    event = {
        "version": "2.0",
        "routeKey": "POST /w",
        "rawPath": "/w",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {"http": {"method": "POST", "path": "/w"}, "stage": "$default"},
        "isBase64Encoded": False,
    }
    return app.resolve(event, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ThrottlingException", 400),
        _client_error("ProvisionedThroughputExceededException", 400),
        _client_error("InternalServerError", 500),
        _client_error("SlowDown", 503),
        _client_error("TransactionConflictException", 400),
        _client_error("SomethingNew", 502),
        EndpointConnectionError(endpoint_url="http://x"),
    ],
)
def test_transient_aws_errors_are_503_with_retry_after(error: Exception) -> None:
    response = _call(error)
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"


@pytest.mark.parametrize(
    "error", [_client_error("ValidationException", 400), _client_error("AccessDeniedException", 400)]
)
def test_other_aws_errors_stay_errors(error: Exception) -> None:
    with pytest.raises(ClientError):
        _call(error)


def test_running_report_past_deadline_reads_as_failed() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    record = {"report_id": "r", "status": "Running", "created_at": "2026-01-01T00:00:00Z"}
    assert past_deadline(record, created + timedelta(seconds=RUNNING_DEADLINE_SECONDS)) == record
    late = past_deadline(record, created + timedelta(seconds=RUNNING_DEADLINE_SECONDS + 1))
    assert late["status"] == "Failed" and "did not finish within" in late["error"]
    done = {**record, "status": "Complete"}
    assert past_deadline(done, created + timedelta(days=30)) == done
