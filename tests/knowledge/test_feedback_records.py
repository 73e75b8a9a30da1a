"""What the reports will read, on SQLite and PostgreSQL: votes, page views and popular
articles, the search log, and the deflection of complaints by suggested articles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb import articles
from kb.articles import TranslationContent
from kb.feedback import add_views, popular, record_vote, views_of, vote_counts
from kb.search_log import log_search, record_open
from kb.suggestion_events import (
    deflection_stats,
    record_click,
    record_impressions,
    record_submitted,
)
from portal.services import Services

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _article(services: Services, slug: str, lang: str = "en") -> int:
    with services.write() as session:
        return articles.create_translation(
            session,
            lang=lang,
            author="test",
            content=TranslationContent(title=slug.title(), slug=slug, status="published"),
        ).id


def test_one_vote_per_visitor_that_later_votes_change(services: Services) -> None:
    tid = _article(services, "invoices")
    with services.write() as session:
        record_vote(session, tid, "a" * 64, helpful=False, comment="  Missing   Klarna ")
        record_vote(session, tid, "b" * 64, helpful=True, comment="ignored on yes")
    with services.write() as session:
        record_vote(session, tid, "a" * 64, helpful=False)  # "no" again keeps the comment
        assert vote_counts(session, tid).not_helpful == 1
    with services.write() as session:
        vote = record_vote(session, tid, "a" * 64, helpful=True)
        assert vote.comment == ""
        counts = vote_counts(session, tid)
    assert (counts.helpful, counts.not_helpful, counts.total) == (2, 0, 2)


def test_views_add_up_and_rank_popular_articles_with_helpful_votes(services: Services) -> None:
    quiet, busy, liked = (_article(services, s) for s in ("quiet", "busy", "liked"))
    _article(services, "other-language", "sv")
    with services.write() as session:
        add_views(session, {busy: 30, quiet: 1, 999_999: 5})  # a deleted article is dropped
    with services.write() as session:
        add_views(session, {busy: 5})
        record_vote(session, liked, "c" * 64, helpful=True)
        record_vote(session, liked, "d" * 64, helpful=True)
    with services.read() as session:
        assert views_of(session, busy) == 35
        ranked = [t.slug for t in popular(session, "en")]
    assert ranked[:3] == ["liked", "busy", "quiet"]


def test_search_log_continues_an_entry_only_while_the_reader_is_typing(
    services: Services,
) -> None:
    with services.write() as session:
        first = log_search(session, lang="nb", query="pak", result_count=3, now=T0)
        same = log_search(
            session, lang="nb", query="pakke", result_count=5, previous_id=first, now=T0
        )
        assert same == first
        other = log_search(
            session, lang="nb", query="faktura", result_count=2, previous_id=first, now=T0
        )
        late = log_search(
            session,
            lang="nb",
            query="faktura igjen",
            result_count=1,
            previous_id=other,
            now=T0 + timedelta(minutes=5),
        )
        assert len({first, other, late}) == 3
        assert record_open(session, other, "invoice", 2)
        assert not record_open(session, other, "something-else", 1)
        assert log_search(session, lang="nb", query="   ", result_count=0) is None


def _session(services: Services, name: str, *events: tuple[str, int]) -> None:
    """A browser session's events: (kind, minutes after T0)."""
    with services.write() as session:
        for kind, minutes in events:
            at = T0 + timedelta(minutes=minutes)
            if kind == "impression":
                record_impressions(
                    session, lang="en", visitor_hash=name * 64, keys=[f"a{minutes}"], now=at
                )
            elif kind == "click":
                record_click(
                    session, lang="en", visitor_hash=name * 64, key="a0", position=1, now=at
                )
            else:
                record_submitted(session, lang="en", visitor_hash=name * 64, now=at)


def test_deflection_counts_sessions_that_opened_a_suggestion_and_sent_nothing(
    services: Services,
) -> None:
    _session(services, "a", ("impression", 0), ("click", 1))  # deflected
    _session(services, "b", ("impression", 0), ("click", 2), ("submitted", 5))  # clicked, sent
    _session(services, "c", ("impression", 0), ("submitted", 3))  # sent without reading
    _session(services, "d", ("impression", 0))  # shown, left
    _session(services, "e", ("submitted", 0))  # never saw a suggestion
    _session(services, "f", ("impression", 70), ("click", 71))  # still going at "now"
    _session(services, "g", ("impression", -600), ("click", -599))  # before the period

    stats = _stats(services)

    assert (stats.shown, stats.clicked, stats.deflected, stats.submitted) == (4, 2, 1, 2)
    assert stats.deflection_rate == 0.25
    assert stats.click_rate == 0.5


def _stats(services: Services):  # type: ignore[no-untyped-def]
    with services.read() as session:
        return deflection_stats(
            session, T0 - timedelta(hours=1), T0 + timedelta(days=1), now=T0 + timedelta(hours=2)
        )


def test_an_impression_is_counted_once_per_session(services: Services) -> None:
    with services.write() as session:
        first = record_impressions(session, lang="en", visitor_hash="x" * 64, keys=["a", "b"])
        again = record_impressions(session, lang="en", visitor_hash="x" * 64, keys=["b", "c"])
    assert (first, again) == (["a", "b"], ["c"])
