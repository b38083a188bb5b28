"""SITEPULSE_FAULTS parsing: the documented format, any subset of keys, clear errors."""

from __future__ import annotations

import pytest

from local.aws.fault_spec import FaultSpec, FaultSpecError, faults_from_env, parse_faults


def test_full_spec() -> None:
    spec = parse_faults("dynamodb=0.1,s3=0.05,states=0.05,lambda=0.05,latency_ms=0-200,seed=7")
    assert spec == FaultSpec(dynamodb=0.1, s3=0.05, states=0.05, lambda_=0.05, latency_ms=(0, 200), seed=7)
    assert spec.rate("lambda") == 0.05
    assert spec.describe() == "dynamodb=0.1,s3=0.05,states=0.05,lambda=0.05,latency_ms=0-200,seed=7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3=1", FaultSpec(s3=1.0)),
        (" dynamodb = 0.25 , seed = -3 ", FaultSpec(dynamodb=0.25, seed=-3)),
        ("latency_ms=50", FaultSpec(latency_ms=(50, 50))),
        ("latency_ms=10-10,lambda=0", FaultSpec(latency_ms=(10, 10))),
    ],
)
def test_subsets(text: str, expected: FaultSpec) -> None:
    assert parse_faults(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "dynamodb=0,seed=4", "latency_ms=0-0"])
def test_off(text: str | None) -> None:
    assert parse_faults(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dynamo=0.1", "unknown key 'dynamo'"),
        ("dynamodb=0.1,dynamodb=0.2", "dynamodb given twice"),
        ("dynamodb=1.5", "dynamodb='1.5': expected a share between 0 and 1"),
        ("s3=-0.1", "s3='-0.1': expected a share"),
        ("s3=nan", "s3='nan': expected a share"),
        ("s3=10%", "s3='10%': expected a share"),
        ("lambda", "'lambda': expected key=value"),
        ("states=", "'states=': expected key=value"),
        ("s3=0.1,,seed=1", "empty entry"),
        ("s3=0.1,", "empty entry"),
        ("latency_ms=200-0", "latency_ms='200-0': expected 0 <= min <= max"),
        ("latency_ms=-5", "latency_ms='-5'"),
        ("latency_ms=a-b", "expected milliseconds as <min>-<max>"),
        ("latency_ms=0-999999", "<= 60000"),
        ("s3=0.1,seed=x", "seed='x': expected an integer"),
    ],
)
def test_bad_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError) as raised:
        parse_faults(text)
    assert message in str(raised.value)


def test_from_env() -> None:
    assert faults_from_env({}) is None
    assert faults_from_env({"SITEPULSE_FAULTS": "s3=0.5,seed=1"}) == FaultSpec(s3=0.5, seed=1)
