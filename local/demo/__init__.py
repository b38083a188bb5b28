"""Demo data: a little of every domain, loaded when the local stack starts and sent through the public
API (or dropped in S3) exactly as real clients would (`loader` runs the per-domain loaders; `client`
and `parallel_post` are how they talk to the stack); the demo API keys (`keys`); the deterministic
store-uptime data generator the demo and the benchmarks share (`store_data`); the demo's alert rules
(`alerts`) and the small webhook receiver they notify (`webhook_receiver`).
"""
