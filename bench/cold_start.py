"""Benchmark: cold start of every API function against a bare boto3 client, side by side.

    python -m bench.cold_start [--rounds 5] [--function OccupancyReadFunction ...] [--source]

Each sample is a fresh interpreter with the function's own environment from template.yaml
(Globals + its Environment, references resolved as `make run` does) and `PYTHONPATH` = the
function's code dir + the shared layer as `sam build` makes it (`layers/Makefile`, built into
bench/out/layer), with no bytecode written (Lambda's /opt is read-only); `--source` takes
`layers/` and its cached bytecode instead. It times init (`import app`) and then the first
request: the function's event from `events/`, with AWS answered at botocore's HTTP layer from
answers recorded against moto just before (`bench.cold_start_replay`), so work deferred from
init to the first request is counted too. Wall and CPU seconds of both are kept. The baseline
imports boto3, creates a DynamoDB client and makes one GetItem; more reference rows measure
the libraries alone (the floor: + pydantic, one model and Powertools' Logger; then +
Powertools' HTTP resolver with validation) and one function with the layer stripped of its
.pyc files, as the python3.13 build method shipped it. Rounds are interleaved (references,
then every function, again and again) so machine load hits all alike; the figures are medians
and their ratio to the baseline's. Target: ratio <= 1.3 for every function, for init and for
init + first request.

Not in Lambda (no `LAMBDA_TASK_ROOT`), Powertools' Tracer is disabled, as it is under
`sam local`; in AWS, with `Tracing: Active`, the X-Ray SDK is imported at init: one more
reference row runs a function with Lambda's tracing environment, as AWS runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.cold_start_replay import require_pinned_botocore

REPO = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3
BASELINE = "boto3 client (baseline)"
FLOOR = "floor: + pydantic model + Logger"
FLOOR_ROUTER = "floor + Powertools resolver"
REPLIES = REPO / "bench" / "out" / "cold_start_replies.json"
LAYER_OUT = REPO / "bench" / "out" / "layer"
# The function of the two "as deployed" reference rows below (no bytecode; tracing on).
REFERENCE_FUNCTION = "OccupancyReadFunction"
NO_BYTECODE = f"{REFERENCE_FUNCTION}, layer without .pyc"
TRACED = f"{REFERENCE_FUNCTION}, tracing on as in Lambda"
# What Lambda sets that turns Powertools' Tracer on (the X-Ray SDK loads at init, the handler
# runs in a sampled trace); its UDP packets to the daemon address go nowhere here.
_LAMBDA_TRACING_ENV = {
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
}

# One measured interpreter: `init` (timed) is what Lambda runs at cold start; then, untimed,
# the recorded AWS answers are installed (`bench.cold_start_replay`); then `first` (timed) is
# the first request. Wall and CPU seconds of both are printed as one JSON line.
_SAMPLE = """\
import time
_w0, _c0 = time.perf_counter(), time.process_time()
{init}
_w1, _c1 = time.perf_counter(), time.process_time()
import json, sys
sys.path.append({repo!r})
from bench.cold_start_replay import LambdaContext, install
with open({replies!r}, encoding="utf-8") as _file:
    _recorded = json.load(_file)[{name!r}]
_pending = install(_recorded["replies"])
_context = LambdaContext()
_w2, _c2 = time.perf_counter(), time.process_time()
_status = {first}
_w3, _c3 = time.perf_counter(), time.process_time()
assert _status == _recorded["status"], f"status {{_status}}, recorded {{_recorded['status']}}"
assert not _pending, f"{{len(_pending)}} recorded AWS calls not made"
print(json.dumps({{"init": [_w1 - _w0, _c1 - _c0], "first": [_w3 - _w2, _c3 - _c2]}}))
"""
_APP = ("import app", 'app.handler(_recorded["event"], _context)["statusCode"]')
_BOTO3_INIT = "import boto3; client = boto3.client('dynamodb')"
_BOTO3_FIRST = 'client.get_item(TableName=_recorded["table"], Key=_recorded["key"]) and 200'
# The least an API function of ours can import with the chosen libraries: the baseline, pydantic
# with the one model every function answers with, and Powertools' Logger (kept: logging stays).
# Loaded as our handlers load (`sitepulse.common.init_phase`: no cyclic GC until init ends).
_FLOOR_IMPORTS = (
    f"{_BOTO3_INIT}; from aws_lambda_powertools import Logger; logger = Logger(); "
    "from sitepulse.common.errors import ErrorBody"
)


def _init_phase(init: str) -> str:
    return f"from sitepulse.common import init_phase\n{init}\ninit_phase.end()"


_FLOOR_INIT = _init_phase(_FLOOR_IMPORTS)
_FLOOR_FIRST = f'{_BOTO3_FIRST} and ErrorBody(message="x").as_json() and 200'
# ...plus Powertools' HTTP resolver with validation and one route taking a query parameter.
_ROUTER_INIT = _init_phase(f"""{_FLOOR_IMPORTS}
from typing import Annotated
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
resolver = APIGatewayHttpResolver(enable_validation=True)
@resolver.get("/api/ping")
def ping(limit: Annotated[int, Query(ge=1, le=10)] = 5) -> ErrorBody:
    return ErrorBody(message=str(limit))
""")
_PING = {
    "version": "2.0",
    "routeKey": "GET /api/ping",
    "rawPath": "/api/ping",
    "rawQueryString": "limit=3",
    "queryStringParameters": {"limit": "3"},
    "headers": {},
    "requestContext": {"http": {"method": "GET", "path": "/api/ping"}, "requestId": "r", "stage": "$default"},
    "isBase64Encoded": False,
}
_ROUTER_FIRST = f"{_BOTO3_FIRST} and resolver.resolve({_PING!r}, _context)['statusCode']"
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


type Sample = dict[str, list[float]]  # "init" / "first": [wall s, CPU s]


def sample(name: str, init: str, first: str, pythonpath: list[Path], env: dict[str, str]) -> Sample:
    code = _SAMPLE.format(init=init, first=first, repo=str(REPO), replies=str(REPLIES), name=name)
    full_env = _base_env() | env | {"PYTHONPATH": os.pathsep.join(map(str, pythonpath))}
    result = subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
        [sys.executable, "-c", code],
        env=full_env,
        cwd=pythonpath[0],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold start sample {name} failed:\n{result.stderr[-2000:]}")
    measured: Sample = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def record_replies() -> None:
    """Record the AWS answers of every function's first request (moto, in its own process)."""
    REPLIES.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
        [sys.executable, "-m", "bench.cold_start_replay", str(REPLIES)],
        cwd=REPO,
        env=_base_env() | {"PYTHONPATH": str(REPO)},
        check=True,
        capture_output=True,
    )


def build_layer() -> tuple[Path, Path]:
    """The shared layer as `sam build` makes it (layers/Makefile), and a copy without bytecode
    (what the python3.13 build method shipped): their `python/` dirs, under bench/out/."""
    built, bare = LAYER_OUT / "built", LAYER_OUT / "no-bytecode"
    shutil.rmtree(LAYER_OUT, ignore_errors=True)
    subprocess.run(  # noqa: S603 — an argv list of this project's own commands, no shell
        ["make", "--no-print-directory", "-C", str(REPO / "layers"), "build-SharedLayer"],  # noqa: S607 — the tool is found on PATH on purpose (developer machine)
        env=os.environ | {"ARTIFACTS_DIR": str(built), "PYTHON": sys.executable},
        check=True,
        capture_output=True,
    )
    shutil.copytree(built, bare, ignore=shutil.ignore_patterns("__pycache__"))
    return built / "python", bare / "python"


def measure(rounds: int, only: set[str] | None = None, deployed: bool = True) -> dict[str, list[Sample]]:
    """Samples per row. `deployed`: the layer as built for AWS, and, as on Lambda's read-only
    /opt, no bytecode written at import; otherwise the source tree with its cached bytecode."""
    every = api_functions()
    functions = {name: spec for name, spec in every.items() if not only or name in only}
    require_pinned_botocore()  # the measured interpreters replay through private botocore methods
    record_replies()
    layers, bare, extra = REPO / "layers", None, {}
    if deployed:
        (layers, bare), extra = build_layer(), {"PYTHONDONTWRITEBYTECODE": "1"}
    # The references run with what every function has (template Globals), as our code would.
    shared = dict(set.intersection(*(set(env.items()) for _, env in every.values())))
    references = {
        BASELINE: (_BOTO3_INIT, _BOTO3_FIRST),
        FLOOR: (_FLOOR_INIT, _FLOOR_FIRST),
        FLOOR_ROUTER: (_ROUTER_INIT, _ROUTER_FIRST),
    }
    rows = [*references, *([NO_BYTECODE] if bare else []), TRACED, *functions]
    samples: dict[str, list[Sample]] = {name: [] for name in rows}
    for _ in range(rounds):
        for name, (init, first) in references.items():
            samples[name].append(sample("<baseline>", init, first, [layers], shared | extra))
        code_dir, env = every[REFERENCE_FUNCTION]
        if bare:
            samples[NO_BYTECODE].append(sample(REFERENCE_FUNCTION, *_APP, [code_dir, bare], env | extra))
        traced = env | extra | _LAMBDA_TRACING_ENV | {"LAMBDA_TASK_ROOT": str(code_dir)}
        samples[TRACED].append(sample(REFERENCE_FUNCTION, *_APP, [code_dir, layers], traced))
        for name, (code_dir, env) in functions.items():
            samples[name].append(sample(name, *_APP, [code_dir, layers], env | extra))
    return samples


def _medians(values: list[Sample]) -> tuple[float, float, float, float]:
    """Median wall and CPU seconds of init, and of init + first request."""
    return (
        statistics.median(v["init"][0] for v in values),
        statistics.median(v["init"][1] for v in values),
        statistics.median(v["init"][0] + v["first"][0] for v in values),
        statistics.median(v["init"][1] + v["first"][1] for v in values),
    )


def report(samples: dict[str, list[Sample]]) -> bool:
    base = _medians(samples[BASELINE])
    rounds = len(samples[BASELINE])
    print(
        f"median of {rounds}, interleaved; ratio = wall time / the baseline's, cpu = the same in CPU "
        f"seconds (steadier on a shared machine); target <= {TARGET_RATIO}"
    )
    print(f"{'':42} {'---- import (init) ----':>24}   {'-- init + first request --':>26}")
    print(f"{'function':42} {'ms':>7} {'ratio':>7} {'cpu':>7}   {'ms':>9} {'ratio':>7} {'cpu':>7}")
    worst = 0.0
    for name, values in samples.items():
        medians = _medians(values)
        ratios = [m / b for m, b in zip(medians, base, strict=True)]
        reference = name in (BASELINE, FLOOR, FLOOR_ROUTER, NO_BYTECODE, TRACED)
        if not reference:
            worst = max(worst, ratios[0], ratios[2])
        over = not reference and max(ratios[0], ratios[2]) > TARGET_RATIO
        print(
            f"{name:42} {medians[0] * 1000:>7.0f} {ratios[0]:>7.2f} {ratios[1]:>7.2f}   "
            f"{medians[2] * 1000:>9.0f} {ratios[2]:>7.2f} {ratios[3]:>7.2f}{'  over target' if over else ''}"
        )
    print(f"worst ratio {worst:.2f}; load average {os.getloadavg()[0]:.2f} (other processes share the cores)")
    return worst <= TARGET_RATIO


def run(rounds: int = 5) -> None:
    report(measure(rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--function", action="append", help="only this logical id (repeatable)")
    parser.add_argument(
        "--source", action="store_true", help="import the layer from layers/ (cached bytecode), not as built"
    )
    args = parser.parse_args()
    return 0 if report(measure(args.rounds, set(args.function or ()), deployed=not args.source)) else 1


if __name__ == "__main__":
    sys.exit(main())
