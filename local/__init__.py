"""Sitepulse local stack: the real handlers behind an emulated HTTP API, AWS emulated
by moto in server mode, everything read from template.yaml. No Docker, no AWS account."""

# The emulation's own fixes apply wherever the local package is used (stack, unit tests, benchmarks).
from local import moto_patches as _moto_patches

_moto_patches.install()

# Handlers run as threads of one process here: each resolver must keep its own request.
from local import powertools_patches as _powertools_patches  # noqa: E402

_powertools_patches.install()
