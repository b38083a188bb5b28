"""Sitepulse local stack: the real handlers behind an emulated HTTP API, AWS emulated
by moto in server mode, everything read from template.yaml. No Docker, no AWS account."""

# The emulation's own fixes apply wherever the local package is used (stack, unit tests, benchmarks).
from local import moto_patches as _moto_patches

_moto_patches.install()
