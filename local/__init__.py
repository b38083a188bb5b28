"""Sitepulse local stack: the real handlers behind an emulated HTTP API, AWS emulated
by moto in server mode, everything read from template.yaml. No Docker, no AWS account.

Importing this package changes nothing: the moto patches (`moto_patches`, `moto_dynamodb`,
`lambda_bridge`) are installed explicitly by the stack and by the test fixtures."""
