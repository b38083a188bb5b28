"""The route → scope table: the ONE place that says which scope each route needs.

The authorizer checks the scope of `routeKey` (the template's `METHOD /path`), the
function edge checks it again, the OpenAPI generator marks every protected route
with it, and a test holds this table equal to the routes of template.yaml.
"""

from typing import Literal, get_args

Scope = Literal[
    "occupancy:write",
    "occupancy:read",
    "temperature:write",
    "temperature:read",
    "bookings:write",
    "bookings:read",
    "reports:run",
    "reports:read",
    "alerts:write",
    "alerts:read",
    "admin",
]
ALL_SCOPES: tuple[str, ...] = get_args(Scope)
READ_SCOPES: tuple[str, ...] = tuple(scope for scope in ALL_SCOPES if scope.endswith(":read"))

# Routes with `Auth: {Authorizer: NONE}` in template.yaml: no key needed.
PUBLIC_ROUTES: frozenset[str] = frozenset(
    {
        "GET /api/openapi.json",
        "GET /api/docs",
        "GET /",
        "GET /console/{proxy+}",
    }
)

ROUTE_SCOPES: dict[str, str] = {
    # occupancy
    "POST /api/webhook": "occupancy:write",
    "GET /api/sensors": "occupancy:read",
    "GET /api/sensors/{sensor}/occupancy": "occupancy:read",
    "GET /sensors/{sensor}/occupancy": "occupancy:read",
    "GET /api/sensors/{sensor}/occupancy/series": "occupancy:read",
    # temperature
    "POST /api/v1/buildings/{building}/rooms/{room}/temperatures": "temperature:write",
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/average": "temperature:read",
    "GET /api/v1/buildings/{building}/rooms": "temperature:read",
    "GET /api/v1/buildings/{building}/rooms/{room}/temperatures/series": "temperature:read",
    "GET /api/v1/buildings": "temperature:read",
    # bookings
    "POST /api/events": "bookings:write",
    "GET /api/events": "bookings:read",
    "GET /api/dashboard": "bookings:read",
    "GET /api/hotels": "bookings:read",
    # store uptime reports: starting one costs a Step Functions execution and Lambda shards
    "POST /api/reports": "reports:run",
    "POST /trigger_report": "reports:run",
    "GET /trigger_report": "reports:run",
    "GET /api/reports": "reports:read",
    "GET /api/reports/{report_id}": "reports:read",
    "GET /api/reports/{report_id}/csv": "reports:read",
    "GET /get_report": "reports:read",
    # alert rules
    "POST /api/alerts": "alerts:write",
    "DELETE /api/alerts/{alert_id}": "alerts:write",
    "GET /api/alerts": "alerts:read",
    "GET /api/alerts/{alert_id}": "alerts:read",
    # key management
    "POST /api/keys": "admin",
    "GET /api/keys": "admin",
    "DELETE /api/keys/{key_id}": "admin",
}


def scope_of(route_key: str) -> str | None:
    """The scope a route needs; None for a route this table does not know (refused: fail closed)."""
    return ROUTE_SCOPES.get(route_key)


def is_public(route_key: str) -> bool:
    return route_key in PUBLIC_ROUTES
