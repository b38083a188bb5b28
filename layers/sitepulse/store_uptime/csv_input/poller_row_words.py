"""The poller's row layout read from 64-bit words: status, store id and timestamp of many rows.

For `poll_array_reader`: each row's bytes come gathered into little-endian uint64 words, and a
handful of integer operations over all rows at once check the layout and decode the values
(SWAR, "SIMD within a register": eight bytes per operation, no Python step per row).

* Row tail (`TAIL_BYTES`, ending 2 bytes after the line's content): `…,inactive,` or
  `…,active,` then the 30-byte canonical stamp `YYYY-MM-DD HH:MM:SS.ffffff UTC`, which starts
  at byte 16, i.e. on a word (`status_words`, `stamp_us`).
* Store id (`ID_BYTES` ending at the comma): 1-19 ASCII digits without a leading zero, turned
  into its number (a uint64) with the classic eight-digits-per-word multiply-shift steps
  (`store_keys`). Such an id is the only text its number spells, so the number is its key.

A digit byte is checked with `(b & 0xF0) == 0x30` and `((b + 6) & 0xF0) == 0x30`: adding 6 never
carries out of a byte that passes the first test (and a row with a byte that fails it is
refused anyway), so whole words are checked at once. The decoded bytes are read back through
a uint8 view, which assumes a little-endian host (x86_64 and arm64 Lambda both are).
"""

from __future__ import annotations

import numpy as np

from sitepulse.store_uptime.engine.poll_arrays import Int64Array

TAIL_BYTES = 48
STAMP_OFFSET = 16  # in the tail; the content ends at byte 46
STAMP_BYTES = 30
ID_BYTES = 24
ID_DIGITS = 19  # 10**19 - 1 < 2**64

_U64 = np.uint64
_LOW_NIBBLES = 0x0F0F_0F0F_0F0F_0F0F
_HIGH_NIBBLES = 0xF0F0_F0F0_F0F0_F0F0
_ZEROS = 0x3030_3030_3030_3030  # eight ASCII '0'
_SIXES = 0x0606_0606_0606_0606

# Bytes 8-15 of the tail (and 6-7 for `inactive`).
_ACTIVE_WORD = int.from_bytes(b",active,", "little")
_NACTIVE_WORD = int.from_bytes(b"nactive,", "little")
_COMMA_I = int.from_bytes(b",i", "little")


def _word(template: bytes, chars: bytes) -> int:
    """Little-endian mask of the bytes of an 8-byte template that are in `chars`."""
    return int.from_bytes(bytes(0xFF if byte in chars else 0 for byte in template), "little")


class _WordShape:
    """Which bytes of an 8-byte word must be digits, and which must equal a literal.

    `template`: `9` a digit, `?` any byte, anything else itself. Methods take one word per row
    (a column of the gathered words: numpy is slow on a short last axis, fast along a column).
    """

    def __init__(self, template: bytes) -> None:
        digits = _word(template, b"9")
        literals = _word(template, bytes(set(template) - {ord("9"), ord("?")}))
        # Literal bytes must equal the template; digit bytes must have a high nibble of 3 ...
        self.checked = _U64(literals | (digits & _HIGH_NIBBLES))
        self.expected = _U64((int.from_bytes(template, "little") & literals) | (digits & _ZEROS))
        # ... and still have it after adding 6 (0x3A-0x3F become 0x40-0x45).
        self.sixes = _U64(digits & _SIXES)
        self.high = _U64(digits & _HIGH_NIBBLES)
        self.zeros = _U64(digits & _ZEROS)
        self.low = _U64(digits & _LOW_NIBBLES)

    def deviation(self, words: np.ndarray) -> np.ndarray:
        """Zero where the word has the shape, non-zero where it has not."""
        wrong = (words & self.checked) ^ self.expected
        wrong |= ((words + self.sixes) & self.high) ^ self.zeros
        return wrong

    def pairs(self, words: np.ndarray) -> np.ndarray:
        """Byte i of the word becomes `10 * digit[i] + digit[i + 1]` (0 for a literal byte)."""
        digits = words & self.low
        return digits * _U64(10) + (digits >> _U64(8))


def _shapes(template: bytes) -> list[_WordShape]:
    return [_WordShape(template[start : start + 8]) for start in range(0, len(template), 8)]


# The stamp in four words (`?`: whatever follows the line's content).
_STAMP_SHAPES = _shapes(b"9999-99-99 99:99:99.999999 UTC??")
_DIGITS = _WordShape(b"99999999")
# Per number of bytes before a right-aligned id (0-24): each word's bytes to fill with '0'.
_ID_FILL = [
    np.array(
        [
            int.from_bytes(bytes(0xFF if 8 * word + byte < leading else 0 for byte in range(8)), "little")
            for leading in range(ID_BYTES + 1)
        ],
        dtype=np.uint64,
    )
    for word in range(ID_BYTES // 8)
]
_POWERS_OF_TEN = np.array([10**power for power in range(ID_DIGITS)], dtype=np.uint64)


def _month_tables() -> tuple[Int64Array, Int64Array]:
    """Days since 1970-01-01 of the first of each month of the years 0-9999, and the month's
    length (0 for month 0, and for the years before 1970, which the timestamp rule refuses:
    such a stamp is left to the general parser, which says why), indexed by `year * 13 + month`."""
    year = np.repeat(np.arange(10_000, dtype=np.int64), 13)
    month = np.tile(np.arange(13, dtype=np.int64), 10_000)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)[month]
    lengths += (month == 2) & leap
    lengths[year < 1970] = 0
    # H. Hinnant's days_from_civil of day 1 (exact for years >= 0).
    shifted = year - (month <= 2)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468, lengths


_MONTH_FIRST_DAY, _MONTH_LENGTH = _month_tables()


def status_words(tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`(is_active, is_inactive)` of rows whose tail (as `TAIL_BYTES // 8` words) has that status."""
    is_active = tail[:, 1] == _U64(_ACTIVE_WORD)
    is_inactive = (tail[:, 1] == _U64(_NACTIVE_WORD)) & ((tail[:, 0] >> _U64(48)) == _U64(_COMMA_I))
    return is_active, is_inactive


def _byte(pairs: list[np.ndarray], index: int) -> Int64Array:
    """Byte `index` of the stamp's pair words (each a contiguous uint64 column), as int64."""
    return pairs[index // 8].view(np.uint8)[index % 8 :: 8].astype(np.int64)


def stamp_us(tail: np.ndarray) -> tuple[Int64Array, np.ndarray]:
    """Epoch microseconds of the canonical stamps in the tails, and which rows hold a valid one.

    Valid as `datetime` has it: month 1-12, the month's days (leap years), hour <= 23,
    minute and second <= 59; and year 1970-9999, as `sitepulse.common.timestamps` has it.
    """
    first = STAMP_OFFSET // 8
    words = [tail[:, first + index] for index in range(len(_STAMP_SHAPES))]
    deviation = _STAMP_SHAPES[0].deviation(words[0])
    for shape, word in zip(_STAMP_SHAPES[1:], words[1:], strict=True):
        deviation |= shape.deviation(word)
    # Two-digit numbers at their first byte: `YYYY-MM-DD HH:MM:SS.ffffff UTC`.
    pairs = [shape.pairs(word) for shape, word in zip(_STAMP_SHAPES, words, strict=True)]
    month, day, hour, minute, second = (_byte(pairs, index) for index in (5, 8, 11, 14, 17))
    fraction = _byte(pairs, 20) * 10_000 + _byte(pairs, 22) * 100 + _byte(pairs, 24)
    year_month = np.minimum((_byte(pairs, 0) * 100 + _byte(pairs, 2)) * 13 + month, len(_MONTH_LENGTH) - 1)
    valid = (deviation == 0) & (month <= 12) & (day >= 1) & (day <= _MONTH_LENGTH[year_month])
    valid &= (hour <= 23) & (minute <= 59) & (second <= 59)
    day_seconds = (_MONTH_FIRST_DAY[year_month] + day - 1) * 86_400 + hour * 3600 + minute * 60 + second
    return day_seconds * 1_000_000 + fraction, valid


def store_keys(id_words: np.ndarray, lengths: Int64Array) -> tuple[np.ndarray, np.ndarray]:
    """Store ids right-aligned in `ID_BYTES` (3 words per row) → `(uint64 keys, is plain digit id)`."""
    leading = np.clip(ID_BYTES - lengths, 0, ID_BYTES)  # bytes before the id, filled with '0'
    keys = np.zeros(len(lengths), dtype=np.uint64)
    deviation = np.zeros(len(lengths), dtype=np.uint64)
    for column, scale in enumerate((10**16, 10**8, 1)):
        fill = _ID_FILL[column][leading]
        words = (id_words[:, column] & ~fill) | (fill & _U64(_ZEROS))
        deviation |= _DIGITS.deviation(words)
        # Eight digits to their number: pairs, then fours, then eight.
        words = ((words & _U64(_LOW_NIBBLES)) * _U64(2561)) >> _U64(8)
        words = ((words & _U64(0x00FF_00FF_00FF_00FF)) * _U64(6553601)) >> _U64(16)
        words = ((words & _U64(0x0000_FFFF_0000_FFFF)) * _U64(42949672960001)) >> _U64(32)
        keys += words * _U64(scale)
    plain = (deviation == 0) & (lengths >= 1) & (lengths <= ID_DIGITS)
    # A leading zero would spell another id than its number ("0" alone is fine).
    plain &= (lengths == 1) | (keys >= _POWERS_OF_TEN[np.clip(lengths - 1, 0, ID_DIGITS - 1)])
    return keys, plain
