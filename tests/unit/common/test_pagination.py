"""The pagination token primitive: what it issues round-trips; anything else is a 422 on
`next_token`, decided before DynamoDB is called (moto accepts several of these). Tokens are
sealed (HMAC-SHA256 SIV), bound to listing, filters and key, deterministic and opaque."""

from __future__ import annotations

import re
import string

import pytest

from sitepulse.common import page_tokens
from sitepulse.common.errors import InvalidInputError
from sitepulse.common.pagination import MAX_TOKEN_LENGTH, Listing, bind_caller, canonical_filters
from tests.unit.common.tokens import forged, raw_token, tampered

ROOMS = Listing("rooms", {"pk": "S", "sk": "S"})
COUNTERS = Listing("counters", {"pk": "S", "n": "N"})
ROOM = re.compile(r"ROOM#[a-z0-9-]{1,20}")
EXPECTED = {"pk": "BLDG#b1", "sk": ROOM}
KEY = {"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#r-1"}}
FILTERS = {"building": "b1"}


def start(token: str | None, filters: dict[str, str] | None = None) -> object:
    return ROOMS.start_key(token, FILTERS if filters is None else filters, EXPECTED)


def refused(token: str, filters: dict[str, str] | None = None) -> str:
    with pytest.raises(InvalidInputError) as caught:
        start(token, filters)
    assert caught.value.field == "next_token"
    return caught.value.reason


def test_issued_token_round_trips_and_is_opaque() -> None:
    token = ROOMS.token(KEY, FILTERS)
    assert token is not None and set(token) <= set(string.ascii_letters + string.digits + "-_")
    assert start(token) == KEY
    assert start(None) is None and start("") is None


def test_last_page_has_no_token() -> None:
    assert ROOMS.token(None, FILTERS) is None
    assert ROOMS.token({}, FILTERS) is None


def test_canonical_filters_ignore_absent_filters_and_order() -> None:
    assert canonical_filters({"a": 1, "b": None}) == canonical_filters({"a": 1})
    assert canonical_filters({"a": 1, "c": "x"}) == canonical_filters({"c": "x", "a": 1})
    assert canonical_filters({"a": 1}) != canonical_filters({"a": 2})
    assert canonical_filters(None) == canonical_filters({})


def test_tokens_are_deterministic_and_show_nothing_in_clear() -> None:
    token = ROOMS.token(KEY, FILTERS)
    assert token == ROOMS.token(KEY, FILTERS)  # the same page → the same token (ETags)
    raw = __import__("base64").urlsafe_b64decode(token + "=" * (-len(token or "") % 4))  # type: ignore[operator]
    for clear in (b"BLDG", b"b1", b"ROOM", b"pk", b"sk", b"rooms"):
        assert clear not in raw


def test_token_for_other_filters_is_refused() -> None:
    token = ROOMS.token(KEY, FILTERS)
    assert token is not None
    assert "not a page token" in refused(token, {"building": "b2"})
    assert refused(token, {})


def test_token_of_another_listing_is_refused_even_with_the_same_key_shape() -> None:
    other = Listing("buildings", {"pk": "S", "sk": "S"}).token(KEY, FILTERS)
    assert other is not None
    assert refused(other)


def test_token_of_another_api_key_is_refused() -> None:
    bind_caller("keyaaaaaaaaaaaaa")
    try:
        token = ROOMS.token(KEY, FILTERS)
        assert start(token) == KEY
        bind_caller("keybbbbbbbbbbbbb")
        assert refused(token)  # type: ignore[arg-type]
    finally:
        bind_caller("")


def test_rotation_previous_secret_still_opens_and_new_tokens_use_the_current_one() -> None:
    page_tokens.use_keys(page_tokens.StaticKeys(b"old secret"))
    old = ROOMS.token(KEY, FILTERS)
    page_tokens.use_keys(page_tokens.StaticKeys(b"new secret", b"old secret"))
    assert start(old) == KEY
    new = ROOMS.token(KEY, FILTERS)
    assert new != old and start(new) == KEY
    page_tokens.use_keys(page_tokens.StaticKeys(b"newer secret", b"new secret"))
    assert refused(old)  # type: ignore[arg-type]  # two rotations ago: no longer accepted


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("number in S", {"pk": {"S": 1}, "sk": {"S": "ROOM#r"}}),
        ("two types", {"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#r", "N": "1"}}),
        ("no type", {"pk": {"S": "BLDG#b1"}, "sk": {}}),
        ("null", {"pk": {"S": "BLDG#b1"}, "sk": {"S": None}}),
        ("list value", {"pk": {"S": "BLDG#b1"}, "sk": ["S", "ROOM#r"]}),
        ("empty string", {"pk": {"S": "BLDG#b1"}, "sk": {"S": ""}}),
        ("missing attribute", {"pk": {"S": "BLDG#b1"}}),
        ("extra attribute", {**KEY, "gsi1pk": {"S": "SENSOR"}}),
        ("foreign partition", {"pk": {"S": "BLDG#b2"}, "sk": {"S": "ROOM#r"}}),
        ("other item type", {"pk": {"S": "BLDG#b1"}, "sk": {"S": "H#2024-01-01T00"}}),
        ("sort key too long", {"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#" + "x" * 1200}}),
        ("control character", {"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#r\x00"}}),
        ("not an object", ["pk", "sk"]),
        ("absent", None),
    ],
)
def test_crafted_positions_are_refused_even_when_sealed_with_the_secret(name: str, key: object) -> None:
    assert refused(forged("rooms", key, FILTERS))


@pytest.mark.parametrize("number", ["abc", "1e5", "NaN", "Infinity", " 1", "01", "1.5", "", "1" * 39])
def test_numbers_must_be_dynamodb_numbers(number: str) -> None:
    expected = {"pk": "C#1", "n": re.compile(r"-?\d+")}
    token = forged("counters", {"pk": {"S": "C#1"}, "n": {"N": number}})
    with pytest.raises(InvalidInputError):
        COUNTERS.start_key(token, None, expected)
    good = forged("counters", {"pk": {"S": "C#1"}, "n": {"N": "-42"}})
    assert COUNTERS.start_key(good, None, expected) == {"pk": {"S": "C#1"}, "n": {"N": "-42"}}


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",
        "x" * (MAX_TOKEN_LENGTH + 1),
        "✓",
        "AAAA",
        "e30",
        raw_token([1, 2]),
        raw_token("text"),
        raw_token({"v": 1, "l": "rooms", "k": KEY}),
        raw_token(KEY),  # the format of the old tokens: a bare LastEvaluatedKey
        # The token of the report: {"pk": {"S": 1}, ...} in the old format.
        "eyJwayI6eyJTIjoxfSwic2siOnsiUyI6IngifSwiZ3NpMXBrIjp7IlMiOiJTRU5TT1IifSwiZ3NpMXNrIjp7IlMiOiJ4In19",
        "AQ" + "A" * 60 + "\u00e9",
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert refused(token)


def test_truncated_tokens_are_refused() -> None:
    token = ROOMS.token(KEY, FILTERS)
    assert token is not None
    for cut in range(1, len(token)):
        with pytest.raises(InvalidInputError):
            start(token[:cut])


def test_every_altered_byte_is_refused() -> None:
    token = ROOMS.token(KEY, FILTERS)
    assert token is not None
    for index in range(len(token)):
        for replacement in "A_-0z":
            candidate = token[:index] + replacement + token[index + 1 :]
            if candidate != token:
                assert refused(candidate)
    assert refused(tampered(token))
    assert refused(token + "A") and refused(token + "AAAA")


def test_cross_attribute_check_is_applied() -> None:
    token = ROOMS.token({"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#zz"}}, FILTERS)
    with pytest.raises(InvalidInputError):
        ROOMS.start_key(token, FILTERS, EXPECTED, check=lambda key: key["sk"] < "ROOM#m")


def test_declaration_mistakes_are_bugs_not_client_errors() -> None:
    with pytest.raises(ValueError):
        ROOMS.start_key(None, FILTERS, {"pk": "BLDG#b1"})  # sk has no rule
    with pytest.raises(ValueError):
        ROOMS.token({"pk": {"S": "BLDG#b1"}}, FILTERS)  # not the declared key
