"""Extract every translatable string and merge it into the sv and nb catalogs.

Python code calls ``gettext(lang, message)`` (the message is the second argument) while templates
call ``_(message)``; Babel's keyword table is global, so each source kind is extracted with its own
table and the results are merged into one template. ``make messages`` runs this module.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from portal.i18n import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).parent / "messages.pot"

PYTHON_KEYWORDS = {"gettext": (2,), "ngettext": (2, 3), "N_": None}
TEMPLATE_KEYWORDS = dict(DEFAULT_KEYWORDS)
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "encoding": "utf-8", "trimmed": "false"}

SOURCES = [
    ("portal", [("**.py", "python")], PYTHON_KEYWORDS, {}),
    ("kb", [("**.py", "python")], PYTHON_KEYWORDS, {}),
    (
        "templates",
        [("**.html", "jinja2"), ("**.txt", "jinja2")],
        TEMPLATE_KEYWORDS,
        {"**.html": JINJA_OPTIONS, "**.txt": JINJA_OPTIONS},
    ),
]


def extract() -> Catalog:
    """Every message in the source tree, with where it is used."""
    catalog = Catalog(project="Svar", version="1", charset="utf-8", creation_date=datetime.now(UTC))
    for folder, method_map, keywords, options in SOURCES:
        base = ROOT / folder
        if not base.exists():
            continue
        found = extract_from_dir(
            str(base), method_map, options, keywords=keywords, comment_tags=("Translators:",)
        )
        for filename, lineno, message, comments, context in found:
            if "/migrations/" in filename:
                continue
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def _translated(message: Message) -> bool:
    """True when every form of ``message`` (both plural forms, say) has a translation."""
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings) and "fuzzy" not in message.flags


def update_catalogs(template: Catalog) -> dict[str, int]:
    """Merge ``template`` into each language's catalog; returns untranslated counts."""
    missing = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(
                locale=lang,
                project="Svar",
                version="1",
                charset="utf-8",
                copyright_holder="Svar",
                msgid_bugs_address="",
                last_translator="Svar",
                language_team=f"Svar {lang}",
                fuzzy=False,
            )
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(
                fh,
                catalog,
                width=100,
                omit_header=False,
                ignore_obsolete=True,
                include_lineno=False,
            )
        missing[lang] = sum(1 for m in catalog if m.id and not _translated(m))
    return missing


def main() -> None:
    template = extract()
    with TEMPLATE.open("wb") as fh:
        write_po(fh, template, width=100, include_lineno=False)
    for lang, count in update_catalogs(template).items():
        print(f"{lang}: {len(template)} messages, {count} untranslated")


if __name__ == "__main__":
    main()
