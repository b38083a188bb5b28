"""Validation of sensor reports: aliases, strict types, bounds, names and timestamps."""

import pytest
from pydantic import ValidationError

from sitepulse.occupancy.models import SensorEventIn


def _report(**overrides: object) -> dict:
    return {"sensor": "abc", "ts": "2018-11-14T13:34:49Z", "in": 3, "out": 2} | overrides


def test_aliases_are_accepted() -> None:
    event = SensorEventIn.model_validate(
        {"sensor": "abc", "ts": "2018-11-14T13:34:49Z", "in_count": 4, "out_count": 1}
    )
    assert (event.in_, event.out) == (4, 1)
    mixed = SensorEventIn.model_validate(
        {"sensor": "abc", "ts": "2018-11-14T13:34:49Z", "in_count": 4, "out": 1}
    )
    assert (mixed.in_, mixed.out) == (4, 1)


def test_integral_numbers_are_integers_as_in_json_schema() -> None:
    event = SensorEventIn.model_validate(_report(**{"in": 3.0, "out": 2e0}))
    assert (event.in_, event.out) == (3, 2) and isinstance(event.in_, int)


@pytest.mark.parametrize(
    "ts", ["1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "1970-01-01T08:00:00-01:00"]
)
def test_the_timestamp_range_is_inclusive(ts: str) -> None:
    assert SensorEventIn.model_validate(_report(ts=ts)).ts.year in (1970, 9999)


def test_naive_timestamp_is_utc_and_offsets_are_normalised() -> None:
    assert (
        SensorEventIn.model_validate(_report(ts="2018-11-14T13:34:49")).ts.isoformat()
        == "2018-11-14T13:34:49+00:00"
    )
    shifted = SensorEventIn.model_validate(_report(ts="2018-11-14T15:34:49+02:00"))
    assert shifted.ts.isoformat() == "2018-11-14T13:34:49+00:00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"in": "3"}, "in"),
        ({"in": 3.5}, "in"),
        ({"in": True}, "in"),
        ({"ts": "1969-12-31T23:59:59Z"}, "ts"),
        ({"ts": "0999-06-01T00:00:00Z"}, "ts"),
        ({"ts": "1970-01-01T00:30:00+01:00"}, "ts"),
        ({"ts": "9999-12-31T23:00:00-01:00"}, "ts"),
        ({"ts": "2018-11-14"}, "ts"),
        ({"out": -1}, "out"),
        ({"out": 10_001}, "out"),
        ({"sensor": ""}, "sensor"),
        ({"sensor": "a" * 129}, "sensor"),
        ({"sensor": "bad/name"}, "sensor"),
        ({"sensor": "nul\u0000byte"}, "sensor"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": 1542202489}, "ts"),
        ({"ts": "2018-13-40T00:00:00Z"}, "ts"),
    ],
)
def test_bad_values_name_the_field(overrides: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SensorEventIn.model_validate(_report(**overrides))
    assert field in {str(err["loc"][0]) for err in caught.value.errors()}


def test_missing_fields_are_reported() -> None:
    with pytest.raises(ValidationError) as caught:
        SensorEventIn.model_validate({"sensor": "abc"})
    assert {str(err["loc"][0]) for err in caught.value.errors()} == {"ts", "in", "out"}


def test_alias_and_name_must_agree() -> None:
    with pytest.raises(ValidationError):
        SensorEventIn.model_validate(_report(**{"in": 3, "in_count": 4}))
