"""Markdown articles with YAML front matter → ``SearchDocument`` values, without a database.

Uses the knowledge base's own front-matter parser and Markdown renderer (so the bench indexes the
same plain text the portal does) and falls back to a simple reading when a file does not parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from kb.search import SearchDocument

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "portal" / "demo" / "content" / "articles"
_FENCE = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[#*_`>|]+|<[^>]+>")


def _plain(markdown: str) -> str:
    try:
        from kb.markdown import render

        return render(markdown).text
    except Exception:
        return _MARKUP.sub(lambda m: m.group(1) or " ", markdown)


def _parse(path: Path) -> tuple[dict, str] | None:
    data = path.read_bytes()
    try:
        from kb import frontmatter

        parsed = frontmatter.parse(path, data)
        content = parsed.content
        front = {
            "key": parsed.key,
            "lang": parsed.lang,
            "title": content.title,
            "slug": content.slug,
            "summary": content.summary,
            "tags": list(content.tags),
            "category": content.category,
        }
        return front, content.body_md
    except Exception:
        match = _FENCE.match(data.decode("utf-8", "replace"))
        if not match:
            return None
        front = yaml.safe_load(match.group(1)) or {}
        if not isinstance(front, dict) or "title" not in front or "lang" not in front:
            return None
        front.setdefault("slug", path.name.split(".")[0])
        front.setdefault("key", front["slug"])
        return front, data.decode("utf-8", "replace")[match.end() :]


def load_articles(folder: Path, langs: Iterable[str] | None = None) -> list[SearchDocument]:
    wanted = set(langs) if langs else None
    documents = []
    for path in sorted(folder.rglob("*.md")):
        parsed = _parse(path)
        if parsed is None:
            continue
        front, body = parsed
        lang = str(front["lang"])
        if wanted and lang not in wanted:
            continue
        tags = front.get("tags") or []
        documents.append(
            SearchDocument(
                id=f"{front['key']}:{lang}",
                key=str(front["key"]),
                lang=lang,
                slug=str(front["slug"]),
                title=str(front["title"]),
                summary=str(front.get("summary") or ""),
                body=_plain(body),
                tags=tuple(str(t) for t in (tags if isinstance(tags, list) else [tags])),
                category=str(front["category"]) if front.get("category") else None,
            )
        )
    return documents
