"""`SITEPULSE_FAULTS`: which share of emulated AWS requests fail, and how much latency is added.

    SITEPULSE_FAULTS="dynamodb=0.1,s3=0.05,states=0.05,lambda=0.05,latency_ms=0-200,seed=7"

Any subset of the keys; an empty or unset variable means no faults. Pure: parsing and
validation only, so a bad spec is refused with a message naming the key before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_VAR = "SITEPULSE_FAULTS"
SERVICES = ("dynamodb", "s3", "states", "lambda")
MAX_LATENCY_MS = 60_000
_KEYS = (*SERVICES, "latency_ms", "seed")


class FaultSpecError(ValueError):
    """The spec cannot be understood: the message says which part and what is expected."""


@dataclass(frozen=True)
class FaultSpec:
    dynamodb: float = 0.0
    s3: float = 0.0
    states: float = 0.0
    lambda_: float = 0.0
    latency_ms: tuple[int, int] = (0, 0)
    seed: int = 0

    def rate(self, service: str) -> float:
        return {"dynamodb": self.dynamodb, "s3": self.s3, "states": self.states, "lambda": self.lambda_}.get(
            service, 0.0
        )

    @property
    def active(self) -> bool:
        return any(self.rate(s) > 0 for s in SERVICES) or self.latency_ms[1] > 0

    def describe(self) -> str:
        parts = [f"{s}={self.rate(s):g}" for s in SERVICES if self.rate(s) > 0]
        if self.latency_ms[1] > 0:
            parts.append(f"latency_ms={self.latency_ms[0]}-{self.latency_ms[1]}")
        return ",".join([*parts, f"seed={self.seed}"])


def _rate(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"{key}={text!r}: expected a share between 0 and 1, e.g. {key}=0.1") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise FaultSpecError(f"{key}={text!r}: expected a share between 0 and 1, e.g. {key}=0.1")
    return value


def _latency(text: str) -> tuple[int, int]:
    low_text, sep, high_text = text.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if sep else low
    except ValueError:
        raise FaultSpecError(
            f"latency_ms={text!r}: expected milliseconds as <min>-<max> or <n>, e.g. latency_ms=0-200"
        ) from None
    if not 0 <= low <= high <= MAX_LATENCY_MS:
        raise FaultSpecError(f"latency_ms={text!r}: expected 0 <= min <= max <= {MAX_LATENCY_MS}")
    return low, high


def parse_faults(text: str | None) -> FaultSpec | None:
    """The spec, or None when faults are off (unset, empty, or every share 0 and no latency)."""
    if text is None or not text.strip():
        return None
    values: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not part.strip():
            raise FaultSpecError(f"{text!r}: empty entry (two commas, or a trailing comma)")
        if not sep or not value:
            raise FaultSpecError(f"{part.strip()!r}: expected key=value")
        if key not in _KEYS:
            raise FaultSpecError(f"unknown key {key!r}: expected one of {', '.join(_KEYS)}")
        if key in values:
            raise FaultSpecError(f"{key} given twice")
        values[key] = value
    seed_text = values.get("seed", "0")
    try:
        seed = int(seed_text)
    except ValueError:
        raise FaultSpecError(f"seed={seed_text!r}: expected an integer") from None
    spec = FaultSpec(
        dynamodb=_rate("dynamodb", values.get("dynamodb", "0")),
        s3=_rate("s3", values.get("s3", "0")),
        states=_rate("states", values.get("states", "0")),
        lambda_=_rate("lambda", values.get("lambda", "0")),
        latency_ms=_latency(values.get("latency_ms", "0")),
        seed=seed,
    )
    return spec if spec.active else None


def faults_from_env(environ: dict[str, str] | None = None) -> FaultSpec | None:
    return parse_faults((os.environ if environ is None else environ).get(ENV_VAR))
