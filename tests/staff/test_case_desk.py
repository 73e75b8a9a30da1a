"""One case at the agents' desk: everything the customer sent, the timeline with internal notes,
replies that reach the customer, audited changes, reply templates and article links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from complaint_support import PNG, send
from helpers import page_form, parse
from sqlalchemy import select
from staff_support import app_client, audit_actions, make_staff, sign_in, submit, use_session

from kb import articles
from kb.articles import TranslationContent
from portal.cases import updates
from portal.cases.models import Case
from portal.mail.models import OutboxMessage

ANNA = {"name": "Anna Berg", "email": "anna@example.com"}


@pytest.fixture
def desk(client, services):
    """A complaint Anna sent with a photo, and Olle the agent signed in on the same client."""
    response = send(
        client,
        files=[("attachments", ("lamp.png", PNG, "image/png"))],
        **ANNA,
    )
    assert response.status_code == 303
    reference = response.headers["location"].split("/")[3]
    customer_cookies = dict(client.cookies.items())
    make_staff(services, "olle@example.com", ["agent"], name="Olle Agent")
    assert sign_in(client, "olle@example.com").status_code == 303
    return {
        "reference": reference,
        "page": f"/staff/cases/{reference}",
        "cookies": customer_cookies,
    }


def _case(services, reference: str) -> Case:
    with services.read() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return case


def _outbox(services) -> list[tuple[str, str]]:
    with services.read() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.kind, r.recipient) for r in rows]


def _timeline(html: str) -> list[tuple[str, str]]:
    """(text, "public"/"internal") per timeline entry on the agent's page."""
    ol = parse(html).find("ol", class_="timeline")
    items = [c for c in ol.children if not isinstance(c, str) and c.tag == "li"]
    return [(li.text, li.get("class")) for li in items]


def _customer_page(client, desk) -> str:
    staff_cookie = client.cookies.get("svar_staff")
    client.cookies.clear()
    for name, value in desk["cookies"].items():
        client.cookies.set(name, value, domain="testserver.local")
    try:
        response = client.get(f"/en/case/{desk['reference']}")
        assert response.status_code == 200
        return response.text
    finally:
        use_session(client, staff_cookie)


def test_the_case_page_shows_what_the_customer_sent(client, desk) -> None:
    response = client.get(desk["page"])
    assert response.status_code == 200
    doc = parse(response.text)
    assert desk["reference"] in doc.find("h1").text
    sent = doc.find("section", aria_labelledby="sent-title")
    assert "The parcel arrived crushed" in sent.text
    assert "Anna Berg" in sent.text
    assert "anna@example.com" in sent.text
    link = sent.find("a", download="")
    assert link.text == "lamp.png"
    download = client.get(link.get("href"))
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-disposition"].startswith("attachment")
    # The promise and the time left are shown in words.
    promise = doc.find("div", class_="promise")
    assert "Promised first response" in promise.text
    assert "left" in promise.text or "Overdue by" in promise.text


def test_an_unknown_case_or_file_is_not_found(client, desk) -> None:
    assert client.get("/staff/cases/ZZZZ-ZZZZ").status_code == 404
    assert client.get(desk["page"] + "/attachments/9999").status_code == 404


def test_an_agent_replies_and_the_customer_is_told(client, services, desk) -> None:
    response = submit(
        client, desk["page"], desk["page"] + "/reply", message="We will send a new lamp."
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Your reply was sent to the customer." in parse(page.text).find(role="status").text
    entries = _timeline(page.text)
    assert any("We will send a new lamp." in text and kind == "public" for text, kind in entries)
    assert ("agent_reply", "anna@example.com") in _outbox(services)
    case = _case(services, desk["reference"])
    assert case.first_response_at is not None
    assert case.status == "open"
    assert ("case.reply", "olle@example.com", str(case.id)) in audit_actions(services)
    assert "We will send a new lamp." in _customer_page(client, desk)


def test_an_internal_note_stays_inside(client, services, desk) -> None:
    before = _outbox(services)
    response = submit(
        client, desk["page"], desk["page"] + "/reply", message="Check the courier's photos first.",
        internal="1",
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"].endswith("done=note")
    entries = _timeline(client.get(desk["page"]).text)
    note = [text for text, kind in entries if kind == "internal"]
    assert len(note) == 1
    assert "Check the courier's photos first." in note[0]
    assert "the customer does not see this" in note[0]
    assert _outbox(services) == before  # nothing emailed
    assert _case(services, desk["reference"]).first_response_at is None
    assert "courier" not in _customer_page(client, desk)
    assert "case.note" in [a for a, _who, _id in audit_actions(services)]


def test_an_empty_reply_is_refused_next_to_the_field(client, services, desk) -> None:
    response = submit(client, desk["page"], desk["page"] + "/reply", message="  ", internal="1")
    assert response.status_code == 400
    doc = parse(response.text)
    assert doc.by_id("message-error") is not None
    assert doc.by_id("message").get("aria-invalid") == "true"
    assert doc.by_id("internal").get("checked") is not None  # the choice is kept
    assert len(_timeline(response.text)) == 1


@pytest.mark.parametrize(
    ("action", "field", "value", "audit", "shown"),
    [
        ("status", "status", "waiting", "case.status", "Waiting for the customer"),
        ("priority", "priority", "urgent", "case.priority", "Urgent"),
        ("category", "category", "billing", "case.category", "Billing or a misunderstanding"),
        ("assignee", "assignee", "me", "case.assign", "Now assigned to Olle Agent"),
    ],
)
def test_changes_are_audited_and_on_the_timeline(
    client, services, desk, action, field, value, audit, shown
) -> None:
    response = submit(client, desk["page"], f"{desk['page']}/{action}", **{field: value})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert parse(page.text).find(role="status") is not None
    assert any(shown in text for text, _kind in _timeline(page.text))
    case = _case(services, desk["reference"])
    assert (audit, "olle@example.com", str(case.id)) in audit_actions(services)


def test_resolving_asks_the_customer_and_unknown_values_are_refused(client, services, desk) -> None:
    response = submit(client, desk["page"], desk["page"] + "/status", status="resolved")
    assert response.status_code == 303
    assert _case(services, desk["reference"]).status == "resolved"
    assert ("resolved_check_in", "anna@example.com") in _outbox(services)
    refused = submit(client, desk["page"], desk["page"] + "/status", status="deleted")
    assert refused.status_code == 400
    assert parse(refused.text).by_id("status-error") is not None
    nobody = submit(client, desk["page"], desk["page"] + "/assignee", assignee="99999")
    assert nobody.status_code == 400
    assert parse(nobody.text).by_id("assignee-error") is not None


def test_assigning_to_a_colleague_shows_in_the_queue(client, services, desk) -> None:
    kim = make_staff(services, "kim@example.com", ["agent"], name="Kim Agent")
    response = submit(client, desk["page"], desk["page"] + "/assignee", assignee=str(kim))
    assert response.status_code == 303
    assert _case(services, desk["reference"]).assignee_id == kim
    queue = parse(client.get(f"/staff/cases?assignee={kim}").text)
    row = queue.find("table", class_="case-queue").find("tbody").find("tr")
    assert desk["reference"] in row.text
    assert "Kim Agent" in row.text


def _admin_adds_template(settings, services, **fields) -> object:
    """Ada, an admin in her own browser, adds a reply template."""
    make_staff(services, "ada@example.com", ["admin"])
    with app_client(settings, services) as admin:
        sign_in(admin, "ada@example.com")
        return submit(admin, "/staff/reply-templates/new", "/staff/reply-templates", **fields)


def test_a_reply_template_is_filled_in_for_the_customer(client, services, settings, desk) -> None:
    response = _admin_adds_template(
        settings, services, name="Thanks", lang="en",
        body="Hello {name}, thank you for case {reference}. {unknown} stays.",
    )  # fmt: skip
    assert response.status_code == 303
    assert "reply_template.create" in [a for a, _w, _t in audit_actions(services)]
    page = client.get(desk["page"]).text
    option = parse(page).by_id("template").find_all("option")[1]
    assert option.text == "Thanks"
    values = page_form(page, desk["page"] + "/reply")
    values.update(message="Hi!", template=option.get("value"), insert="template")
    inserted = client.post(desk["page"] + "/reply", data=values)
    assert inserted.status_code == 200
    text = parse(inserted.text).by_id("message").raw_text.strip()
    assert text == (
        f"Hi!\n\nHello Anna Berg, thank you for case {desk['reference']}. {{unknown}} stays."
    )
    assert len(_timeline(inserted.text)) == 1  # inserting sends nothing


def test_a_template_in_another_language_is_not_offered(client, services, settings, desk) -> None:
    _admin_adds_template(settings, services, name="Tack", lang="sv", body="Hej {name}")
    options = parse(client.get(desk["page"]).text).by_id("template").find_all("option")
    assert [o.text for o in options[1:]] == []


def test_template_problems_are_shown_next_to_the_field(services, settings, desk) -> None:
    response = _admin_adds_template(settings, services, name="", lang="en", body="Hello")
    assert response.status_code == 400
    doc = parse(response.text)
    assert doc.by_id("name-error") is not None
    assert doc.by_id("body").raw_text.strip() == "Hello"


def test_an_article_link_goes_into_the_reply(client, services, settings, desk) -> None:
    with services.write() as session:
        for lang, title, status in (
            ("en", "Damaged in transit", "published"),
            ("en", "Draft notes", "draft"),
            ("sv", "Skadad vid transport", "published"),
        ):
            articles.create_translation(
                session, lang=lang, content=TranslationContent(title=title, status=status),
                author="t", key=title.lower().replace(" ", "-"),
            )  # fmt: skip
    page = client.get(desk["page"]).text
    options = parse(page).by_id("article").find_all("option")[1:]
    url = f"{settings.base_url.rstrip('/')}/en/kb/damaged-in-transit"
    assert [(o.text, o.get("value")) for o in options] == [("Damaged in transit", url)]

    values = page_form(page, desk["page"] + "/reply")
    values.update(message="See this article:", article=url, insert="article")
    inserted = client.post(desk["page"] + "/reply", data=values)
    assert parse(inserted.text).by_id("message").raw_text.strip() == f"See this article:\n\n{url}"

    # Without pressing "Insert", a chosen article is linked when the reply is sent.
    values.update(message="Have a look.", article=url)
    values.pop("insert")
    sent = client.post(desk["page"] + "/reply", data=values, follow_redirects=False)
    assert sent.status_code == 303
    assert any(
        "Have a look." in text and url in text
        for text, _k in _timeline(client.get(desk["page"]).text)
    )


def test_the_queue_links_to_the_case(client, services, desk) -> None:
    services.clock = lambda: _case(services, desk["reference"]).created_at + timedelta(minutes=5)
    doc = parse(client.get("/staff/cases").text)
    link = doc.find("a", href=desk["page"])
    assert link is not None
    assert link.text == desk["reference"]


def test_a_reply_posted_from_another_site_is_refused(client, services, desk) -> None:
    for action, field in (("reply", "message"), ("status", "status")):
        response = client.post(
            f"{desk['page']}/{action}",
            data={field: "resolved"},
            headers={"origin": "https://evil.example", "referer": "https://evil.example/"},
            follow_redirects=False,
        )
        assert response.status_code == 403
    assert len(_timeline(client.get(desk["page"]).text)) == 1
    assert _case(services, desk["reference"]).status == "new"


def _customer_adds(services, settings, reference: str, text: str) -> None:
    with services.write() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        updates.add_customer_message(session, case, text, (), settings, services.clock())


def _attention_refs(client) -> list[str]:
    doc = parse(client.get("/staff/cases?attention=new").text)
    table = doc.find("table", class_="case-queue")
    if table is None:
        return []
    return [row.find("th").find("a").text for row in table.find("tbody").find_all("tr")]


def test_news_from_the_customer_stays_marked_until_answered(
    client, services, settings, desk
) -> None:
    reference = desk["reference"]
    _customer_adds(services, settings, reference, "The box was wet too.")
    assert _attention_refs(client) == [reference]
    queue = parse(client.get("/staff/cases").text)
    option = queue.by_id("filter-attention").find("option", value="new")
    assert option.text.strip() == "New from the customer (1)"
    # Opening the case or adding an internal note leaves the mark: nobody answered yet.
    assert "New from the customer" in client.get(desk["page"]).text
    submit(client, desk["page"], desk["page"] + "/reply", message="Ask the courier.", internal="1")
    assert _case(services, reference).needs_attention is True
    # A public reply clears it.
    response = submit(client, desk["page"], desk["page"] + "/reply", message="A new box is coming.")
    assert response.status_code == 303
    assert _case(services, reference).needs_attention is False
    assert _attention_refs(client) == []
    assert parse(client.get(desk["page"]).text).find("form", class_="attention-form") is None


def test_an_agent_marks_the_customers_news_handled(client, services, settings, desk) -> None:
    reference = desk["reference"]
    _customer_adds(services, settings, reference, "I found the receipt.")
    page = client.get(desk["page"]).text
    assert parse(page).find("form", class_="attention-form") is not None
    before = _outbox(services)
    response = submit(client, desk["page"], desk["page"] + "/handled")
    assert response.status_code == 303
    assert response.headers["location"].endswith("done=handled")
    shown = client.get(response.headers["location"]).text
    assert "Marked as handled" in parse(shown).find(role="status").text
    assert any(
        "Marked what the customer added as handled" in text and kind == "internal"
        for text, kind in _timeline(shown)
    )
    case = _case(services, reference)
    assert case.needs_attention is False
    assert ("case.handled", "olle@example.com", str(case.id)) in audit_actions(services)
    assert _outbox(services) == before  # the customer is not emailed
    assert "Marked what the customer added" not in _customer_page(client, desk)
    assert _attention_refs(client) == []
    # Nothing new: marking again changes nothing.
    token = page_form(client.get(desk["page"]).text, desk["page"] + "/status")["_csrf_token"]
    again = client.post(
        desk["page"] + "/handled", data={"_csrf_token": token}, follow_redirects=False
    )
    assert again.headers["location"].endswith("done=unchanged")
