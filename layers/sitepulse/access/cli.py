"""API keys straight in ApiKeysTable: the bootstrap path for a stack's first admin key.

Local stack (endpoint and table from the state file `make run` writes):
    make key NAME=ci SCOPES=occupancy:read,temperature:read
    PYTHONPATH=layers python -m sitepulse.access.cli create --name ops --scopes admin
Deployed stack (your AWS credentials; the table is found from the stack's resources):
    PYTHONPATH=layers python -m sitepulse.access.cli --stack-name sitepulse create --name ops --scopes admin
Also `list` and `revoke <key_id>`. The created key's secret is printed once, on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import boto3
from pydantic import ValidationError

from sitepulse.access.models import ApiKeyIn
from sitepulse.access.repository import ApiKeyRepository
from sitepulse.access.service import KeyService
from sitepulse.common import page_tokens
from sitepulse.common.errors import DomainError

TABLE_LOGICAL_ID = "ApiKeysTable"
DEFAULT_STATE = Path(os.environ.get("SITEPULSE_STATE", ".sitepulse/local.json"))


def _csv(value: str | None) -> list[str] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return items or None


def key_service(args: argparse.Namespace) -> KeyService:
    if args.stack_name:
        session = boto3.Session(region_name=args.region) if args.region else boto3.Session()
        resource = session.client("cloudformation").describe_stack_resource(
            StackName=args.stack_name, LogicalResourceId=TABLE_LOGICAL_ID
        )
        table = resource["StackResourceDetail"]["PhysicalResourceId"]
        client = session.client("dynamodb")
    else:
        if not args.state_file.exists():
            raise SystemExit(
                f"{args.state_file} not found: start the local stack (make run) or pass --stack-name"
            )
        state = json.loads(args.state_file.read_text(encoding="utf-8"))
        table = state["tables"][TABLE_LOGICAL_ID]
        # The local stack's moto accepts any credentials; never the developer's real ones.
        client = boto3.client(
            "dynamodb",
            endpoint_url=state["endpoint_url"],
            region_name=state["region"],
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 — moto's dummy credentials for the local stack, never real ones
        )
    return KeyService(ApiKeyRepository(client, table))


def _create_request(args: argparse.Namespace) -> ApiKeyIn:
    limits: dict[str, Any] = {}
    if args.sensors:
        limits["sensors"] = _csv(args.sensors)
    if args.buildings:
        limits["buildings"] = _csv(args.buildings)
    if args.hotels:
        limits["hotels"] = [int(h) for h in _csv(args.hotels) or []]
    return ApiKeyIn.model_validate(
        {
            "name": args.name,
            "scopes": _csv(args.scopes) or [],
            "limits": limits or None,
            "expires_at": args.expires_at,
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sitepulse.access.cli", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--state-file", type=Path, default=DEFAULT_STATE, help="local stack state (default)")
    parser.add_argument("--stack-name", help="a deployed stack: use AWS credentials, not the local stack")
    parser.add_argument("--region", help="the deployed stack's region (default: your AWS config)")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it (its secret shown once)")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scopes", required=True, help="comma-separated, e.g. admin or occupancy:read,reports:run"
    )
    create.add_argument("--sensors", help="limit to these sensor id prefixes (comma-separated)")
    create.add_argument("--buildings", help="limit to these buildings (comma-separated)")
    create.add_argument("--hotels", help="limit to these hotel ids (comma-separated)")
    create.add_argument("--expires-at", help="ISO 8601 instant")
    commands.add_parser("list", help="list keys (never secrets)")
    revoke = commands.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)

    try:
        if args.command == "create":
            request = _create_request(args)
            print(json.dumps(key_service(args).create(request).model_dump(mode="json"), indent=2))
        elif args.command == "list":
            # Page tokens live only inside this loop: an ephemeral key seals them (the CLI does not
            # read the stack's token secret).
            page_tokens.use_keys(page_tokens.StaticKeys(secrets.token_bytes(32)))
            service, token, keys = key_service(args), None, []
            while True:
                page = service.list(100, token)
                keys.extend(key.model_dump(mode="json") for key in page.keys)
                token = page.next_token
                if not token:
                    break
            print(json.dumps(keys, indent=2))
        else:
            print(json.dumps(key_service(args).revoke(args.key_id).model_dump(mode="json"), indent=2))
    except (ValidationError, ValueError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
