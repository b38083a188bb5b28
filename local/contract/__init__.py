"""Contract tooling: the merged OpenAPI document of every function (`openapi`, `make openapi`) and
contract fuzzing with schemathesis against a running stack (`fuzz`, with our extra checks in
`fuzz_checks`).
"""
