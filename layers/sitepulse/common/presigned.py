"""Presigned S3 download URLs signed at a fixed instant per window, so that the same object
gets the same URL for a whole window and a body that carries one keeps its ETag.

botocore signs a presigned URL at the current second (`X-Amz-Date`), so two identical reads one
second apart would differ by their URL, and their ETags with it: a polling client would never
get a 304. Here every URL issued during one window (`WINDOW_SECONDS`) is signed as of the
window's start and expires `expires_in` seconds after it: a URL handed out is always valid for
at least `expires_in - WINDOW_SECONDS` more seconds.

botocore resolves the endpoint, addressing style and parameters (`generate_presigned_url`);
only the SigV4 query signature is then computed again, for the window start, by botocore's own
query signer with its timestamp fixed — nothing of botocore is patched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from botocore.auth import SIGV4_TIMESTAMP, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest

WINDOW_SECONDS = 15 * 60
"""How long one signing instant is used: a served URL has at least expires_in − 15 min left."""

# The query parameters of a SigV4 presigned URL: everything the signer adds.
_SIGNATURE_PARAMETERS = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
    }
)


def window_start(instant: datetime, window_seconds: int = WINDOW_SECONDS) -> datetime:
    """The start of the signing window holding `instant` (UTC, whole seconds)."""
    epoch = int(instant.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)


class _SignedAtQueryAuth(S3SigV4QueryAuth):
    """botocore's S3 query signer, signing as of `signed_at` instead of its clock.

    `add_auth` stamps `request.context["timestamp"]` from the clock, then calls this hook
    before anything reads the timestamp (scope, string to sign, signing key): replacing it
    here signs the whole request as of `signed_at` (checked against botocore itself by the
    unit tests, so a botocore that changes this order fails them)."""

    def __init__(self, credentials: Any, region: str, expires: int, signed_at: datetime) -> None:
        super().__init__(credentials, "s3", region, expires=expires)
        self._timestamp = signed_at.astimezone(UTC).strftime(SIGV4_TIMESTAMP)

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        request.context["timestamp"] = self._timestamp
        super()._modify_request_before_signing(request)


class WindowPresigner:
    """`get_object` URLs of one S3 client, signed at the start of the current window."""

    def __init__(
        self,
        s3: Any,
        credentials: Callable[[], Any],
        clock: Callable[[], datetime],
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._s3 = s3
        self._credentials = credentials  # botocore Credentials (refreshable), frozen at each use
        self._clock = clock
        self._window_seconds = window_seconds

    def get_object_url(self, params: dict[str, str], expires_in: int) -> tuple[str, datetime]:
        """The URL and the instant it expires."""
        signed_at = window_start(self._clock(), self._window_seconds)
        url = self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        unsigned = [(name, value) for name, value in query if name not in _SIGNATURE_PARAMETERS]
        # botocore's own URL names the signing region in its credential scope: keep the same.
        credential = dict(query)["X-Amz-Credential"]
        region = credential.split("/")[2]
        request = AWSRequest(
            method="GET", url=urlunsplit(parts._replace(query=urlencode(unsigned))), headers={}
        )
        frozen = self._credentials().get_frozen_credentials()
        _SignedAtQueryAuth(frozen, region, expires_in, signed_at).add_auth(request)
        return str(request.url), signed_at + timedelta(seconds=expires_in)
