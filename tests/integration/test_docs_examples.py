"""Every runnable example of the README and the docs pages, run against a live local stack.

Each page gets a fresh stack (started like `make run DEMO=0`, on free ports, with the demo keys),
so its examples run in order from a known state. The commands run in one bash per page, in a
directory where `.sitepulse/env` is that stack's, so `source .sitepulse/env` works as written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.docs_examples import ROOT, Example, documentation_pages, examples_of, mismatches
from tests.integration.conftest import start_stack, stop_stack

pytestmark = pytest.mark.integration

MARKER = "__sitepulse_docs_example_done__"
PAGES = [page for page in documentation_pages() if examples_of(page.read_text(encoding="utf-8"))]


def run_examples(examples: list[Example], workdir: Path) -> list[str]:
    """Run the commands in one shell (variables carry over) and split what each printed. A clean
    environment, as a newcomer's shell: only what `source .sitepulse/env` exports reaches the stack."""
    script = "".join(f"{example.command}\nprintf '\\n%s\\n' '{MARKER}'\n" for example in examples)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input=script,
        cwd=workdir,
        env={"PATH": os.environ["PATH"], "HOME": str(workdir), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outputs = result.stdout.split(f"\n{MARKER}\n")
    assert len(outputs) == len(examples) + 1, f"the shell stopped early:\n{result.stdout}\n{result.stderr}"
    return outputs[:-1]


def test_the_documentation_has_runnable_examples() -> None:
    names = {page.name for page in PAGES}
    assert {"README.md", "occupancy.md", "temperature.md", "bookings.md", "store-uptime.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[page.relative_to(ROOT).as_posix() for page in PAGES])
def test_examples_print_what_the_page_says(page: Path, tmp_path: Path) -> None:
    missing = [tool for tool in ("curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the examples use {', '.join(missing)}, not installed (.ci/run installs them)")
    examples = examples_of(page.read_text(encoding="utf-8"))
    stack = start_stack(tmp_path, "--no-demo", state_file=tmp_path / ".sitepulse" / "local.json")
    try:
        outputs = run_examples(examples, tmp_path)
    finally:
        stop_stack(stack)
    problems = []
    for example, printed in zip(examples, outputs, strict=True):
        for problem in mismatches(example, printed):
            problems.append(f"$ {example.command}\n    {problem}")
    assert not problems, f"{page.name}: examples print something else:\n" + "\n".join(problems)
