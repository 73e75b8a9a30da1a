"""A customer sends a complaint: the form, what gets stored, the cookie and the confirmation."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from complaint_support import (
    NO_FILE,
    PDF,
    PNG,
    case_cookie,
    client_with,
    count_cases,
    only_case,
    open_form,
    reference_from,
    send,
)
from helpers import parse
from sqlalchemy import func, select

from portal.cases import intake
from portal.cases.access import hash_token
from portal.cases.attachments import stored_path
from portal.cases.intake import ComplaintInput, submit_complaint
from portal.cases.models import Attachment, Case, CaseAccess, CaseEvent
from portal.mail.models import OutboxMessage
from portal.sla.promise import target_promise
from portal.sla.words import describe
from portal.web.templating import STATIC_DIR


def _outbox(services) -> list[OutboxMessage]:
    with services.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_form_has_every_field_with_labels_and_autocomplete(client) -> None:
    html = client.get("/en/complaint").text
    form = parse(html).find("form", action="/en/complaint")
    assert form is not None
    assert form.get("method") == "post"
    assert form.get("enctype") == "multipart/form-data"
    names = {el.get("name") for el in form.iter() if el.get("name")}
    assert {
        "email",
        "description",
        "name",
        "phone",
        "category",
        "desired_outcome",
        "order_ref",
        "attachments",
        "_csrf_token",
        "submission_id",
        "form_token",
    } <= names
    page = parse(html)
    labelled = {label.get("for") for label in page.find_all("label")}
    for element in form.iter():
        if element.tag in ("input", "textarea") and element.get("type") != "hidden":
            assert element.get("id") in labelled, element.attrs
    assert page.by_id("email").get("autocomplete") == "email"
    assert page.by_id("name").get("autocomplete") == "name"
    assert page.by_id("phone").get("autocomplete") == "tel"
    assert page.by_id("attachments").get("multiple") is not None
    legends = [fieldset.find("legend") for fieldset in form.find_all("fieldset")]
    assert len(legends) == 2
    assert all(legend is not None and legend.text for legend in legends)
    radios = {el.get("value") for el in form.find_all("input", name="category")}
    assert radios == {"product", "service", "billing", "other"}
    outcomes = {el.get("value") for el in form.find_all("input", name="desired_outcome")}
    assert outcomes == {"refund", "replacement", "repair", "explanation", "other"}


def test_honeypot_is_hidden_from_people_and_assistive_technology(client) -> None:
    page = parse(client.get("/en/complaint").text)
    trap = page.find("input", name="website")
    assert trap is not None
    assert trap.get("tabindex") == "-1"
    assert trap.get("autocomplete") == "off"
    wrapper = trap.parent
    assert "hp-field" in (wrapper.get("class") or "").split()
    assert wrapper.get("aria-hidden") == "true"


def test_form_shows_when_we_will_answer_for_each_kind_of_problem(client) -> None:
    before = datetime.now(UTC)
    html = client.get("/sv/complaint").text
    after = datetime.now(UTC)
    table = parse(html).find("section", class_="promise")
    assert table is not None
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 4
    for row, category in zip(rows, ("product", "service", "billing", "other"), strict=True):
        shown = datetime.fromisoformat(row.find("time").get("datetime"))
        earliest = target_promise(category, before).due
        latest = target_promise(category, after).due
        assert earliest <= shown <= latest
        expected = replace(target_promise(category, before, "sv"), due=shown)
        assert row.find("time").text == describe(expected, "sv").sentence


def test_happy_path_stores_everything_and_confirms(client, services, settings) -> None:
    form = open_form(client)
    response = send(
        client,
        form=form,
        name="Anna Svensson",
        phone="+46 8 123 45 67",
        category="billing",
        desired_outcome="refund",
        order_ref="A-1001",
        files=[
            ("attachments", ("receipt.pdf", PDF, "application/pdf")),
            ("attachments", ("photo.png", PNG, "image/png")),
        ],
    )
    assert response.status_code == 303
    reference = reference_from(response)
    assert response.headers["location"] == f"/en/case/{reference}/confirmation"

    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"svar_case_{reference}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # dev: served over plain http

    case = only_case(services)
    assert case.reference == reference
    assert case.submission_id == form["submission_id"]
    assert (case.email, case.name, case.phone) == (
        "anna@example.com",
        "Anna Svensson",
        "+46 8 123 45 67",
    )
    assert (case.category, case.desired_outcome, case.order_ref) == ("billing", "refund", "A-1001")
    assert case.status == "new"
    assert case.lang == "en"
    assert case.promised_at == target_promise("billing", case.created_at).due

    with services.read() as session:
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
        attachments = list(session.scalars(select(Attachment).where(Attachment.case_id == case.id)))
        accesses = list(session.scalars(select(CaseAccess).where(CaseAccess.case_id == case.id)))
    assert [(e.kind, e.public) for e in events] == [("submitted", True)]
    assert sorted((a.filename, a.content_type) for a in attachments) == [
        ("photo.png", "image/png"),
        ("receipt.pdf", "application/pdf"),
    ]
    for attachment in attachments:
        path = stored_path(settings.data_dir, attachment.storage_key)
        content = path.read_bytes()
        assert content == (PDF if attachment.filename == "receipt.pdf" else PNG)
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert settings.data_dir / "uploads" in path.parents
        assert STATIC_DIR not in path.parents
        assert attachment.filename not in str(path)
        assert attachment.event_id == events[0].id

    token = case_cookie(client, reference)
    assert [a.token_hash for a in accesses] == [hash_token(token)]
    [row] = _outbox(services)
    assert (row.kind, row.recipient, row.lang, row.case_id) == (
        "acknowledgement",
        "anna@example.com",
        "en",
        case.id,
    )
    assert row.payload == {"access_id": accesses[0].id}
    assert row.status == "pending"

    confirmation = client.get(response.headers["location"])
    assert confirmation.status_code == 200
    main = parse(confirmation.text).find("main")
    assert main.find(class_="reference").text == reference
    promise = describe(target_promise("billing", case.created_at), "en")
    shown = main.find("time")
    assert shown.text == promise.sentence
    assert shown.get("datetime") == promise.iso
    assert "We have sent a confirmation to anna@example.com." in main.text
    links = [a.get("href") for a in main.find_all("a")]
    assert f"/en/case/{reference}" in links


def test_email_is_stored_normalised(client, services) -> None:
    send(client, email="  Anna@Example.COM ")
    assert only_case(services).email == "Anna@example.com"


def test_no_category_is_answered_as_other(client, services) -> None:
    send(client)
    case = only_case(services)
    assert case.category == "other"
    assert case.promised_at == target_promise("other", case.created_at).due


def test_double_submit_makes_one_case(client, services) -> None:
    form = open_form(client)
    first = send(client, form=form)
    second = send(client, form=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert count_cases(services) == 1
    assert len(_outbox(services)) == 1
    # The second answer carries a working cookie too: the browser may only ever see that one.
    assert client.get(second.headers["location"]).status_code == 200


def test_same_form_edited_after_going_back_is_a_new_complaint(client, services) -> None:
    form = open_form(client)
    first = send(client, form=form, description="The lamp arrived broken.")
    second = send(client, form=form, description="The lamp arrived broken, and so did the bulb.")
    assert reference_from(first) != reference_from(second)
    assert count_cases(services) == 2
    assert client.get(first.headers["location"]).status_code == 200
    assert client.get(second.headers["location"]).status_code == 200


def _input(submission_id: str = "S" * 24, **fields) -> ComplaintInput:
    values = {"email": "anna@example.com", "description": "The parcel never came."}
    values.update(fields)
    return ComplaintInput(submission_id=submission_id, **values)


def test_resend_returns_the_first_case_and_stores_nothing_more(services) -> None:
    now = datetime.now(UTC)
    with services.write() as session:
        first = submit_complaint(session, _input(), [], services.settings, now)
    with services.write() as session:
        second = submit_complaint(session, _input(), [], services.settings, now)
    assert second.created is False
    assert (second.case_id, second.reference, second.token) == (
        first.case_id,
        first.reference,
        first.token,
    )
    assert count_cases(services) == 1
    assert len(_outbox(services)) == 1
    with services.read() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == 1
        assert session.scalar(select(func.count()).select_from(CaseAccess)) == 1


def test_resend_whose_new_reference_is_also_taken_still_finds_the_first_case(
    services, monkeypatch
) -> None:
    now = datetime.now(UTC)
    with services.write() as session:
        first = submit_complaint(session, _input(), [], services.settings, now)
        other = submit_complaint(session, _input("O" * 24), [], services.settings, now)
    # The resend happens to draw the other case's reference: both unique keys clash at once.
    monkeypatch.setattr(intake, "new_reference", lambda: other.reference)
    with services.write() as session:
        again = submit_complaint(session, _input(), [], services.settings, now)
    assert (again.created, again.reference) == (False, first.reference)
    assert count_cases(services) == 2


def test_concurrent_identical_submissions_make_one_case(services) -> None:
    now = datetime.now(UTC)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def submit() -> None:
        barrier.wait()
        try:
            with services.write() as session:
                results.append(
                    submit_complaint(session, _input("R" * 24), [], services.settings, now)
                )
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({r.reference for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert count_cases(services) == 1
    assert len(_outbox(services)) == 1


def test_identical_submissions_committed_together_make_one_case(services) -> None:
    """A double-click whose two requests wait for the writer together: one case, one email."""
    now = datetime.now(UTC)
    started, release = threading.Event(), threading.Event()

    def hold(_session) -> None:
        started.set()
        assert release.wait(10)

    def store(submission_id: str):  # type: ignore[no-untyped-def]
        return lambda session: submit_complaint(
            session, _input(submission_id), [], services.settings, now
        )

    holding = services.writer.submit(hold)
    assert started.wait(10)
    waiting = [services.writer.submit(store(sid)) for sid in ("D" * 24, "D" * 24, "E" * 24)]
    release.set()
    holding.result(10)
    first, again, other = (future.result(10) for future in waiting)

    assert (first.created, again.created, other.created) == (True, False, True)
    assert again.reference == first.reference != other.reference
    assert count_cases(services) == 2
    assert len(_outbox(services)) == 2


def test_reference_clash_gets_another_reference(services, monkeypatch) -> None:
    now = datetime.now(UTC)
    with services.write() as session:
        taken = submit_complaint(session, _input("A" * 24), [], services.settings, now).reference
    offered = iter([taken, taken, "KXYA-7643"])
    monkeypatch.setattr(intake, "new_reference", lambda: next(offered))
    with services.write() as session:
        second = submit_complaint(session, _input("B" * 24), [], services.settings, now)
    assert second.reference == "KXYA-7643"
    assert count_cases(services) == 2


def test_several_cases_in_one_browser_stay_open(client) -> None:
    first = send(client, description="First problem: the parcel is late.")
    second = send(client, description="Second problem: the invoice is wrong.")
    for response, text in ((first, "parcel is late"), (second, "invoice is wrong")):
        page = client.get(f"/en/case/{reference_from(response)}")
        assert page.status_code == 200
        assert text in parse(page.text).find("main").text


def test_confirmation_is_honest_when_no_email_can_be_sent(client) -> None:
    response = send(client, email="postmaster@example.com")
    assert response.status_code == 303
    main = parse(client.get(response.headers["location"]).text).find("main")
    assert "We could not send a confirmation email to postmaster@example.com" in main.text
    assert "We have sent a confirmation" not in main.text


def test_case_cookie_is_secure_in_production(settings, tmp_path) -> None:
    with client_with(
        settings,
        env="prod",
        smtp_url="smtp://127.0.0.1:9",
        base_url="https://testserver.local",
    ) as (client, services):
        response = send(client)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert count_cases(services) == 1


def test_empty_file_input_is_not_an_attachment(client, services) -> None:
    assert send(client, files=NO_FILE).status_code == 303
    with services.read() as session:
        assert session.scalar(select(Attachment.id)) is None


@pytest.mark.parametrize("lang", ["sv", "nb"])
def test_case_keeps_the_language_it_was_sent_in(client, services, lang) -> None:
    response = send(client, lang)
    assert response.headers["location"].startswith(f"/{lang}/case/")
    assert only_case(services).lang == lang
    assert _outbox(services)[0].lang == lang


def test_promise_is_counted_from_submission(services) -> None:
    friday_evening = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 18:30 in Stockholm
    with services.write() as session:
        done = submit_complaint(
            session, _input(category="billing"), [], services.settings, friday_evening
        )
    with services.read() as session:
        case = session.get(Case, done.case_id)
    # Nine working hours from the weekend: Monday's whole working day.
    assert case.promised_at == target_promise("billing", friday_evening).due
    assert case.promised_at - friday_evening > timedelta(days=2)
