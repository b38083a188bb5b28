"""Imports flow one way: handlers → (HTTP edge) → wiring → service → repository / engine → common.

Every module of the layer (`layers/sitepulse`) and every handler (`functions/*/app.py`) is
placed in one layer by `LAYERS` (first match wins); an import, at module level or inside
a function, may only go to a lower layer or stay within its own layer. On top:

* handlers never touch data access (they get services from the domain's `wiring`); command-line
  tools (`*.cli`) are their own composition root;
* `access` (API keys) is cross-cutting, not a domain: its edge check sits with `common.http`;
* pure domain logic (`engine`) imports no AWS SDK;
* generic ingestion (`sitepulse.ingest`) and `common` know no domain;
* domains do not import each other (the ingestion function's wiring joins them).

A new module must be placed in the table, so that its layer is a decision, not an accident.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("occupancy", "temperature", "bookings", "store_uptime")

# (layer, rank, patterns): an import may go from rank r to rank < r, or within one layer.
LAYERS: list[tuple[str, int, tuple[str, ...]]] = [
    ("handler", 6, ("functions.*",)),
    ("entry", 6, ("sitepulse.*.cli",)),  # command-line tools: their own composition root
    # The HTTP edge every handler goes through: resolver, error mapping, API-key checks.
    ("edge", 5, ("sitepulse.common.http", "sitepulse.common.openapi_responses", "sitepulse.access.edge")),
    ("common", 0, ("sitepulse.common.*",)),
    ("wiring", 4, ("sitepulse.*.wiring", "sitepulse.*.*.wiring", "sitepulse.ingest_wiring")),
    (
        "service",
        3,
        (
            "sitepulse.*.service",
            "sitepulse.*.*.service",
            "sitepulse.store_uptime.report.pipeline",
            "sitepulse.store_uptime.csv_input.sinks",
            "sitepulse.bookings.bulk",
            "sitepulse.bookings.csv_sink",
            "sitepulse.ingest.runner",
            "sitepulse.ingest.sink",  # the contract between the runner and the domain sinks
            "sitepulse.store_uptime.report.errors",  # tells the state machine transient AWS errors
        ),
    ),
    (
        "data",
        2,
        (
            "sitepulse.*.repository",
            "sitepulse.*.*.repository",
            "sitepulse.store_uptime.storage",
            "sitepulse.store_uptime.storage.*",
            "sitepulse.ingest.ledger",
            "sitepulse.ingest.objects",
            "sitepulse.ingest.rejected_store",
            "sitepulse.alerts.sources",  # the tables' stream records and the room's readings
            "sitepulse.alerts.webhooks",  # outbound HTTP to the rules' webhooks
        ),
    ),
    (
        "engine",  # pure domain logic and models: no I/O
        1,
        (
            "sitepulse.*.models",
            "sitepulse.*.*.models",
            "sitepulse.*.settings",
            "sitepulse.*.*.settings",
            "sitepulse.store_uptime.report.step_payloads",
            "sitepulse.store_uptime.report.rows",
            "sitepulse.store_uptime.report.sharding",
            "sitepulse.store_uptime.report.s3_keys",
            "sitepulse.store_uptime.engine.*",
            "sitepulse.store_uptime.csv_input.csv_rows",
            "sitepulse.store_uptime.csv_input.poll_array_reader",  # numpy reader of status files
            "sitepulse.store_uptime.csv_input.poller_row_words",  # the poller's row layout as words
            "sitepulse.store_uptime.report.array_rows",  # report rows with the array engine
            "sitepulse.occupancy.buckets",
            "sitepulse.occupancy.series",  # series points from the aggregates, pure
            "sitepulse.temperature.windows",
            "sitepulse.bookings.transitions",
            "sitepulse.bookings.dashboard",
            "sitepulse.bookings.ids",
            "sitepulse.ingest.csv_lines",
            "sitepulse.ingest.segments",
            "sitepulse.ingest.rejected_csv",
            "sitepulse.access.decision",
            "sitepulse.access.scopes",
            "sitepulse.access.tokens",
            "sitepulse.alerts.rules",  # states, transitions, signatures: pure
            "sitepulse.alerts.outbox",  # a delivery item's stream record → its queue message
        ),
    ),
    # package `__init__` files hold docstrings only (checked below): layer "package", rank 0
]

AWS_SDK = ("boto3", "botocore", "sitepulse.common.aws", "sitepulse.common.dynamo")
Edge = tuple[str, str]


def layer_of(module: str) -> tuple[str, int]:
    if module in _packages():
        return "package", 0
    for name, rank, patterns in LAYERS:
        if any(fnmatchcase(module, pattern) for pattern in patterns):
            return name, rank
    raise LookupError(module)


def _module_name(path: Path) -> str:
    if path.is_relative_to(ROOT / "functions"):
        return "functions." + path.parent.name
    parts = list(path.relative_to(ROOT / "layers").with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _packages() -> frozenset[str]:
    return frozenset(module for module, path in _sources().items() if path.name == "__init__.py")


@cache
def _sources() -> dict[str, Path]:
    files = [*(ROOT / "layers" / "sitepulse").rglob("*.py"), *(ROOT / "functions").glob("*/app.py")]
    return {_module_name(path): path for path in files}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def import_edges() -> list[Edge]:
    """(importer, imported) for every import of a sitepulse module or of the AWS SDK."""
    modules = _sources()
    edges: list[Edge] = []
    for module, path in modules.items():
        for target in sorted(_imports(path)):
            if target in modules or target.split(".")[0] in ("boto3", "botocore"):
                edges.append((module, target))
    return edges


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in DOMAINS else None


def violations(edges: list[Edge]) -> list[str]:
    found: list[str] = []
    for source, target in edges:
        source_layer, source_rank = layer_of(source)
        if target.split(".")[0] in ("boto3", "botocore") or target in AWS_SDK:
            if source_layer == "engine":
                found.append(f"{source} (engine) imports the AWS SDK: {target}")
            continue
        target_layer, target_rank = layer_of(target)
        if target_layer == "package":
            continue  # an empty `__init__`: importing it imports nothing
        same_rank_ok = target_layer == source_layer or {source_layer, target_layer} == {"handler", "entry"}
        if target_rank > source_rank or (target_rank == source_rank and not same_rank_ok):
            found.append(f"{source} ({source_layer}) imports {target} ({target_layer}): upward")
        if source_layer == "handler" and target_layer == "data":
            found.append(f"{source} (handler) imports {target}: get the service from the domain's wiring")
        source_domain, target_domain = _domain(source), _domain(target)
        if target_domain and source.startswith(("sitepulse.common", "sitepulse.ingest.")):
            found.append(f"{source} is generic but imports the {target_domain} domain ({target})")
        if source_domain and target_domain and source_domain != target_domain:
            found.append(f"{source} imports another domain: {target}")
    return found


def test_every_module_has_a_layer() -> None:
    unplaced = []
    for module in _sources():
        try:
            layer_of(module)
        except LookupError:
            unplaced.append(module)
    assert unplaced == []


def test_imports_flow_one_way() -> None:
    edges = import_edges()
    assert len(edges) > 100  # the walk really sees the code
    assert violations(edges) == []


def test_package_init_files_hold_no_code() -> None:
    # An `__init__` that imports its submodules makes every function load all of them (cold start).
    for module, path in _sources().items():
        if path.name == "__init__.py":
            body = ast.parse(path.read_text()).body
            code = [
                node
                for node in body
                if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
            ]
            assert code == [], f"{module}/__init__.py holds code"


@pytest.mark.parametrize(
    ("edge", "message"),
    [
        (("sitepulse.occupancy.repository", "sitepulse.occupancy.service"), "upward"),
        (("sitepulse.occupancy.service", "sitepulse.occupancy.wiring"), "upward"),
        (("functions.occupancy_write", "sitepulse.occupancy.repository"), "wiring"),
        (("sitepulse.common.errors", "sitepulse.bookings.models"), "upward"),
        (("sitepulse.common.http", "functions.occupancy_write"), "upward"),
        (("sitepulse.ingest.runner", "sitepulse.store_uptime.storage.keys"), "generic"),
        (("sitepulse.bookings.service", "sitepulse.occupancy.models"), "another domain"),
        (("sitepulse.store_uptime.engine.uptime", "botocore.exceptions"), "AWS SDK"),
        (("sitepulse.occupancy.buckets", "sitepulse.common.aws"), "AWS SDK"),
    ],
)
def test_the_checker_catches_each_kind_of_violation(edge: Edge, message: str) -> None:
    found = violations([edge])
    assert found and message in found[0]
