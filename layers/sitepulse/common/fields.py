"""Field metadata shared by the request models, so that the code and the OpenAPI document agree.

`JSON_INTEGER`: what JSON Schema calls an `integer` — any JSON number with a zero fractional
part, so `1`, `1.0` and `1e3` — and nothing else: not `true` (pydantic's lax mode would take
it as 1), not `"1"`, not `1.5`. Append it after the bounds, so that they stay `minimum` and
`maximum` in the document:

    Count = Annotated[StrictInt, Field(ge=0, le=10_000), JSON_INTEGER]
"""

from typing import Any

from pydantic import BeforeValidator


def _json_integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # StrictInt then refuses bool, str and fractional floats


JSON_INTEGER = BeforeValidator(_json_integer)
