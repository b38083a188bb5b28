"""Hourly ingestion of the CSV files dropped under `incoming/` in the data bucket.

`objects` lists what is there, `ledger` makes each object version ingested exactly once,
`segments` streams an object in resumable line-aligned segments, `sinks` turn a segment
into stored rows per kind, `rejected` writes the bad rows, `runner` ties one run together.
"""
