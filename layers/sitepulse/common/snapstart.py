"""What a function must redo when Lambda SnapStart resumes it from a snapshot.

API functions run with SnapStart (template.yaml): init runs once per published version, and every
new execution environment resumes a copy of that memory. Whatever was random at init is then the
same in every container. Our own code draws no randomness at init (ids and secrets come from
`uuid4` / `secrets`, that is the OS's entropy, at request time; write jitter uses
`random.SystemRandom`), but the `random` module's state is shared by everything else in the
process, botocore's retry jitter included: it is reseeded from the OS after each restore.

The hook registry (`snapshot_restore_py`) exists only in Lambda's managed Python runtimes;
elsewhere (tests, the local stack) there is nothing to register with and nothing to redo.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Register = Callable[..., Any]


def _runtime_register() -> Register | None:
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return None
    register: Register = register_after_restore
    return register


def reseed_after_restore(register: Register | None = None) -> bool:
    """Reseed `random` from the OS after every restore; False where there are no restores."""
    if register is None:
        register = _runtime_register()
    if register is None:
        return False
    register(random.seed)
    return True
