"""The queue's "due soon" counts working hours on each case's own calendar: on 17 May, when
Norway is closed and Sweden works, a Norwegian case is closer to its promise than the clock says.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import parse
from staff_support import make_staff, sign_in

from portal.cases.models import Case, CaseEvent
from portal.cases.queue import QueueFilter, load_queue
from portal.cases.reference import new_reference

# Wednesday 17 May 2028, 10:00 in Oslo and Stockholm: Norway's national day, a Swedish workday.
NOW = datetime(2028, 5, 17, 8, 0, tzinfo=UTC)


def _case(services, *, calendar: str, lang: str, due: datetime) -> str:
    with services.write() as session:
        case = Case(
            reference=new_reference(),
            status="new",
            lang=lang,
            email="kari@example.com",
            name="Kari Nordmann",
            category="product",
            description="Lampen kom i stykker.",
            created_at=datetime(2028, 5, 16, 8, 0, tzinfo=UTC),
            updated_at=datetime(2028, 5, 16, 8, 0, tzinfo=UTC),
            promised_at=due,
            sla_calendar=calendar,
        )
        session.add(case)
        session.flush()
        session.add(CaseEvent(case_id=case.id, created_at=case.created_at, kind="submitted"))
        return case.reference


@pytest.fixture
def cases(services) -> dict[str, str]:
    # Thursday 18 May at 10:00 local time: two working hours away in Norway (17 May is closed),
    # nine in Sweden (the rest of Wednesday and two hours on Thursday).
    thursday_ten = datetime(2028, 5, 18, 8, 0, tzinfo=UTC)
    return {
        "norwegian": _case(services, calendar="NO", lang="nb", due=thursday_ten),
        "swedish": _case(services, calendar="SE", lang="sv", due=thursday_ten),
        # Three working hours away in Sweden: due soon there as anywhere.
        "swedish_today": _case(
            services, calendar="SE", lang="sv", due=datetime(2028, 5, 17, 11, 0, tzinfo=UTC)
        ),
        # Its calendar has since been removed: counted on its language's, the Norwegian one.
        "calendar_gone": _case(services, calendar="XX", lang="nb", due=thursday_ten),
    }


def _load(services, **filters):
    with services.read() as session:
        return load_queue(session, QueueFilter(**filters), me=0, now=NOW)


def test_due_soon_on_17_may_follows_each_case_s_calendar(services, cases) -> None:
    soon = _load(services, due="soon")
    assert {row.reference for row in soon.rows} == {
        cases["norwegian"],
        cases["swedish_today"],
        cases["calendar_gone"],
    }
    assert soon.counts["due"] == {"overdue": 0, "soon": 3}

    everything = _load(services)
    states = {row.reference: row.due_state for row in everything.rows}
    assert states[cases["norwegian"]] == states[cases["calendar_gone"]] == "soon"
    assert states[cases["swedish"]] == "waiting"
    # The counts of the other filters still see every case.
    assert everything.counts["lang"] == {"nb": 2, "sv": 2}


def test_the_queue_page_shows_working_time_left_per_calendar(client, services, cases) -> None:
    make_staff(services, "olle@example.com", ["agent"], name="Olle Agent")
    services.clock = lambda: NOW
    sign_in(client, "olle@example.com")
    doc = parse(client.get("/staff/cases").text)
    assert "Response due soon (3)" in [o.text for o in doc.by_id("filter-due").find_all("option")]
    rows = {
        tr.find("th").find("a").text: tr.text
        for tr in doc.find("table", class_="case-queue").find("tbody").find_all("tr")
    }
    assert "2 working hours left" in rows[cases["norwegian"]]
    assert "9 working hours left" in rows[cases["swedish"]]
    assert "3 working hours left" in rows[cases["swedish_today"]]
