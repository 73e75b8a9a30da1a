"""Case references: short, random, and easy to read aloud (``K7M3-QX9T``)."""

from __future__ import annotations

import re
import secrets

# No look-alikes: 0/O/D, 1/I/L, 2/Z, 5/S, 8/B, U/V are left out.
ALPHABET = "ACEFGHJKMNPQRTWXY34679"
GROUPS = 2
GROUP_SIZE = 4
PATTERN = re.compile(
    rf"^[{ALPHABET}]{{{GROUP_SIZE}}}(-[{ALPHABET}]{{{GROUP_SIZE}}}){{{GROUPS - 1}}}$"
)


# Random bytes at or above this are drawn again, so that every letter is equally likely.
_FAIR_BELOW = 256 - 256 % len(ALPHABET)


def new_reference() -> str:
    """A random reference; callers retry on the (rare) clash with the unique index.

    One read of the system's randomness per reference rather than one per letter: this runs for
    every complaint, and each read is a system call.
    """
    letters: list[str] = []
    while len(letters) < GROUPS * GROUP_SIZE:
        letters += (ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(16) if b < _FAIR_BELOW)
    text = "".join(letters[: GROUPS * GROUP_SIZE])
    return "-".join(text[i : i + GROUP_SIZE] for i in range(0, len(text), GROUP_SIZE))


def normalise_reference(text: str) -> str:
    """Forgive what people do when they type a reference: case, spaces, missing hyphen, O for 0."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != GROUPS * GROUP_SIZE:
        return cleaned
    return "-".join(cleaned[i : i + GROUP_SIZE] for i in range(0, len(cleaned), GROUP_SIZE))


def is_reference(text: str) -> bool:
    return bool(PATTERN.match(text))
