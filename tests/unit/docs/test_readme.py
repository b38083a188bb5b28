"""A guard against the accident that once pasted a section between every character of README.md."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_is_small_and_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert README.stat().st_size < 200 * 1024, "README.md is over 200 KB: a scripted edit went wrong"
    for command in ("make run", "make test"):
        assert command in text, f"README.md no longer tells a newcomer about `{command}`"


def test_readme_has_each_top_level_section_once() -> None:
    headings = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    duplicated = sorted({h for h in headings if headings.count(h) > 1})
    assert not duplicated, f"sections repeated in README.md: {duplicated}"
