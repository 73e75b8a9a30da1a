"""An outbox row becomes an ``EmailMessage``: paired text and HTML templates, safe headers.

Rendering happens at send time in the row's language. Headers are built through
``email.headerregistry`` from values with every control character removed, so nothing a customer
typed can add a header.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import cache

from jinja2 import Environment
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.i18n import gettext
from portal.mail import (
    conversation,  # noqa: F401 (registers the conversation kinds)
    keeping_mail,  # noqa: F401 (registers the scheduler's kinds)
)
from portal.mail.kinds import KINDS, MissingMailData, one_line
from portal.mail.models import OutboxMessage
from portal.mail.outbox import sender_address
from portal.settings import Settings
from portal.web.templating import make_environment

_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")


class UnknownMailKind(LookupError):
    """No builder for this kind here (perhaps a newer release queued it): try again later."""


@cache
def mail_environment() -> Environment:
    return make_environment()


def subject_for(kind: str, reference: str, lang: str) -> str:
    """``[K7M3-QX9T] We have received your complaint``: the reference threads every message.

    Replies in a case's thread read ``Re: [K7M3-QX9T] …`` so mail programs that group by subject
    keep them together too.
    """
    text = gettext(lang, KINDS[kind].subject)
    subject = one_line(f"[{reference}] {text}" if reference else text)
    return f"Re: {subject}" if KINDS[kind].reply else subject


def sender(settings: Settings, person: str = "") -> str | Address:
    """The portal's From; with ``person``, their name beside the portal's own address."""
    if not person:
        return one_line(settings.mail_from)
    portal_name = one_line(parseaddr(settings.mail_from)[0])
    display = f"{one_line(person)} ({portal_name})" if portal_name else one_line(person)
    try:
        return Address(display_name=display[:120], addr_spec=sender_address(settings))
    except (ValueError, IndexError):
        return one_line(settings.mail_from)


def thread_ids(payload: dict[str, object]) -> tuple[str, list[str]]:
    """``In-Reply-To`` and ``References`` stored with the row, keeping only well-formed ids."""
    parent = payload.get("in_reply_to")
    chain = payload.get("references")
    ids = [one_line(i) for i in chain if isinstance(i, str)] if isinstance(chain, list) else []
    ids = [i for i in ids if _MESSAGE_ID.match(i)]
    parent = one_line(parent) if isinstance(parent, str) else ""
    return (parent if _MESSAGE_ID.match(parent) else ""), ids


def recipient_address(name: str, address: str) -> Address:
    """``Anna Svensson <anna@example.com>``; raises ``MissingMailData`` for an unusable address."""
    try:
        return Address(display_name=one_line(name)[:120], addr_spec=one_line(address))
    except (ValueError, IndexError) as exc:
        raise MissingMailData(f"recipient {address!r} is not a valid address") from exc


def render_message(
    session: Session, row: OutboxMessage, settings: Settings, env: Environment | None = None
) -> EmailMessage:
    """The whole message for ``row``; raises ``MissingMailData`` when there is nothing to send."""
    kind = KINDS.get(row.kind)
    if kind is None:
        raise UnknownMailKind(f"no mail kind {row.kind!r}")
    env = env or mail_environment()
    lang = row.lang
    context = kind.build(session, row, settings)
    subject = subject_for(row.kind, context.get("reference", ""), lang)
    context = {**context, "lang": lang, "subject": subject}
    text = env.get_template(f"mail/{row.kind}.txt").render(context)
    html = env.get_template(f"mail/{row.kind}.html").render(context)

    message = EmailMessage()
    message["From"] = sender(settings, context.get("sender_name", ""))
    message["To"] = recipient_address(context.get("name", ""), row.recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = row.message_id
    parent, references = thread_ids(row.payload or {})
    if parent:
        message["In-Reply-To"] = parent
    if references:
        message["References"] = " ".join(references)
    if kind.automatic:
        # RFC 3834 §5: an automatic answer to a web form; other responders must not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the body: set_content() clears every Content-* header, including this one.
    message["Content-Language"] = lang
    return message
