"""Store uptime: each store's uptime/downtime within its business hours, as a CSV report.

* `engine`: pure time arithmetic — timestamps, DST-aware business hours, nearest-poll uptime.
* `csv_input`: streaming parsers of the poller's CSV files (status, business hours, timezones).
* `storage`: the DynamoDB layout of ingested polls, hours and timezones; writer and shard reader.
* `report`: report rows and CSV, report records, the Step Functions pipeline steps, the API service.
* `cli`: the offline report over local files (`python -m sitepulse.store_uptime.cli`).

Package `__init__` files stay empty so a function imports only the modules it uses.
"""
