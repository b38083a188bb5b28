"""The series reads take `from` / `to` / `step` declared once (`sitepulse.common.series_params`)."""

import json
from pathlib import Path

from sitepulse.common.series_params import series_params

DOCUMENT = Path(__file__).resolve().parents[3] / "layers" / "sitepulse" / "openapi.json"
SERIES_OPERATIONS = ("getOccupancySeries", "getTemperatureSeries")


def _series_parameters(operation_id: str) -> dict[str, dict]:
    for path in json.loads(DOCUMENT.read_text())["paths"].values():
        for operation in path.values():
            if operation.get("operationId") == operation_id:
                return {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    raise LookupError(operation_id)


def test_both_series_reads_document_the_same_parameters_but_for_their_words() -> None:
    occupancy, temperature = (_series_parameters(op) for op in SERIES_OPERATIONS)
    assert set(occupancy) == set(temperature) == {"from", "to", "step"}
    for name in ("from", "to", "step"):
        words = occupancy[name]["description"], temperature[name]["description"]
        assert words[0] != words[1]  # the domains' grains and steps differ
        assert _wordless(occupancy[name]) == _wordless(temperature[name]), name


def _wordless(parameter: dict) -> dict:
    return {**parameter, "description": None, "schema": {**parameter["schema"], "description": None}}


def test_the_words_given_are_the_words_documented() -> None:
    start, end, step = series_params(grain="fortnight", default_span="3 fortnights", steps="whole fortnights")
    assert start.__metadata__[0].alias == "from"
    assert start.__metadata__[0].description.startswith(
        "Floored to the fortnight; default to − 3 fortnights."
    )
    assert end.__metadata__[0].description.startswith("Floored to the fortnight; default now.")
    assert step.__metadata__[0].description == "whole fortnights"
