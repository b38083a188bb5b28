"""DynamoDB storage of store-uptime inputs (polls, business hours, timezones) for the report.

`keys` holds the table layout, `poll_blocks` the binary packing of polls, `writer` what
ingestion writes and `reader` the bounded reads of one report shard.
"""
