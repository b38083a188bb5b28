"""Webhook targets without SSRF: a URL is checked when a rule is created (422) and again, on the
addresses it resolves to at that moment, before every delivery, and the connection goes to the
very address that was checked (no second DNS lookup a rebinding attacker could answer).

Only `https` to addresses that are globally routable (`ipaddress` `is_global`: not private,
loopback, link-local such as 169.254.169.254, shared, reserved, multicast, unspecified,
documentation …). The local stack sets `SITEPULSE_LOCAL_WEBHOOKS=loopback` in its functions'
environment (never set in AWS) and then additionally accepts plain `http` to loopback, so
tests and the demo can receive; every other private or special range stays refused there too.
Redirects are never followed (a 3xx is a failed attempt) and timeouts are short.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

LOCAL_FLAG = "SITEPULSE_LOCAL_WEBHOOKS"
CONNECT_TIMEOUT_SECONDS = 3.0
RESPONSE_TIMEOUT_SECONDS = 5.0
USER_AGENT = "Sitepulse-Alerts/1"

Resolver = Callable[[str, int], list[str]]


class UnsafeUrl(ValueError):
    """The URL may not receive notifications; the message says why (shown to the client)."""


@dataclass(frozen=True)
class Target:
    url: SplitResult
    host: str
    port: int
    address: str  # the checked address the connection goes to


def loopback_allowed() -> bool:
    return os.environ.get(LOCAL_FLAG) == "loopback"


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"host {host!r} does not resolve: {exc}") from None
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, resolve: Resolver | None = None, allow_loopback: bool | None = None) -> Target:
    """The URL's target if it may receive notifications; `UnsafeUrl` otherwise."""
    allow_loopback = loopback_allowed() if allow_loopback is None else allow_loopback
    resolve = resolve or system_resolver
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("must be an https:// URL with a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("must not carry credentials in the URL")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise UnsafeUrl("must not contain spaces or control characters")
    host = parts.hostname
    addresses = _literal(host) or resolve(host, port)
    if not addresses:
        raise UnsafeUrl(f"host {host!r} does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        loopback_ok = allow_loopback and address.is_loopback
        # `is_global` alone lets multicast through (224.0.0.0/4 is "global"): refuse it explicitly.
        special = not address.is_global or address.is_multicast or address.is_reserved
        if special and not loopback_ok:
            raise UnsafeUrl(f"resolves to {address}, a private, loopback, link-local or special address")
        if parts.scheme == "http" and not loopback_ok:
            raise UnsafeUrl("must be https (plain http only to loopback on the local stack)")
    return Target(url=parts, host=host, port=port, address=addresses[0])


def _literal(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return []


@dataclass(frozen=True)
class Attempt:
    """One POST: the HTTP status when the receiver answered, else the error."""

    ok: bool
    status: int | None
    error: str | None


def post(url: str, body: bytes, headers: dict[str, str], resolve: Resolver | None = None) -> Attempt:
    """POST `body` once; 2xx is success, anything else (3xx included: no redirects) a failure."""
    try:
        target = check_url(url, resolve)
    except UnsafeUrl as exc:
        return Attempt(False, None, f"refused: {exc}")
    connection = _connection(target)
    path = target.url.path or "/"
    if target.url.query:
        path += "?" + target.url.query
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Host": target.url.netloc.rsplit("@", 1)[-1],
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        response.read(64 * 1024)
    except (OSError, http.client.HTTPException) as exc:
        return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Attempt(True, response.status, None)
    return Attempt(False, response.status, f"HTTP {response.status} {response.reason}"[:300])


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to the checked address, certificate verified for the URL's host name."""

    def __init__(self, target: Target) -> None:
        super().__init__(
            target.host, target.port, timeout=CONNECT_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT_SECONDS)
        raw.settimeout(RESPONSE_TIMEOUT_SECONDS)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=CONNECT_TIMEOUT_SECONDS)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT_SECONDS)
        self.sock.settimeout(RESPONSE_TIMEOUT_SECONDS)


def _connection(target: Target) -> http.client.HTTPConnection:
    return _PinnedHttps(target) if target.url.scheme == "https" else _PinnedHttp(target)
