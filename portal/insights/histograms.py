"""Working-time histograms stored as arrays of 32-bit counters, and summed all at once.

A day's histogram (how many cases took each working-time bucket) is kept as little-endian
unsigned 32-bit counters, without its trailing empty buckets. Read back as one Python integer,
the counters sit side by side in 32-bit lanes, so adding two such integers adds every bucket
at once: summing a quarter of daily histograms is a few thousand integer additions instead of
a loop over every bucket of every day. A lane never carries into the next one as long as no
bucket of a sum reaches 2³² cases.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable

LANE_BYTES = 4
TYPECODE = next(code for code in "IL" if array(code).itemsize == LANE_BYTES)


def pack(counts: list[int]) -> bytes:
    """Counts per bucket as bytes, without the trailing empty buckets."""
    last = max((i for i, n in enumerate(counts) if n), default=-1)
    lanes = array(TYPECODE, counts[: last + 1])
    if sys.byteorder == "big":
        lanes.byteswap()
    return lanes.tobytes()


def as_number(packed: bytes) -> int:
    """The packed counters as one integer whose 32-bit lanes are the buckets."""
    return int.from_bytes(packed, "little")


def total(packed: Iterable[bytes]) -> int:
    """The bucket-by-bucket sum of packed histograms, as one integer (see ``unpack``)."""
    return sum(map(as_number, packed))


def unpack(number: int, buckets: int) -> list[int]:
    """Counts per bucket of a (summed) histogram, ``buckets`` long."""
    lanes = array(TYPECODE, number.to_bytes(buckets * LANE_BYTES, "little"))
    if sys.byteorder == "big":
        lanes.byteswap()
    return lanes.tolist()
