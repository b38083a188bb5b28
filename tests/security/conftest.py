"""The attacker's suite runs against its own local stack (as `make run` starts it, no demo
data), and reads what a defender would: the stack's access log (one line per request,
naming the function that answered or `(authorizer)` when the gateway refused it) and each
function's own log file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.template import load_stack
from sitepulse.access.scopes import ROUTE_SCOPES
from tests.integration.conftest import ROOT, RunningStack, least_privileged_stack
from tests.integration.http_client import ApiClient


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    # Everything the attacks made each function do must have been granted to it by template.yaml.
    yield from least_privileged_stack(tmp_path_factory.mktemp("attack"))


@pytest.fixture(scope="session")
def admin(stack: RunningStack) -> ApiClient:
    return ApiClient(stack.api_url, stack.state["keys"]["admin"])


def protected_routes() -> dict[str, tuple[str, str]]:
    """Every route of template.yaml that has an authorizer: route key → (scope, function)."""
    routes = load_stack(ROOT / "template.yaml").routes
    return {r.route_key: (ROUTE_SCOPES[r.route_key], r.function) for r in routes if r.authorizer is not None}


class Witness:
    """What ran on the stack between `mark()` and `since()`: function log growth, access log lines."""

    def __init__(self, stack: RunningStack) -> None:
        self.logs = Path(stack.state["logs"])
        self.access = stack.log_file
        self._sizes: dict[str, int] = {}
        self._access_size = 0

    def _function_sizes(self) -> dict[str, int]:
        return {p.stem: p.stat().st_size for p in self.logs.glob("*.log") if p.is_file()}

    def mark(self, settle: float = 0.3) -> None:
        time.sleep(settle)  # lines of the requests made just before are written a moment later
        self._sizes = self._function_sizes()
        self._access_size = self.access.stat().st_size

    def functions_that_logged(self, settle: float = 0.3) -> set[str]:
        time.sleep(settle)  # a worker writes its log lines a moment after it answers
        now = self._function_sizes()
        return {name for name, size in now.items() if size > self._sizes.get(name, 0)}

    def access_lines(self) -> list[str]:
        with self.access.open("rb") as handle:
            handle.seek(self._access_size)
            text = handle.read().decode(errors="replace")
        return [line for line in text.splitlines() if " ms " in line]


@pytest.fixture
def witness(stack: RunningStack) -> Witness:
    return Witness(stack)


def new_key(admin: ApiClient, scopes: list[str], limits: dict[str, Any] | None = None) -> dict[str, Any]:
    created = admin.post("/api/keys", {"name": "attack suite", "scopes": scopes, "limits": limits})
    assert created.status == 201, created.body
    return created.json
