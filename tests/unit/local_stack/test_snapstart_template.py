"""SnapStart in template.yaml: every function behind the HTTP API and the authorizer resumes from a
snapshot of its published version, the gateway invokes that version's alias, and the local stack
still finds the authorizer behind `!Ref AuthorizerFunction.Alias`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.template import Stack, load_stack, load_yaml

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
# Static files only, no Powertools, no AWS client: a cold start costs a third of a bare boto3 client.
WITHOUT_SNAPSTART = {"ConsoleFunction"}


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    template: dict[str, Any] = load_yaml(TEMPLATE)
    return template["Resources"]


@pytest.fixture(scope="module")
def stack() -> Stack:
    return load_stack(TEMPLATE)


def _snapstart(props: dict[str, Any]) -> bool:
    return props.get("SnapStart") == {"ApplyOn": "PublishedVersions"} and bool(props.get("AutoPublishAlias"))


def test_every_api_function_and_the_authorizer_use_snapstart(resources: dict[str, Any], stack: Stack) -> None:
    api = {name for name, function in stack.functions.items() if function.routes} - WITHOUT_SNAPSTART
    authorizers = {authorizer.function for authorizer in stack.authorizers.values()}
    assert authorizers == {"AuthorizerFunction"}
    missing = {name for name in api | authorizers if not _snapstart(resources[name]["Properties"])}
    assert not missing, f"without SnapStart + AutoPublishAlias: {sorted(missing)}"


def test_functions_invoked_unqualified_pay_for_no_snapshot(resources: dict[str, Any], stack: Stack) -> None:
    # Step Functions, the schedule and S3 events invoke $LATEST, which SnapStart never applies to.
    routed = {name for name, function in stack.functions.items() if function.routes}
    others = set(stack.functions) - routed - {"AuthorizerFunction"}
    assert others, "the template has background functions"
    assert not {name for name in others if "SnapStart" in resources[name]["Properties"]}


def test_the_gateway_calls_the_authorizer_alias(resources: dict[str, Any]) -> None:
    authorizers = resources["HttpApi"]["Properties"]["Auth"]["Authorizers"]
    assert authorizers["ApiKeyAuthorizer"]["FunctionArn"] == {"Ref": "AuthorizerFunction.Alias"}


def test_an_alias_reference_resolves_to_the_function_locally(stack: Stack) -> None:
    assert stack.authorizers["ApiKeyAuthorizer"].function == "AuthorizerFunction"


def test_alias_and_version_references_are_the_function_arn_locally(resources: dict[str, Any]) -> None:
    from local.template import _Resolver

    resolver = _Resolver({"Resources": resources})
    arn = resolver.get_att("OccupancyReadFunction", "Arn")
    assert resolver.resolve({"Ref": "OccupancyReadFunction.Alias"}) == arn
    assert resolver.resolve({"Ref": "OccupancyReadFunction.Version"}) == arn
    with pytest.raises(KeyError):
        resolver.resolve({"Ref": "NoSuchFunction.Alias"})
