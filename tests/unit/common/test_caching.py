"""The HTTP caching rule of every read: ETag, Cache-Control, Vary, 304 on If-None-Match."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.template import load_stack
from sitepulse.common.caching import (
    DEFAULT_POLICY,
    ROUTE_POLICIES,
    apply_http_caching,
    none_match,
    policy_of,
    strong_etag,
)

ROOT = Path(__file__).resolve().parents[3]
BODY = json.dumps({"sensor": "s1", "inside": 3})


def event(
    method: str = "GET", route: str = "GET /api/sensors/{sensor}/occupancy", **headers: str
) -> dict[str, Any]:
    return {"routeKey": route, "headers": headers, "requestContext": {"http": {"method": method}}}


def ok(body: str = BODY, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", **headers},
        "body": body,
        "isBase64Encoded": False,
    }


def etag_of(body: str = BODY) -> str:
    return str(apply_http_caching(event(), ok(body))["headers"]["ETag"])


def test_a_read_gets_a_strong_etag_private_cache_control_and_vary() -> None:
    response = apply_http_caching(event(), ok())
    assert response["statusCode"] == 200 and response["body"] == BODY
    headers = response["headers"]
    assert (
        headers["ETag"].startswith('"')
        and headers["ETag"].endswith('"')
        and not headers["ETag"].startswith("W/")
    )
    assert headers["Cache-Control"] == "private, no-cache" and headers["Vary"] == "Authorization"


def test_the_etag_is_stable_for_the_same_body_and_changes_with_it() -> None:
    assert etag_of() == etag_of() == strong_etag(BODY.encode())
    assert etag_of(BODY.replace("3", "4")) != etag_of()
    assert etag_of(BODY + " ") != etag_of()  # strong: byte for byte


def test_a_base64_body_is_hashed_as_its_bytes() -> None:
    encoded = {**ok(), "body": "AAEC", "isBase64Encoded": True}
    assert apply_http_caching(event(), encoded)["headers"]["ETag"] == strong_etag(b"\x00\x01\x02")


def test_a_matching_if_none_match_answers_304_without_a_body() -> None:
    tag = etag_of()
    response = apply_http_caching(event(**{"if-none-match": tag}), ok())
    assert response["statusCode"] == 304 and response["body"] == ""
    assert response["headers"] == {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ("*", True),
        ("{tag}", True),
        ("W/{tag}", True),  # weak comparison: the weakness flag does not matter
        ('"other", {tag}', True),
        ('"other",W/{tag} , "x"', True),
        (" {tag} ", True),
        ('"other"', False),
        ('W/"other", "x"', False),
        ("", False),
        ("{tag}junk", False),  # not a list of entity-tags: as if absent
        ("{bare}", False),  # unquoted
        ('"other", *', False),
    ],
)
def test_if_none_match_lists_star_and_weak_tags(header: str, matches: bool) -> None:
    tag = etag_of()
    value = header.format(tag=tag, bare=tag.strip('"'))
    assert none_match(value, tag) is not matches
    status = apply_http_caching(event(**{"if-none-match": value}), ok())["statusCode"]
    assert status == (304 if matches else 200)


def test_a_stale_tag_gets_the_new_body() -> None:
    response = apply_http_caching(event(**{"if-none-match": etag_of("old")}), ok())
    assert response["statusCode"] == 200 and response["body"] == BODY


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_writes_are_left_alone(method: str) -> None:
    response = ok()
    answered = apply_http_caching(event(method, "POST /api/webhook", **{"if-none-match": "*"}), response)
    assert answered == response and "ETag" not in answered["headers"]


def test_trigger_report_is_no_store_and_never_304() -> None:
    answered = apply_http_caching(event(route="GET /trigger_report", **{"if-none-match": "*"}), ok())
    assert answered["statusCode"] == 200 and answered["body"] == BODY
    assert answered["headers"]["Cache-Control"] == "no-store" and "ETag" not in answered["headers"]


@pytest.mark.parametrize("status", [302, 400, 401, 403, 404, 409, 422, 500, 503])
def test_errors_and_redirects_are_no_store_without_etag_even_for_star(status: int) -> None:
    response = {**ok(), "statusCode": status}
    answered = apply_http_caching(event(**{"if-none-match": "*"}), response)
    assert answered["statusCode"] == status and answered["body"] == BODY
    assert answered["headers"]["Cache-Control"] == "no-store" and "ETag" not in answered["headers"]


def test_a_route_header_is_replaced_not_duplicated() -> None:
    answered = apply_http_caching(event(), ok(**{"cache-control": "max-age=60", "vary": "Origin"}))
    names = [name.lower() for name in answered["headers"]]
    assert names.count("cache-control") == 1 and names.count("vary") == 1
    assert answered["headers"]["Cache-Control"] == "private, no-cache"


def template_get_routes() -> set[str]:
    stack = load_stack(ROOT / "template.yaml")
    return {
        route.route_key
        for function in stack.functions.values()
        for route in function.routes
        if route.route_key.startswith("GET ")
    }


def test_every_get_route_of_the_template_has_a_decided_policy_and_no_other() -> None:
    console = {"GET /", "GET /console/{proxy+}"}  # served by the console function's own rule
    assert set(ROUTE_POLICIES) == template_get_routes() - console


def test_every_policy_is_private_or_no_store_and_says_why() -> None:
    for route, policy in ROUTE_POLICIES.items():
        assert policy.why, route
        assert policy.cache_control == "no-store" or policy.cache_control.startswith("private"), route
        assert policy.validated == (policy.cache_control != "no-store"), route
    assert policy_of("GET /not/a/route") is DEFAULT_POLICY


AVERAGE = "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/average"


def average_body(to: str, mean: float = 21.5) -> str:
    return json.dumps({"building": "b", "from": f"{to}-15m", "to": to, "average_temperature": mean})


def test_a_window_ending_now_gets_a_weak_tag_that_ignores_its_bounds() -> None:
    first = apply_http_caching(event(route=AVERAGE), ok(average_body("12:00:00.1")))
    tag = first["headers"]["ETag"]
    assert tag.startswith('W/"')
    later = apply_http_caching(event(route=AVERAGE, **{"if-none-match": tag}), ok(average_body("12:00:03.7")))
    assert later["statusCode"] == 304
    # the strong form of the same tag matches too (weak comparison)
    strong = tag.removeprefix("W/")
    assert (
        apply_http_caching(event(route=AVERAGE, **{"if-none-match": strong}), ok(average_body("x")))[
            "statusCode"
        ]
        == 304
    )
    changed = apply_http_caching(event(route=AVERAGE, **{"if-none-match": tag}), ok(average_body("x", 22.0)))
    assert changed["statusCode"] == 200 and changed["headers"]["ETag"] != tag


def test_clock_fields_of_a_body_that_is_not_an_object_leave_a_strong_tag() -> None:
    assert apply_http_caching(event(route=AVERAGE), ok("[1, 2]"))["headers"]["ETag"] == strong_etag(b"[1, 2]")
