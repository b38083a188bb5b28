"""The template's access-control resources: the authorizer may GetItem on the key table and
nothing else; only the functions that paginate may read the page token secret, which the
stack generates itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.template import load_yaml

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
SECRET_POLICY = "AWSSecretsManagerGetSecretValuePolicy"


def functions() -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_the_authorizer_may_only_get_one_item_of_the_key_table() -> None:
    policies = functions()["AuthorizerFunction"]["Policies"]
    assert policies == [
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:GetItem",
                    "Resource": {"Fn::GetAtt": ["ApiKeysTable", "Arn"]},
                }
            ]
        }
    ]


def test_the_page_token_secret_is_generated_by_the_stack() -> None:
    secret = RESOURCES["PageTokenSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert "SecretString" not in secret["Properties"]  # never a value in the template
    assert int(secret["Properties"]["GenerateSecretString"]["PasswordLength"]) >= 32


def paginating_functions() -> set[str]:
    """Functions whose handlers take a `next_token` (the one TOKEN_QUERY parameter)."""
    found = set()
    for name, props in functions().items():
        source = ROOT / props["CodeUri"] / "app.py"
        if source.exists() and "TOKEN_QUERY" in source.read_text(encoding="utf-8"):
            found.add(name)
    return found


def test_only_the_functions_that_paginate_may_read_the_token_secret() -> None:
    paginating = paginating_functions()
    assert paginating >= {"KeysApiFunction", "OccupancyReadFunction", "TemperatureReadFunction"}
    for name, props in functions().items():
        env = (props.get("Environment") or {}).get("Variables") or {}
        granted = [p for p in props.get("Policies") or [] if isinstance(p, dict) and SECRET_POLICY in p]
        if name in paginating:
            assert env.get("PAGE_TOKEN_SECRET_ARN") == {"Ref": "PageTokenSecret"}, name
            assert granted == [{SECRET_POLICY: {"SecretArn": {"Ref": "PageTokenSecret"}}}], name
        else:
            assert "PAGE_TOKEN_SECRET_ARN" not in env and not granted, name
    globals_env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert "PAGE_TOKEN_SECRET_ARN" not in globals_env
