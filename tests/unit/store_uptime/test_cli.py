"""`python -m sitepulse.store_uptime.cli` end to end on small files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sitepulse.store_uptime.cli import main
from sitepulse.store_uptime.report.rows import REPORT_HEADER

LAYERS = Path(__file__).resolve().parents[3] / "layers"

POLLS = (
    "store_id,status,timestamp_utc\n"
    "s1,active,2023-01-23 16:14:00 UTC\n"  # Monday 10:14 Chicago
    "s1,inactive,2023-01-23 17:15:00.000000 UTC\n"  # 11:15
    "s2,inactive,2023-01-24 05:30:00.5 UTC\n"
    "s2,active,2023-01-24 06:00:00 UTC\n"  # latest poll: the default now
    "s3,active,2023-01-25 00:00:00 UTC\n"  # after an explicit earlier now
    "s1,sleeping,2023-01-23 16:00:00 UTC\n"  # rejected, line 7
)
HOURS = (
    "\ufeffstore_id,dayOfWeek,start_time_local,end_time_local\r\n"
    "s1,0,09:00:00,12:00:00\r\n"
    "s2,9,09:00:00,12:00:00\r\n"  # rejected, line 3
)
TIMEZONES = "store_id,timezone_str\ns2,Asia/Tokyo\n"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    files = {"polls": POLLS, "hours": HOURS, "tz": TIMEZONES}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_bytes(text.encode("utf-8"))
    return paths


def run(inputs: dict[str, Path], out: Path, *extra: str) -> int:
    files = ["--polls", str(inputs["polls"]), "--hours", str(inputs["hours"]), "--tz", str(inputs["tz"])]
    return main([*files, "--out", str(out), *extra])


def test_report_at_the_latest_poll(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.csv"
    assert run(inputs, out) == 0
    # now = s3's poll, 2023-01-25T00:00Z. s1: Monday's 3 h are only in the week. s2's hours row
    # is rejected, so it is open 24x7: inactive until 2023-01-24T05:45:00.25Z, the midpoint.
    assert out.read_text().splitlines() == [
        REPORT_HEADER,
        "s1,0.00,0.00,1.74,0.00,0.00,1.26",
        "s2,60.00,18.25,18.25,0.00,5.75,149.75",
        "s3,60.00,24.00,168.00,0.00,0.00,0.00",
    ]
    summary = capsys.readouterr().err.strip().splitlines()
    assert len(summary) == 1
    assert summary[0].startswith("report: 3 stores, 5 polls, 2 rejected rows, now=2023-01-25T00:00:00Z, ")


def test_report_at_an_explicit_now_ignores_later_polls_and_stores(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "report.csv"
    assert run(inputs, out, "--now", "2023-01-24T06:00:00Z") == 0
    assert out.read_text().splitlines() == [
        REPORT_HEADER,
        "s1,0.00,1.74,1.74,0.00,1.26,1.26",
        "s2,15.00,0.25,0.25,45.00,23.75,167.75",  # active from 05:45:00.25Z: 14.996 min
    ]


def test_hours_and_timezones_are_optional(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    args = ["--polls", str(inputs["polls"]), "--now", "2023-01-24 06:00:00 UTC", "--out", str(out)]
    assert main(args) == 0
    # s1 open 24x7: active until the 16:44:30Z midpoint on Monday, inactive after.
    assert out.read_text().splitlines()[1] == "s1,0.00,10.74,154.74,60.00,13.26,13.26"


def test_rejected_rows_are_written_when_asked(inputs: dict[str, Path], tmp_path: Path) -> None:
    assert run(inputs, tmp_path / "report.csv", "--rejected-dir", str(tmp_path / "rejected")) == 0
    assert (tmp_path / "rejected" / "polls.csv.errors.csv").read_text().splitlines() == [
        "line,reason,raw",
        "7,unknown status 'sleeping' (expected active or inactive),\"s1,sleeping,2023-01-23 16:00:00 UTC\"",
    ]
    assert (tmp_path / "rejected" / "hours.csv.errors.csv").read_text().splitlines() == [
        "line,reason,raw",
        '3,"bad day \'9\' (expected 0-6, 0 = Monday)","s2,9,09:00:00,12:00:00"',
    ]
    assert not (tmp_path / "rejected" / "tz.csv.errors.csv").exists()


def test_missing_column_is_an_error(
    inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs["tz"].write_text("store_id,zone\ns1,UTC\n")
    out = tmp_path / "report.csv"
    assert run(inputs, out) == 2
    assert "missing required column(s) timezone_str" in capsys.readouterr().err
    assert not out.exists()


def test_bad_now_is_a_usage_error(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        run(inputs, tmp_path / "report.csv", "--now", "soon")
    assert caught.value.code == 2


def test_runs_as_a_module_from_the_layers_directory(inputs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    files = ["--polls", str(inputs["polls"]), "--hours", str(inputs["hours"]), "--tz", str(inputs["tz"])]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitepulse.store_uptime.cli",
            *files,
            "--now",
            "2023-01-24T06:00:00Z",
            "--out",
            str(out),
        ],
        cwd=LAYERS,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert out.read_text().splitlines()[1] == "s1,0.00,1.74,1.74,0.00,1.26,1.26"
    assert completed.stderr.startswith("report: 2 stores, 5 polls, 2 rejected rows, now=2023-01-24T06:00:00Z")
