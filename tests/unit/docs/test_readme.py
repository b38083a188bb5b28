"""What the README promises a newcomer: one screen, the two commands, a first authenticated request
early on, and nothing that only makes sense inside the project's own history."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs_examples import examples_of

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
DOCUMENTATION = [
    *(ROOT / name for name in ("README.md", "CONTRIBUTING.md", "CHANGELOG.md")),
    *sorted((ROOT / "docs").glob("*.md")),
]


def test_readme_fits_on_one_screen() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300, "README.md is over 300 lines: move details into docs/"
    assert README.stat().st_size <= 30 * 1024, "README.md is over 30 KB: move details into docs/"


def test_readme_names_the_two_commands_and_make_help() -> None:
    text = README.read_text(encoding="utf-8")
    for command in ("make run", "make test", "make help", "make key", "source .sitepulse/env"):
        assert command in text, f"README.md no longer tells a newcomer about `{command}`"


def test_the_first_authenticated_request_comes_early_and_is_runnable() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if 'Authorization: Bearer $SITEPULSE_KEY"' in line)
    assert first < 80, f"the first authenticated curl is on line {first + 1}"
    assert any("Authorization: Bearer $SITEPULSE_KEY" in e.command for e in examples_of("\n".join(lines)))


def test_readme_has_each_top_level_section_once() -> None:
    headings = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    duplicated = sorted({h for h in headings if headings.count(h) > 1})
    assert not duplicated, f"sections repeated in README.md: {duplicated}"


def test_documentation_cites_no_spec_issue_or_history() -> None:
    """The docs speak for the product: no spec section numbers, issue numbers, files outside the
    repository or development history that a reader of a fresh clone cannot follow."""
    forbidden = re.compile(
        r"SPEC\.md|\.\./shared|§\s*\d|\bissue\s*#?\d|\bspec is silent|\bthe spec\b|"
        r"\bmerg(ed|ing) main\b|\bbranch `|\bearlier round\b|\bprevious round\b|\bstop \d",
        re.IGNORECASE,
    )
    found = [
        f"{page.relative_to(ROOT)}:{number}: {line.strip()}"
        for page in DOCUMENTATION
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        if forbidden.search(line)
    ]
    assert found == []
