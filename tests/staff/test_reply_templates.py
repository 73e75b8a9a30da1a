"""Admins keep reply templates: add, change, delete, each audited; problems shown by the field."""

from __future__ import annotations

import pytest
from helpers import parse
from sqlalchemy import select
from staff_support import audit_actions, make_staff, sign_in, submit

from portal.cases.models import Case
from portal.cases.reply_templates import ReplyTemplate, fill


@pytest.fixture
def admin(client, services):
    make_staff(services, "ada@example.com", ["admin"], name="Ada Admin")
    assert sign_in(client, "ada@example.com").status_code == 303
    return client


def _templates(services) -> list[tuple[str, str, str]]:
    with services.read() as session:
        rows = session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.id))
        return [(t.name, t.lang, t.body) for t in rows]


def _add(client, **fields):
    return submit(client, "/staff/reply-templates/new", "/staff/reply-templates", **fields)


def test_an_admin_adds_changes_and_deletes_a_template(admin, services) -> None:
    response = _add(admin, name="Thanks", lang="sv", body="Hej {name}, tack! ({reference})")
    assert response.status_code == 303
    listing = parse(admin.get(response.headers["location"]).text)
    assert "The template was added." in listing.find(role="status").text
    link = listing.find("table").find("tbody").find("a")
    assert link.text == "Thanks"
    assert "Svenska" in listing.find("table").find("tbody").text

    edit = link.get("href")
    changed = submit(admin, edit, edit, name="Tack", body="Hej {name}!")
    assert changed.status_code == 303
    assert _templates(services) == [("Tack", "sv", "Hej {name}!")]

    deleted = submit(admin, edit, f"{edit}/delete")
    assert deleted.status_code == 303
    assert _templates(services) == []
    actions = [a for a, who, _t in audit_actions(services) if who == "ada@example.com"]
    assert actions[-3:] == [
        "reply_template.create",
        "reply_template.update",
        "reply_template.delete",
    ]


def test_two_templates_cannot_share_a_name_in_one_language(admin, services) -> None:
    assert _add(admin, name="Thanks", lang="en", body="Hello").status_code == 303
    assert _add(admin, name="Thanks", lang="sv", body="Hej").status_code == 303
    again = _add(admin, name="Thanks", lang="en", body="Hello again")
    assert again.status_code == 400
    doc = parse(again.text)
    assert "already a template with this name" in doc.by_id("name-error").text
    assert doc.by_id("body").raw_text.strip() == "Hello again"
    assert len(_templates(services)) == 2


def test_an_empty_text_is_refused(admin, services) -> None:
    response = _add(admin, name="Empty", lang="en", body="   ")
    assert response.status_code == 400
    assert parse(response.text).by_id("body-error") is not None
    assert parse(response.text).by_id("name").get("value") == "Empty"
    assert _templates(services) == []


def test_an_unknown_template_is_not_found(admin) -> None:
    assert admin.get("/staff/reply-templates/999").status_code == 404


@pytest.mark.parametrize(
    ("lang", "name", "body", "expected"),
    [
        (
            "en",
            "Anna Berg",
            "Hello {name}, about {reference}.",
            "Hello Anna Berg, about K7M3-QX9T.",
        ),
        ("en", "", "Hello {name}, about {reference}.", "Hello, about K7M3-QX9T."),
        ("en", "  ", "{greeting}\n\nThank you, {name}.", "Hello,\n\nThank you."),
        ("en", "Anna", "{greeting}\n\nThank you, {name}.", "Hello Anna,\n\nThank you, Anna."),
        ("sv", "", "{greeting}\nTack {name} för att du skrev.", "Hej!\nTack för att du skrev."),
        ("sv", "", "Hej {name}, tack för ditt ärende.", "Hej, tack för ditt ärende."),
        ("sv", "", "Kära {name},\nTack.", "Hej!\nTack."),
        ("nb", "", "{greeting}\nTakk for meldingen.", "Hei!\nTakk for meldingen."),
        ("nb", "Ola", "{greeting}", "Hei, Ola!"),
        ("en", "", "Dear {name},\n{unknown} stays.", "Hello,\n{unknown} stays."),
        ("en", "{reference}", "Hi {name}", "Hi {reference}"),  # a name is never a placeholder
    ],
)
def test_a_template_greets_the_customer_naturally_with_or_without_a_name(
    lang, name, body, expected
) -> None:
    case = Case(name=name, lang=lang, reference="K7M3-QX9T")
    assert fill(body, case) == expected
    assert "customer" not in fill(body, case)
