"""The transcript format of the runnable documentation examples, and the comparison that decides
whether a command printed what its page says."""

from __future__ import annotations

from tests.docs_examples import Example, canonical, examples_of, mismatches

PAGE = """Some prose.

```console
$ source .sitepulse/env
$ curl -s -H 'content-type: application/json' \\
    -d '{"a": 1,
         "b": 2}' "$URL"
{"a":1,"b":2}
$ curl -s -w ' %{http_code}\\n' "$URL/x"
{"message":"Forbidden"} 403
```

```bash
not-run --ever
```
"""


def test_commands_continue_over_backslashes_and_open_quotes() -> None:
    examples = examples_of(PAGE)
    assert [e.command.splitlines()[0] for e in examples] == [
        "source .sitepulse/env",
        "curl -s -H 'content-type: application/json' \\",
        "curl -s -w ' %{http_code}\\n' \"$URL/x\"",
    ]
    assert examples[1].command.endswith('"b": 2}\' "$URL"')
    assert [e.expected for e in examples] == [[], ['{"a":1,"b":2}'], ['{"message":"Forbidden"} 403']]


def test_printed_json_is_compared_in_compact_form_with_its_status() -> None:
    assert canonical('{"message": "Forbidden"} 403') == '{"message":"Forbidden"} 403'
    assert canonical('{"t": "10.5 \\u00b0C"}') == '{"t":"10.5 °C"}'
    assert canonical("store_id,uptime_last_hour") == "store_id,uptime_last_hour"


def test_an_ellipsis_stands_for_what_differs_per_run_and_nothing_else_may_differ() -> None:
    example = Example("curl …", ['{"report_id":"…","status":"Running"} 202'])
    assert mismatches(example, '{"report_id": "9f3a", "status": "Running"} 202\n') == []
    assert mismatches(example, '{"report_id": "9f3a", "status": "Failed"} 202\n') != []
    assert mismatches(example, '{"report_id": "9f3a", "status": "Running"} 200\n') != []
    assert mismatches(example, "") == ["1 lines documented, 0 printed"]
    assert mismatches(Example("true"), "unexpected\n") == ["0 lines documented, 1 printed"]
