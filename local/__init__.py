"""Sitepulse local stack: the real handlers behind an emulated HTTP API, AWS emulated
by moto in server mode, everything read from template.yaml. No Docker, no AWS account."""
