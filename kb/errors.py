"""Errors of the knowledge-base domain.

They carry machine-readable codes per field so the web layer can show a translated message next to
the right field; the English ``str()`` is for logs and the command line.
"""

from __future__ import annotations

from typing import Any

# What each code means, in English (the web layer has its own translated texts per code).
CODE_TEXT = {
    "required": "is required",
    "too_long": "is too long",
    "invalid": "is not valid",
    "taken": "is already used by another article in this language",
    "unknown": "does not exist",
    "exists": "already exists",
}


class NotFound(LookupError):
    """The article, translation, revision or category asked for does not exist."""


class ArticleError(ValueError):
    """Input that cannot be saved; ``errors`` maps a field name to a code from ``CODE_TEXT``."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(
            "; ".join(f"{name} {CODE_TEXT.get(code, code)}" for name, code in self.errors.items())
        )


class StaleEdit(Exception):
    """Someone saved the translation after the caller loaded it; their change would be lost.

    ``current_version`` and ``current`` (the newer content, as a revision snapshot) let the editor
    show what changed; both are None when the conflict was only detected while writing (then
    the transaction must be rolled back and the translation loaded again).
    """

    def __init__(
        self,
        translation_id: int,
        expected: int | None,
        current_version: int | None,
        current: dict[str, Any] | None,
    ) -> None:
        self.translation_id = translation_id
        self.expected_version = expected
        self.current_version = current_version
        self.current = current
        super().__init__(
            f"translation {translation_id} is at version {current_version}, "
            f"the edit was based on version {expected}"
        )
