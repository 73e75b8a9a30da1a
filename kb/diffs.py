"""Readable differences between two versions of a translation (revisions, or an editor's text
against a newer save), field by field and line by line with difflib."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELDS = ("title", "slug", "summary", "category", "tags", "status", "body")


@dataclass(frozen=True)
class DiffLine:
    """One row of a side-by-side diff: ``kind`` is ``same``, ``removed``, ``added`` or
    ``changed`` (then both sides are set)."""

    kind: str
    old_number: int | None
    old: str
    new_number: int | None
    new: str


@dataclass(frozen=True)
class FieldDiff:
    name: str
    lines: list[DiffLine]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """Changed lines with ``context`` unchanged lines around each change (None between hunks
    is not used: a gap is a ``same`` row with empty text and no numbers)."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index:
            rows.append(DiffLine("gap", None, "", None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend(
                    DiffLine("same", i + 1, a[i], j + 1, b[j])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
                continue
            olds, news = list(range(i1, i2)), list(range(j1, j2))
            for k in range(max(len(olds), len(news))):
                i = olds[k] if k < len(olds) else None
                j = news[k] if k < len(news) else None
                kind = (
                    "changed"
                    if i is not None and j is not None
                    else ("removed" if i is not None else "added")
                )
                rows.append(
                    DiffLine(
                        kind,
                        None if i is None else i + 1,
                        "" if i is None else a[i],
                        None if j is None else j + 1,
                        "" if j is None else b[j],
                    )
                )
    return rows


def diff_snapshots(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldDiff]:
    """Only the fields that differ, in the order an editor reads them."""
    result = []
    for name in FIELDS:
        before, after = _text(old.get(name)), _text(new.get(name))
        if before != after:
            result.append(FieldDiff(name, diff_lines(before, after)))
    return result
