"""The served OpenAPI document declares the bearer scheme and 401/403 on every protected route."""

import json
from pathlib import Path

from local.template import Stack

DOCUMENT = Path(__file__).resolve().parents[3] / "layers" / "sitepulse" / "openapi.json"


def test_security_scheme_and_access_answers_on_every_protected_route(template_stack: Stack) -> None:
    document = json.loads(DOCUMENT.read_text())
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert document["security"] == [{"apiKey": []}]
    protected = {r.route_key for r in template_stack.routes if r.authorizer}
    documented = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route_key = f"{method.upper()} {path}"
            documented.add(route_key)
            assert route_key in protected, f"{route_key} is documented but not protected"
            assert operation["security"] == [{"apiKey": []}]
            assert {"401", "403"} <= set(operation["responses"]), route_key
            assert "scope `" in operation["description"]
    assert documented == protected
