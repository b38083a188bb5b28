"""Sitepulse local stack: the real handlers behind an emulated HTTP API, AWS emulated
by moto in server mode, everything read from template.yaml. No Docker, no AWS account.

One subpackage per concern: `front` (the HTTP front: what API Gateway does before a
function runs), `lambdas` (the Lambda emulation), `aws` (the emulated AWS account), `demo`
(demo data) and `contract` (OpenAPI export, contract fuzzing); `stack` puts them together,
`template` reads the SAM template, `ready` publishes what a ready stack offers.

Importing this package changes nothing: the moto patches (`aws.moto_fast_reads`,
`aws.moto_safe_writes`, `lambdas.moto_bridge`) are installed explicitly by the stack and by
the test fixtures."""
