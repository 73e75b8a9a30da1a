"""Each figure of the insights page against the hand-worked history in ``insights_support``
(on SQLite, and on PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from insights_support import NOW, PERIOD, STOCKHOLM, add_case, add_history, utc

from portal.insights.outcomes import load_outcomes
from portal.insights.period import Filters, Period, offset_ranges
from portal.insights.report import prepare
from portal.insights.speed import ALL, load_speed
from portal.insights.terms import rising_terms
from portal.insights.volume import load_volume

HOUR = 3600


@pytest.fixture
def history(services) -> dict[str, str]:
    refs = add_history(services)
    with services.write() as session:
        prepare(session, PERIOD, now=NOW)
    return refs


def _read(services, fn, *args, **kwargs):
    with services.read() as session:
        return fn(session, *args, **kwargs)


def test_complaints_are_counted_per_local_day_and_category(services, history) -> None:
    volume = _read(services, load_volume, PERIOD, Filters())
    per_day = {b.start: b.counts for b in volume.buckets}
    # Monday: P1 and P3 (sent 23:30 UTC on Sunday); Tuesday: P2 (23:30 UTC on Monday);
    # Wednesday S1, Thursday S2, Friday B1 (23:30 local); X (Monday 9 March local) is outside.
    assert per_day[date(2026, 3, 2)] == {"product": 2, "service": 0, "billing": 0}
    assert per_day[date(2026, 3, 3)] == {"product": 1, "service": 0, "billing": 0}
    assert per_day[date(2026, 3, 4)]["service"] == 1
    assert per_day[date(2026, 3, 5)]["service"] == 1
    assert per_day[date(2026, 3, 6)]["billing"] == 1
    assert sum(b.total for b in volume.buckets) == 6
    assert len(volume.buckets) == 7
    assert not volume.by_week
    # Top categories: product 3 (1 before), service 2 (1 before), billing 1 (0 before).
    assert [(c.category, c.cases.current, c.cases.previous) for c in volume.top] == [
        ("product", 3, 1),
        ("service", 2, 1),
        ("billing", 1, 0),
    ]
    assert (volume.total.current, volume.total.previous, volume.total.change) == (6, 2, 4)


def test_filters_narrow_every_count(services, history) -> None:
    by_email = _read(services, load_volume, PERIOD, Filters(channel="email"))
    assert [(c.category, c.cases.current) for c in by_email.top] == [("service", 1)]
    swedish = _read(services, load_volume, PERIOD, Filters(lang="sv"))
    # P2 now, Q2 before.
    assert [(c.category, c.cases.current, c.cases.previous) for c in swedish.top] == [
        ("product", 1, 0),
        ("service", 0, 1),
    ]


def test_working_time_medians_and_90th_percentiles(services, history) -> None:
    speed = _read(services, load_speed, PERIOD, Filters(), now=NOW)
    rows = {r.category: r for r in speed.rows}
    # First response, product: P1 2 h, P3 2 h, P2 6 h → median (rank 2 of 3) 2 h, p90 (rank 3) 6 h.
    product = rows["product"]
    assert (product.first_response.cases, product.first_response.median) == (3, 2 * HOUR)
    assert product.first_response.p90 == 6 * HOUR
    # Resolution, product: P3 5 h, P1 6 h → median (rank 1 of 2) 5 h, p90 (rank 2) 6 h.
    assert (product.resolution.median, product.resolution.p90) == (5 * HOUR, 6 * HOUR)
    # The previous period: Q1 answered after 7 h and resolved after 9 h.
    assert product.first_response_before.median == 7 * HOUR
    assert product.resolution_before.median == 9 * HOUR
    # Service: S2 answered after 2 h, resolved again after 9 h (S1 never answered).
    assert rows["service"].first_response.median == 2 * HOUR
    assert rows["service"].resolution.median == 9 * HOUR
    # Every category: 2, 2, 2, 6 h → median rank 2 = 2 h, p90 rank 4 = 6 h; resolutions 5, 6, 9 h.
    everything = rows[ALL]
    assert (everything.first_response.median, everything.first_response.p90) == (
        2 * HOUR,
        6 * HOUR,
    )
    assert (everything.resolution.median, everything.resolution.p90) == (6 * HOUR, 9 * HOUR)
    assert speed.rows[-1].category == ALL


def test_promise_kept_rate_per_category_language_and_week(services, history) -> None:
    speed = _read(services, load_speed, PERIOD, Filters(), now=NOW)
    # Due: P1 kept, P3 kept, S2 kept, P2 late, S1 unanswered past its promise; B1 is not due.
    assert (speed.kept.kept, speed.kept.due) == (3, 5)
    assert speed.kept.rate.current == pytest.approx(0.6)
    # Before: Q1 late, Q2 kept.
    assert speed.kept.rate.previous == pytest.approx(0.5)
    by_category = {
        k.key: (k.kept, k.due, k.kept_before, k.due_before) for k in speed.kept_by_category
    }
    assert by_category == {"product": (2, 3, 0, 1), "service": (1, 2, 1, 1)}
    by_language = {
        k.key: (k.kept, k.due, k.kept_before, k.due_before) for k in speed.kept_by_language
    }
    assert by_language == {"en": (3, 4, 0, 1), "sv": (0, 1, 1, 1)}
    assert [(w.week, w.kept, w.due) for w in speed.kept_by_week] == [(date(2026, 3, 2), 3, 5)]


def test_reopen_rate_satisfaction_and_service_recovery(services, history) -> None:
    outcomes = _read(services, load_outcomes, PERIOD, Filters())
    # Resolved at least once: P1, P3, S2; reopened: S2 → 1/3.
    assert outcomes.reopen_rate.current == pytest.approx(1 / 3)
    # Ratings 5 (P1) and 3 (P3) → 4.0; before only Q1's 4.
    assert outcomes.csat.current == pytest.approx(4.0)
    assert outcomes.current.ratings == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert outcomes.csat.previous == pytest.approx(4.0)
    # Recovered: only P1 ("solved" with a 5) of the 3 resolved; before Q1 of 1.
    assert outcomes.recovery_rate.current == pytest.approx(1 / 3)
    assert outcomes.recovery_rate.previous == pytest.approx(1.0)


def test_rising_words_within_a_category(services, history) -> None:
    with services.read() as session:
        groups = rising_terms(session, PERIOD, Filters(category="product"), [])
    (product,) = groups
    # P1, P3 and P2 all mention "cracked glass" (3 of 3); Q1 did not. "lamp" is in only two.
    assert (product.complaints, product.complaints_before) == (3, 1)
    terms = {t.term: (t.complaints, t.complaints_before) for t in product.rising}
    assert terms["cracked glass"] == (3, 0)
    assert "lamp" not in terms
    assert "the" not in terms
    assert "på" not in terms


def test_a_case_resolved_again_after_a_reopen_is_measured_again(services, history) -> None:
    from portal.cases.models import Case

    with services.write() as session:
        case = session.query(Case).filter_by(reference=history["P1"]).one()
        case.resolved_at = case.resolved_at.replace(hour=15)  # 16:00 local: 7 working hours
    with services.write() as session:
        assert prepare(session, PERIOD, now=NOW) == 1
    speed = _read(services, load_speed, PERIOD, Filters(), now=NOW)
    product = {r.category: r for r in speed.rows}["product"]
    assert (product.resolution.median, product.resolution.p90) == (5 * HOUR, 7 * HOUR)


def test_the_promise_kept_rate_measures_the_first_promise(services, history) -> None:
    from portal.cases.models import Case

    # P2 was answered an hour late; had its promise been moved later, it still broke the first.
    with services.write() as session:
        case = session.query(Case).filter_by(reference=history["P2"]).one()
        case.original_promised_at = case.promised_at
        case.promised_at = case.promised_at.replace(hour=18)
    speed = _read(services, load_speed, PERIOD, Filters(), now=NOW)
    assert (speed.kept.kept, speed.kept.due) == (3, 5)


def test_days_follow_the_viewers_time_zone(services, history) -> None:
    # In UTC, P3 (Sunday 23:30 UTC) falls in the previous period and P2 (Monday 23:30) on Monday.
    in_utc = Period(PERIOD.first, PERIOD.last, ZoneInfo("UTC"))
    volume = _read(services, load_volume, in_utc, Filters())
    per_day = {b.start: b.counts for b in volume.buckets}
    assert per_day[date(2026, 3, 2)]["product"] == 2  # P1 and P2
    assert per_day[date(2026, 3, 3)]["product"] == 0
    # X (Sunday 8 March 23:30 UTC) is now inside, on Sunday.
    assert per_day[date(2026, 3, 8)]["product"] == 1
    assert next((c.category, c.cases.current, c.cases.previous) for c in volume.top) == (
        "product",
        3,
        2,
    )


def test_a_day_with_a_clock_change_is_one_day() -> None:
    # Sweden moves to summer time on Sunday 29 March 2026 at 02:00 (01:00 UTC).
    stockholm = ZoneInfo("Europe/Stockholm")
    week = Period(date(2026, 3, 23), date(2026, 3, 29), stockholm)
    ranges = offset_ranges(week.start, week.end, stockholm)
    assert ranges == [
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 3600),
        (datetime(2026, 3, 29, 22, 0, tzinfo=UTC), 7200),
    ]


def test_a_day_with_a_clock_change_counts_its_cases(services) -> None:
    # 21:59 UTC is 23:59 summer time on the Sunday; 22:00 UTC is Monday 30 March 00:00.
    week = Period(date(2026, 3, 23), date(2026, 3, 29), STOCKHOLM)
    add_case(services, created_at=datetime(2026, 3, 29, 21, 59, tzinfo=UTC), promised_at=NOW)
    add_case(services, created_at=datetime(2026, 3, 29, 22, 0, tzinfo=UTC), promised_at=NOW)
    add_case(services, created_at=datetime(2026, 3, 22, 23, 0, tzinfo=UTC), promised_at=NOW)
    volume = _read(services, load_volume, week, Filters())
    per_day = {b.start: b.total for b in volume.buckets}
    # 23:00 UTC on Sunday 22 March is Monday 00:00 winter time: the first day of the week.
    assert per_day[date(2026, 3, 23)] == 1
    assert per_day[date(2026, 3, 29)] == 1
    assert volume.total.current == 2


def test_the_daily_summary_gives_the_same_counts_and_follows_changes(services, history) -> None:
    from portal.cases.models import Case
    from portal.insights.counts import load_counts

    def both():
        with services.read() as session:
            live = load_counts(session, PERIOD, Filters(), now=NOW)
            summed = load_counts(session, PERIOD, Filters(), now=NOW, summarised=True)
        return sorted(live, key=repr), sorted(summed, key=repr)

    live, summed = both()
    assert summed == live
    assert len(summed) == 7  # one row per local day, category and language with cases
    assert _speeds(services) == _speeds(services, summarised=True)
    # S1 is answered late and rated after all: the summary counts its day again.
    with services.write() as session:
        case = session.query(Case).filter_by(reference=history["S1"]).one()
        case.first_response_at = utc(3, 5, 10)
        case.updated_at = NOW
    with services.write() as session:
        prepare(session, PERIOD, now=NOW)
    live, summed = both()
    assert summed == live
    speed = _read(services, load_speed, PERIOD, Filters(), now=NOW)
    assert (speed.kept.kept, speed.kept.due) == (3, 5)  # S1 is now late rather than unanswered
    # Its working time was measured (Wednesday 11:00 to Thursday 11:00 local = 9 h) and counted.
    assert _speeds(services, summarised=True) == _speeds(services)
    service = {r.category: r for r in speed.rows}["service"]
    assert (service.first_response.cases, service.first_response.p90) == (2, 9 * HOUR)


def _speeds(services, *, summarised: bool = False):
    from portal.insights.counts import load_counts
    from portal.insights.speed import speed_of

    with services.read() as session:
        counts = load_counts(session, PERIOD, Filters(), now=NOW, summarised=summarised)
        return speed_of(session, counts, PERIOD, Filters(), summarised=summarised)


def test_summary_buckets_keep_order_and_the_precision_shown() -> None:
    from portal.insights.summary import BUCKETS, bucket_seconds, coarse_bucket

    indexes = [coarse_bucket(fine) for fine in range(20_000)]  # up to 2,000 hours
    assert indexes == sorted(indexes)
    assert max(indexes) < BUCKETS
    # Tenths of an hour below 10 h, whole hours below 100 h, tens of hours below 1,000 h.
    assert bucket_seconds(coarse_bucket(97)) == 97 * 360
    assert bucket_seconds(coarse_bucket(253)) == 25 * 3600  # 25.3 h
    assert bucket_seconds(coarse_bucket(2_460)) == 250 * 3600  # 246 h


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Europe/Oslo"])
def test_each_zone_summary_gives_the_figures_counted_from_the_cases(services, history, zone):
    from portal.insights.counts import load_counts
    from portal.insights.selfservice import load_self_service
    from portal.insights.speed import speed_of

    period = Period(PERIOD.first, PERIOD.last, ZoneInfo(zone))
    with services.write() as session:
        prepare(session, period, now=NOW)
    for filters in (Filters(), Filters(lang="sv"), Filters(channel="email", category="service")):
        with services.read() as session:
            live = load_counts(session, period, filters, now=NOW)
            summed = load_counts(session, period, filters, now=NOW, summarised=True)
            assert sorted(summed, key=repr) == sorted(live, key=repr)
            assert speed_of(session, summed, period, filters, summarised=True) == speed_of(
                session, live, period, filters
            )
            assert load_self_service(session, period, now=NOW, summarised=True) == (
                load_self_service(session, period, now=NOW)
            )
    in_new_york = _read(
        services,
        load_volume,
        Period(PERIOD.first, PERIOD.last, ZoneInfo("America/New_York")),
        Filters(),
    )
    # New York is UTC-5 until its clocks go forward on Sunday 8 March (UTC-4 from 07:00 UTC):
    # X (Sunday 8 March 23:30 UTC) is Sunday 19:30 there, inside the week.
    assert {b.start: b.total for b in in_new_york.buckets}[date(2026, 3, 8)] == 1


def test_zones_sharing_stockholms_summary_keep_its_clock() -> None:
    from datetime import timedelta

    from portal.insights.summary import SAME_CLOCK, summary_zone

    assert summary_zone(ZoneInfo("Europe/Oslo")).key == "Europe/Stockholm"
    assert summary_zone(ZoneInfo("Europe/London")).key == "Europe/London"
    stockholm = ZoneInfo("Europe/Stockholm")
    zones = [ZoneInfo(name) for name in SAME_CLOCK]
    moment = datetime(1996, 1, 1, 12, tzinfo=UTC)
    while moment.year < 2038:
        # Noon every day, and every hour of a day on which Stockholm changes its clock.
        offset = moment.astimezone(stockholm).utcoffset()
        for zone in zones:
            assert moment.astimezone(zone).utcoffset() == offset, (zone.key, moment)
        tomorrow = moment + timedelta(days=1)
        if tomorrow.astimezone(stockholm).utcoffset() != offset:
            for hour in range(24):
                at = moment + timedelta(hours=hour)
                expected = at.astimezone(stockholm).utcoffset()
                assert all(at.astimezone(z).utcoffset() == expected for z in zones), at
        moment = tomorrow
