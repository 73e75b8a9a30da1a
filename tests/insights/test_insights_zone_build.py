"""A zone's first summary is built a few days per transaction: complaints are written between
them, the page never reads a half-built zone, and the finished zone gives the live figures
(on SQLite, and on PostgreSQL when configured)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from insights_support import NOW, PERIOD, add_case, add_history, utc
from sqlalchemy import event

from portal.insights.counts import load_counts
from portal.insights.period import Filters, Period
from portal.insights.report import build_report, prepare
from portal.insights.speed import speed_of
from portal.insights.summary import build_step, build_summary, is_summarised

LONDON = ZoneInfo("Europe/London")
IN_LONDON = Period(PERIOD.first, PERIOD.last, LONDON)


@pytest.fixture
def history(services) -> dict[str, str]:
    refs = add_history(services)
    with services.write() as session:
        prepare(session, PERIOD, now=NOW)  # Stockholm's summary only
    return refs


def _figures(services, *, summarised: bool):
    with services.read() as session:
        counts = load_counts(session, IN_LONDON, Filters(), now=NOW, summarised=summarised)
        speed = speed_of(session, counts, IN_LONDON, Filters(), summarised=summarised)
        return sorted(counts, key=repr), speed


def test_a_complaint_is_written_between_the_chunks_of_a_zone_build(services, history) -> None:
    with services.write() as session:
        assert build_step(session, LONDON, chunk_days=3) == (3, False)
    # The build is part way: a complaint comes in, in its own transaction, and the page reads
    # London from the cases rather than from the half-built summary.
    add_case(
        services,
        created_at=utc(2, 24, 11),
        updated_at=NOW,
        promised_at=utc(2, 24, 16),
        category="service",
        channel="email",
    )
    with services.read() as session:
        assert not is_summarised(session, LONDON)
        report = build_report(session, IN_LONDON, Filters(), now=NOW)
    assert report.volume is not None
    # The week before in London: two cases, one at 23:30 UTC on Sunday 1 March, and the new one.
    assert report.volume.total.previous == 4
    # The build resumes where it stopped, one transaction per chunk.
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(services.engine, "commit", committed)
    try:
        assert build_summary(services.sessions, LONDON, chunk_days=3) > 3
    finally:
        event.remove(services.engine, "commit", committed)
    assert len(commits) >= 3
    with services.write() as session:
        prepare(session, IN_LONDON, now=NOW)
    with services.read() as session:
        assert is_summarised(session, LONDON)
    assert _figures(services, summarised=True) == _figures(services, summarised=False)


def test_a_zone_built_in_one_go_or_in_chunks_gives_the_same_figures(services, history) -> None:
    assert build_summary(services.sessions, LONDON, chunk_days=2) > 0
    assert build_summary(services.sessions, LONDON, chunk_days=2) == 0  # complete: no work
    with services.write() as session:
        prepare(session, IN_LONDON, now=NOW)
    assert _figures(services, summarised=True) == _figures(services, summarised=False)
