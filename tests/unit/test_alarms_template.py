"""The template's alarms watch what they claim to: every metric dimension names a resource of
the right kind in this template, every alarm notifies the one topic, a quiet period is never
a breach, and a failed report really ends its execution Failed (what ExecutionsFailed counts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
ALARMS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}

# Which kind of resource each dimension must name.
DIMENSION_KINDS = {
    "ApiId": "AWS::Serverless::HttpApi",
    "FunctionName": "AWS::Serverless::Function",
    "StateMachineArn": "AWS::Serverless::StateMachine",
}


def _metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    if "MetricName" in alarm:
        return [alarm]
    return [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]


def test_the_alarms_cover_the_api_the_ingestion_and_the_reports() -> None:
    watched = {(m["Namespace"], m["MetricName"]) for alarm in ALARMS.values() for m in _metrics(alarm)}
    assert watched == {
        ("AWS/ApiGateway", "5xx"),
        ("AWS/ApiGateway", "Latency"),
        ("AWS/Lambda", "Errors"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
    }


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_names_resources_of_this_template_and_notifies_the_topic(name: str) -> None:
    alarm = ALARMS[name]
    for metric in _metrics(alarm):
        for dimension in metric["Dimensions"]:
            value = dimension["Value"]
            if dimension["Name"] == "Stage":
                assert value == "$default"  # the HttpApi's only stage
                continue
            assert set(value) == {"Ref"}, f"{name}: {dimension} must reference a resource"
            assert RESOURCES[value["Ref"]]["Type"] == DIMENSION_KINDS[dimension["Name"]]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}] == alarm["OKActions"]
    assert RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    assert alarm["TreatMissingData"] == "notBreaching"
    if "Metrics" in alarm:  # metric math: exactly one series is what the alarm compares
        assert sum(1 for query in alarm["Metrics"] if query.get("ReturnData", True)) == 1


def test_the_email_subscription_exists_only_with_an_address() -> None:
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert TEMPLATE["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }
    assert TEMPLATE["Parameters"]["AlarmEmail"]["Default"] == ""


def test_a_failed_report_ends_its_execution_failed() -> None:
    """ExecutionsFailed counts executions that end in failure; a report caught by MarkFailed
    must therefore end in a Fail state, not succeed quietly."""
    definition = json.loads((ROOT / "statemachine" / "report.asl.json").read_text())
    states = definition["States"]
    catches = {c["Next"] for state in states.values() for c in state.get("Catch", [])}
    assert catches == {"MarkFailed"}
    state = states["MarkFailed"]
    while state["Type"] != "Fail":
        assert not state.get("End"), "MarkFailed leads to a successful end"
        state = states[state["Next"]]
    assert "MarkFailed" not in {c["Next"] for c in states["MarkFailed"].get("Catch", [])}
