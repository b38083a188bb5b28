"""The moto version the local patches were written against (requirements-dev.txt pins it).

`moto_patches`, `moto_dynamodb`, `lambda_bridge` and `moto_server` replace private moto
methods; against another moto they could silently change behaviour, so they refuse to install
instead. (The same guard as the layer's `sitepulse.common.pinned`, kept here because `local`
must import without the layer on `sys.path`.)
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
