"""Case updates as both sides make them: events, who sees them, emails queued, audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from case_conversation_support import agent, complain, load_case, make_agent
from sqlalchemy import select

from portal.cases.attachments import StagedFile
from portal.cases.models import Attachment, Case, CaseEvent
from portal.cases.updates import (
    Feedback,
    UpdateError,
    add_customer_message,
    add_internal_note,
    add_public_reply,
    answer_solved,
    assign,
    change_status,
    set_category,
    set_priority,
)
from portal.mail.models import OutboxMessage
from portal.services import Services
from portal.staff.models import AuditEntry

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _events(session, case_id: int) -> list[CaseEvent]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        )
    )


def _mail(session, case_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)
        )
    )


def _audit(session, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_public_reply_is_shown_emailed_threaded_and_records_the_first_response(
    services: Services,
) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        case = load_case(session, case_id)
        add_public_reply(
            session, case, agent(session, agent_id), "We are sending a new lamp.",
            services.settings, T0 + timedelta(hours=3),
        )  # fmt: skip
    with services.write() as session:
        case = load_case(session, case_id)
        add_public_reply(
            session, case, agent(session, agent_id), "It left our warehouse today.",
            services.settings, T0 + timedelta(hours=30),
        )  # fmt: skip
    with services.read() as session:
        case = load_case(session, case_id)
        assert case.first_response_at == T0 + timedelta(hours=3)  # the first reply, kept
        assert case.first_response_at <= case.promised_at
        assert case.status == "open"
        replies = [e for e in _events(session, case_id) if e.kind == "agent_reply"]
        assert [(e.public, e.author, e.body) for e in replies] == [
            (True, "Maria Berg", "We are sending a new lamp."),
            (True, "Maria Berg", "It left our warehouse today."),
        ]
        ack, first, second = _mail(session, case_id)
        assert [ack.kind, first.kind, second.kind] == [
            "acknowledgement", "agent_reply", "agent_reply",
        ]  # fmt: skip
        assert first.payload["in_reply_to"] == ack.message_id
        assert first.payload["references"] == [ack.message_id]
        assert second.payload["in_reply_to"] == first.message_id
        assert second.payload["references"] == [ack.message_id, first.message_id]
        assert first.payload["access_id"] == ack.payload["access_id"]  # the link she already has
        assert len(_audit(session, "case.reply")) == 2


def test_internal_note_is_never_public_and_never_emailed(services: Services) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        case = load_case(session, case_id)
        add_internal_note(session, case, agent(session, agent_id), "Customer called twice.", T0)
    with services.read() as session:
        note = _events(session, case_id)[-1]
        assert (note.kind, note.public, note.body) == (
            "internal_note",
            False,
            "Customer called twice.",
        )
        assert [m.kind for m in _mail(session, case_id)] == ["acknowledgement"]
        assert load_case(session, case_id).first_response_at is None
        [entry] = _audit(session, "case.note")
        assert entry.actor_email == "maria@example.com"
        assert entry.target_id == str(case_id)


def test_customer_message_flags_the_case_and_answers_a_waiting_question(
    services: Services,
) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        case = load_case(session, case_id)
        change_status(session, case, agent(session, agent_id), "waiting", services.settings, T0)
    photo = StagedFile("k" * 32, "receipt.png", "image/png", 1234, "0" * 64)
    with services.write() as session:
        case = load_case(session, case_id)
        event = add_customer_message(
            session, case, "  Here is the receipt.\r\n", [photo], services.settings, T0
        )
        event_id = event.id
    with services.read() as session:
        case = load_case(session, case_id)
        assert case.status == "open"
        assert case.needs_attention is True
        message = session.get(CaseEvent, event_id)
        assert message is not None
        assert (message.kind, message.public, message.body) == (
            "customer_message", True, "Here is the receipt.",
        )  # fmt: skip
        files = list(session.scalars(select(Attachment).where(Attachment.event_id == event_id)))
        assert [f.filename for f in files] == ["receipt.png"]
        # Nothing is emailed to the customer about her own message.
        assert [m.kind for m in _mail(session, case_id)] == ["acknowledgement", "status_changed"]
    with services.write() as session:
        case = load_case(session, case_id)
        add_public_reply(session, case, agent(session, agent_id), "Thanks!", services.settings, T0)
    with services.read() as session:
        assert load_case(session, case_id).needs_attention is False


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_customer_message_must_have_text_within_the_limit(services: Services, text: str) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    with services.write() as session, pytest.raises(UpdateError) as raised:
        add_customer_message(session, load_case(session, case_id), text, [], services.settings, T0)
    assert [e.field for e in raised.value.errors] == ["message"]
    with services.read() as session:
        assert [e.kind for e in _events(session, case_id)] == ["submitted"]


def test_resolving_asks_the_customer_and_a_closed_case_takes_no_messages(
    services: Services,
) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        case = load_case(session, case_id)
        staff = agent(session, agent_id)
        assert change_status(session, case, staff, "resolved", services.settings, T0) is not None
        assert change_status(session, case, staff, "resolved", services.settings, T0) is None
    with services.read() as session:
        case = load_case(session, case_id)
        assert (case.status, case.resolved_at) == ("resolved", T0)
        assert [m.kind for m in _mail(session, case_id)] == ["acknowledgement", "resolved_check_in"]
        [entry] = _audit(session, "case.status")
        assert entry.details == {"from": "new", "to": "resolved"}
    with services.write() as session, pytest.raises(UpdateError):
        add_customer_message(session, load_case(session, case_id), "hi", [], services.settings, T0)
    with services.write() as session, pytest.raises(UpdateError):
        change_status(session, load_case(session, case_id), agent(session, agent_id), "new",
                      services.settings, T0)  # fmt: skip


def _resolve(services: Services, case_id: int, agent_id: int, at: datetime) -> None:
    with services.write() as session:
        change_status(
            session, load_case(session, case_id), agent(session, agent_id), "resolved",
            services.settings, at,
        )  # fmt: skip


def test_solved_yes_closes_the_case_with_the_rating(services: Services) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    _resolve(services, case_id, make_agent(services), T0)
    with services.write() as session:
        case = load_case(session, case_id)
        same = answer_solved(
            session, case, Feedback("yes", "4", "Quick and kind."), services.settings, T0
        )
        assert same.id == case_id
    with services.read() as session:
        case = load_case(session, case_id)
        assert (case.status, case.satisfaction, case.satisfaction_comment) == (
            "closed", 4, "Quick and kind.",
        )  # fmt: skip
    with services.write() as session, pytest.raises(UpdateError):  # asked once per resolution
        answer_solved(session, load_case(session, case_id), Feedback("no"), services.settings, T0)


def test_not_solved_within_14_days_reopens_the_case(services: Services) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    _resolve(services, case_id, make_agent(services), T0)
    later = T0 + timedelta(days=14)
    with services.write() as session:
        same = answer_solved(
            session, load_case(session, case_id), Feedback("no", "2", "Still broken."),
            services.settings, later,
        )  # fmt: skip
        assert same.id == case_id
    with services.read() as session:
        case = load_case(session, case_id)
        assert (case.status, case.reopened_count, case.resolved_at) == ("open", 1, None)
        assert case.needs_attention is True
        assert case.satisfaction == 2
        assert [e.kind for e in _events(session, case_id)][-2:] == ["feedback", "reopened"]
        assert session.scalar(select(Case).where(Case.parent_case_id == case_id)) is None


def test_not_solved_after_14_days_opens_a_linked_case(services: Services) -> None:
    case_id, ref, _token = complain(services, now=T0)
    _resolve(services, case_id, make_agent(services), T0)
    later = T0 + timedelta(days=14, minutes=1)
    with services.write() as session:
        follow_up = answer_solved(
            session, load_case(session, case_id), Feedback("no", "", "It broke again."),
            services.settings, later,
        )  # fmt: skip
        new_id, new_ref = follow_up.id, follow_up.reference
    assert new_id != case_id
    assert new_ref != ref
    with services.read() as session:
        old = load_case(session, case_id)
        assert old.status == "resolved"
        assert old.reopened_count == 0
        new = load_case(session, new_id)
        assert (new.parent_case_id, new.status, new.email, new.description) == (
            case_id, "new", "anna@example.com", "It broke again.",
        )  # fmt: skip
        assert new.promised_at > later
        assert [m.kind for m in _mail(session, new_id)] == ["acknowledgement"]
        opened = _events(session, case_id)[-1]
        assert (opened.kind, opened.public, opened.data) == (
            "follow_up_opened", True, {"reference": new_ref},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("feedback", "fields"),
    [(Feedback(""), ["answer"]), (Feedback("yes", "6"), ["rating"]),
     (Feedback("maybe", "x", "y" * 2001), ["answer", "rating", "comment"])],
)  # fmt: skip
def test_bad_feedback_names_each_field(
    services: Services, feedback: Feedback, fields: list[str]
) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    _resolve(services, case_id, make_agent(services), T0)
    with services.write() as session, pytest.raises(UpdateError) as raised:
        answer_solved(session, load_case(session, case_id), feedback, services.settings, T0)
    assert [e.field for e in raised.value.errors] == fields


def test_assignee_priority_and_category_are_internal_and_audited(services: Services) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        case, staff = load_case(session, case_id), agent(session, agent_id)
        promised = case.promised_at
        assign(session, case, staff, agent_id, T0)
        set_priority(session, case, staff, "urgent", T0)
        set_category(session, case, staff, "billing", T0)
        assert set_priority(session, case, staff, "urgent", T0) is None
        with pytest.raises(UpdateError):
            set_priority(session, case, staff, "whenever", T0)
        with pytest.raises(UpdateError):
            set_category(session, case, staff, "weather", T0)
    with services.read() as session:
        case = load_case(session, case_id)
        assert (case.assignee_id, case.priority, case.category) == (agent_id, "urgent", "billing")
        assert case.promised_at == promised  # the promise to the customer stands
        changes = _events(session, case_id)[1:]
        assert [(e.kind, e.public) for e in changes] == [
            ("assigned", False), ("priority_changed", False), ("category_changed", False),
        ]  # fmt: skip
        assert [m.kind for m in _mail(session, case_id)] == ["acknowledgement"]
        actions = {e.action for e in session.scalars(select(AuditEntry))}
        assert {"case.assign", "case.priority", "case.category"} <= actions


def test_reply_that_resolves_also_asks_whether_the_problem_is_solved(services: Services) -> None:
    case_id, _ref, _token = complain(services, now=T0)
    agent_id = make_agent(services)
    with services.write() as session:
        add_public_reply(
            session, load_case(session, case_id), agent(session, agent_id),
            "The refund is on its way.", services.settings, T0, status="resolved",
        )  # fmt: skip
    with services.read() as session:
        case = load_case(session, case_id)
        assert (case.status, case.resolved_at, case.first_response_at) == ("resolved", T0, T0)
        ack, reply, check_in = _mail(session, case_id)
        assert [reply.kind, check_in.kind] == ["agent_reply", "resolved_check_in"]
        assert check_in.payload["references"] == [ack.message_id, reply.message_id]
