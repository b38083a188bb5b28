"""Least privilege, checked: every AWS action each function performed locally must be granted
by the policies template.yaml gives that function, and read functions hold no write action.

The policies are expanded by aws-sam-translator itself (`local/aws/sam_policies.py`, run with
`.venv-sam/bin/python`; the result is cached per template), so `DynamoDBReadPolicy` and the
other SAM policy templates mean here exactly what they mean in AWS. Their intrinsic
functions are resolved to the local stack's names (`local.template`). The actions come from
the stack's recorder (`local.aws.recorded_actions`, `<state dir>/aws-actions.jsonl`).

`python -m local.aws.least_privilege [--state-dir .sitepulse]` checks a running (or stopped)
stack's records and exits non-zero on a violation.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.aws.recorded_actions import ActionRecord, read_records
from local.template import _Resolver, load_yaml

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
CACHE_DIR = ROOT / ".sitepulse" / "cache"
ACTIONS_FILE = "aws-actions.jsonl"
# An action that changes something: IAM names them by verb (dynamodb:PutItem, s3:DeleteObject, ...).
WRITE_VERBS = (
    "Put", "Update", "Delete", "BatchWrite", "Create", "Start", "Stop", "Send", "Publish", "Abort",
    "Restore", "Tag", "Untag", "Copy", "Import", "Write", "Invoke", "Transact", "Set", "Attach",
    "Detach", "Modify", "Replace", "Upload", "Complete", "Terminate", "Enable", "Disable", "Purge",
)  # fmt: skip


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def matches(self, action: str, resource: str) -> bool:
        return any(fnmatch.fnmatch(action.lower(), pattern.lower()) for pattern in self.actions) and any(
            fnmatch.fnmatchcase(resource, pattern) for pattern in self.resources
        )


def is_write_action(action: str) -> bool:
    operation = action.split(":", 1)[-1]
    return operation == "*" or operation.startswith(WRITE_VERBS)


def is_read_function(logical_id: str) -> bool:
    """Functions named *ReadFunction serve reads only (the template's naming convention)."""
    return logical_id.endswith("ReadFunction")


def sam_statements(template: Path, cache_dir: Path = CACHE_DIR) -> dict[str, list[dict[str, Any]]]:
    """Each function's statements as aws-sam-translator expands them (unresolved intrinsics)."""
    script = Path(__file__).with_name("sam_policies.py")
    key = hashlib.sha256(template.read_bytes() + script.read_bytes()).hexdigest()[:16]
    cached = cache_dir / f"sam-policies-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    if not SAM_PYTHON.exists():
        raise RuntimeError(f"{SAM_PYTHON} not found: the SAM venv expands the policies (make validate)")
    output = subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
        [str(SAM_PYTHON), str(script), str(template)], capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise RuntimeError(f"aws-sam-translator failed on {template}:\n{output.stderr[-3000:]}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_text(output.stdout, encoding="utf-8")
    return json.loads(output.stdout)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def function_policies(template: Path, cache_dir: Path = CACHE_DIR) -> dict[str, list[Statement]]:
    """logical id → its statements, resolved to the local stack's ARNs."""
    resolver = _Resolver(load_yaml(template))
    return {
        logical_id: [
            Statement(
                raw.get("Effect", "Allow"),
                _strings(resolver.resolve(raw.get("Action", []))),
                _strings(resolver.resolve(raw.get("Resource", "*"))),
            )
            for raw in statements
        ]
        for logical_id, statements in sam_statements(template, cache_dir).items()
    }


def allowed(statements: list[Statement], action: str, resource: str) -> bool:
    matching = [s for s in statements if s.matches(action, resource)]
    return any(s.effect == "Allow" for s in matching) and not any(s.effect == "Deny" for s in matching)


def violations(records: list[ActionRecord], policies: dict[str, list[Statement]]) -> list[str]:
    """Every recorded action a function was not granted, and every write by or for a read function."""
    found: list[str] = []
    for logical_id, statements in sorted(policies.items()):
        if is_read_function(logical_id):
            writes = sorted(
                {a for s in statements if s.effect == "Allow" for a in s.actions if is_write_action(a)}
            )
            if writes:
                found.append(
                    f"{logical_id} is a read function but the template grants it {', '.join(writes)}"
                )
    for record in records:
        if record.function is None:
            continue  # the stack itself (provisioning, Step Functions' own calls), not a function
        if is_read_function(record.function) and is_write_action(record.action):
            found.append(
                f"{record.function} is a read function but performed {record.action} on {record.resource}"
            )
        if not allowed(policies.get(record.function, []), record.action, record.resource):
            found.append(
                f"{record.function} performed {record.action} on {record.resource}, "
                "which its policies in template.yaml do not grant"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".sitepulse")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args(argv)
    records = read_records(args.state_dir / ACTIONS_FILE)
    problems = violations(records, function_policies(args.template))
    functions = sorted({r.function for r in records if r.function})
    print(f"{len(records)} recorded actions of {len(functions)} functions checked", file=sys.stderr)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
