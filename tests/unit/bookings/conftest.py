"""Bookings unit fixtures: moto made linear-time for transactions (see local/aws/moto_safe_writes.py),
the service over the template's table, and the handlers as the local stack loads them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from local.aws import moto_safe_writes
from sitepulse.bookings.service import BookingService
from sitepulse.bookings.wiring import booking_service
from tests.unit.conftest import http_event, lambda_context


@pytest.fixture(scope="session", autouse=True)
def _linear_time_transactions() -> Iterator[None]:
    moto_safe_writes.install()
    yield
    moto_safe_writes.uninstall()


@pytest.fixture
def service(tables: dict[str, str], function_env: dict[str, str]) -> BookingService:
    return booking_service()


class Api:
    """The two booking functions called with real HTTP API v2 events."""

    def __init__(self, write: ModuleType, read: ModuleType) -> None:
        self._write = write
        self._read = read

    def post(self, body: Any) -> tuple[int, Any]:
        return self._call(self._write, http_event("POST", "/api/events", body=body))

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        params = {key: str(value) for key, value in query.items() if value is not None}
        return self._call(self._read, http_event("GET", path, query=params))

    @staticmethod
    def _call(module: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
        response = module.handler(event, lambda_context())
        return response["statusCode"], json.loads(response["body"])


@pytest.fixture
def api(load_function: Callable[[str], ModuleType]) -> Api:
    return Api(load_function("BookingsWriteFunction"), load_function("BookingsReadFunction"))
