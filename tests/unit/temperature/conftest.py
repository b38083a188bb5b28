"""Temperature fixtures: the repository and service over the template's table in moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from sitepulse.temperature.repository import TemperatureRepository
from sitepulse.temperature.service import TemperatureService


@pytest.fixture
def dynamodb_client(aws: boto3.Session) -> Any:
    # Its own client (not the cached one the handlers share), so meters registered on it stay local.
    return aws.client("dynamodb")


@pytest.fixture
def repository(tables: dict[str, str], dynamodb_client: Any) -> TemperatureRepository:
    return TemperatureRepository(dynamodb_client, tables["TemperatureTable"])


@pytest.fixture
def service(repository: TemperatureRepository) -> TemperatureService:
    return TemperatureService(repository)
