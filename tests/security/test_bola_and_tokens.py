"""Limited keys across path, query, body, listings and page tokens (BOLA), and the token
forgery matrix on every listing: a token names nothing outside the key's limits, and any
token but the one the API issued — for this listing, these filters and this key — is 422."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import RunningStack
from tests.integration.http_client import ApiClient
from tests.security.conftest import new_key

RUN = uuid.uuid4().hex[:6]
BUILDINGS = [f"b{RUN}-{n}" for n in range(4)]  # the key may see 0 and 2
SENSORS = [f"s{RUN}-{n}" for n in range(4)]
HOTELS = [int(RUN, 16) % 100_000 + 7_000_000 + n for n in range(4)]


@pytest.fixture(scope="module")
def data(admin: ApiClient) -> dict[str, Any]:
    at = "2024-06-01T10:00:00Z"
    for building in BUILDINGS:
        for room in ("r1", "r2", "r3"):
            reading = {"temperature": 21.0, "recorded_at": at}
            assert (
                admin.post(f"/api/v1/buildings/{building}/rooms/{room}/temperatures", reading).status == 201
            )
    for sensor in SENSORS:
        assert admin.post("/api/webhook", {"sensor": sensor, "ts": at, "in": 1, "out": 0}).status in (
            200,
            201,
        )
    for index, hotel in enumerate(HOTELS):
        for n in range(3):
            event = {
                "id": hotel * 10 + n,
                "hotel_id": hotel,
                "timestamp": f"2024-03-0{n + 1}T10:00:00Z",
                "rpg_status": 1,
                "room_id": f"r{index}-{n}",
                "night_of_stay": "2024-05-01",
            }
            assert admin.post("/api/events", event).status == 201
    for _ in range(3):
        assert admin.post("/api/keys", {"name": "filler", "scopes": ["reports:read"]}).status == 201
    return {}


def decoded(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def pages(api: ApiClient, path: str, field: str, limit: int = 1) -> tuple[list[Any], list[str]]:
    items: list[Any] = []
    tokens: list[str] = []
    token = None
    sep = "&" if "?" in path else "?"
    for _ in range(100):
        url = f"{path}{sep}limit={limit}" + (f"&next_token={token}" if token else "")
        answer = api.get(url)
        assert answer.status == 200, (url, answer.body)
        items.extend(answer.json[field])
        token = answer.json["next_token"]
        if not token:
            return items, tokens
        tokens.append(token)
    raise AssertionError("pagination did not end")


def test_a_building_limited_key_sees_and_names_only_its_buildings(
    admin: ApiClient, data: dict[str, Any], stack: RunningStack
) -> None:
    key = new_key(
        admin, ["temperature:read", "temperature:write"], {"buildings": [BUILDINGS[2], BUILDINGS[0]]}
    )
    limited = admin.with_key(key["secret"])
    names, tokens = pages(limited, "/api/v1/buildings", "buildings")
    assert names == [BUILDINGS[0], BUILDINGS[2]] and len(tokens) == 1
    for token in tokens:
        raw = decoded(token)
        # Names long enough not to turn up by chance in random bytes (a 2-letter one would, now and
        # then): neither the forbidden buildings, nor the table's key layout, in clear or in base64.
        for forbidden in (BUILDINGS[1], BUILDINGS[3], "BLDG#", "gsi1pk", "gsi1sk"):
            assert forbidden.encode() not in raw and forbidden not in token
    # Path, query and body outside the limits: 403 from the function edge, nothing stored.
    assert limited.get(f"/api/v1/buildings/{BUILDINGS[1]}/rooms").status == 403
    reading = {"temperature": 40.0, "recorded_at": "2024-06-01T11:00:00Z"}
    assert limited.post(f"/api/v1/buildings/{BUILDINGS[1]}/rooms/new/temperatures", reading).status == 403
    rooms = admin.get(f"/api/v1/buildings/{BUILDINGS[1]}/rooms").json["rooms"]
    assert "new" not in {room["room"] for room in rooms}
    # Its own building's rooms page with a token of another building's listing: refused.
    _, admin_tokens = pages(admin, f"/api/v1/buildings/{BUILDINGS[1]}/rooms", "rooms")
    answer = limited.get(f"/api/v1/buildings/{BUILDINGS[0]}/rooms?next_token={admin_tokens[0]}")
    assert answer.status == 422


def test_a_hotel_limited_key_sees_and_names_only_its_hotels(admin: ApiClient, data: dict[str, Any]) -> None:
    key = new_key(admin, ["bookings:read", "bookings:write"], {"hotels": [HOTELS[3], HOTELS[1]]})
    limited = admin.with_key(key["secret"])
    hotels, tokens = pages(limited, "/api/hotels", "hotels")
    assert hotels == [HOTELS[1], HOTELS[3]]
    for token in tokens:
        for forbidden in (str(HOTELS[0]), str(HOTELS[2]), "HOTEL"):
            assert forbidden.encode() not in decoded(token)
    assert limited.get(f"/api/events?hotel_id={HOTELS[0]}").status == 403
    assert limited.get(f"/api/dashboard?hotel_id={HOTELS[0]}&year=2024").status == 403
    event = {"id": 1, "hotel_id": HOTELS[0], "timestamp": "2024-03-09T10:00:00Z", "rpg_status": 1,
             "room_id": "x", "night_of_stay": "2024-05-01"}  # fmt: skip
    assert limited.post("/api/events", event).status == 403
    # A token of an allowed hotel's events, replayed for a forbidden hotel: 403 before the token.
    _, event_tokens = pages(limited, f"/api/events?hotel_id={HOTELS[1]}", "events")
    assert limited.get(f"/api/events?hotel_id={HOTELS[0]}&next_token={event_tokens[0]}").status == 403
    assert limited.get(f"/api/events?hotel_id={HOTELS[3]}&next_token={event_tokens[0]}").status == 422


def test_a_sensor_limited_key_sees_only_its_prefix(admin: ApiClient, data: dict[str, Any]) -> None:
    key = new_key(admin, ["occupancy:read"], {"sensors": [SENSORS[1], SENSORS[3]]})
    limited = admin.with_key(key["secret"])
    names, _ = pages(limited, "/api/sensors", "sensors")
    assert names == [SENSORS[1], SENSORS[3]]
    assert limited.get(f"/api/sensors/{SENSORS[0]}/occupancy").status == 403


# ------------------------------------------------------------------ the forgery matrix
LISTINGS = {
    "sensors": ("/api/sensors", "sensors", ["occupancy:read"]),
    "buildings": ("/api/v1/buildings", "buildings", ["temperature:read"]),
    "rooms": (f"/api/v1/buildings/{BUILDINGS[0]}/rooms", "rooms", ["temperature:read"]),
    "hotels": ("/api/hotels", "hotels", ["bookings:read"]),
    "events": (f"/api/events?hotel_id={HOTELS[0]}", "events", ["bookings:read"]),
    "keys": ("/api/keys", "keys", ["admin"]),
}


def first_token(api: ApiClient, path: str) -> str:
    sep = "&" if "?" in path else "?"
    answer = api.get(f"{path}{sep}limit=1")
    assert answer.status == 200 and answer.json["next_token"], (path, answer.body)
    return str(answer.json["next_token"])


def refused(api: ApiClient, path: str, token: str) -> None:
    sep = "&" if "?" in path else "?"
    answer = api.get(f"{path}{sep}limit=1&next_token={token}")
    assert answer.status == 422, (path, token, answer.status, answer.body[:300])
    body = answer.json
    assert [error["field"] for error in body["errors"]] == ["next_token"], body
    assert "next_token" in body["message"] or body["errors"][0]["message"]


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_every_forged_or_replayed_token_is_422(admin: ApiClient, data: dict[str, Any], listing: str) -> None:
    path, _, scopes = LISTINGS[listing]
    owner = admin.with_key(new_key(admin, scopes)["secret"])
    other_key = admin.with_key(new_key(admin, scopes)["secret"])
    token = first_token(owner, path)
    assert first_token(owner, path) == token  # deterministic: the same page, the same token
    assert owner.get(f"{path}{'&' if '?' in path else '?'}limit=1&next_token={token}").status == 200
    candidates = {
        "other key": (other_key, token),
        "truncated by one": (owner, token[:-1]),
        "truncated by half": (owner, token[: len(token) // 2]),
        "extended": (owner, token + "AA"),
        "old unsigned format": (
            owner,
            base64.urlsafe_b64encode(b'{"v":1,"l":"x","k":{}}').decode().rstrip("="),
        ),
        "empty json": (owner, "e30"),
    }
    for index in range(0, len(token), max(1, len(token) // 12)):
        flipped = "B" if token[index] != "B" else "C"
        candidates[f"byte {index} altered"] = (owner, token[:index] + flipped + token[index + 1 :])
    raw = bytearray(decoded(token))
    raw[-1] ^= 1
    candidates["last ciphertext bit"] = (owner, base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("="))
    for other_listing, (other_path, _, other_scopes) in LISTINGS.items():
        if other_listing != listing and set(other_scopes) == set(scopes):
            candidates[f"from {other_listing}"] = (owner, first_token(owner, other_path))
    if listing == "events":
        candidates["other filters"] = (owner, first_token(owner, f"{path}&rpg_status=1"))
    if listing == "rooms":
        candidates["other building"] = (owner, first_token(owner, f"/api/v1/buildings/{BUILDINGS[1]}/rooms"))
    for name, (client, candidate) in candidates.items():
        try:
            refused(client, path, candidate)
        except AssertionError as error:
            raise AssertionError(f"{listing}: {name}: {error}") from None


def test_the_token_secret_is_never_exposed(
    stack: RunningStack, admin: ApiClient, data: dict[str, Any]
) -> None:
    secrets = stack.client("secretsmanager")
    names = [s["Name"] for s in secrets.list_secrets()["SecretList"]]
    values = [secrets.get_secret_value(SecretId=name)["SecretString"] for name in names]
    assert values and all(len(value) >= 32 for value in values)
    seen: list[bytes] = []
    for path, _, _ in LISTINGS.values():
        answer = admin.get(f"{path}{'&' if '?' in path else '?'}limit=1")
        seen.append(answer.body)
        seen.append(admin.get(f"{path}{'&' if '?' in path else '?'}next_token=AAAA").body)
    seen.append(admin.get("/api/openapi.json").body)
    logs = [stack.log_file, *Path(stack.state["logs"]).rglob("*")]
    text = b"".join(Path(p).read_bytes() for p in logs if Path(p).is_file())
    for value in values:
        assert value.encode() not in text
        assert all(value.encode() not in body for body in seen)
    env = (stack.state_file.parent / "env").read_text() if (stack.state_file.parent / "env").exists() else ""
    assert all(value not in env for value in values)
