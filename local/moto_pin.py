"""The moto version the local patches were written against (requirements-dev.txt pins it).

`moto_patches`, `moto_dynamodb` and `lambda_bridge` replace private moto methods; against
another moto they could silently change behaviour, so they refuse to install instead.
"""

from __future__ import annotations

import moto

PINNED_MOTO = "5.2.5"


class MotoVersionError(RuntimeError):
    pass


def require_pinned_moto(patch: str) -> None:
    installed = getattr(moto, "__version__", "unknown")
    if installed != PINNED_MOTO:
        raise MotoVersionError(
            f"{patch} patches private internals of moto {PINNED_MOTO}, but moto {installed} is installed: "
            f"install moto[server]=={PINNED_MOTO} (requirements-dev.txt), or port the patch and its tests "
            f"(tests/unit/local_stack/) to the new version and update PINNED_MOTO"
        )
