"""The deploy pipeline as code: the rules the workflows must keep (checked here, offline, beside
the schema and zizmor checks of `make lint`), and the samconfig.toml reader the workflows use."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.template import load_yaml
from pipeline.samconfig import SAMCONFIG, UnknownEnvironmentError, environment_settings, main

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONS = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
DEPLOY_ENVIRONMENTS = ("dev", "prod")


def load(path: Path) -> dict[Any, Any]:
    # PyYAML reads the `on:` key as True (YAML 1.1); normalise it.
    document = yaml.safe_load(path.read_text())
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return document["runs"].get("steps", [])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def deploy_jobs() -> dict[str, dict[str, Any]]:
    return load(ROOT / ".github" / "workflows" / "deploy.yml")["jobs"]


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda path: path.parent.name + "/" + path.name)
def test_every_remote_action_is_pinned_by_commit_sha_with_its_version(path: Path) -> None:
    text = path.read_text()
    for step in steps_of(load(path)):
        uses = step.get("uses")
        if uses is None or uses.startswith("./"):
            continue
        assert PINNED.match(uses), f"{path.name}: {uses} is not pinned to a full commit SHA"
        line = next(line for line in text.splitlines() if uses in line)
        assert re.search(r"# v\d", line), f"{path.name}: {uses} has no version comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflows_read_only_by_default_and_checkouts_keep_no_credentials(path: Path) -> None:
    document = load(path)
    assert document["permissions"] == {"contents": "read"}
    for step in steps_of(document):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_only_the_deploy_jobs_may_ask_for_an_oidc_token() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            wants_token = job.get("permissions", {}).get("id-token") == "write"
            assert wants_token == (path.name == "deploy.yml" and name in DEPLOY_ENVIRONMENTS), (path, name)


def test_deploys_run_in_order_in_their_environment_one_at_a_time() -> None:
    jobs = deploy_jobs()
    assert jobs["build"]["needs"] == "test"
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["dev"]["needs"] == "build"
    assert jobs["prod"]["needs"] == "dev"
    for environment in DEPLOY_ENVIRONMENTS:
        job = jobs[environment]
        assert job["environment"]["name"] == environment
        assert job["concurrency"] == {"group": f"deploy-{environment}", "cancel-in-progress": False}
        deploy = next(step for step in job["steps"] if step.get("id") == "deploy")
        assert deploy["with"]["config-env"] == environment
        # AWS access only through the OIDC role: no key of any kind is handed to AWS.
        assert not [value for value in deploy["with"].values() if "AWS_SECRET" in str(value)]


def test_deploy_action_assumes_a_role_and_smokes_the_stack_it_deployed() -> None:
    action = load(ROOT / ".github" / "actions" / "deploy-and-smoke" / "action.yml")
    steps = action["runs"]["steps"]
    credentials = next(
        s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    assert set(credentials["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "sam deploy --config-env" in runs
    assert "aws cloudformation describe-stacks" in runs and "OutputKey=='ApiUrl'" in runs
    assert "make smoke" in runs
    # Inputs reach shell scripts through the environment, never pasted into them.
    assert "${{" not in runs


def test_the_deploy_trigger_is_main_only_and_ci_covers_the_rest() -> None:
    assert load(ROOT / ".github" / "workflows" / "deploy.yml")["on"] == {"push": {"branches": ["main"]}}
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")["on"]
    assert set(ci) == {"pull_request", "push", "workflow_call"}
    assert ci["push"] == {"branches-ignore": ["main"]}


def test_bootstrap_role_trusts_one_repository_environment_only() -> None:
    template = load_yaml(ROOT / "pipeline" / "bootstrap.yaml")
    trust = template["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert len(trust) == 1 and trust[0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = trust[0]["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["token.actions.githubusercontent.com:sub"] == (
        {"Fn::Sub": "repo:${GitHubRepository}:environment:${Environment}"}
    )
    bucket = template["Resources"]["ArtifactsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    policy = template["Resources"]["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy
    )


# ------------------------------------------------------------------ samconfig.toml


def test_each_environment_has_its_own_stack_and_the_default_stays() -> None:
    config = tomllib.loads(SAMCONFIG.read_text())
    stacks = {
        env: environment_settings(config, env)["stack_name"] for env in ("default", *DEPLOY_ENVIRONMENTS)
    }
    assert stacks == {"default": "sitepulse", "dev": "sitepulse-dev", "prod": "sitepulse-prod"}
    for environment in DEPLOY_ENVIRONMENTS:
        deploy = config[environment]["deploy"]["parameters"]
        # The deploy role may upload only under the stack's own prefix.
        assert deploy["s3_prefix"] == stacks[environment]
        assert deploy["confirm_changeset"] is False
        assert f'Stage=\\"{environment}\\"' in deploy["parameter_overrides"].replace('"', '\\"')


def test_deploy_parameters_win_over_global_ones() -> None:
    config = {
        "x": {
            "global": {"parameters": {"stack_name": "a", "region": "eu-west-1"}},
            "deploy": {"parameters": {"region": "us-east-1"}},
        }
    }
    assert environment_settings(config, "x") == {"stack_name": "a", "region": "us-east-1"}


@pytest.mark.parametrize(
    "config",
    [{}, {"version": 0.1}, {"x": {"global": {"parameters": {"stack_name": "a"}}}}, {"x": "not a table"}],
)
def test_an_undescribed_environment_is_refused(config: dict[str, Any]) -> None:
    with pytest.raises(UnknownEnvironmentError):
        environment_settings(config, "version" if "version" in config else "x")


def test_cli_prints_github_output_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod"]) == 0
    assert capsys.readouterr().out == "stack_name=sitepulse-prod\nregion=eu-west-1\n"
    assert main(["staging"]) == 1
    assert main([]) == 2
