"""An outbox row becomes an ``EmailMessage``: paired text and HTML templates, safe headers.

Rendering happens at send time in the row's language. Headers are built through
``email.headerregistry`` from values with every control character removed, so nothing a customer
typed can add a header.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import cache

from jinja2 import Environment
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.i18n import gettext
from portal.mail.kinds import KINDS, MissingMailData, one_line
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.web.templating import make_environment


class UnknownMailKind(LookupError):
    """No builder for this kind here (perhaps a newer release queued it): try again later."""


@cache
def mail_environment() -> Environment:
    return make_environment()


def subject_for(kind: str, reference: str, lang: str) -> str:
    """``[K7M3-QX9T] We have received your complaint``: the reference threads every message."""
    text = gettext(lang, KINDS[kind].subject)
    return one_line(f"[{reference}] {text}" if reference else text)


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
    message["From"] = one_line(settings.mail_from)
    message["To"] = recipient_address(context.get("name", ""), row.recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = row.message_id
    # RFC 3834 §5: an automatic answer to a web form; other responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the body: set_content() clears every Content-* header, including this one.
    message["Content-Language"] = lang
    return message
