"""Readable URL slugs and heading ids from Nordic text: "Spåra ditt paket" → "spara-ditt-paket"."""

from __future__ import annotations

import re
import unicodedata

# Letters that Unicode decomposition does not reduce to ASCII (or reduces badly).
_TRANSLITERATE = str.maketrans(
    {
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "þ": "th",
        "Þ": "th",
        "ð": "d",
        "Ð": "d",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX = 120


def slugify(text: str, *, max_length: int = SLUG_MAX) -> str:
    """Lowercase ASCII words joined by hyphens; å/ä → a, ö/ø → o, æ → ae. May return ""."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c))
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def is_slug(text: str) -> bool:
    return bool(text) and slugify(text) == text
