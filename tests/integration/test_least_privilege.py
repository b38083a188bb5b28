"""The main flows, driven concurrently over HTTP against the session's stack (two reports at
once while sensors, thermometers and hotels write), then checked from outside:

- least privilege: every AWS action each function's identity performed is granted by the
  policies template.yaml gives that function (expanded by aws-sam-translator), and read
  functions hold and perform no write (`local.aws.least_privilege`);
- logs: every line in `<state dir>/logs/<LogicalId>.log` names that function.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.aws.least_privilege import ACTIONS_FILE, function_policies, is_read_function, violations
from local.aws.recorded_actions import read_records
from local.template import Stack, load_stack
from tests.integration.conftest import ROOT, RunningStack
from tests.integration.http_client import ApiClient
from tests.integration.test_reports_api import ingest_files, wait_for
from tests.unit.store_uptime.scenario import build_scenario


@pytest.fixture(scope="module")
def flows(local_stack: RunningStack, api: ApiClient) -> dict[str, Any]:
    prefix = f"lp{uuid.uuid4().hex[:6]}-"
    scenario = build_scenario(stores=8, seed=5, prefix=prefix)
    # A year before the other modules' data: their reports' `now` (the latest poll) stays theirs.
    polls = scenario.polls.replace(" 2023-01-", " 2022-01-").replace(",2023-01-", ",2022-01-")
    polls = polls.replace(",2022-12-", ",2021-12-")
    assert "2023-" not in polls and polls.count("\n") == scenario.polls.count("\n")
    ingest_files(
        local_stack,
        {
            f"incoming/business_hours/{prefix}hours.csv": scenario.hours,
            f"incoming/timezones/{prefix}tz.csv": scenario.timezones,
            f"incoming/store_status/{prefix}polls.csv": polls,
        },
    )

    def report() -> dict[str, Any]:
        started = api.post("/api/reports")
        assert started.status == 202, started.body
        finished, _ = wait_for(api, started.json["report_id"])
        return finished

    def writes(i: int) -> None:
        sensor, building = f"{prefix}s{i}", f"{prefix}b"
        assert (
            api.post(
                "/api/webhook", {"sensor": sensor, "ts": "2024-01-01T10:00:00Z", "in": 3, "out": 1}
            ).status
            == 201
        )
        assert api.get(f"/api/sensors/{sensor}/occupancy").status == 200
        reading = {"temperature": 21.5, "recorded_at": f"2024-12-10T16:{i:02d}:00"}
        assert api.post(f"/api/v1/buildings/{building}/rooms/r{i}/temperatures", reading).status == 201
        assert api.get(f"/api/v1/buildings/{building}/rooms/r{i}/temperatures/average").status == 200
        hotel = 900_000 + i
        event = {"id": hotel * 10, "hotel_id": hotel, "timestamp": "2024-04-01T10:00:00Z", "rpg_status": 1,
                 "room_id": "room-1", "night_of_stay": "2024-05-01"}  # fmt: skip
        assert api.post("/api/events", event).status == 201
        assert api.get(f"/api/dashboard?hotel_id={hotel}&year=2024&period=month").status == 200
        assert api.get(f"/api/events?hotel_id={hotel}").status == 200

    with ThreadPoolExecutor(8) as pool:
        reports = [pool.submit(report) for _ in range(2)]
        for outcome in pool.map(writes, range(12)):
            assert outcome is None
        finished = [future.result() for future in reports]
    assert [r["status"] for r in finished] == ["Complete", "Complete"], finished
    with urllib.request.urlopen(finished[0]["download_url"], timeout=60) as response:
        assert response.read().startswith(b"store_id")  # presigned by ReportsApiReadFunction
    assert api.get("/api/sensors").status == 200
    assert api.get(f"/api/v1/buildings/{prefix}b/rooms").status == 200
    # The console's reads: listings and series, each from its own indexes and aggregates.
    window = "from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&step=1h"
    for path in (
        "/api/v1/buildings",
        "/api/hotels",
        "/api/reports",
        f"/api/sensors/{prefix}s0/occupancy/series?{window}",
        f"/api/v1/buildings/{prefix}b/rooms/r0/temperatures/series?{window}",
    ):
        assert api.get(path).status == 200, path
    assert api.get("/api/openapi.json").status == 200
    assert api.get("/api/keys").status == 200  # the admin key's function reads its table too
    return {"reports": finished}


def catch_only_functions(stack: Stack) -> set[str]:
    """Functions a state machine runs only from a `Catch` (when a step failed), never on its way."""
    by_arn = {function.arn: name for name, function in stack.functions.items()}
    found: set[str] = set()
    for machine in stack.state_machines.values():
        definition = (
            machine.definition if isinstance(machine.definition, dict) else json.loads(machine.definition)
        )
        states: dict[str, dict[str, Any]] = {}
        entered: set[str] = set()
        caught: set[str] = set()
        pending = [definition]
        while pending:  # the machine and its Map / Parallel sub-machines
            current = pending.pop()
            entered.add(current["StartAt"])
            for name, state in current["States"].items():
                states[name] = state
                entered.update(
                    target for target in (state.get("Next"), state.get("Default")) if target is not None
                )
                entered.update(choice["Next"] for choice in state.get("Choices", []))
                caught.update(catch["Next"] for catch in state.get("Catch", []))
                pending.extend(sub for sub in (state.get("ItemProcessor"), state.get("Iterator")) if sub)
                pending.extend(state.get("Branches", []))
        for name in caught - entered:
            arn = states[name].get("Parameters", {}).get("FunctionName", states[name].get("Resource"))
            if arn in by_arn:
                found.add(by_arn[arn])
    return found


def test_every_function_performed_only_actions_its_template_policies_grant(
    local_stack: RunningStack, flows: dict[str, Any]
) -> None:
    records = read_records(local_stack.state_file.parent / ACTIONS_FILE)
    policies = function_policies(ROOT / "template.yaml")
    assert violations(records, policies) == []
    # The check saw the flows: every function the template grants an AWS action did act, reads
    # and writes alike, but the report's failure step (no report fails here). A function granted
    # nothing (docs, console) may not act at all: `violations` already says so if it does.
    assert set(policies) == set(local_stack.state["functions"])
    acting = {r.function for r in records if r.function}
    granted = {name for name, statements in policies.items() if any(s.effect == "Allow" for s in statements)}
    on_failure = catch_only_functions(load_stack(ROOT / "template.yaml"))
    assert on_failure and on_failure <= granted  # the derivation sees the failure step
    expected = granted - on_failure
    assert expected <= acting, expected - acting
    reads = {r.action for r in records if r.function and is_read_function(r.function)}
    assert {"dynamodb:Query", "s3:GetObject"} <= reads


def test_every_log_line_names_its_own_function(local_stack: RunningStack, flows: dict[str, Any]) -> None:
    logs = local_stack.state_file.parent / "logs"
    lines_per_function: dict[str, int] = {}
    for path in sorted(logs.glob("*.log")):
        if path.stem not in local_stack.state["functions"]:
            continue  # stack.log: the stack process's own output
        name = local_stack.state["functions"][path.stem]
        lines = path.read_text().splitlines()
        lines_per_function[path.stem] = len(lines)
        for line in lines:
            assert json.loads(line)["function_name"] == name, (path.name, line[:300])
    # Functions that log on every invocation did log (the check is not vacuous).
    for logical_id in ("ReportShardFunction", "ReportFinalizeFunction", "IngestFunction"):
        assert lines_per_function.get(logical_id, 0) > 0, lines_per_function
    shard_log = (logs / "ReportShardFunction.log").read_text()
    assert "report shard done" in shard_log
    assert "report shard done" not in (logs / "ReportFinalizeFunction.log").read_text()
