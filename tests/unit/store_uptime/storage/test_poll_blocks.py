"""Poll blocks: many stores' packed polls in one item, byte-identical for identical input."""

from __future__ import annotations

import random

import pytest

from sitepulse.store_uptime.engine.uptime import pack_poll
from sitepulse.store_uptime.storage import poll_blocks
from sitepulse.store_uptime.storage.poll_blocks import CorruptBlockError, pack_blocks, unpack_block


def _decoded(blocks: list[bytes]) -> dict[str, list[int]]:
    merged: dict[str, list[int]] = {}
    for block in blocks:
        for store_id, polls in unpack_block(block):
            merged.setdefault(store_id, []).extend(polls)
    return merged


def test_round_trip_keeps_every_poll_sorted_per_store() -> None:
    rng = random.Random(3)
    polls = {
        f"store-{i}": [
            pack_poll(1_674_000_000_000_000 + rng.randrange(10**12), rng.random() < 0.5) for _ in range(50)
        ]
        for i in range(40)
    }
    polls["ünïcode,store"] = [pack_poll(-5, True)]  # before 1970, non-ASCII id
    decoded = _decoded(pack_blocks(polls))
    assert decoded == {store: sorted(values) for store, values in polls.items()}


def test_same_polls_in_any_order_give_identical_bytes() -> None:
    polls = {"b": [5, 3, 9], "a": [2, 1]}
    shuffled = {"a": [1, 2], "b": [9, 5, 3]}
    assert pack_blocks(polls) == pack_blocks(shuffled)


def test_oversized_input_is_split_below_the_item_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poll_blocks, "MAX_RAW_BYTES", 2_000)
    polls = {"big": list(range(1_000)), "small": [1, 2, 3]}
    blocks = pack_blocks(polls)
    assert len(blocks) > 4
    assert _decoded(blocks) == polls


def test_every_real_block_fits_in_a_dynamodb_item() -> None:
    rng = random.Random(1)
    polls = {f"{rng.getrandbits(63)}": [rng.getrandbits(52) for _ in range(300)] for _ in range(1_000)}
    blocks = pack_blocks(polls)
    assert all(len(block) < 390_000 for block in blocks)
    assert _decoded(blocks) == {k: sorted(v) for k, v in polls.items()}


@pytest.mark.parametrize(
    "block", [b"", b"\x02abc", b"\x01not zlib", b"\x01" + __import__("zlib").compress(b"\x05")]
)
def test_corrupt_blocks_are_reported(block: bytes) -> None:
    with pytest.raises(CorruptBlockError):
        list(unpack_block(block))
