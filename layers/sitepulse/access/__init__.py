"""Access control: API keys, the route → scope table, the Lambda authorizer's decision and
the resource limits every API function enforces at its HTTP edge."""
