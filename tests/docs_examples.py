"""The runnable examples of the documentation: every ```console block of README.md and docs/*.md.

A block is a transcript: a line starting with `$ ` is a command (continued on the next lines
while it ends with a backslash or has an unclosed quote), the lines up to the next command are
what it prints. In the documented output `…` stands for anything that differs per run (ids,
keys, tokens, times). JSON printed by a command is compared in its compact form, so the
spacing of a serializer does not matter.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
STATUS_SUFFIX = re.compile(r"^(?P<body>.*?) (?P<status>[1-5][0-9]{2})$")


@dataclass
class Example:
    command: str
    expected: list[str] = field(default_factory=list)


def documentation_pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _unfinished(command: str) -> bool:
    if command.endswith("\\"):
        return True
    try:
        shlex.split(command)
    except ValueError:  # an unclosed quote: the command goes on on the next line
        return True
    return False


def examples_of(text: str) -> list[Example]:
    """Every command of every console block of one page, in order."""
    examples: list[Example] = []
    for block in FENCE.findall(text):
        current: Example | None = None
        for line in block.splitlines():
            if current is not None and not current.expected and _unfinished(current.command):
                current.command += "\n" + line
            elif line.startswith("$ "):
                current = Example(line[2:])
                examples.append(current)
            elif current is None:
                raise ValueError(f"output before the first command in a console block: {line!r}")
            elif line.strip():
                current.expected.append(line.rstrip())
    return examples


def canonical(line: str) -> str:
    """A printed line with any JSON in its compact form (an HTTP status may follow it)."""
    line = line.rstrip()
    match = STATUS_SUFFIX.match(line)
    body, suffix = (match["body"], " " + match["status"]) if match else (line, "")
    try:
        value = json.loads(body)
    except ValueError:
        return line
    if not isinstance(value, (dict, list)):
        return line
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + suffix


def matches(expected: str, actual: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in expected.split("…"))
    return re.fullmatch(pattern, actual) is not None


def mismatches(example: Example, printed: str) -> list[str]:
    """What differs between the documented and the printed output (empty: they agree)."""
    actual = [canonical(line) for line in printed.splitlines() if line.strip()]
    problems = []
    if len(actual) != len(example.expected):
        problems.append(f"{len(example.expected)} lines documented, {len(actual)} printed")
    for documented, printed_line in zip(example.expected, actual, strict=False):
        if not matches(documented, printed_line):
            problems.append(f"documented: {documented}\n    printed: {printed_line}")
    return problems
