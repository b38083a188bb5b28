"""Shared fixtures: the parsed template, and safe AWS credentials so nothing ever reaches real AWS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local.template import Stack, load_stack

ROOT = Path(__file__).resolve().parent.parent

# Never let a test talk to a real account, whatever the developer's shell holds.
for _name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # As the template's Globals: the shared Metrics object may be created by any test's import.
        "POWERTOOLS_SERVICE_NAME": "sitepulse",
        "POWERTOOLS_METRICS_NAMESPACE": "Sitepulse",
    }
)


@pytest.fixture(scope="session")
def template_stack() -> Stack:
    return load_stack(ROOT / "template.yaml")
