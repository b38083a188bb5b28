"""The console function: index no-cache, content-hashed immutable assets, deep links, 404s."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.unit.conftest import http_event, lambda_context

STATIC = Path(__file__).resolve().parents[3] / "functions" / "console" / "static"


@pytest.fixture
def console(load_function: Any) -> ModuleType:
    return load_function("ConsoleFunction")


def get(console: ModuleType, path: str, method: str = "GET", **headers: str) -> dict[str, Any]:
    route = "GET /" if path == "/" else "GET /console/{proxy+}"
    event = http_event(method, path, route_key=route)
    event["headers"].update(headers)
    return console.handler(event, lambda_context("ConsoleFunction"))


def test_index_references_hashed_assets_that_are_served_immutable(console: ModuleType) -> None:
    index = get(console, "/")
    assert index["statusCode"] == 200
    assert index["headers"]["Content-Type"].startswith("text/html")
    assert index["headers"]["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in index["headers"]["Content-Security-Policy"]
    urls = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', index["body"])
    assert sorted(urls) == console.assets.urls and len(urls) == 2
    for url in urls:
        name = re.fullmatch(r"/console/assets/(\w+)\.([0-9a-f]{12})\.(js|css)", url)
        assert name, url
        source = (STATIC / f"{name[1]}.{name[3]}").read_text(encoding="utf-8")
        assert (
            name[2] == hashlib.sha256(source.encode()).hexdigest()[:12]
        )  # the name changes with the content
        asset = get(console, url)
        assert asset["statusCode"] == 200 and asset["body"] == source
        assert asset["headers"]["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_key_field_and_the_navigation_links(console: ModuleType) -> None:
    body = get(console, "/")["body"]
    assert re.search(r'<input type="password" id="api_key" name="api_key"', body)
    assert '<label for="api_key">' in body
    links = re.findall(r'<a href="(/console/\w+)" data-page="\w+">([^<]+)</a>', body)
    assert [text for _, text in links] == ["Occupancy", "Temperature", "Store uptime", "Bookings", "Alerts"]
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    assert "sessionStorage" in script and "localStorage" not in script
    assert "Authorization: `Bearer ${apiKey()}`" in script
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", script + body), "no outside URL at run time"


@pytest.mark.parametrize(
    "path", ["/console/occupancy", "/console/stores", "/console/bookings/2024", "/console"]
)
def test_deep_links_serve_the_index(console: ModuleType, path: str) -> None:
    response = get(console, path)
    assert response["statusCode"] == 200 and response["body"] == get(console, "/")["body"]


@pytest.mark.parametrize(
    "path", ["/console/assets/app.000000000000.js", "/console/assets/app.js", "/console/assets/"]
)
def test_unknown_assets_are_404_never_the_index(console: ModuleType, path: str) -> None:
    response = get(console, path)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"message": "Not found"}


def test_only_get_and_head(console: ModuleType) -> None:
    assert get(console, "/", method="POST")["statusCode"] == 405
    assert get(console, "/", method="HEAD")["statusCode"] == 200


def test_a_missing_asset_name_in_the_index_fails_at_start(console: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<script src="{{gone.js}}"></script>')
    (tmp_path / "app.js").write_text("1")
    with pytest.raises(ValueError, match="asset"):
        console.Assets.load(tmp_path)


@pytest.mark.parametrize("path", ["/", "/console/stores", "asset"])
def test_a_revisit_with_the_etag_costs_a_304(console: ModuleType, path: str) -> None:
    if path == "asset":
        path = console.assets.urls[0]
    first = get(console, path)
    tag = first["headers"]["ETag"]
    assert re.fullmatch(r'"[A-Za-z0-9_-]+"', tag) and get(console, path)["headers"]["ETag"] == tag
    again = get(console, path, **{"if-none-match": f'"stale", W/{tag}'})
    assert again["statusCode"] == 304 and again["body"] == ""
    assert again["headers"]["ETag"] == tag
    assert again["headers"]["Cache-Control"] == first["headers"]["Cache-Control"]
    stale = get(console, path, **{"if-none-match": '"stale"'})
    assert stale["statusCode"] == 200 and stale["body"] == first["body"]


def test_the_apps_requests_revalidate_instead_of_bypassing_the_cache() -> None:
    """The API answers reads with ETags: the browser revalidates them (304) unless told not to."""
    script = (STATIC / "app.js").read_text(encoding="utf-8")
    api_fetch = script[script.index("async function api(") :]
    api_fetch = api_fetch[: api_fetch.index("\n}\n")]
    assert "no-store" not in api_fetch and 'cache: "no-cache"' in api_fetch
