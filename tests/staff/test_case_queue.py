"""The agents' case queue: filters with counts, "due soon" and "overdue" against the promise,
sorting, pages, and the same list with and without htmx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_support import NOW, make_case
from helpers import parse
from staff_support import make_staff, sign_in

from portal.cases import queue as queue_module
from portal.cases.queue import QueueFilter, load_queue


@pytest.fixture
def cases(services) -> dict[str, object]:
    """Seven cases around NOW (Monday 10:00 in Stockholm; "due soon" ends at 14:00)."""
    me = make_staff(services, "olle@example.com", ["agent"], name="Olle Agent")
    other = make_staff(services, "kim@example.com", ["agent"], name="Kim Agent")
    h = timedelta(hours=1)
    refs = {
        "A": make_case(services, due=-h, created_at=NOW - 2 * h),
        "B": make_case(
            services, due=-26 * h, status="open", category="service", lang="sv",
            assignee_id=me, created_at=NOW - 30 * h, updated_at=NOW - 3 * h,
        ),
        "C": make_case(
            services, due=2 * h, category="billing", assignee_id=other, created_at=NOW - 3 * h,
            needs_attention=True,
        ),
        "D": make_case(
            services, due=3 * h, status="open", assignee_id=me, created_at=NOW - 4 * h,
            first_response_at=NOW - h / 6, updated_at=NOW - h / 6, needs_attention=True,
        ),
        "E": make_case(
            services, due=48 * h, status="waiting", category="other", lang="nb",
            created_at=NOW - 5 * h,
        ),
        "F": make_case(services, due=-2 * h, status="resolved", created_at=NOW - 6 * h),
        "G": make_case(services, due=5 * h, created_at=NOW - 7 * h),
    }  # fmt: skip
    return {"me": me, "other": other, **refs}


def _load(services, me: int, now=NOW, **filters):
    with services.read() as session:
        return load_queue(session, QueueFilter(**filters), me=me, now=now)


def _refs(queue) -> list[str]:
    return [row.reference for row in queue.rows]


def test_the_queue_shows_open_work_most_urgent_promise_first(services, cases) -> None:
    queue = _load(services, cases["me"])
    c = cases
    # Unanswered cases by promise (overdue first), then cases already answered.
    assert _refs(queue) == [c["B"], c["A"], c["C"], c["G"], c["E"], c["D"]]
    assert queue.total == 6
    states = {row.reference: row.due_state for row in queue.rows}
    assert states[c["A"]] == states[c["B"]] == "overdue"
    assert states[c["C"]] == "soon"
    assert states[c["G"]] == "waiting"
    # E waits on the customer before any reply: its clock is paused, not running down.
    assert states[c["E"]] == "paused"
    assert states[c["D"]] == "answered"


def test_counts_per_filter_value_apply_the_other_filters(services, cases) -> None:
    queue = _load(services, cases["me"])
    counts = queue.counts
    assert counts["due"] == {"overdue": 2, "soon": 1}
    assert counts["status"]["new"] == 3
    assert counts["status"]["open"] == 2
    assert counts["status"]["waiting"] == 1
    assert counts["status"]["resolved"] == 1
    assert (counts["status"]["active"], counts["status"]["all"]) == (6, 7)
    assert counts["assignee"]["me"] == 2
    assert counts["assignee"]["none"] == 3
    assert counts["assignee"][str(cases["other"])] == 1
    assert counts["lang"] == {"en": 4, "sv": 1, "nb": 1}
    assert counts["category"] == {"product": 3, "service": 1, "billing": 1, "other": 1}
    assert counts["attention"] == {"new": 2}

    mine = _load(services, cases["me"], assignee="me")
    assert mine.counts["due"] == {"overdue": 1, "soon": 0}
    assert mine.counts["lang"] == {"sv": 1, "en": 1}
    assert mine.counts["attention"] == {"new": 1}
    # The assignee counts ignore the assignee filter itself.
    assert mine.counts["assignee"]["none"] == 3


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"due": "overdue"}, ["B", "A"]),
        ({"due": "soon"}, ["C"]),
        ({"due": "overdue", "assignee": "me"}, ["B"]),
        ({"assignee": "none"}, ["A", "G", "E"]),
        ({"lang": "sv"}, ["B"]),
        ({"category": "product"}, ["A", "G", "D"]),
        ({"status": "resolved"}, ["F"]),
        ({"status": "waiting"}, ["E"]),
        ({"status": "all", "due": "overdue"}, ["B", "A"]),  # a resolved case is never overdue
        ({"attention": "new"}, ["C", "D"]),
        ({"attention": "new", "assignee": "me"}, ["D"]),
        ({"attention": "nonsense"}, ["B", "A", "C", "G", "E", "D"]),
    ],
)
def test_filters(services, cases, filters, expected) -> None:
    assert _refs(_load(services, cases["me"], **filters)) == [cases[k] for k in expected]


def test_assignee_filter_for_a_colleague(services, cases) -> None:
    queue = _load(services, cases["me"], assignee=str(cases["other"]))
    assert _refs(queue) == [cases["C"]]
    assert queue.rows[0].assignee == "Kim Agent"


def test_due_soon_counts_working_hours_not_clock_hours(services, cases) -> None:
    # At 16:00 on Monday the next four working hours run to 11:00 on Tuesday, so G (due 15:00
    # Monday) is overdue and E (due Wednesday) is not yet due soon.
    late = NOW + timedelta(hours=6)
    tuesday_morning = make_case(services, due=timedelta(hours=23))  # Tuesday 09:00
    queue = _load(services, cases["me"], now=late, due="soon")
    assert _refs(queue) == [tuesday_morning]
    overdue = _load(services, cases["me"], now=late, due="overdue")
    assert set(_refs(overdue)) == {cases["A"], cases["B"], cases["C"], cases["G"]}


def test_sorting_by_created_and_updated(services, cases) -> None:
    c = cases
    created = _load(services, c["me"], sort="created")
    assert _refs(created) == [c["A"], c["C"], c["D"], c["E"], c["G"], c["B"]]
    updated = _load(services, c["me"], sort="updated")
    assert _refs(updated)[0] == c["D"]
    assert _refs(updated)[-1] == c["B"]


def test_pages(services, cases, monkeypatch) -> None:
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 4)
    first = _load(services, cases["me"])
    second = _load(services, cases["me"], page=2)
    assert (first.pages, len(first.rows), len(second.rows)) == (2, 4, 2)
    assert _refs(first) + _refs(second) == [cases[k] for k in ("B", "A", "C", "G", "E", "D")]
    beyond = _load(services, cases["me"], page=9)
    assert beyond.filters.page == 2


# -- the page ------------------------------------------------------------------------------------


def _option_texts(doc, select_id: str) -> list[str]:
    select = doc.by_id(select_id)
    assert select is not None, select_id
    return [o.text for o in select.find_all("option")]


def _row_refs(doc) -> list[str]:
    table = doc.find("table", class_="case-queue")
    if table is None:
        return []
    return [th.find("a").text for th in table.find("tbody").find_all("th")]


@pytest.fixture
def agent_client(client, services, cases):
    services.clock = lambda: NOW
    sign_in(client, "olle@example.com")
    return client


def test_the_queue_page_lists_cases_with_counts(agent_client, cases) -> None:
    response = agent_client.get("/staff/cases")
    assert response.status_code == 200
    doc = parse(response.text)
    assert _row_refs(doc) == [cases[k] for k in ("B", "A", "C", "G", "E", "D")]
    assert "Overdue (2)" in _option_texts(doc, "filter-due")
    assert "Response due soon (1)" in _option_texts(doc, "filter-due")
    assert "Me (2)" in _option_texts(doc, "filter-assignee")
    assert "Unassigned (3)" in _option_texts(doc, "filter-assignee")
    assert "Svenska (1)" in _option_texts(doc, "filter-lang")
    # Due state is written out, not only shown by colour.
    first_row = doc.find("table", class_="case-queue").find("tbody").find("tr")
    assert "Overdue" in first_row.text
    # Every filter has a label.
    form = doc.find("form", action="/staff/cases")
    assert form.get("method") == "get"
    for select in form.find_all("select"):
        assert doc.find("label", for_=select.get("id")) is not None


def test_filtering_without_javascript_and_with_htmx(agent_client, cases) -> None:
    plain = parse(agent_client.get("/staff/cases?due=overdue&assignee=me").text)
    assert _row_refs(plain) == [cases["B"]]
    chosen = plain.by_id("filter-due").find("option", selected="")
    assert chosen.get("value") == "overdue"

    partial = agent_client.get(
        "/staff/cases?due=soon",
        headers={"hx-request": "true", "hx-target": "queue-results"},
    )
    doc = parse(partial.text)
    assert doc.find("h1") is None  # only the part htmx swaps in
    assert _row_refs(doc) == [cases["C"]]
    assert "Overdue (2)" in _option_texts(doc, "filter-due")


def test_nonsense_filters_fall_back_to_the_default_queue(agent_client, cases) -> None:
    response = agent_client.get("/staff/cases?status=zzz&sort=x&page=abc&due=never&assignee=a")
    assert response.status_code == 200
    assert len(_row_refs(parse(response.text))) == 6


def test_an_empty_queue_says_so(agent_client, cases) -> None:
    doc = parse(agent_client.get("/staff/cases?lang=nb&due=overdue").text)
    assert _row_refs(doc) == []
    assert "No cases match these filters." in doc.text


def test_pages_link_to_each_other(agent_client, cases, monkeypatch) -> None:
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 4)
    doc = parse(agent_client.get("/staff/cases?assignee=").text)
    nav = doc.find("nav", class_="pagination")
    following = nav.find("a", rel="next").get("href")
    second = parse(agent_client.get(following).text)
    assert _row_refs(second) == [cases["E"], cases["D"]]
    assert second.find("nav", class_="pagination").find("a", rel="prev") is not None
