"""The Lambda emulation: each function runs in workers of its own, as Lambda runs execution
environments. A worker is a process running the official runtime client against our Runtime API
(`runtime_api`), with only its function's environment and its own AWS identity (`credentials`);
`workers` starts and reuses them, `logs` keeps one log file per function, `event_sources` polls the
template's DynamoDB streams and SQS queues as Lambda's event source mappings do (batches, partial
failures, retries, on-failure queues), `moto_bridge` sends moto's Lambda invocations (Step Functions
tasks) to them, `invoke` runs one handler from the command line, and `inprocess` loads handlers into
the calling process for unit tests and benchmarks.
"""
