"""Print each function's IAM policy statements as SAM expands them: runs under `.venv-sam`.

`.venv-sam/bin/python local/aws/sam_policies.py template.yaml` translates the template with
aws-sam-translator (policy templates such as `DynamoDBReadPolicy` become the statements AWS
would get) and prints `{logical id: [statement, ...]}` as JSON; intrinsic functions are left
for the caller to resolve against local names (`local.aws.least_privilege`).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def function_statements(template_path: str) -> dict[str, list[dict[str, Any]]]:
    from samcli.yamlhelper import yaml_parse
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        """Managed policies are looked up in IAM; locally they are kept by name, unexpanded.

        `transform` only ever calls the loader's public `load()` (the interface the translator
        documents for its loader), so this is a loader of its own rather than a subclass of
        `ManagedPolicyLoader` that skips its constructor (and the IAM client it would build)."""

        def load(self) -> dict[str, str]:
            return {}

    with open(template_path, encoding="utf-8") as handle:
        template = yaml_parse(handle.read())
    # As after `sam package`: the translator wants code in S3; where it is changes no policy.
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://local-artifacts/{logical_id}"
    # The translator asks boto3 for a region (it never calls AWS): give it the local one.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    pseudo = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    translated = transform(template, pseudo, NoManagedPolicies())
    resources = translated["Resources"]
    statements: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        role = resource["Properties"]["Role"]
        role_id = role["Fn::GetAtt"][0] if isinstance(role, dict) and "Fn::GetAtt" in role else None
        policies = resources.get(role_id, {}).get("Properties", {}).get("Policies", []) if role_id else []
        found: list[dict[str, Any]] = []
        for policy in policies:
            document = policy.get("PolicyDocument", {})
            items = document.get("Statement", [])
            found.extend(items if isinstance(items, list) else [items])
        statements[logical_id] = found
    return statements


if __name__ == "__main__":
    json.dump(function_statements(sys.argv[1]), sys.stdout, indent=1, sort_keys=True)
