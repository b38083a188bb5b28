"""Key management is the admin's alone, and even the admin cannot mint a key the API does not
know how to enforce; API key secrets never show up in any log, response or error."""

from __future__ import annotations

import re
from pathlib import Path

from sitepulse.access import tokens
from sitepulse.access.scopes import ALL_SCOPES
from tests.integration.conftest import RunningStack
from tests.integration.http_client import ApiClient
from tests.security.conftest import Witness, new_key


def test_non_admin_keys_cannot_create_list_or_revoke_keys(admin: ApiClient, witness: Witness) -> None:
    victim = new_key(admin, ["occupancy:read"])
    everything_but_admin = [scope for scope in ALL_SCOPES if scope != "admin"]
    attacker = admin.with_key(new_key(admin, everything_but_admin)["secret"])
    witness.mark()
    assert attacker.post("/api/keys", {"name": "mine", "scopes": ["admin"]}).status == 403
    assert attacker.get("/api/keys").status == 403
    assert attacker.delete(f"/api/keys/{victim['key_id']}").status == 403
    assert witness.functions_that_logged() - {"AuthorizerFunction"} == set()
    listed = {key["key_id"]: key for key in admin.get("/api/keys?limit=1000").json["keys"]}
    assert listed[victim["key_id"]]["revoked_at"] is None
    assert "mine" not in {key["name"] for key in listed.values()}


def test_an_admin_cannot_create_a_key_with_unknown_scopes_or_limits(admin: ApiClient) -> None:
    before = len(admin.get("/api/keys?limit=1000").json["keys"])
    bad_bodies = [
        {"name": "x", "scopes": ["superuser"]},
        {"name": "x", "scopes": ["occupancy:read", "occupancy:*"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["admin", "admin"]},
        {"name": "x", "scopes": ["occupancy:read"], "limits": {"stores": ["s1"]}},
        {"name": "x", "scopes": ["occupancy:read"], "limits": {"sensors": []}},
        {"name": "x", "scopes": ["occupancy:read"], "limits": {"sensors": ["a#b"]}},
        {"name": "x", "scopes": ["occupancy:read"], "limits": {"hotels": ["1"]}},
        {"name": "x", "scopes": ["occupancy:read"], "limits": {"buildings": [f"b{n}" for n in range(51)]}},
        {"name": "x", "scopes": ["occupancy:read"], "role": "admin"},
        {"name": "x", "scopes": ["occupancy:read"], "expires_at": "2000-01-01T00:00:00Z"},
    ]
    for body in bad_bodies:
        answer = admin.post("/api/keys", body)
        assert answer.status == 422, (body, answer.status, answer.body)
    assert len(admin.get("/api/keys?limit=1000").json["keys"]) == before


def test_api_key_secrets_never_appear_in_logs_responses_or_errors(
    stack: RunningStack, admin: ApiClient
) -> None:
    created = new_key(admin, ["occupancy:read"])
    secret = created["secret"]
    _, secret_part = tokens.parse_key(secret)  # type: ignore[misc]
    client = admin.with_key(secret)
    bodies = [
        client.get("/api/sensors").body,
        client.get("/api/sensors?next_token=bad!").body,
        client.post("/api/webhook", {"sensor": "x"}).body,  # wrong scope
        admin.with_key(secret + "x").get("/api/sensors").body,
        admin.get("/api/keys?limit=1000").body,
        admin.delete(f"/api/keys/{created['key_id']}").body,
        admin.with_key(secret).get("/api/sensors").body,  # revoked (or still cached)
    ]
    for body in bodies:
        assert secret_part.encode() not in body
    assert "secret" not in admin.get("/api/keys?limit=1000").body.decode()
    logs = [stack.log_file, *Path(stack.state["logs"]).rglob("*")]
    text = "".join(Path(p).read_text(errors="replace") for p in logs if Path(p).is_file())
    names = "|".join(map(re.escape, stack.state["keys"]))
    text = re.sub(rf"(?m)^.*\b(?:{names})\s+sp_\S+\s*$", "", text)  # the banner shows the demo keys
    assert secret_part not in text
    assert not re.search(r"sp_[a-z2-7]{16}_[A-Za-z0-9_\-]{43}", text)
    assert created["key_id"] in text  # key use is logged by id


def test_the_authorizer_only_ever_gets_one_item_and_only_listings_read_the_token_secret(
    stack: RunningStack, admin: ApiClient
) -> None:
    from local.aws.least_privilege import ACTIONS_FILE
    from local.aws.recorded_actions import read_records

    assert admin.get("/api/keys?limit=1").status == 200  # a listing: reads the token secret
    assert admin.with_key("garbage").get("/api/sensors").status == 403
    records = read_records(stack.state_file.parent / ACTIONS_FILE)
    authorizer = {record.action for record in records if record.function == "AuthorizerFunction"}
    assert authorizer == {"dynamodb:GetItem"}
    readers = {
        record.function
        for record in records
        if record.action == "secretsmanager:GetSecretValue" and record.function is not None  # not the tests
    }
    assert "KeysApiFunction" in readers
    assert readers <= {
        "KeysApiFunction",
        "OccupancyReadFunction",
        "TemperatureReadFunction",
        "BookingsReadFunction",
        "ReportsApiReadFunction",
    }
