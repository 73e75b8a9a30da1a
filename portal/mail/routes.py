"""``/dev/mail``: the messages the dev mail sink kept, for developers (404 in prod or with SMTP).

A message's HTML part is served by its own route with a sandboxing CSP and shown in a sandboxed
iframe, so nothing in an email can run script in the portal's origin.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Template

from portal.mail.transport import DevMailSink, StoredMail
from portal.services import Services

PREVIEW_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
NO_STORE = {"cache-control": "no-store"}


def requires_dev_mail_sink(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Only in dev, and only when mail goes to the sink rather than a real server."""
    settings = connection.app.state.services.settings
    if settings.is_prod or not settings.uses_dev_mail_sink:
        raise NotFoundException()


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else None  # type: ignore[no-any-return]


def _summary(mail: StoredMail) -> dict[str, str]:
    m = mail.message
    return {
        "id": mail.id,
        "date": str(m.get("Date", "")),
        "to": str(m.get("To", "")),
        "subject": str(m.get("Subject", "")),
    }


async def _load(services: Services, mail_id: str) -> StoredMail:
    mail = await services.run(DevMailSink.for_settings(services.settings).get, mail_id)
    if mail is None:
        raise NotFoundException()
    return mail


@get("/dev/mail", guards=[requires_dev_mail_sink], include_in_schema=False)
async def mail_list(services: NamedDependency[Services]) -> Template:
    mails = await services.run(DevMailSink.for_settings(services.settings).latest)
    return Template(
        "dev/mail_list.html",
        context={"lang": "en", "mails": [_summary(m) for m in mails]},
        headers=NO_STORE,
    )


@get("/dev/mail/{mail_id:str}", guards=[requires_dev_mail_sink], include_in_schema=False)
async def mail_detail(services: NamedDependency[Services], mail_id: FromPath[str]) -> Template:
    mail = await _load(services, mail_id)
    return Template(
        "dev/mail_detail.html",
        context={
            "lang": "en",
            "mail": _summary(mail),
            "headers": [(name, str(value)) for name, value in mail.message.items()],
            "text": _part(mail.message, "plain"),
            "html": _part(mail.message, "html"),
        },
        headers=NO_STORE,
    )


@get("/dev/mail/{mail_id:str}/html", guards=[requires_dev_mail_sink], include_in_schema=False)
async def mail_html(services: NamedDependency[Services], mail_id: FromPath[str]) -> Response[str]:
    """The HTML part alone, sandboxed: no script, no requests, framed only by ``/dev/mail``."""
    mail = await _load(services, mail_id)
    html = _part(mail.message, "html")
    if html is None:
        raise NotFoundException()
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "content-security-policy": PREVIEW_CSP,
            "x-frame-options": "SAMEORIGIN",
            **NO_STORE,
        },
    )


route_handlers = [mail_list, mail_detail, mail_html]
