"""Presigned URLs signed at the start of their window: the same URL for a whole window, exactly
the URL botocore itself signs at that instant, and a new one in the next window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config

from sitepulse.common.presigned import WINDOW_SECONDS, WindowPresigner, window_start

PARAMS = {
    "Bucket": "reports-bucket",
    "Key": "reports/a b+c.csv",
    "ResponseContentDisposition": 'attachment; filename="report-a.csv"',
    "ResponseContentType": "text/csv",
}
START = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session/token+=")
    yield boto3.Session(region_name="eu-west-1")


def presigner(session: boto3.Session, clock: Any, **config: Any) -> tuple[Any, WindowPresigner]:
    s3 = session.client("s3", config=Config(signature_version="s3v4", **config))
    return s3, WindowPresigner(s3, session.get_credentials, clock)


def botocore_url_at(s3: Any, instant: datetime) -> str:
    """What botocore signs when its clock reads `instant` (its clock is replaced here only)."""
    naive = instant.astimezone(UTC).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=naive):
        return str(s3.generate_presigned_url("get_object", Params=PARAMS, ExpiresIn=3600))


def test_window_start_floors_to_the_window() -> None:
    assert window_start(START + timedelta(minutes=14, seconds=59)) == START
    assert window_start(START + timedelta(minutes=15)) == START + timedelta(minutes=15)
    assert window_start(START) == START


@pytest.mark.parametrize("addressing", ["path", "virtual"])
def test_the_url_is_botocores_own_signed_at_the_window_start(session: boto3.Session, addressing: str) -> None:
    s3, signer = presigner(
        session, lambda: START + timedelta(minutes=7, seconds=33), s3={"addressing_style": addressing}
    )
    url, expires = signer.get_object_url(PARAMS, 3600)
    assert url == botocore_url_at(s3, START)
    assert expires == START + timedelta(hours=1)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Date"] == ["20261205T120000Z"] and query["X-Amz-Security-Token"] == [
        "session/token+="
    ]


def test_the_same_url_for_the_whole_window_and_a_new_one_after(session: boto3.Session) -> None:
    now = [START + timedelta(seconds=1)]
    _, signer = presigner(session, lambda: now[0])
    first, _ = signer.get_object_url(PARAMS, 3600)
    now[0] = START + timedelta(seconds=WINDOW_SECONDS - 1)
    assert signer.get_object_url(PARAMS, 3600)[0] == first
    now[0] = START + timedelta(seconds=WINDOW_SECONDS)
    later, expires = signer.get_object_url(PARAMS, 3600)
    assert later != first and expires == START + timedelta(seconds=WINDOW_SECONDS + 3600)


def test_a_served_url_always_has_most_of_its_validity_left(session: boto3.Session) -> None:
    for offset in (0, 1, 299, 600, WINDOW_SECONDS - 1):
        now = START + timedelta(seconds=offset)
        _, signer = presigner(session, lambda now=now: now)
        _, expires = signer.get_object_url(PARAMS, 3600)
        assert timedelta(seconds=3600 - WINDOW_SECONDS) < expires - now <= timedelta(seconds=3600)


def test_other_objects_get_other_urls(session: boto3.Session) -> None:
    _, signer = presigner(session, lambda: START)
    assert (
        signer.get_object_url(PARAMS, 3600)[0]
        != signer.get_object_url({**PARAMS, "Key": "other.csv"}, 3600)[0]
    )
