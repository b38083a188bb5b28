"""The HTTP front: what API Gateway HTTP API does before a function runs. Requests are read off the
socket with hard limits (`http_io`), throttled per route (`throttle`), answered for CORS preflights
(`cors`), authorized by the template's Lambda authorizer (`authorizer`), and turned into payload-2.0
events for the matching function (`gateway`; `api_events` builds the same events for tests and
benchmarks).
"""
