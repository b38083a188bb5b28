"""The local stack itself: built from template.yaml alone, reachable with boto3 through
the state file, running every `events/` file, serving OpenAPI, and stopping cleanly."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from local.template import load_stack
from tests.integration.conftest import ROOT, RunningStack, start_stack, stop_stack
from tests.integration.http_client import ApiClient

EVENT_FILES = sorted((ROOT / "events").glob("*.json"))


def test_state_file_lets_boto3_reach_the_emulated_aws(local_stack: RunningStack) -> None:
    state = local_stack.state
    assert state["api_url"].startswith("http://127.0.0.1:")
    template = load_stack(ROOT / "template.yaml")
    assert set(state["tables"]) == set(template.tables)
    assert set(state["buckets"]) == set(template.buckets)
    listed = set(local_stack.client("dynamodb").list_tables()["TableNames"])
    assert set(state["tables"].values()) <= listed


def test_every_function_has_an_event_file() -> None:
    functions = set(load_stack(ROOT / "template.yaml").functions)
    assert {path.stem for path in EVENT_FILES} == functions


@pytest.mark.parametrize("event_file", EVENT_FILES, ids=lambda p: p.stem)
def test_event_file_invokes_its_function(local_stack: RunningStack, event_file: Path) -> None:
    """`make invoke FN=<LogicalId> EVENT=events/<LogicalId>.json` against the running stack."""
    result = subprocess.run(
        [sys.executable, "-m", "local.lambdas.invoke", "--function", event_file.stem,
         "--event", str(event_file), "--state-file", str(local_stack.state_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    output = json.loads(result.stdout)
    if isinstance(output, dict) and "statusCode" in output:
        assert output["statusCode"] < 500, output


def test_openapi_document_covers_every_template_route(api: ApiClient) -> None:
    document = api.get("/api/openapi.json")
    assert document.status == 200
    paths = document.json["paths"]
    for route in load_stack(ROOT / "template.yaml").routes:
        if route.path.startswith(("/api/openapi", "/api/docs")):
            continue
        assert route.path in paths, f"{route.route_key} missing from the OpenAPI document"
        assert route.method.lower() in paths[route.path], (
            f"{route.route_key} missing from the OpenAPI document"
        )
    ui = api.get("/api/docs")
    assert ui.status == 200 and b"swagger" in ui.body.lower()
    assert b"cdn" not in ui.body.lower()  # the UI ships inside the package


def test_unknown_route_is_404(api: ApiClient) -> None:
    response = api.get("/api/no-such-thing")
    assert response.status == 404
    assert response.json["message"]


def test_new_table_and_route_need_no_change_to_the_local_stack(tmp_path: Path) -> None:
    """Add a table and a function with a route to a copy of the template: the stack serves both."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("functions", "layers", "statemachine"):
        if (ROOT / name).exists():
            (project / name).symlink_to(ROOT / name)
    extra = tmp_path / "extra_fn"
    extra.mkdir()
    (extra / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    table = os.environ['EXTRA_TABLE']\n"
        "    item = {'id': {'S': event['pathParameters']['name']}}\n"
        "    boto3.client('dynamodb').put_item(TableName=table, Item=item)\n"
        "    count = boto3.client('dynamodb').scan(TableName=table)['Count']\n"
        "    return {'statusCode': 200, 'body': f'{{\"table\": \"{table}\", \"items\": {count}}}',\n"
        "            'headers': {'content-type': 'application/json'}}\n"
    )
    template = yaml.safe_load((ROOT / "template.yaml").read_text().replace("!", "__bang__"))
    template["Resources"]["ExtraTable"] = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        },
    }
    template["Resources"]["ExtraFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": str(extra),
            "Handler": "app.handler",
            "Environment": {"Variables": {"EXTRA_TABLE": "__bang__Ref ExtraTable"}},
            "Events": {
                "Hello": {"Type": "HttpApi", "Properties": {"Path": "/extra/{name}", "Method": "GET"}}
            },
        },
    }
    text = yaml.safe_dump(template, sort_keys=False).replace("__bang__", "!")
    (project / "template.yaml").write_text(text)
    shutil.copytree(ROOT / "events", project / "events")

    stack = start_stack(tmp_path, "--no-demo", "--no-schedules", template=project / "template.yaml")
    try:
        assert "ExtraTable" in stack.state["tables"]
        response = ApiClient(stack.api_url).get("/extra/hello")
        assert response.status == 200, response.body
        assert response.json == {"table": stack.state["tables"]["ExtraTable"], "items": 1}
        # The existing API still works from the same template copy.
        assert ApiClient(stack.api_url, stack.state["keys"]["admin"]).get("/api/sensors").status == 200
    finally:
        assert stop_stack(stack) == 0  # Ctrl-C (SIGINT) stops it cleanly
    assert not stack.state_file.exists()
