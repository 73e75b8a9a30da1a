"""Every string a customer or colleague can see exists in Swedish and Norwegian Bokmål.

The messages are extracted from the source tree on every run, so a new English string without a
translation fails the suite until ``make messages`` has been run and the catalogs filled in.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from complaint_support import open_form, send
from helpers import Element, error_summary, parse
from litestar.testing import TestClient

from portal.i18n import LOCALES_DIR, gettext
from portal.i18n.extract import extract

TRANSLATED = ["sv", "nb"]
# %(name)s, %(num)d, %(size).1f ...: the name and the conversion must survive translation.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrs])")
# {name} and {reference} in reply templates are filled in by the portal, never by gettext.
BRACED = re.compile(r"\{\w+\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@cache
def source_messages() -> tuple[Message, ...]:
    return tuple(message for message in extract() if message.id)


@cache
def catalog(lang: str) -> Catalog:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang, abort_invalid=True)


def _label(message: Message) -> str:
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    return text[:60]


def _placeholders(text: str) -> set[tuple[str, str]]:
    return set(PLACEHOLDER.findall(text)) | {(name, "{}") for name in BRACED.findall(text)}


def _forms(message: Message) -> list[tuple[str, str]]:
    """(English, translation) pairs: one for a simple message, one per plural form otherwise."""
    if isinstance(message.id, tuple):
        singular, plural = message.id[0], message.id[1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(singular if i == 0 else plural, s or "") for i, s in enumerate(strings)]
    return [(message.id, message.string or "")]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_parses_with_the_language_plural_rule(lang: str) -> None:
    translated = catalog(lang)
    assert str(translated.locale) == lang
    assert translated.num_plurals == 2
    for message in translated:
        if message.id and message.pluralizable:
            assert len(message.string) == translated.num_plurals, _label(message)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_source_message_is_translated(lang: str) -> None:
    translated = catalog(lang)
    untranslated = []
    for source in source_messages():
        message = translated.get(source.id, context=source.context)
        if message is None or "fuzzy" in message.flags:
            untranslated.append(_label(source))
            continue
        if isinstance(source.id, tuple) != isinstance(message.id, tuple):
            untranslated.append(f"{_label(source)} (singular/plural mismatch)")
            continue
        if not all(text.strip() for _english, text in _forms(message)):
            untranslated.append(_label(source))
    assert not untranslated, f"run `make messages` and translate into {lang}: {untranslated}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder_and_tag(lang: str) -> None:
    translated = catalog(lang)
    broken = []
    for source in source_messages():
        message = translated.get(source.id, context=source.context)
        if message is None:
            continue  # reported by test_every_source_message_is_translated
        for english, text in _forms(message):
            if not text:
                continue
            if _placeholders(text) != _placeholders(english):
                broken.append(f"{english!r} -> {text!r}")
            elif sorted(TAG.findall(text)) != sorted(TAG.findall(english)):
                broken.append(f"markup changed: {english!r} -> {text!r}")
            elif PLACEHOLDER.search(english) or source.python_format:
                values = {name: 1 for name, _kind in PLACEHOLDER.findall(english)}
                try:
                    text % values
                except (KeyError, ValueError, TypeError) as error:
                    broken.append(f"{text!r} does not format: {error}")
    assert not broken, "\n".join(broken)


def _visible_strings(page: Element) -> str:
    """The page's text plus the labels a screen reader announces and the title."""
    labels = [
        element.get(name) or ""
        for element in page.iter()
        for name in ("aria-label", "title", "placeholder", "alt")
    ]
    return " ".join([page.text, *labels])


# Strings from every part of the complaint form: layout, labels, hints, choices, promise, button.
FORM_STRINGS = [
    "Skip to main content",
    "Main",
    "Report a problem",
    "What happened?",
    "Your email address",
    "(optional)",
    "What is it about?",
    "A product",
    "Billing or a misunderstanding",
    "What would you like us to do?",
    "A refund",
    "Photos or documents",
    "When will we answer?",
    "Send complaint",
    "Search the help centre",
]
ENGLISH_WORDS = ["working day", "optional", "complaint", "email", " by "]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_complaint_form_has_no_english_left(client: TestClient, lang: str) -> None:
    response = client.get(f"/{lang}/complaint")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("html").get("lang") == lang
    text = _visible_strings(page)
    for english in FORM_STRINGS:
        translation = gettext(lang, english)
        assert translation != english, english
        assert translation in text, translation
    form = page.find("form", action=f"/{lang}/complaint")
    assert form is not None
    assert form.find("button", type="submit").text == gettext(lang, "Send complaint")
    assert page.find("nav", class_="main-nav").get("aria-label") == gettext(lang, "Main")
    lowered = text.lower()
    leftovers = [word for word in ENGLISH_WORDS if word in lowered]
    assert not leftovers, f"English on the {lang} complaint form: {leftovers}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_complaint_errors_are_in_the_customers_language(client: TestClient, lang: str) -> None:
    response = send(client, lang, form=open_form(client, lang), email="not an address")
    assert response.status_code == 422
    summary = error_summary(response.text)
    expected = gettext(lang, "Enter a valid email address, like name@example.com.")
    assert expected != "Enter a valid email address, like name@example.com."
    assert expected in summary
