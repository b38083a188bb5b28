"""Lambda's init phase without the cyclic garbage collector.

Importing a handler module allocates ~85,000 objects that live as long as the container
(classes, functions, pydantic schemas, botocore's service model). CPython's collector runs
every 2,000 net allocations and rescans the older ones: during init that is ≈ 10 % of the
CPU for nothing (the occupancy read function's init leaves ≈ 500 unreachable objects).

Importing this module turns the collector off; a handler module imports it before anything
else and calls `end()` once its own imports and wiring are done. `end()` moves everything
alive into the permanent generation (`gc.freeze()`), so later collections, during requests,
never rescan init's objects either, and turns the collector back on. The few cycles init
left unreachable stay in memory (a few kilobytes). Under SnapStart the snapshot is taken
after init, collector on and init's objects frozen.

Only the first pause counts: in a process that imports several handlers (the tests, the
local stack), the later imports run with the collector on.
"""

from __future__ import annotations

import gc

_paused = gc.isenabled()
gc.disable()


def end() -> None:
    """Init is over: freeze what it built and turn the collector back on (once)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
