"""The kinds of email the portal sends, each with its subject and the context its templates need.

Jobs carry ids, not content: a context builder loads what it needs when the message is rendered,
so a message says what is true at send time, in the row's language. New kinds (agent replies,
follow-ups) plug in with ``register``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from sqlalchemy.orm import Session

from portal.cases.access import token_for
from portal.cases.labels import CATEGORY_LABELS, OUTCOME_LABELS
from portal.cases.models import Case, CaseAccess
from portal.i18n import N_, gettext
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.promise import case_promise
from portal.sla.words import describe

SUMMARY_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class MissingMailData(LookupError):
    """What the message is about no longer exists; there is nothing to send."""


ContextBuilder = Callable[[Session, OutboxMessage, Settings], dict[str, Any]]


@dataclass(frozen=True)
class MailKind:
    """``subject`` is an English msgid; the reference is put in front as ``[K7M3-QX9T] …``.

    ``automatic`` messages carry ``Auto-Submitted: auto-generated`` (RFC 3834); a person's own
    words do not. A ``reply`` continues the case's thread: ``Re:`` in front of the subject.
    """

    name: str
    subject: str
    build: ContextBuilder
    automatic: bool = True
    reply: bool = False


KINDS: dict[str, MailKind] = {}


def register(
    name: str, subject: str, *, automatic: bool = True, reply: bool = False
) -> Callable[[ContextBuilder], ContextBuilder]:
    """Decorator: ``@register("agent_reply", N_("…"), automatic=False)`` on a context builder.

    The builder returns the template context; it must include ``reference`` (shown in the
    subject) and may raise ``MissingMailData``. It may set ``sender_name`` (shown in From beside
    the portal's address). Templates are ``mail/<name>.txt`` and ``.html``.
    """

    def decorate(build: ContextBuilder) -> ContextBuilder:
        KINDS[name] = MailKind(
            name=name, subject=subject, build=build, automatic=automatic, reply=reply
        )
        return build

    return decorate


def one_line(text: str) -> str:
    """Text that can never break a header or a line: control characters become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def status_link(settings: Settings, lang: str, access: CaseAccess) -> str:
    token = token_for(access.nonce, settings.secret_key)
    return f"{settings.base_url.rstrip('/')}/{lang}/c/{token}"


def excerpt(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first ``limit`` characters, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = cut.rfind(" ")
    if boundary > limit * 3 // 4:  # a long word or URL is cut rather than dropped
        cut = cut[:boundary]
    return cut.rstrip(" ,.;:") + "…"


def _access_and_case(session: Session, row: OutboxMessage) -> tuple[CaseAccess, Case]:
    access_id = (row.payload or {}).get("access_id")
    access = session.get(CaseAccess, access_id) if isinstance(access_id, int) else None
    if access is None:
        raise MissingMailData(f"status link {access_id!r} no longer exists")
    case = session.get(Case, access.case_id)
    if case is None:
        raise MissingMailData(f"case {access.case_id} no longer exists")
    return access, case


def case_context(
    session: Session, row: OutboxMessage, settings: Settings
) -> tuple[Case, dict[str, Any]]:
    """What every message about a case shows: reference, greeting, promise and status link."""
    access, case = _access_and_case(session, row)
    lang = row.lang
    promise = case_promise(case)
    return case, {
        "reference": case.reference,
        "name": one_line(case.name),
        "status_url": status_link(settings, lang, access),
        "track_url": f"{settings.base_url.rstrip('/')}/{lang}/track",
        "promise": describe(promise, lang),
        "time_zone": zone_name(promise.tz, lang),
        "answered": case.first_response_at is not None,
    }


@lru_cache(maxsize=64)
def zone_name(tz: ZoneInfo, lang: str) -> str:
    """ "Central European Time" in ``lang``: the same for every message, so looked up once."""
    return get_timezone_name(tz, locale=lang)


@register("acknowledgement", N_("We have received your complaint"))
def acknowledgement(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    case, context = case_context(session, row, settings)
    lang = row.lang
    category = CATEGORY_LABELS.get(case.category)
    outcome = OUTCOME_LABELS.get(case.desired_outcome)
    return {
        **context,
        "category": gettext(lang, category) if category else "",
        "desired_outcome": gettext(lang, outcome) if outcome else "",
        "order_ref": one_line(case.order_ref),
        "description": excerpt(case.description),
        "attachment_count": len(case.attachments),
    }


@register("case_link", N_("Your link to follow your case"))
def case_link(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    _case, context = case_context(session, row, settings)
    return context
