"""AWS answers for the cold-start bench's first request: recorded once against moto, replayed
at the HTTP layer of botocore in the measured interpreter.

    python -m bench.cold_start_replay OUT.json      # record (moto in-process; a few seconds)

Recording runs every API function's event from `events/<LogicalId>.json` through its real
handler, in one moto backend, writes before reads (so the reads find what the writes stored
and answer 200 like a warm system would), and keeps, per function, the HTTP status, headers
and body of every AWS response in call order, plus the handler's own status code.

Both sides patch private botocore methods (`Endpoint._send`, `Endpoint._get_response`): a
`before-send` event handler, botocore's public hook, would have to be registered on every
client the handler creates, which the measured handler code does not expose. So both check the
botocore version first (`require_pinned_botocore`; the cold-start bench checks it before it
starts the measured interpreters, so `install` itself imports nothing more).

Replaying (`install`) patches `botocore.endpoint.Endpoint._send`, the one place botocore
hands a signed request to the network: everything above it (parameter validation,
serialization, endpoint rules, signing, response parsing, retries) runs as in AWS, so the
first request pays the SDK's first-call costs too. This module is imported by the measured
interpreter *between* the timed import and the timed request: it imports nothing that the
handler has not imported already (botocore is loaded by then), so it warms nothing.
"""

from __future__ import annotations

import base64
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

# Writes first: the reads' events ask for what these events store.
WRITE_FIRST = (
    "KeysApiFunction",
    "OccupancyWriteFunction",
    "TemperatureWriteFunction",
    "BookingsWriteFunction",
    "ReportsApiWriteFunction",
)
BASELINE = "<baseline>"  # its first request: one GetItem on a table, the item absent


class _Raw:
    """The `raw` of an AWSResponse: what botocore reads a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        if self._body:
            yield self._body
        self._body = b""

    def read(self, *_: Any, **__: Any) -> bytes:
        body, self._body = self._body, b""
        return body


class LambdaContext:
    """What Powertools reads from the Lambda context."""

    function_name = "cold-start"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    aws_request_id = "cold-start-request"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold-start"
    log_group_name = "/aws/lambda/cold-start"
    log_stream_name = "cold-start"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def require_pinned_botocore() -> None:
    """Refuse a botocore other than the one these private-method patches were written for."""
    from pathlib import Path

    import botocore

    layers = str(Path(__file__).resolve().parent.parent / "layers")
    if layers not in sys.path:
        sys.path.append(layers)  # the guard lives in the layer (`sitepulse.common.pinned`)
    from sitepulse.common.pinned import BOTOCORE, require_version

    require_version("botocore", botocore.__version__, BOTOCORE, "bench.cold_start_replay")


def install(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer botocore's requests with `replies`, in order; returns the list it pops from
    (empty once every recorded call was made)."""
    from botocore.awsrequest import AWSResponse, HeadersDict
    from botocore.endpoint import Endpoint

    pending = list(replies)

    def _send(self: Endpoint, request: Any) -> AWSResponse:
        if not pending:
            raise RuntimeError(f"unrecorded AWS call: {request.method} {request.url}")
        reply = pending.pop(0)
        body = base64.b64decode(reply["body"])
        return AWSResponse(request.url, reply["status"], HeadersDict(reply["headers"]), _Raw(body))

    Endpoint._send = _send  # type: ignore[method-assign]
    return pending


def record(out: Path) -> None:
    from pathlib import Path

    import boto3
    import botocore.endpoint
    from moto import mock_aws

    repo = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(repo))
    from bench.harness import CONTEXT, bench_environment
    from local.aws.provision import provision
    from local.lambdas.inprocess import load_handler_module
    from local.template import load_stack

    require_pinned_botocore()
    stack = load_stack(repo / "template.yaml")
    bench_environment(stack)
    calls: list[dict[str, Any]] = []
    original = botocore.endpoint.Endpoint._get_response

    def recording(self: Any, request: Any, operation_model: Any, context: Any) -> Any:
        success, exception = original(self, request, operation_model, context)
        if success is None:  # a connection error: moto never raises one
            raise RuntimeError(f"{operation_model.name} failed while recording: {exception!r}")
        http_response = success[0]
        calls.append(
            {
                "operation": operation_model.name,
                "status": http_response.status_code,
                "headers": dict(http_response.headers),
                "body": base64.b64encode(http_response.content).decode("ascii"),
            }
        )
        return success, exception

    api = {name: fn for name, fn in stack.functions.items() if fn.routes}
    order = [name for name in WRITE_FIRST if name in api] + sorted(set(api) - set(WRITE_FIRST))
    recorded: dict[str, Any] = {}
    started_report = ""
    with mock_aws():
        provision(stack, boto3.Session())
        botocore.endpoint.Endpoint._get_response = recording
        try:
            table = next(iter(stack.tables.values()))
            key = {part["AttributeName"]: {"S": "cold-start"} for part in table.properties["KeySchema"]}
            boto3.client("dynamodb").get_item(TableName=table.name, Key=key)
            recorded[BASELINE] = {"table": table.name, "key": key, "replies": calls[:], "status": 200}
            for name in order:
                function = api[name]
                module = load_handler_module(function, function.layers)
                text = (repo / "events" / f"{name}.json").read_text(encoding="utf-8")
                if name == "ReportsApiReadFunction" and started_report:
                    # The event's report id is an example: ask for the report the write started.
                    text = text.replace(json.loads(text)["pathParameters"]["report_id"], started_report)
                event = json.loads(text)
                calls.clear()
                answer = module.handler(event, CONTEXT)
                recorded[name] = {"event": event, "replies": calls[:], "status": answer["statusCode"]}
                if name == "ReportsApiWriteFunction":
                    started_report = json.loads(answer["body"])["report_id"]
        finally:
            botocore.endpoint.Endpoint._get_response = original
    out.write_text(json.dumps(recorded), encoding="utf-8")


if __name__ == "__main__":
    from pathlib import Path

    record(Path(sys.argv[1]))
