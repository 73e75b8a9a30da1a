"""An outbox row becomes a message ready to send: paired text and HTML templates, safe headers.

Rendering happens at send time in the row's language. Every header value has its control
characters removed before ``portal.mail.mime`` writes it, so nothing a customer typed can add a
header; addresses are checked by ``email.headerregistry``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import format_datetime, parseaddr
from functools import cache, lru_cache

from babel.support import NullTranslations
from jinja2 import Environment, nodes, pass_environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import do_wordwrap
from jinja2.nodes import EvalContext
from jinja2.visitor import NodeTransformer
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.i18n import gettext, translations
from portal.mail import (
    conversation,  # noqa: F401 (registers the conversation kinds)
    keeping_mail,  # noqa: F401 (registers the scheduler's kinds)
)
from portal.mail.kinds import KINDS, MissingMailData, one_line
from portal.mail.mime import address, multipart_alternative
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.web.templating import make_environment

_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_NAMED_STRING = re.compile(r"%%|%\(\w+\)s")  # "%%" and "%(name)s", the placeholders str() fills


class UnknownMailKind(LookupError):
    """No builder for this kind here (perhaps a newer release queued it): try again later."""


@dataclass(frozen=True)
class RenderedMail:
    """A whole message as it goes over the wire, with the subject the outbox row records."""

    subject: str
    data: bytes


@cache
def mail_environment(lang: str) -> Environment:
    """The templates of ``lang``'s mail, with every fixed string translated when compiled.

    ``{{ _("Hello,") }}`` then costs what literal text costs instead of three context calls and
    a catalog lookup per message (about half of what rendering a message took). Strings with
    placeholders keep only the ``%`` and the escaping of the values. The catalogs never change
    while the process runs, so a template compiled once per language stays right.
    """
    catalog = translations(lang)
    env = make_environment()
    env.code_generator_class = type(
        "MailCodeGenerator", (_TranslatingCodeGenerator,), {"catalog": catalog}
    )
    # What is left for run time (plurals, a msgid that is not a literal) needs no context.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=catalog.ugettext, ngettext=catalog.ungettext, newstyle=True
    )
    env.filters["wordwrap"] = _wordwrap
    return env


@pass_environment
def _wordwrap(
    environment: Environment,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    """Jinja's ``wordwrap``, to the character; single-spaced plain text skips ``textwrap``.

    Words separated by single spaces, none with a hyphen or wider than a line, are what a
    customer's summary nearly always is; ``textwrap`` fills such lines greedily, as done here,
    but takes about ten times as long to find that out.
    """
    if type(s) is str and width >= 1 and "-" not in s:
        newline = environment.newline_sequence if wrapstring is None else wrapstring
        paragraphs = []
        for line in s.splitlines():
            words = line.split()
            if " ".join(words) != line or any(len(word) > width for word in words):
                break
            paragraphs.append(newline.join(_fill(words, width)))
        else:
            return newline.join(paragraphs)
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


def _fill(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


class _TranslatingCodeGenerator(CodeGenerator):
    """Compiles ``_("literal", name=value)`` as the catalog's text, formatted as at run time."""

    catalog: NullTranslations

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # Whether the whole template escapes, when no ``{% autoescape %}`` block can change it.
        escaping = None
        if node.find(nodes.EvalContextModifier) is None:
            escaping = bool(EvalContext(self.environment, self.name).autoescape)
        _TranslateLiterals(self.environment, self.catalog, escaping).visit(node)
        super().visit_Template(node, frame)


class _TranslateLiterals(NodeTransformer):
    """Replaces each ``_``/``gettext`` call of a literal msgid by what the newstyle call returns.

    Jinja's newstyle ``gettext`` returns ``Markup(text) % values`` when autoescaping and
    ``text % values`` otherwise; ``MarkSafeIfAutoescape`` and ``%`` compile to exactly that.
    In a template known to escape, a text whose placeholders are all ``%(name)s`` becomes
    ``Markup(text % {name: escape(value)})``: the same string at a third of the cost.
    """

    def __init__(
        self, environment: Environment, catalog: NullTranslations, escaping: bool | None
    ) -> None:
        self.environment = environment
        self.catalog = catalog
        self.escaping = escaping

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        callee, args = node.node, node.args
        if not (
            isinstance(callee, nodes.Name)
            and callee.name in ("_", "gettext")
            and len(args) == 1
            and isinstance(args[0], nodes.Const)
            and isinstance(args[0].value, str)
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            return node
        text = self.catalog.ugettext(args[0].value)
        lineno = node.lineno
        if not node.kwargs:
            text = text % {}  # newstyle gettext always formats: "%%" reads "%"
        translated: nodes.Expr = nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=lineno)
        if node.kwargs and self.escaping and "%" not in _NAMED_STRING.sub("", text):
            values = [
                nodes.Pair(
                    nodes.Const(kw.key, lineno=lineno),
                    nodes.Filter(kw.value, "escape", [], [], None, None, lineno=lineno),
                    lineno=lineno,
                )
                for kw in node.kwargs
            ]
            formatted = nodes.Mod(nodes.Const(text), nodes.Dict(values), lineno=lineno)
            translated = nodes.MarkSafe(formatted, lineno=lineno)
        elif node.kwargs:
            values = [
                nodes.Pair(nodes.Const(kw.key, lineno=lineno), kw.value, lineno=lineno)
                for kw in node.kwargs
            ]
            translated = nodes.Mod(translated, nodes.Dict(values, lineno=lineno), lineno=lineno)
        translated.set_environment(self.environment)
        return translated


def subject_for(kind: str, reference: str, lang: str) -> str:
    """``[K7M3-QX9T] We have received your complaint``: the reference threads every message.

    Replies in a case's thread read ``Re: [K7M3-QX9T] …`` so mail programs that group by subject
    keep them together too.
    """
    text = gettext(lang, KINDS[kind].subject)
    subject = one_line(f"[{reference}] {text}" if reference else text)
    return f"Re: {subject}" if KINDS[kind].reply else subject


def sender(settings: Settings, person: str = "") -> str:
    """The portal's From; with ``person``, their name beside the portal's own address."""
    return _from_header(settings.mail_from, one_line(person))


@lru_cache(maxsize=256)
def _from_header(mail_from: str, person: str) -> str:
    # Remembered: automatic mail always has the same From, and parsing it is not free.
    portal_name, portal_address = parseaddr(mail_from)
    display = one_line(portal_name)
    if person:
        display = f"{person} ({display})" if display else person
    try:
        if not portal_address:
            raise ValueError("no address in PORTAL_MAIL_FROM")
        return address(display[:120], portal_address)
    except (ValueError, IndexError):
        return one_line(mail_from)


def thread_ids(payload: dict[str, object]) -> tuple[str, list[str]]:
    """``In-Reply-To`` and ``References`` stored with the row, keeping only well-formed ids."""
    parent = payload.get("in_reply_to")
    chain = payload.get("references")
    ids = [one_line(i) for i in chain if isinstance(i, str)] if isinstance(chain, list) else []
    ids = [i for i in ids if _MESSAGE_ID.match(i)]
    parent = one_line(parent) if isinstance(parent, str) else ""
    return (parent if _MESSAGE_ID.match(parent) else ""), ids


def recipient_address(name: str, recipient: str) -> str:
    """``Anna Svensson <anna@example.com>``; raises ``MissingMailData`` for an unusable address."""
    try:
        return address(one_line(name)[:120], one_line(recipient))
    except (ValueError, IndexError) as exc:
        raise MissingMailData(f"recipient {recipient!r} is not a valid address") from exc


def render_message(session: Session, row: OutboxMessage, settings: Settings) -> RenderedMail:
    """The whole message for ``row``; raises ``MissingMailData`` when there is nothing to send."""
    kind = KINDS.get(row.kind)
    if kind is None:
        raise UnknownMailKind(f"no mail kind {row.kind!r}")
    lang = row.lang
    env = mail_environment(lang)
    context = kind.build(session, row, settings)
    subject = subject_for(row.kind, context.get("reference", ""), lang)
    context = {**context, "lang": lang, "subject": subject}
    text = env.get_template(f"mail/{row.kind}.txt").render(context)
    html = env.get_template(f"mail/{row.kind}.html").render(context)

    headers = [
        ("From", sender(settings, context.get("sender_name", ""))),
        ("To", recipient_address(context.get("name", ""), row.recipient)),
        ("Subject", subject),
        ("Date", format_datetime(utcnow())),
        ("Message-ID", one_line(row.message_id)),
    ]
    parent, references = thread_ids(row.payload or {})
    if parent:
        headers.append(("In-Reply-To", parent))
    if references:
        headers.append(("References", " ".join(references)))
    if kind.automatic:
        # RFC 3834 §5: an automatic answer to a web form; other responders must not answer it.
        headers.append(("Auto-Submitted", "auto-generated"))
        headers.append(("X-Auto-Response-Suppress", "All"))
    headers.append(("Content-Language", lang))
    return RenderedMail(subject, multipart_alternative(headers, text, html))
