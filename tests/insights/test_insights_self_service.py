"""Self-service figures per language against a hand-counted log of searches and suggestions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from insights_support import NOW, PERIOD, utc

from kb.models import SearchLogEntry, SuggestionEvent
from portal.insights.selfservice import load_self_service


def _search(session, at, lang="en", results=3, opened=None) -> None:
    session.add(
        SearchLogEntry(
            created_at=at, lang=lang, query="lamp", result_count=results, opened_key=opened
        )
    )


def _event(session, at, visitor, kind, lang="en", key="lamp-care") -> None:
    session.add(
        SuggestionEvent(created_at=at, lang=lang, visitor_hash=visitor, kind=kind, article_key=key)
    )


@pytest.fixture
def log(services) -> None:
    with services.write() as session:
        # English, this period: three searches, one found nothing, one result opened.
        _search(session, utc(3, 2, 10))
        _search(session, utc(3, 3, 10), results=0)
        _search(session, utc(3, 4, 10), opened="lamp-care")
        # Swedish, this period: one search that found nothing.
        _search(session, utc(3, 5, 10), lang="sv", results=0)
        # English, previous period: one search.
        _search(session, utc(2, 25, 10))
        # After the period (Monday 9 March local): not counted.
        _search(session, utc(3, 8, 23, 30))
        # Visitor a: shown two articles, opened one, sent nothing → a possible deflection.
        _event(session, utc(3, 2, 9), "a", "impression", key="lamp-care")
        _event(session, utc(3, 2, 9), "a", "impression", key="returns")
        _event(session, utc(3, 2, 9) + timedelta(minutes=2), "a", "click")
        # Visitor b: shown one, opened nothing, sent the complaint.
        _event(session, utc(3, 3, 9), "b", "impression")
        _event(session, utc(3, 3, 9) + timedelta(minutes=5), "b", "submitted")
        # Visitor c, previous period: shown one, opened it, sent nothing.
        _event(session, utc(2, 26, 9), "c", "impression")
        _event(session, utc(2, 26, 9) + timedelta(minutes=1), "c", "click")


def test_searches_suggestions_and_deflection_per_language(services, log) -> None:
    with services.read() as session:
        rows = {r.lang: r for r in load_self_service(session, PERIOD, now=NOW)}
    en = rows["en"]
    assert (en.current.searches, en.current.zero_results, en.current.opened) == (3, 1, 1)
    assert en.current.zero_rate == pytest.approx(1 / 3)
    assert en.current.click_through == pytest.approx(1 / 3)
    # Impressions a, a, b; clicks a.
    assert (en.current.impressions, en.current.clicks) == (3, 1)
    # Sessions shown suggestions: a and b; a opened one and sent nothing → 1 of 2.
    assert (en.current.sessions_shown, en.current.deflected) == (2, 1)
    assert en.compared("deflection_rate").current == pytest.approx(0.5)
    # Before: c alone, deflected → 100 %; one search.
    assert en.previous.searches == 1
    assert en.compared("deflection_rate").previous == pytest.approx(1.0)
    sv = rows["sv"]
    assert (sv.current.searches, sv.current.zero_results, sv.current.zero_rate) == (1, 1, 1.0)
    assert sv.current.deflection_rate is None  # nothing to divide by: shown as "–", never 0 %
    # The last row adds the languages up.
    total = rows[""]
    assert (total.current.searches, total.current.zero_results) == (4, 2)


def test_the_language_filter_keeps_one_language(services, log) -> None:
    with services.read() as session:
        rows = load_self_service(session, PERIOD, lang="sv", now=NOW)
    assert [r.lang for r in rows] == ["sv"]


def test_settled_days_come_from_the_summary_with_the_same_figures(services, log) -> None:
    from portal.insights.self_service_summary import refresh_self_service, settled_through

    # NOW is Monday 9 March 12:00 UTC: days up to Saturday 7 March have settled.
    assert settled_through(NOW).isoformat() == "2026-03-07"
    with services.write() as session:
        assert refresh_self_service(session, now=NOW) == 11  # 25 February – 7 March
        assert refresh_self_service(session, now=NOW) == 0  # nothing new has settled
    with services.read() as session:
        live = load_self_service(session, PERIOD, now=NOW)
        summed = load_self_service(session, PERIOD, now=NOW, summarised=True)
    assert summed == live
    assert summed[0].current.searches == 3


def test_a_viewer_in_london_counts_london_days_from_londons_summary(services, log) -> None:
    from zoneinfo import ZoneInfo

    from portal.insights.period import Period
    from portal.insights.report import prepare

    london = Period(PERIOD.first, PERIOD.last, ZoneInfo("Europe/London"))
    with services.write() as session:  # as for an editor: only the self-service summary
        prepare(session, london, now=NOW, cases=False)
    with services.read() as session:
        summed = {r.lang: r for r in load_self_service(session, london, now=NOW, summarised=True)}
        live = {r.lang: r for r in load_self_service(session, london, now=NOW)}
    assert summed == live
    # Sunday 8 March 23:30 UTC is still Sunday in London (UTC+0): four English searches, where
    # Stockholm (UTC+1) counts three.
    assert summed["en"].current.searches == 4
    assert summed["en"].previous.searches == 1
    assert (summed["en"].current.sessions_shown, summed["en"].current.deflected) == (2, 1)
