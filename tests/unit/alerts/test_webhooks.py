"""No SSRF: which webhook URLs are accepted, after resolution, in AWS and on the local stack."""

from __future__ import annotations

import pytest

from sitepulse.alerts.webhooks import UnsafeUrl, check_url, post


def resolver(*addresses: str):  # type: ignore[no-untyped-def]
    return lambda host, port: list(addresses)


PUBLIC = resolver("93.184.216.34")


def test_https_to_a_public_address_is_accepted() -> None:
    target = check_url("https://hooks.example.com/x?y=1", PUBLIC, allow_loopback=False)
    assert (target.host, target.port, target.address) == ("hooks.example.com", 443, "93.184.216.34")


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.10",
        "127.0.0.1",
        "169.254.169.254",  # the instance metadata service
        "100.64.0.1",  # shared address space
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",  # IPv4-mapped private
        "192.0.2.1",  # documentation
    ],
)
def test_private_and_special_addresses_are_refused(address: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url("https://hooks.example.com/x", resolver(address), allow_loopback=False)


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(UnsafeUrl, match=r"10\.0\.0\.1"):
        check_url("https://hooks.example.com/x", resolver("93.184.216.34", "10.0.0.1"), allow_loopback=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https:///x",
        "https://u:p@hooks.example.com/x",
        "nonsense",
    ],
)
def test_only_https_urls_with_a_host_and_no_credentials(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, PUBLIC, allow_loopback=False)


def test_local_stack_allows_plain_http_to_loopback_only() -> None:
    assert check_url("http://127.0.0.1:8080/hook", allow_loopback=True).address == "127.0.0.1"
    assert check_url("http://[::1]:8080/hook", allow_loopback=True).address == "::1"
    for refused in ("http://10.0.0.1/hook", "http://169.254.169.254/", "https://192.168.1.1/"):
        with pytest.raises(UnsafeUrl):
            check_url(refused, allow_loopback=True)
    with pytest.raises(UnsafeUrl):  # and never in AWS
        check_url("http://127.0.0.1:8080/hook", allow_loopback=False)


def test_local_flag_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITEPULSE_LOCAL_WEBHOOKS", raising=False)
    with pytest.raises(UnsafeUrl):
        check_url("http://127.0.0.1:8080/hook")
    monkeypatch.setenv("SITEPULSE_LOCAL_WEBHOOKS", "loopback")
    assert check_url("http://127.0.0.1:8080/hook").port == 8080


def test_post_refuses_an_unsafe_url_without_connecting() -> None:
    attempt = post("https://hooks.example.com/x", b"{}", {}, resolve=resolver("169.254.169.254"))
    assert not attempt.ok and attempt.status is None and attempt.error and attempt.error.startswith("refused")
