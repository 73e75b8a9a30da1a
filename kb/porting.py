"""Import and export a folder of Markdown articles — also the way in from other help desks.

``import_folder`` upserts idempotently: an unchanged file changes nothing (no revision, no new
version); a file with bad front matter is reported with its path, line and reason while the
rest is imported. ``export_folder`` writes ``<category>/<key>.<lang>.md`` plus
``categories.yaml``, in exactly the format the importer reads, so export → import → export gives
identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import frontmatter
from kb.articles import create_translation, find_translation, snapshot, update_translation
from kb.categories import category_key, create_category, get_category, list_categories
from kb.errors import CODE_TEXT, ArticleError
from kb.frontmatter import ArticleFile, FileError, FrontMatterError, NoFrontMatter
from kb.models import Article, Translation

CATEGORIES_FILE = "categories.yaml"


@dataclass
class ImportReport:
    created: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[FileError] = field(default_factory=list)  # Markdown without front matter
    errors: list[FileError] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)
    categories_updated: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.errors)} failed, "
            f"{len(self.skipped)} skipped (no front matter); categories: "
            f"{len(self.categories_created)} created, {len(self.categories_updated)} updated"
        )


# -- categories -----------------------------------------------------------------------------


def _texts(entry: dict[str, Any], plural: str, singular: str) -> dict[str, str] | None:
    """``names: {en: .., sv: ..}``, or ``name: ..`` (taken as English, the fallback language)."""
    value = entry.get(plural, entry.get(singular))
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v for k, v in value.items()}
    return None


def _category_entries(node: yaml.Node | None, data: Any) -> list[tuple[int, Any]]:
    """(line, entry) pairs from a list of categories, ``categories: [...]`` or ``key: {...}``."""
    if isinstance(data, dict) and isinstance(data.get("categories"), list) and node is not None:
        for key_node, value_node in node.value:
            if key_node.value == "categories":
                return _category_entries(value_node, data["categories"])
    if isinstance(data, list) and isinstance(node, yaml.SequenceNode):
        lines = [item.start_mark.line + 1 for item in node.value]
        return list(zip(lines, data, strict=True))
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        entries = []
        values = {str(k): v for k, v in data.items()}
        for key_node, _ in node.value:
            key, value = key_node.value, values.get(key_node.value)
            if isinstance(value, dict) and "names" not in value and "name" not in value:
                value = {"names": value}  # key: {en: Delivery, sv: Leverans}
            elif isinstance(value, str):
                value = {"name": value}
            entry = {"key": key, **value} if isinstance(value, dict) else value
            entries.append((key_node.start_mark.line + 1, entry))
        return entries
    return []


def import_categories(session: Session, yaml_path: Path | str) -> ImportReport:
    """Create or update categories from YAML: a list of ``{key, names, descriptions}`` (or
    ``name``/``description``), in display order; ``position`` (or ``order``) is optional."""
    path = Path(yaml_path)
    report = ImportReport()
    try:
        text = frontmatter.decode(path.read_bytes())
        data, node = frontmatter.load_yaml(text)
    except FrontMatterError as exc:
        report.errors.append(FileError(path, exc.line, exc.reason))
        return report
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        reason = f"not valid YAML: {getattr(exc, 'problem', None) or exc}"
        report.errors.append(FileError(path, (mark.line + 1) if mark else 1, reason))
        return report
    entries = _category_entries(node, data)
    if data and not entries:
        report.errors.append(FileError(path, 1, "expected a list of categories with key and names"))
    for position, (line, entry) in enumerate(entries, start=1):
        problem = _import_category(session, entry, position, report)
        if problem:
            report.errors.append(FileError(path, line, problem))
    return report


def _import_category(session: Session, entry: Any, position: int, report: ImportReport) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("key"), str | int):
        return "each category needs a key"
    key = category_key(str(entry["key"]))
    if not key:
        return "the category key has no letters or digits"
    names = _texts(entry, "names", "name")
    descriptions = _texts(entry, "descriptions", "description")
    if names is None or descriptions is None:
        return f"category {key}: names and descriptions must be 'language: text' pairs"
    wanted = entry.get("position", entry.get("order", position))
    if not isinstance(wanted, int) or isinstance(wanted, bool):
        return f"category {key}: position must be a whole number"
    category = get_category(session, key)
    if category is None:
        create_category(session, key, names=names, descriptions=descriptions, position=wanted)
        report.categories_created.append(key)
    elif (category.names, category.descriptions, category.position) != (
        names,
        descriptions,
        wanted,
    ):
        category.names, category.descriptions, category.position = names, descriptions, wanted
        report.categories_updated.append(key)
    return ""


# -- articles -------------------------------------------------------------------------------


def _article_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(
        p
        for p in root.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def import_folder(session: Session, path: Path | str, *, author: str = "import") -> ImportReport:
    """Import every ``*.md`` under ``path`` (and its ``categories.yaml``, if any)."""
    root = Path(path)
    report = ImportReport()
    if root.is_dir() and (root / CATEGORIES_FILE).is_file():
        report = import_categories(session, root / CATEGORIES_FILE)
    seen: dict[tuple[str, str], Path] = {}
    categories: dict[str, tuple[str | None, Path]] = {}
    for file in _article_files(root):
        try:
            article = frontmatter.parse(file, file.read_bytes())
        except NoFrontMatter as exc:
            report.skipped.append(FileError(file, 1, str(exc)))
            continue
        except FrontMatterError as exc:
            report.errors.append(FileError(file, exc.line, exc.reason))
            continue
        problem = _conflict(article, file, seen, categories)
        if problem:
            report.errors.append(FileError(file, problem[0], problem[1]))
            continue
        try:
            outcome = _upsert(session, article, author, report)
        except ArticleError as exc:
            name, code = next(iter(exc.errors.items()))
            report.errors.append(FileError(file, article.line_of(name), _reason(name, code)))
            continue
        getattr(report, outcome).append(file)
    return report


def _conflict(
    article: ArticleFile,
    file: Path,
    seen: dict[tuple[str, str], Path],
    categories: dict[str, tuple[str | None, Path]],
) -> tuple[int, str] | None:
    """Two files of one import that contradict each other (re-importing would flip-flop)."""
    other = seen.setdefault((article.key, article.lang), file)
    if other != file:
        return article.line_of("key"), (
            f"{other} already has key {article.key!r} in language {article.lang!r}"
        )
    category = article.content.category
    earlier = categories.setdefault(article.key, (category, file))
    if earlier[0] != category:
        return article.line_of("category"), (
            f"category {category or '(none)'} differs from {earlier[0] or '(none)'} "
            f"in {earlier[1]}, another translation of {article.key!r}"
        )
    return None


def _reason(name: str, code: str) -> str:
    if (name, code) == ("slug", "taken"):
        return "the slug is already used by another article in this language"
    return f"{name} {CODE_TEXT.get(code, code)}"


def _upsert(session: Session, article: ArticleFile, author: str, report: ImportReport) -> str:
    key = article.content.category
    if key is not None and get_category(session, key) is None:
        label = article.category_label or key
        create_category(session, key, names={article.lang: label})
        report.categories_created.append(key)
    translation = find_translation(session, article.key, article.lang)
    if translation is None:
        create_translation(
            session, lang=article.lang, content=article.content, author=author, key=article.key
        )
        return "created"
    before = translation.version
    update_translation(
        session, translation.id, article.content, author=author, expected_version=before
    )
    return "unchanged" if translation.version == before else "updated"


# -- export ---------------------------------------------------------------------------------


def export_folder(session: Session, path: Path | str) -> list[Path]:
    """Write every translation (any status) and ``categories.yaml``; returns the files written."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    categories = list_categories(session)
    if categories:
        entries = []
        for category in categories:
            entry: dict[str, Any] = {"key": category.key, "names": dict(category.names)}
            if category.descriptions:
                entry["descriptions"] = dict(category.descriptions)
            entries.append(entry)
        target = root / CATEGORIES_FILE
        text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=1 << 16)
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(target)
    query = (
        select(Translation)
        .join(Article, Translation.article_id == Article.id)
        .order_by(Article.key, Translation.lang)
    )
    for translation in session.scalars(query):
        data = snapshot(translation)
        folder = root / data["category"] if data["category"] else root
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{translation.key}.{translation.lang}.md"
        target.write_text(
            frontmatter.dump(translation.key, translation.lang, data),
            encoding="utf-8",
            newline="\n",
        )
        written.append(target)
    return written
