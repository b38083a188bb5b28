"""The demo API keys the local stack creates on every start (also with --no-demo), straight
in ApiKeysTable — the same bootstrap path as `make key` for a fresh deployment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# The keys are written with the layer's own models and repository, as the CLI does.
_LAYERS = str(Path(__file__).resolve().parents[2] / "layers")
if _LAYERS not in sys.path:
    sys.path.insert(0, _LAYERS)

from sitepulse.access.models import ApiKeyIn, Limits  # noqa: E402
from sitepulse.access.repository import ApiKeyRepository  # noqa: E402
from sitepulse.access.scopes import ALL_SCOPES, READ_SCOPES  # noqa: E402
from sitepulse.access.service import KeyService  # noqa: E402

KEYS_TABLE = "ApiKeysTable"

DEMO_KEYS: dict[str, ApiKeyIn] = {
    "admin": ApiKeyIn(name="demo admin (every scope)", scopes=list(ALL_SCOPES)),  # type: ignore[arg-type]
    "reader": ApiKeyIn(name="demo reader (read-only, every domain)", scopes=list(READ_SCOPES)),  # type: ignore[arg-type]
    "device": ApiKeyIn(
        name="demo device (thermometers of building viboo)",
        scopes=["temperature:write"],
        limits=Limits(buildings=["viboo"]),
    ),
}


def create_demo_keys(session: Any, table_name: str) -> dict[str, str]:
    """name → full key (the bearer token)."""
    service = KeyService(ApiKeyRepository(session.client("dynamodb"), table_name))
    return {name: service.create(request).secret for name, request in DEMO_KEYS.items()}
