"""Demo self-service activity beside the case history: help-centre searches (some finding
nothing, some opened) and the articles suggested on the complaint form, opened or not.

Activity follows the complaints: a search or a form visit is placed near a real submission and
usually asks about the same topic, so a wave of delivery complaints is also a wave of delivery
searches. Rows are built for bulk insert; queries are stored normalised as ``kb.search_log``
stores them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kb.search_log import normalise_query
from kb.suggestion_events import CLICK, IMPRESSION, SUBMITTED

# Help-centre articles that answer each complaint topic (keys of the demo content).
ARTICLES: dict[str, tuple[str, ...]] = {
    "late_delivery": ("delivery-times", "delivery-tracking", "delivery-options-costs"),
    "parcel_missing": ("delivered-not-received", "delivery-tracking"),
    "pickup_point": ("delivery-uncollected-parcel", "delivery-options-costs"),
    "support_unreachable": ("complaint-response-times", "complaint-follow-case"),
    "faulty": ("faulty-how-to-report", "faulty-remedies", "faulty-complaint-period"),
    "damaged": ("damaged-in-transit", "faulty-how-to-report"),
    "wrong_item": ("wrong-or-missing-item", "return-how-to"),
    "seams": ("faulty-complaint-period", "faulty-remedies", "faulty-warranty-vs-rights"),
    "double_charge": ("payment-problems", "payment-methods"),
    "refund_missing": ("refund-when", "refund-payment-method", "refund-partial"),
    "invoice_fee": ("payment-reminders-fees", "payment-invoice-instalments"),
    "account": ("account-delete", "account-password-reset", "privacy-personal-data"),
    "gift_card": ("gift-card-use", "gift-card-validity", "gift-card-lost-returns"),
}

QUERIES: dict[str, dict[str, tuple[str, ...]]] = {
    "late_delivery": {
        "en": ("delivery time", "where is my order", "late delivery"),
        "sv": ("leveranstid", "försenad leverans", "när kommer mitt paket"),
        "nb": ("leveringstid", "forsinket levering", "når kommer pakken"),
    },
    "parcel_missing": {
        "en": ("parcel delivered not received", "package missing"),
        "sv": ("paket levererat men inte mottaget", "paketet har inte kommit"),
        "nb": ("pakke levert men ikke mottatt", "pakken har ikke kommet"),
    },
    "pickup_point": {
        "en": ("pickup point", "parcel locker full"),
        "sv": ("ombud", "byta ombud", "paketskåp"),
        "nb": ("hentested", "bytte hentested", "pakkeskap"),
    },
    "support_unreachable": {
        "en": ("contact customer service", "how long until answer"),
        "sv": ("kundtjänst telefon", "hur snabbt får jag svar"),
        "nb": ("kundeservice telefon", "hvor raskt får jeg svar"),
    },
    "faulty": {
        "en": ("broken product", "warranty", "complaint faulty item"),
        "sv": ("reklamation", "trasig vara", "garanti"),
        "nb": ("reklamasjon", "ødelagt vare", "garanti"),
    },
    "damaged": {
        "en": ("damaged in transit", "arrived broken"),
        "sv": ("transportskada", "kom fram trasig"),
        "nb": ("transportskade", "kom frem ødelagt"),
    },
    "wrong_item": {
        "en": ("wrong item", "missing item"),
        "sv": ("fel vara", "vara saknas", "fel storlek"),
        "nb": ("feil vare", "vare mangler", "feil størrelse"),
    },
    "seams": {
        "en": ("zip broken", "how long can i complain"),
        "sv": ("blixtlås trasigt", "hur länge kan jag reklamera"),
        "nb": ("glidelås ødelagt", "hvor lenge kan jeg reklamere"),
    },
    "double_charge": {
        "en": ("charged twice", "payment failed"),
        "sv": ("dragits två gånger", "betalning misslyckades"),
        "nb": ("trukket to ganger", "betaling feilet"),
    },
    "refund_missing": {
        "en": ("refund", "when do i get my money back"),
        "sv": ("återbetalning", "när får jag pengarna tillbaka", "pengar tillbaka"),
        "nb": ("refusjon", "når får jeg pengene tilbake", "penger tilbake"),
    },
    "invoice_fee": {
        "en": ("invoice fee", "payment reminder"),
        "sv": ("fakturaavgift", "påminnelseavgift", "delbetalning"),
        "nb": ("fakturagebyr", "purregebyr", "delbetaling"),
    },
    "account": {
        "en": ("delete account", "forgot password"),
        "sv": ("radera konto", "glömt lösenord", "personuppgifter"),
        "nb": ("slette konto", "glemt passord", "personopplysninger"),
    },
    "gift_card": {
        "en": ("gift card balance", "gift card expired"),
        "sv": ("presentkort saldo", "presentkort giltighet"),
        "nb": ("gavekort saldo", "gavekort gyldighet"),
    },
}

# Searches that find nothing: misspellings, and things the help centre does not cover.
NOTHING_FOUND = {
    "en": ("recieve parcel", "student discount", "price match", "assembly service"),
    "sv": ("leveranstd", "studentrabatt", "prismatchning", "montering", "klarna app"),
    "nb": ("levringstid", "studentrabatt", "prismatch", "montering", "vipps feil"),
}


@dataclass(frozen=True)
class Visit:
    """A complaint submission the activity is placed around."""

    at: datetime
    lang: str
    topic: str
    web: bool = True  # sent with the complaint form (not by email or phone)


Rows = list[dict[str, Any]]


def _normalised(
    bank: dict[str, dict[str, tuple[str, ...]]], lang: str, topic: str
) -> tuple[str, ...]:
    return tuple(normalise_query(q) for q in bank[topic][lang])


def searches(rng: random.Random, visits: Sequence[Visit], count: int, start: datetime) -> Rows:
    """``count`` search-log rows, each near a visit, about its topic seven times in ten."""
    rows: Rows = []
    topics = tuple(QUERIES)
    cache: dict[tuple[str, str], tuple[str, ...]] = {}
    empty = {lang: tuple(normalise_query(q) for q in qs) for lang, qs in NOTHING_FOUND.items()}
    for _ in range(count):
        visit = rng.choice(visits)
        at = max(start, visit.at - timedelta(minutes=rng.uniform(1, 240)))
        source = "typeahead" if rng.random() < 0.35 else "search"
        if rng.random() < 0.09:
            rows.append(_search(at, visit.lang, rng.choice(empty[visit.lang]), 0, None, None,
                                source))  # fmt: skip
            continue
        topic = visit.topic if rng.random() < 0.7 else rng.choice(topics)
        key = (visit.lang, topic)
        if key not in cache:
            cache[key] = _normalised(QUERIES, visit.lang, topic)
        query = rng.choice(cache[key])
        found = rng.randint(2, 14)
        opened = position = None
        if rng.random() < 0.48:
            position = rng.choices((1, 2, 3, 4, 5), (60, 22, 10, 5, 3))[0]
            opened = rng.choice(ARTICLES[topic])
        rows.append(_search(at, visit.lang, query, found, opened, position, source))
    return rows


def _search(
    at: datetime, lang: str, query: str, found: int, key: str | None, pos: int | None, source: str
) -> dict[str, Any]:
    return {"created_at": at, "lang": lang, "query": query, "result_count": found,
            "opened_key": key, "opened_position": pos, "source": source}  # fmt: skip


def suggestion_events(
    rng: random.Random,
    submitted: Sequence[Visit],
    extra_sessions: int,
    start: datetime,
    new_hash: Callable[[], str],
) -> Rows:
    """Complaint-form sessions: every submission, most after suggestions (a few opened), and
    ``extra_sessions`` visitors who were shown suggestions and left without submitting — about
    two thirds of them after opening one (the possible deflections)."""
    rows: Rows = []
    for visit in submitted:
        if not visit.web:
            continue
        visitor = new_hash()
        if rng.random() < 0.65:
            shown_at = max(start, visit.at - timedelta(minutes=rng.uniform(2, 12)))
            keys = _shown(rng, visit.topic, rows, visit.lang, visitor, shown_at)
            if rng.random() < 0.22:
                clicked_at = shown_at + (visit.at - shown_at) * rng.uniform(0.2, 0.8)
                _event(rows, clicked_at, visit.lang, visitor, CLICK, *_pick(rng, keys))
        _event(rows, visit.at, visit.lang, visitor, SUBMITTED, "", None)
    for _ in range(extra_sessions):
        visit = rng.choice(submitted)
        visitor = new_hash()
        shown_at = max(start, visit.at - timedelta(minutes=rng.uniform(5, 600)))
        topic = visit.topic if rng.random() < 0.8 else rng.choice(tuple(ARTICLES))
        keys = _shown(rng, topic, rows, visit.lang, visitor, shown_at)
        if rng.random() < 0.65:
            clicked_at = shown_at + timedelta(seconds=rng.uniform(5, 180))
            _event(rows, clicked_at, visit.lang, visitor, CLICK, *_pick(rng, keys))
    return rows


def _shown(
    rng: random.Random, topic: str, rows: Rows, lang: str, visitor: str, at: datetime
) -> list[str]:
    keys = list(ARTICLES[topic])
    rng.shuffle(keys)
    keys = keys[: rng.randint(1, 3)]
    for position, key in enumerate(keys, start=1):
        _event(rows, at, lang, visitor, IMPRESSION, key, position)
    return keys


def _pick(rng: random.Random, keys: list[str]) -> tuple[str, int]:
    position = 1 if rng.random() < 0.7 or len(keys) == 1 else rng.randint(2, len(keys))
    return keys[position - 1], position


def _event(
    rows: Rows, at: datetime, lang: str, visitor: str, kind: str, key: str, position: int | None
) -> None:
    rows.append({"created_at": at, "lang": lang, "visitor_hash": visitor, "kind": kind,
                 "article_key": key, "position": position})  # fmt: skip
