"""Reply templates: stock answers admins keep per language, with the customer's name and the case
reference filled in when an agent inserts one into a reply.

Placeholders are replaced literally (``{greeting}``, ``{name}``, ``{reference}``), so any other
braces in a template stay as written and a template can never reach other attributes of the case.

Many cases come without a name (it is optional on the form), and "Hello customer," reads like a
form letter. So ``{greeting}`` is "Hello Anna," or just "Hello," in the case's language, and
without a name ``{name}`` is left out with the space or comma before it ("Hej {name}, tack" →
"Hej, tack"; "Thank you, {name}." → "Thank you."). Salutations that need a name ("Dear {name},")
become the plain greeting.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.cases.models import Case
from portal.db.base import Base, utcnow
from portal.i18n import LANGUAGES, N_, gettext

MAX_NAME = 200
MAX_BODY = 10_000
PLACEHOLDERS = ("{greeting}", "{name}", "{reference}")
_PLACEHOLDER = re.compile(r"\{(greeting|name|reference)\}")
# "Dear {name}," at the start of a line: a salutation that makes no sense without the name.
_SALUTATION = re.compile(
    r"^([^\S\n]*)(?:dear|kära|käre|bästa|kjære)[^\S\n]+\{name\}[^\S\n]*[,!.:]?",
    re.MULTILINE | re.IGNORECASE,
)
# Any other place the name goes, with the comma or space that leads up to it.
_NAME_ELSEWHERE = re.compile(r"[^\S\n]*,?[^\S\n]*\{name\}")


class ReplyTemplate(Base):
    __tablename__ = "reply_templates"
    __table_args__ = (UniqueConstraint("lang", "name", name="uq_reply_templates_lang_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    lang: Mapped[str] = mapped_column(String(8), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TemplateProblem(ValueError):
    """A field the admin must correct; ``message`` is English, translated where it is shown."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field = field
        self.message = message


def list_templates(session: Session, lang: str | None = None) -> list[ReplyTemplate]:
    query = select(ReplyTemplate).order_by(ReplyTemplate.lang, ReplyTemplate.name)
    if lang is not None:
        query = query.where(ReplyTemplate.lang == lang)
    return list(session.scalars(query))


def get_template(session: Session, template_id: int) -> ReplyTemplate | None:
    return session.get(ReplyTemplate, template_id)


def save_template(
    session: Session, template: ReplyTemplate | None, *, name: str, lang: str, body: str
) -> ReplyTemplate:
    """Create (``template`` None) or change a template; raises ``TemplateProblem``."""
    name, body = name.strip(), body.strip().replace("\r\n", "\n")
    if not name:
        raise TemplateProblem("name", N_("Enter a name for the template."))
    if len(name) > MAX_NAME:
        raise TemplateProblem("name", N_("The name is too long."))
    if lang not in LANGUAGES:
        raise TemplateProblem("lang", N_("Choose the language of the template."))
    if not body:
        raise TemplateProblem("body", N_("Enter the text of the template."))
    if len(body) > MAX_BODY:
        raise TemplateProblem("body", N_("The text is too long."))
    clash = session.scalar(
        select(ReplyTemplate.id).where(ReplyTemplate.lang == lang, ReplyTemplate.name == name)
    )
    if clash is not None and (template is None or clash != template.id):
        raise TemplateProblem("name", N_("There is already a template with this name."))
    if template is None:
        template = ReplyTemplate(name=name, lang=lang, body=body)
        session.add(template)
    else:
        template.name, template.lang, template.body = name, lang, body
    session.flush()
    return template


def delete_template(session: Session, template: ReplyTemplate) -> None:
    session.delete(template)
    session.flush()


def greeting(case: Case) -> str:
    """ "Hello Anna," or, without a name, "Hello," — in the case's language."""
    name = case.name.strip()
    if name:
        return gettext(case.lang, "Hello %(name)s,", name=name)
    return gettext(case.lang, "Hello,")


def fill(body: str, case: Case) -> str:
    """The template's text for ``case``: greeting, customer's name and reference filled in."""
    name = case.name.strip()
    if not name:
        body = _SALUTATION.sub(lambda m: m.group(1) + "{greeting}", body)
        body = _NAME_ELSEWHERE.sub("", body)
    values = {"greeting": greeting(case), "name": name, "reference": case.reference}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], body)
