"""The `duration` query parameter: `<n>s|m|h|d` or an ISO 8601 duration (`PT15M`, `P1D`, `P1DT2H`, `P2W`).

Years and months are refused: they have no fixed length, and an average over
"one month" that silently meant 30 days would surprise someone.
"""

import re
from datetime import timedelta

DEFAULT_DURATION = "15m"
MAX_DURATION = timedelta(days=366)

_MICROS = {"s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000, "w": 604_800_000_000}
_SHORT = re.compile(r"(?P<amount>\d{1,12})(?P<unit>[smhd])", re.ASCII)
_ISO = re.compile(
    r"P(?:(?P<w>\d{1,12})W)?(?:(?P<d>\d{1,12})D)?"
    r"(?:T(?:(?P<h>\d{1,12})H)?(?:(?P<m>\d{1,12})M)?(?:(?P<s>\d{1,12})(?:[.,](?P<fraction>\d{1,6}))?S)?)?",
    re.IGNORECASE | re.ASCII,
)
# The same grammar for the OpenAPI document (no flags there, hence the [Pp] classes). Every digit
# belongs to an amount, so "some digit is not 0" is exactly "longer than zero": the pattern
# refuses `0d` and `PT0S` as `parse_duration` does. The upper bound (≤ 366 days) is checked by
# `parse_duration` and stated in the parameter's description.
_N = r"[0-9]{1,12}"
DURATION_PATTERN = (
    rf"^(?=.*[1-9])({_N}[smhd]|(?!.*[Tt]$)[Pp]({_N}[Ww])?({_N}[Dd])?"
    rf"([Tt]({_N}[Hh])?({_N}[Mm])?({_N}([.,][0-9]{{1,6}})?[Ss])?)?)$"
)
_EXPECTED = "expected <n>s, <n>m, <n>h, <n>d (e.g. 15m) or an ISO 8601 duration (e.g. PT15M, P1DT2H)"


def parse_duration(text: str) -> timedelta:
    """The length of `text`; raises ValueError with a message fit for the client."""
    micros = _short_micros(text)
    if micros is None:
        micros = _iso_micros(text)
    if micros <= 0:
        raise ValueError(f"must be longer than zero, got {text!r}")
    if micros > MAX_DURATION // timedelta(microseconds=1):
        raise ValueError(f"must be at most {MAX_DURATION.days} days, got {text!r}")
    return timedelta(microseconds=micros)


def _short_micros(text: str) -> int | None:
    match = _SHORT.fullmatch(text)
    if match is None:
        return None
    return int(match["amount"]) * _MICROS[match["unit"]]


def _iso_micros(text: str) -> int:
    match = _ISO.fullmatch(text)
    if match is None or text.upper() in ("P", "PT") or text.upper().endswith("T"):
        date_part = text.upper().removeprefix("P").split("T", 1)[0]
        if text[:1].upper() == "P" and ("Y" in date_part or "M" in date_part):
            raise ValueError(
                f"years and months have no fixed length: use days or weeks (e.g. P30D), got {text!r}"
            )
        raise ValueError(f"{_EXPECTED}, got {text!r}")
    micros = sum(int(match[unit] or 0) * _MICROS[unit.lower()] for unit in ("w", "d", "h", "m", "s"))
    fraction = match["fraction"]
    if fraction:
        micros += int(fraction.ljust(6, "0"))
    return micros
