"""Ids for events posted without one.

The id is derived from the event's content, so a client that retries an id-less post
(or an ingestion that re-reads an id-less CSV row) gets the same id back and nothing
is stored twice — which a sequence counter cannot give. Derived ids live in
[2^52, 2^53), above the ids reservation systems hand out, and below 2^53 so JSON
clients read them exactly. `probe` walks to the next candidate in the (astronomically
rare) case the first one is taken by another event; the walk is deterministic, so
retries still land on the same id.
"""

import hashlib
from datetime import date, datetime

from sitepulse.common.timestamps import sortable_instant

DERIVED_ID_BASE = 2**52
MAX_PROBES = 8


def derived_event_id(
    hotel_id: int, timestamp: datetime, rpg_status: int, room_id: str, night_of_stay: date, probe: int = 0
) -> int:
    canonical = "|".join(
        (
            str(hotel_id),
            sortable_instant(timestamp),
            str(rpg_status),
            room_id,
            night_of_stay.isoformat(),
            str(probe),
        )
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return DERIVED_ID_BASE + int.from_bytes(digest[:8], "big") % DERIVED_ID_BASE
