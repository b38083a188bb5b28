"""Benchmark: cold start of every API function against a bare boto3 client, side by side.

    python -m bench.cold_start [--rounds 5] [--function OccupancyReadFunction ...]

Each sample is a fresh interpreter that imports the function's handler module (`app`) with
the function's own environment from template.yaml (Globals + its Environment, references
resolved as `make run` does) and `PYTHONPATH` = the function's code dir + `layers/`, and
reports how long the import took. The baseline sample imports boto3 and creates a DynamoDB
client, the least any of these functions does. Rounds are interleaved (baseline, then every
function, again and again) so machine load hits all alike; the figure is the median per
function and its ratio to the baseline median. Target: ratio <= 1.3 for every function.

Not in Lambda (no `AWS_LAMBDA_FUNCTION_NAME`), Powertools' Tracer is disabled, as it is under
`sam local`; in AWS, with `Tracing: Active`, the X-Ray SDK is imported on first use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3
BASELINE = "boto3 client (baseline)"
_TIMED = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
_IMPORT_APP = _TIMED.format("import app")
_IMPORT_BOTO3 = _TIMED.format("import boto3; boto3.client('dynamodb')")
# Enough for botocore to build a client; nothing here ever reaches AWS.
_AWS_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "cold-start-bench",
    "AWS_SECRET_ACCESS_KEY": "cold-start-bench",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def api_functions() -> dict[str, tuple[Path, dict[str, str]]]:
    """Logical id -> (code dir, environment) of every function behind an HTTP route."""
    sys.path.insert(0, str(REPO))
    from local.template import load_stack

    stack = load_stack(REPO / "template.yaml")
    return {
        logical_id: (function.code_dir, dict(function.environment))
        for logical_id, function in sorted(stack.functions.items())
        if function.routes
    }


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
    return {name: os.environ[name] for name in keep if name in os.environ} | _AWS_ENV


def sample(code: str, pythonpath: list[Path], env: dict[str, str]) -> float:
    full_env = _base_env() | env | {"PYTHONPATH": os.pathsep.join(map(str, pythonpath))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=full_env,
        cwd=pythonpath[0],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold start sample failed in {pythonpath[0]}:\n{result.stderr[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def measure(rounds: int, only: set[str] | None = None) -> dict[str, list[float]]:
    functions = {name: spec for name, spec in api_functions().items() if not only or name in only}
    layers = REPO / "layers"
    samples: dict[str, list[float]] = {BASELINE: []} | {name: [] for name in functions}
    for _ in range(rounds):
        samples[BASELINE].append(sample(_IMPORT_BOTO3, [layers], {}))
        for name, (code_dir, env) in functions.items():
            samples[name].append(sample(_IMPORT_APP, [code_dir, layers], env))
    return samples


def report(samples: dict[str, list[float]]) -> bool:
    baseline = statistics.median(samples[BASELINE])
    rounds = len(samples[BASELINE])
    heading = f"{'function':34} {'median ms':>10} {'ratio':>7}"
    print(f"{heading}   (median of {rounds}, interleaved; target <= {TARGET_RATIO})")
    print(f"{BASELINE:34} {baseline * 1000:>10.0f} {1:>7.2f}")
    worst = 0.0
    for name, values in samples.items():
        if name == BASELINE:
            continue
        median = statistics.median(values)
        ratio = median / baseline
        worst = max(worst, ratio)
        flag = "" if ratio <= TARGET_RATIO else "  over target"
        print(f"{name:34} {median * 1000:>10.0f} {ratio:>7.2f}{flag}")
    print(f"worst ratio {worst:.2f}; load average {os.getloadavg()[0]:.2f} (other processes share the cores)")
    return worst <= TARGET_RATIO


def run(rounds: int = 5) -> None:
    report(measure(rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--function", action="append", help="only this logical id (repeatable)")
    args = parser.parse_args()
    return 0 if report(measure(args.rounds, set(args.function or ()))) else 1


if __name__ == "__main__":
    sys.exit(main())
