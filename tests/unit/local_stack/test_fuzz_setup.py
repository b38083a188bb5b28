"""The contract fuzzing setup: which 422s count as "a rule no schema can state", and the key it sends."""

from __future__ import annotations

import pytest

from local.contract.fuzz import EXCLUDED_CHECKS, FuzzRun, admin_key
from local.contract.fuzz_checks import _unexpressible

EVENTS = "GET /api/events"


def body(*errors: tuple[str, str]) -> dict[str, object]:
    return {"message": "Validation failed", "errors": [{"field": f, "message": m} for f, m in errors]}


@pytest.mark.parametrize(
    ("operation", "answer", "tolerated"),
    [
        (EVENTS, body(("next_token", "was issued for another listing")), True),
        (EVENTS, body(("updated__gte", "must not be after updated__lte")), True),
        (EVENTS, body(("updated__gte", "must be within 1970-01-01T00:00:00Z …")), False),
        (EVENTS, body(("next_token", "x"), ("limit", "Input should be less than or equal to 1000")), False),
        ("GET /api/sensors", body(("limit", "x")), False),
        ("GET /api/dashboard", body(("year", "x")), False),
        ("POST /api/events", body(("timestamp", "more than 24 hours in the future")), True),
        ("POST /api/events", body(("hotel_id", "more than 24 hours in the future")), False),
        (EVENTS, {"message": "Validation failed"}, False),
        (EVENTS, None, False),
    ],
)
def test_only_the_named_rules_excuse_a_422(operation: str, answer: object, tolerated: bool) -> None:
    assert _unexpressible(operation, answer) is tolerated


def test_the_admin_key_is_sent_once_the_state_file_has_one() -> None:
    assert admin_key({"api_url": "http://x"}) is None
    state = {"api_url": "http://x", "keys": {"admin": "s3cret", "reader": "r"}}
    assert admin_key(state) == "s3cret"
    command = FuzzRun(api_url="http://x", api_key=admin_key(state)).command()
    assert command[command.index("--header") + 1] == "Authorization: Bearer s3cret"
    assert "--header" not in FuzzRun(api_url="http://x").command()


def test_every_check_runs_but_the_named_exclusions() -> None:
    command = FuzzRun(api_url="http://x", examples=150, seed=3).command()
    assert command[command.index("--checks") + 1] == "all"
    assert set(command[command.index("--exclude-checks") + 1].split(",")) == set(EXCLUDED_CHECKS)
    assert (
        command[command.index("--seed") + 1] == "3" and command[command.index("--max-examples") + 1] == "150"
    )


def test_only_tracebacks_logged_during_the_run_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from local.contract.fuzz import log_offsets, new_tracebacks

    old = tmp_path / "stack.log"
    old.write_text("Traceback (most recent call last): from an earlier test\n")
    offsets = log_offsets(tmp_path)
    assert new_tracebacks(tmp_path, offsets) == []
    (tmp_path / "OccupancyReadFunction.log").write_text('{"level":"ERROR","exception":"Traceback (most…"}\n')
    assert new_tracebacks(tmp_path, offsets) == [tmp_path / "OccupancyReadFunction.log"]
    with old.open("a") as log:
        log.write("Traceback again\n")
    assert old in new_tracebacks(tmp_path, offsets)


def summary(exit_code: int = 0, calls: dict | None = None, tracebacks: list | None = None):  # type: ignore[no-untyped-def]
    from local.contract.fuzz import FuzzSummary

    return FuzzSummary(
        run=FuzzRun(api_url="http://x"),
        exit_code=exit_code,
        seconds=90.0,
        calls={(EVENTS, 200): 3, (EVENTS, 422): 2, ("GET /api/hotels", 200): 1} if calls is None else calls,
        tracebacks=tracebacks or [],
    )


def test_the_summary_counts_requests_per_operation_and_passes_a_clean_run() -> None:
    clean = summary()
    text = clean.render()
    assert clean.result_code() == 0
    assert "operations: 2   requests: 6   examples per operation: 150" in text
    assert "[200:3 422:2]" in text and text.endswith("RESULT: PASSED (0 failures, no tracebacks, no 5xx)")


@pytest.mark.parametrize(
    ("exit_code", "calls", "tracebacks", "reason"),
    [
        (1, None, None, "schemathesis reported failures"),
        (0, {(EVENTS, 200): 4, (EVENTS, 502): 1}, None, "1 responses were 5xx"),
        (0, None, ["OccupancyReadFunction.log"], "the stack logged tracebacks"),
        (0, {}, None, "no request was sent"),
    ],
)
def test_the_summary_fails_the_run(exit_code, calls, tracebacks, reason) -> None:  # type: ignore[no-untyped-def]
    failed = summary(exit_code, calls, tracebacks)
    assert failed.result_code() != 0
    text = failed.render()
    assert reason in text and text.endswith("RESULT: FAILED")


def test_requests_are_counted_per_operation_and_status(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from local.contract import fuzz_checks
    from local.contract.fuzz import read_calls

    monkeypatch.setattr(fuzz_checks, "_calls", fuzz_checks.Counter())
    case = SimpleNamespace(operation=SimpleNamespace(method="get", path="/api/events"))
    for status in (200, 200, 422):
        fuzz_checks.after_call(None, case, SimpleNamespace(status_code=status))  # type: ignore[arg-type]
    stats = tmp_path / "calls.json"
    monkeypatch.setenv(fuzz_checks.STATS_ENV, str(stats))
    fuzz_checks._write_stats()
    assert read_calls(stats) == {(EVENTS, 200): 2, (EVENTS, 422): 1}
    assert read_calls(tmp_path / "missing.json") == {}
