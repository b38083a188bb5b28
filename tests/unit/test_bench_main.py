"""`python -m bench`: a section's options reach it, and nothing is silently ignored."""

from __future__ import annotations

from typing import Any

import pytest

import bench.__main__ as bench_main
from bench import cold_start


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def measure(rounds: int, only: set[str] | None = None, deployed: bool = True) -> dict[str, Any]:
        calls.append({"rounds": rounds, "only": only, "deployed": deployed})
        return {}

    monkeypatch.setattr(cold_start, "measure", measure)
    monkeypatch.setattr(cold_start, "report", lambda samples: True)
    monkeypatch.setattr("sys.argv", ["python -m bench"])  # put back after the test
    return calls


def test_options_reach_the_named_section(measured: list[dict[str, Any]]) -> None:
    assert bench_main.main(["cold_start", "--rounds", "7", "--source"]) == 0
    assert measured == [{"rounds": 7, "only": set(), "deployed": False}]


def test_an_option_the_section_does_not_know_is_refused(
    measured: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_main.main(["cold_start", "--round", "7x"])
    assert exit_.value.code == 2
    assert measured == []


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["cold_strat"], "unknown section cold_strat"),
        (["--rounds", "7"], "need exactly one section"),
        (["cold_start", "occupancy", "--rounds", "7"], "need exactly one section"),
        (["console", "--rounds", "7"], "section console takes no options"),
    ],
)
def test_usage_errors_exit_2_and_run_nothing(
    measured: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    assert bench_main.main(argv) == 2
    assert words in capsys.readouterr().err
    assert measured == []


def test_every_section_is_known_by_its_short_and_module_name() -> None:
    names = bench_main.sections()
    assert "cold_start" in names and "report_offline" in names
    assert any(name.startswith("api_") for name in names)
