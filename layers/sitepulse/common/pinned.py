"""The one guard around code that leans on a library's private internals.

A private attribute (a method we override, a function whose logic we mirror) can change in
any release without notice, and an override that no longer matches what calls it fails
silently: routes that stop matching, tracing that never starts. Each such place calls
`require_version` with the version it was written and tested against (the one the
requirements pin), so an upgrade stops at import with a message saying what to re-check,
instead of shipping a quiet change of behaviour. Each guard has a test that the pin is the
one installed and that another version is refused.

The installed version is passed in by the caller, read from the library's own constant
(`aws_lambda_powertools.shared.version.VERSION`, `botocore.__version__`, ...): no package
metadata scan on the Lambda cold-start path.
"""

from __future__ import annotations

POWERTOOLS = "3.37.0"  # layers/requirements.txt: aws-lambda-powertools[tracer]
BOTOCORE = "1.44.5"  # layers/requirements.txt


class PinnedVersionError(RuntimeError):
    """A library other than the one a private-internals override was written against."""


def require_version(distribution: str, installed: str, pinned: str, relies_on: str) -> None:
    """Fail loudly unless `installed` is `pinned`; `relies_on` names the private internals used."""
    if installed != pinned:
        raise PinnedVersionError(
            f"{relies_on} relies on private internals of {distribution} {pinned}, but {installed} is "
            f"installed: pin {distribution}=={pinned} again, or check that code (and its test) "
            f"against {installed} and update the pinned version where it is required"
        )
