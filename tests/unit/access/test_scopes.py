"""The route → scope table is the template's routes, every one of them, each with one valid scope."""

from local.template import Stack
from sitepulse.access.scopes import ALL_SCOPES, PUBLIC_ROUTES, ROUTE_SCOPES


def test_every_protected_route_of_the_template_has_exactly_one_known_scope(template_stack: Stack) -> None:
    protected = {route.route_key for route in template_stack.routes if route.authorizer}
    assert protected == set(ROUTE_SCOPES), "scopes.ROUTE_SCOPES must list exactly the protected routes"
    assert set(ROUTE_SCOPES.values()) <= set(ALL_SCOPES)


def test_only_the_public_routes_of_the_spec_are_open(template_stack: Stack) -> None:
    open_routes = {route.route_key for route in template_stack.routes if route.authorizer is None}
    assert open_routes <= PUBLIC_ROUTES
    assert {"GET /api/openapi.json", "GET /api/docs"} <= open_routes


def test_the_authorizer_is_keyed_on_the_credential_and_the_route(template_stack: Stack) -> None:
    (authorizer,) = template_stack.authorizers.values()
    assert authorizer.identity_sources == ["$request.header.Authorization", "$context.routeKey"]
    assert 0 < authorizer.ttl_seconds <= 300
    assert authorizer.payload_version == "2.0" and authorizer.simple_responses
    assert authorizer.function == "AuthorizerFunction"
