"""Which IAM action, on which resource, each request to the emulated AWS is.

`ActionRecorder` is WSGI middleware in front of moto's server: it reads who signed each
request (the access key id in the SigV4 `Authorization` header or a presigned URL's
`X-Amz-Credential`; each function has its own, `local.lambdas.credentials`), maps the request to
IAM actions and resource ARNs, and appends every new (identity, action, resource) to a
JSON-lines file that `local.aws.least_privilege` checks against the template's policies.

The mapping follows the IAM authorization reference: JSON protocols name the operation in
`X-Amz-Target` (DynamoDB, Step Functions, EventBridge), transactions are authorised per
item (`TransactWriteItems` needs `PutItem`/`UpdateItem`/`DeleteItem`/`ConditionCheckItem`),
S3 is read from method, path and sub-resource, query protocols from `Action=`.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from local.template import ACCOUNT, REGION

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/aws4_request")
_TRANSACT_WRITE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT_WRITE["ConditionCheck"] = "ConditionCheckItem"
_MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True)
class ActionRecord:
    principal: str  # access key id
    function: str | None  # logical id of the function holding that key, if any
    action: str  # service:Action
    resource: str  # ARN, or * when the action has no resource


def credential(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(access key id, signing service) of a SigV4-signed request or presigned URL."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1), match.group(2)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "X-Amz-Credential" in query:
        parts = query["X-Amz-Credential"][0].split("/")
        if len(parts) == 5:
            return parts[0], parts[3]
    return None


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def dynamodb_actions(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{_TRANSACT_WRITE[kind]}", _table(op.get("TableName", "")))
            for item in body.get("TransactItems", [])
            for kind, op in item.items()
            if kind in _TRANSACT_WRITE
        ]
    if operation == "TransactGetItems":
        return [
            ("dynamodb:GetItem", _table(item.get("Get", {}).get("TableName", "")))
            for item in body.get("TransactItems", [])
        ]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", _table(name)) for name in body.get("RequestItems", {})]
    if "TableName" in body:
        return [(f"dynamodb:{operation}", _table(body["TableName"], body.get("IndexName")))]
    return [(f"dynamodb:{operation}", "*")]


def states_actions(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    resource = body.get("stateMachineArn") or body.get("executionArn") or "*"
    return [(f"states:{operation}", resource)]


def events_actions(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "PutEvents":
        buses = {entry.get("EventBusName") or "default" for entry in body.get("Entries", [])}
        bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"
        return [
            ("events:PutEvents", bus if bus.startswith("arn:") else bus_arn + bus) for bus in sorted(buses)
        ]
    name = body.get("Name") or body.get("Rule")
    resource = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}" if name else "*"
    return [(f"events:{operation}", resource)]


def secretsmanager_actions(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """The secret named by `SecretId`: an ARN as given (full or partial), a name as its ARN."""
    secret = str(body.get("SecretId") or body.get("Name") or "")
    if not secret:
        return [(f"secretsmanager:{operation}", "*")]
    arn = (
        secret if secret.startswith("arn:") else f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}"
    )
    return [(f"secretsmanager:{operation}", arn)]


def sqs_actions(operation: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    """SQS speaks JSON (`AmazonSQS.<Operation>`); the queue is the last segment of its URL."""
    url = body.get("QueueUrl")
    name = body.get("QueueName") or (str(url).rstrip("/").rsplit("/", 1)[-1] if url else None)
    resource = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}" if name else "*"
    return [(f"sqs:{operation}", resource)]


_JSON_SERVICES: dict[str, Callable[[str, dict[str, Any]], list[tuple[str, str]]]] = {
    "dynamodb": dynamodb_actions,
    "states": states_actions,
    "events": events_actions,
    "secretsmanager": secretsmanager_actions,
    "sqs": sqs_actions,
}


def s3_actions(method: str, path: str, query: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    params = parse_qs(query, keep_blank_values=True)
    if not bucket:
        return [("s3:ListAllMyBuckets", "*")]
    if key:
        resource = f"arn:aws:s3:::{bucket}/{key}"
        if method in ("GET", "HEAD"):
            action = "ListMultipartUploadParts" if "uploadId" in params else _sub(params, "GetObject")
            action = action or "GetObject"
        elif method in ("PUT", "POST"):
            multipart = {"uploads", "uploadId"} & params.keys()
            action = "PutObject" if multipart else _sub(params, "PutObject") or "PutObject"
        else:
            action = "AbortMultipartUpload" if "uploadId" in params else "DeleteObject"
        actions = [(f"s3:{action}", resource)]
        source = headers.get("x-amz-copy-source")
        if method == "PUT" and source:
            actions.append(("s3:GetObject", f"arn:aws:s3:::{unquote(source).lstrip('/').split('?')[0]}"))
        return actions
    resource = f"arn:aws:s3:::{bucket}"
    if method == "POST" and "delete" in params:
        return [("s3:DeleteObject", f"{resource}/*")]
    if method in ("GET", "HEAD"):
        if "uploads" in params:
            return [("s3:ListBucketMultipartUploads", resource)]
        if "versions" in params:
            return [("s3:ListBucketVersions", resource)]
        if "location" in params:
            return [("s3:GetBucketLocation", resource)]
        return [("s3:ListBucket", resource)]
    if method == "PUT":
        return [(f"s3:{_sub(params, 'PutBucket') or 'CreateBucket'}", resource)]
    return [("s3:DeleteBucket", resource)]


_SUBRESOURCES = ("tagging", "acl", "retention", "legal-hold", "attributes", "policy", "cors", "lifecycle")


def _sub(params: dict[str, Any], base: str) -> str | None:
    """Sub-resources like ?tagging: GetObject → GetObjectTagging."""
    for name in _SUBRESOURCES:
        if name in params:
            return base + "".join(part.capitalize() for part in name.split("-"))
    return None


def request_actions(environ: dict[str, Any], service: str, body: bytes) -> list[tuple[str, str]]:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target and service in _JSON_SERVICES:
        operation = target.rsplit(".", 1)[-1]
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        return _JSON_SERVICES[service](operation, payload if isinstance(payload, dict) else {})
    if target:
        return [(f"{service}:{target.rsplit('.', 1)[-1]}", "*")]
    if service == "s3":
        headers = {"x-amz-copy-source": environ.get("HTTP_X_AMZ_COPY_SOURCE", "")}
        return s3_actions(method, path, query, headers)
    if service == "lambda" and method == "POST" and path.rstrip("/") == "/2015-03-31/functions":
        return [("lambda:CreateFunction", "*")]
    match = re.fullmatch(r"/2015-03-31/functions/([^/]+)/invocations", path)
    if service == "lambda" and match:
        name = unquote(match.group(1)).rsplit(":function:", 1)[-1]
        return [("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")]
    params = parse_qs(query)
    if not params.get("Action") and body and b"Action=" in body:
        params = parse_qs(body.decode("utf-8", "replace"))
    if params.get("Action"):
        topic = params.get("TopicArn", ["*"])[0] if service == "sns" else "*"
        return [(f"{service}:{params['Action'][0]}", topic)]
    return [(f"{service}:{method} {path}", "*")]


class ActionRecorder:
    """WSGI middleware: records every new (identity, action, resource) to `path`, one JSON line each."""

    def __init__(self, app: WsgiApp, path: Path, identities: dict[str, str]) -> None:
        self._app = app
        self.path = path
        self._identities = identities
        self._seen: set[ActionRecord] = set()
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        signer = credential(environ)
        if signer is not None:
            try:
                self._record(environ, *signer)
            except Exception as error:  # never let the bookkeeping break a request
                self._write([ActionRecord(signer[0], None, f"unparsed:{error!r}", "*")])
        return self._app(environ, start_response)

    def _read_body(self, environ: dict[str, Any], service: str) -> bytes:
        wants_body = bool(environ.get("HTTP_X_AMZ_TARGET")) or (
            service != "s3" and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", "")
        )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if not wants_body or not 0 < length <= _MAX_BODY:
            return b""
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    def _record(self, environ: dict[str, Any], principal: str, service: str) -> None:
        body = self._read_body(environ, service)
        function = self._identities.get(principal)
        self._write(
            [
                ActionRecord(principal, function, action, resource)
                for action, resource in request_actions(environ, service, body)
            ]
        )

    def _write(self, records: list[ActionRecord]) -> None:
        with self._lock:
            new = list(dict.fromkeys(record for record in records if record not in self._seen))
            if not new:
                return
            self._seen.update(new)
            with self.path.open("a", encoding="utf-8") as handle:
                for record in new:
                    handle.write(json.dumps(asdict(record)) + "\n")


def read_records(path: Path) -> list[ActionRecord]:
    return [
        ActionRecord(**json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
