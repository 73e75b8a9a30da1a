"""A realistic history of complaint cases for the demo and for benchmarks.

``generate_history`` writes months of cases as a help desk would have them: submitted mostly on
weekdays in office hours with a trickle in evenings and weekends, Swedish most, then Norwegian,
then English; a category mix that drifts (a wave of delivery problems after a carrier change, a
batch of jackets with weak seams, an invoice-fee month); promises made with the response-time
engine at submission from the queue as it was then; first answers mostly before the promise but
late now and then — more often after holidays and busy weeks, when the queue is longer than
usual; resolutions, questions to the customer (the clock paused), ratings, reopened cases and
follow-up cases; and the help-centre searches and complaint-form suggestions of the same months.
When the cases arrive, and about what, is drawn from ``portal.demo.arrivals``.

It inserts with SQLAlchemy Core in chunks (no ORM flush per row, no emails, no outbox rows, no
files), so 200,000 cases take well under a minute. What the scheduler would have done in those
months is recorded as done (``case_story``), so a worker started afterwards does not send a burst
of check-ins, reminders and closing notices about the demo's past. The same seed and end give
the same data. Demo cases carry ``PREFIX`` in their ``submission_id``, which makes
``load_demo_history`` idempotent.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import itertools
import json
import math
import operator
import random
from collections import deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry, SuggestionEvent
from portal.cases.case_steps import FOLLOW_UP_OF
from portal.cases.models import Case
from portal.cases.reference import ALPHABET, GROUP_SIZE, GROUPS
from portal.db.base import utcnow
from portal.demo import arrivals, phrases, self_service
from portal.demo.case_story import Agent, CaseStory, Pace, tell
from portal.services import Services
from portal.sla.job_runs import JobRun
from portal.sla.keeping import MAX_QUEUE_ALLOWANCE, MIN_THROUGHPUT_PER_HOUR
from portal.sla.policies import load_sla
from portal.sla.promise import THROUGHPUT_DAYS, Backlog, promise_from
from portal.staff.models import StaffRole, StaffUser

PREFIX = "demo-history-"
DEMO_CASES, DEMO_DAYS, DEMO_SEED = 3_000, 182, 2026
CHUNK = 2_000
SEARCHES_PER_CASE = 3.0
DEFLECTION_SESSIONS_PER_CASE = 0.45

LANGS, LANG_WEIGHTS = ("sv", "nb", "en"), (50, 32, 18)
CHANNELS, CHANNEL_WEIGHTS = ("web", "email", "phone"), (80, 14, 6)
PRIORITIES, PRIORITY_WEIGHTS = ("low", "normal", "high", "urgent"), (8, 74, 14, 4)
# The first answer takes this share of the promised working time (a log-normal spread)...
ANSWER_MEDIAN, ANSWER_SPREAD = 0.4, 0.62
ANSWER_PACE = {"low": 1.2, "normal": 1.0, "high": 0.7, "urgent": 0.4}
# ... and longer when the queue is well above its usual length (in a wave), and in the days
# after a public holiday, when the queue from the long weekend is worked off.
BUSY_FROM, BUSY_SLOWDOWN = 1.2, 0.5
AFTER_HOLIDAY_DAYS, AFTER_HOLIDAY_SLOWDOWN = 3, 1.5
WARM_UP = timedelta(days=10)
# A few of the latest cases are stuck (waiting for a warehouse, a colleague on leave), so the
# agents' queue has overdue work right now.
STUCK_WITHIN, STUCK_SHARE, STUCK_SLOWDOWN = timedelta(days=7), 0.15, 8.0
LANG_CUM = list(itertools.accumulate(LANG_WEIGHTS))
CHANNEL_CUM = list(itertools.accumulate(CHANNEL_WEIGHTS))
PRIORITY_CUM = list(
    itertools.accumulate(PRIORITY_WEIGHTS)
)  # the first days have no usual queue length to compare with


@dataclass
class _Queue:
    """The answer queue as the engine would have counted it at each submission."""

    pending: list[float]  # first answers (epoch s) of submitted cases, not yet given
    arrivals: list[tuple[float, float]]  # follow-ups: (created, first answer), in the future
    answered: deque[float]  # first answers given in the last THROUGHPUT_DAYS
    weight: float  # of the latest length in the moving average: about three weeks' worth
    usual: float = 0.0  # a moving average of the queue length

    def advance(self, now: float) -> int:
        while self.arrivals and self.arrivals[0][0] <= now:
            heapq.heappush(self.pending, heapq.heappop(self.arrivals)[1])
        while self.pending and self.pending[0] <= now:
            self.answered.append(heapq.heappop(self.pending))
        window = now - THROUGHPUT_DAYS * 86400
        while self.answered and self.answered[0] <= window:
            self.answered.popleft()
        ahead = len(self.pending)
        self.usual = ahead if not self.usual else self.usual + (ahead - self.usual) * self.weight
        return ahead


class _References:
    """Case references drawn from the seed (readable like real ones), never one in use."""

    def __init__(self, session: Session, rng: random.Random) -> None:
        self.rng = rng
        self.taken = set(session.scalars(select(Case.reference)))

    def new(self) -> str:
        while True:
            text = "".join(self.rng.choices(ALPHABET, k=GROUP_SIZE * GROUPS))
            reference = "-".join(text[i : i + GROUP_SIZE] for i in range(0, len(text), GROUP_SIZE))
            if reference not in self.taken:
                self.taken.add(reference)
                return reference


def _agents(session: Session) -> tuple[list[Agent], list[int]]:
    """Active agents and admins, agents doing most of the work."""
    rows = session.execute(
        select(StaffUser.id, StaffUser.display_name, StaffUser.email, StaffRole.role)
        .join(StaffRole, StaffRole.user_id == StaffUser.id)
        .where(StaffUser.active.is_(True), StaffRole.role.in_(("agent", "admin")))
        .order_by(StaffUser.id, StaffRole.role)
    ).all()
    weights: dict[int, int] = {}
    names: dict[int, str] = {}
    for user_id, display_name, email, role in rows:
        names[user_id] = display_name or email
        weights[user_id] = max(weights.get(user_id, 0), 5 if role == "agent" else 1)
    ids = sorted(names)
    return [Agent(i, names[i]) for i in ids], [weights[i] for i in ids]


def _phone(rng: random.Random, lang: str) -> str:
    digits = "".join(rng.choices("0123456789", k=7))
    if lang == "nb":
        return f"+47 9{digits[:2]} {digits[2:4]} {digits[4:]}"
    return f"07{rng.choice('0236')}-{digits[:3]} {digits[3:5]} {digits[5:]}"


def _empty_row() -> dict[str, Any]:
    return {
        "original_promised_at": None,
        "channel": "web",
        "status": "new",
        "first_response_at": None,
        "resolved_at": None,
        "assignee_id": None,
        "needs_attention": False,
        "feedback_at": None,
        "satisfaction": None,
        "satisfaction_comment": "",
        "reopened_count": 0,
        "parent_case_id": None,
        "paused_at": None,
        "paused_work_s": 0,
        "priority": "normal",
    }


class _Rows:
    """Plain executemany inserts: values converted once here, as the column types would, so
    SQLAlchemy passes them to the driver untouched (the fast path for a million rows)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def insert(self, name: str, rows: list[dict[str, Any]], dates: tuple[str, ...],
               documents: tuple[str, ...] = ()) -> None:  # fmt: skip
        """One driver-level executemany: ``rows`` all have the same keys, in the same order."""
        if not rows:
            return
        keys = list(rows[0])
        if self.sqlite:
            for row in rows:
                for key in dates:
                    moment = row[key]
                    if moment is None:
                        continue
                    if moment.tzinfo is not UTC:
                        moment = moment.astimezone(UTC)
                    # As ``UTCDateTime`` stores it on SQLite.
                    row[key] = moment.replace(tzinfo=None).isoformat(" ", "microseconds")
        for key in documents:
            for row in rows:
                row[key] = json.dumps(row[key])
        pick = operator.itemgetter(*keys)
        values = [pick(row) for row in rows]
        # Table and column names come from the models, never from input.
        columns = ", ".join(keys)
        connection = self.session.connection()
        if not self.sqlite:  # PostgreSQL (psycopg): COPY, several times faster than INSERTs
            driver = connection.connection.driver_connection
            statement = f"COPY {name} ({columns}) FROM STDIN"
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            return
        sql = f"INSERT INTO {name} ({columns}) VALUES ({', '.join('?' for _ in keys)})"  # noqa: S608
        for i in range(0, len(values), CHUNK * 5):
            connection.exec_driver_sql(sql, values[i : i + CHUNK * 5])

    def case_ids(self, count: int) -> list[int]:
        """``count`` new case ids: from the sequence on PostgreSQL, after the highest on SQLite
        (whose write transaction holds the database's only write lock)."""
        if self.sqlite:
            highest = self.session.scalar(select(func.max(Case.id))) or 0
            return list(range(highest + 1, highest + 1 + count))
        return list(
            self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('cases', 'id')) "
                     "FROM generate_series(1, :n)"), {"n": count},
            )
        )  # fmt: skip


def _with_defaults(target: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns the rows do not set get their scalar default (a plain insert applies none)."""
    missing = {
        c.name: c.default.arg
        for c in target.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    return [{**missing, **row} for row in rows] if missing else rows


CASE_DATES = ("created_at", "updated_at", "promised_at", "original_promised_at",
              "first_response_at", "resolved_at", "resolution_due_at", "paused_at", "feedback_at",
              "resolution_work_at")  # fmt: skip


class _Writer:
    """Collects the stories of one chunk and writes them with two executemany inserts."""

    def __init__(self, session: Session) -> None:
        self.rows = _Rows(session)
        self.stories: list[tuple[CaseStory, CaseStory | None]] = []  # (case, parent)

    def add(self, story: CaseStory, parent: CaseStory | None = None) -> None:
        self.stories.append((story, parent))

    def flush(self) -> int:
        if not self.stories:
            return 0
        ids = dict(zip((id(s) for s, _p in self.stories), self.rows.case_ids(len(self.stories)),
                       strict=True))  # fmt: skip
        cases, events, runs = [], [], []
        for story, parent in self.stories:
            story.finish()
            case_id = ids[id(story)]
            if parent is not None:
                story.row["parent_case_id"] = ids[id(parent)]
            cases.append({"id": case_id, **story.row})
            for event in story.events:
                event["case_id"] = case_id
            events.extend(story.events)
            runs.extend({"case_id": case_id, **run} for run in story.runs)
        self.rows.insert("cases", _with_defaults(Case.__table__, cases), CASE_DATES)
        self.rows.insert("case_events", events, ("created_at",), ("data",))
        self.rows.insert(JobRun.__tablename__, runs, ("anchor", "done_at"))
        written = len(self.stories)
        self.stories = []
        return written


def generate_history(
    session: Session,
    *,
    cases: int,
    days: int,
    seed: int,
    end: datetime | None = None,
    searches: int | None = None,
) -> int:
    """Write ``cases`` demo cases submitted over the ``days`` before ``end`` (default: now),
    their timelines, and the period's searches and form suggestions; returns the cases written.

    Deterministic for a seed, an end and the staff present. ``searches`` defaults to three per
    case. Works in the caller's transaction.
    """
    if days < 1 or cases < 0:
        raise ValueError("a history needs at least one day and no negative number of cases")
    # Millions of short-lived rows and none of them in a reference cycle: the cyclic garbage
    # collector would walk all of them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(session, cases, days, seed, end, searches)
    finally:
        if collecting:
            gc.enable()


def _generate(
    session: Session, cases: int, days: int, seed: int, end: datetime | None, searches: int | None
) -> int:
    end = (end or utcnow()).astimezone(UTC).replace(microsecond=0)
    start = end - timedelta(days=days)
    rng = random.Random(seed)
    config = load_sla(session)
    calendars = {lang: config.calendar_for(lang) for lang in LANGS}
    agents, agent_weights = _agents(session)
    agent_cum = list(itertools.accumulate(agent_weights))
    references = _References(session, rng)
    times = arrivals.submission_times(rng, start, days, cases, calendars["sv"])
    epochs = [t.timestamp() for t in times]
    taken = [False] * len(times)  # a slot used by a follow-up case
    queue = _Queue([], [], deque(), weight=min(0.05, days / (21 * max(cases, 1))))
    # The help desk was answering before the period began: the week before it counts first
    # answers at the period's average rate, so the first promises are not those of a new install.
    before = int(cases / days * THROUGHPUT_DAYS)
    window = THROUGHPUT_DAYS * 86400
    queue.answered.extend(start.timestamp() - window + window * (i + 0.5) / before
                          for i in range(before))  # fmt: skip
    closed_weekdays: dict[tuple[str, date], bool] = {}

    def after_holiday(lang: str, at: datetime) -> bool:
        """A weekday the help desk was closed lies in the last few days (Easter, midsummer)."""
        calendar = calendars[lang]
        today = at.astimezone(calendar.tz).date()
        for back in range(1, AFTER_HOLIDAY_DAYS + 1):
            day = today - timedelta(days=back)
            key = (lang, day)
            if key not in closed_weekdays:
                closed_weekdays[key] = day.weekday() < 5 and not arrivals.is_open_day(calendar, day)
            if closed_weekdays[key]:
                return True
        return False

    writer = _Writer(session)
    visits: list[self_service.Visit] = []
    customers: dict[str, list[tuple[str, str, str]]] = {lang: [] for lang in LANGS}
    written = 0

    def promise_for(category: str, lang: str, at: datetime, ahead_of_time: bool = False) -> Any:
        """The engine's promise at ``at``; a follow-up case, written weeks ahead of time, gets
        the queue as it is now (moving the queue forward would lose the weeks in between)."""
        calendar = calendars[lang]
        ahead = len(queue.pending) if ahead_of_time else queue.advance(at.timestamp())
        window = calendar.working_time_between(at - timedelta(days=THROUGHPUT_DAYS), at)
        policy = config.policy_for(category, "normal")
        backlog = Backlog(ahead, len(queue.answered), window / timedelta(hours=1))
        return promise_from(calendar, at, policy.first_response, policy.resolution, backlog), ahead

    def pace_for(at: datetime, lang: str, promise: Any, ahead: int, outcome: str, order: str,
                 follow_up: bool) -> Pace:  # fmt: skip
        priority = rng.choices(PRIORITIES, cum_weights=PRIORITY_CUM)[0]
        share = ANSWER_MEDIAN * math.exp(rng.gauss(0, ANSWER_SPREAD)) * ANSWER_PACE[priority]
        if queue.usual >= 1 and at - start > WARM_UP:
            share *= 1 + BUSY_SLOWDOWN * min(1.0, max(0.0, ahead / queue.usual - BUSY_FROM))
        if after_holiday(lang, at):
            share *= AFTER_HOLIDAY_SLOWDOWN
        if end - at < STUCK_WITHIN and rng.random() < STUCK_SHARE:
            share *= STUCK_SLOWDOWN
        answer = max(timedelta(minutes=4), promise.target * share)
        agent = rng.choices(agents, cum_weights=agent_cum)[0] if agents else None
        rate = max(MIN_THROUGHPUT_PER_HOUR, promise.per_hour or 0.0)
        allowance = min(MAX_QUEUE_ALLOWANCE, timedelta(hours=ahead / rate))
        return Pace(answer, allowance, agent, priority, outcome, order, not follow_up)

    def new_story(at: datetime, lang: str, reference: str, fields: dict[str, Any],
                  promise: Any) -> CaseStory:  # fmt: skip
        row = _empty_row()
        row.update(fields)
        row.update(
            reference=reference, submission_id=PREFIX + reference, lang=lang, created_at=at,
            updated_at=at, promised_at=promise.due, sla_calendar=promise.calendar_key,
            promised_work_s=int(promise.working_time.total_seconds()),
            resolution_due_at=promise.resolution_due,
        )  # fmt: skip
        return CaseStory(row, calendars[lang], end)

    for index, at in enumerate(times):
        if taken[index]:
            continue
        lang = rng.choices(LANGS, cum_weights=LANG_CUM)[0]
        share = (at - start).days / days
        topic = rng.choices(phrases.TOPICS, cum_weights=arrivals.topic_cum(share))[0]
        outcome = rng.choice(topic.outcomes)
        known = customers[lang]
        if known and rng.random() < 0.08:
            name, email, phone = rng.choice(known)
        else:
            first, last = phrases.person(rng, lang)
            name = f"{first} {last}" if rng.random() < 0.88 else ""
            email = phrases.email_for(first, last, rng.randint(1, 99))
            phone = _phone(rng, lang) if rng.random() < 0.25 else ""
            if len(known) < 2_000:
                known.append((name, email, phone))
        order = f"NV-{at.year}-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else ""
        person = (name.split()[0], name.split()[-1]) if name else ("", "")
        description = phrases.describe(rng, topic, lang, outcome, person, order)
        promise, ahead = promise_for(topic.category, lang, at)
        channel = rng.choices(CHANNELS, cum_weights=CHANNEL_CUM)[0]
        story = new_story(at, lang, references.new(), {
            "channel": channel, "email": email, "name": name, "phone": phone,
            "category": topic.category,
            "desired_outcome": outcome if rng.random() < 0.85 else "", "order_ref": order,
            "description": description}, promise)  # fmt: skip
        story.event(at, "submitted", True, name, data={"category": topic.category,
                                                       "attachments": 0})  # fmt: skip
        tell(story, rng, pace_for(at, lang, promise, ahead, outcome, order, follow_up=False))
        answered = story.row["first_response_at"]
        heapq.heappush(queue.pending, answered.timestamp() if answered else math.inf)
        visits.append(self_service.Visit(at, lang, topic.key, channel == "web"))
        writer.add(story)
        follow_up_at = story.follow_up_at
        slot = _free_slot(epochs, taken, index, follow_up_at) if follow_up_at else None
        if follow_up_at is not None and slot is not None:
            taken[slot] = True
            _follow_up(story, follow_up_at, references.new(), rng, writer, promise_for,
                       pace_for, new_story, queue)  # fmt: skip
        if len(writer.stories) >= CHUNK:
            written += writer.flush()
    written += writer.flush()
    _self_service(session, rng, visits, start, cases, searches)
    return written


def _free_slot(epochs: list[float], taken: list[bool], index: int, at: datetime) -> int | None:
    """The first unused submission slot at or after ``at``: the follow-up takes its place."""
    slot = max(index + 1, bisect.bisect_left(epochs, at.timestamp()))
    while slot < len(epochs) and taken[slot]:
        slot += 1
    return slot if slot < len(epochs) else None


def _follow_up(parent: CaseStory, at: datetime, reference: str, rng: random.Random,
               writer: _Writer, promise_for: Any, pace_for: Any, new_story: Any,
               queue: _Queue) -> None:  # fmt: skip
    """The case opened when the customer said "not solved" too long after the resolution."""
    row = parent.row
    lang, category = row["lang"], row["category"]
    promise, ahead = promise_for(category, lang, at, ahead_of_time=True)
    fields = {k: row[k] for k in ("channel", "email", "name", "phone", "category",
                                  "desired_outcome", "order_ref")}  # fmt: skip
    fields["description"] = row["satisfaction_comment"] or row["description"]
    fields["needs_attention"] = True
    story = new_story(at, lang, reference, fields, promise)
    story.event(at, FOLLOW_UP_OF, True, row["name"], data={"reference": row["reference"]})
    parent.follow_up_opened(at, reference)
    outcome = row["desired_outcome"] or "other"
    tell(story, rng, pace_for(at, lang, promise, ahead, outcome, row["order_ref"], True))
    answered = story.row["first_response_at"]
    heapq.heappush(queue.arrivals, (at.timestamp(), answered.timestamp() if answered else math.inf))
    writer.add(story, parent)


def _self_service(
    session: Session,
    rng: random.Random,
    visits: list[self_service.Visit],
    start: datetime,
    cases: int,
    searches: int | None,
) -> None:
    if not visits:
        return
    count = round(cases * SEARCHES_PER_CASE) if searches is None else searches
    writer = _Rows(session)
    batch = CHUNK * 10  # written a batch at a time, so a large history never sits in memory
    for done in range(0, count, batch):
        rows = self_service.searches(rng, visits, min(batch, count - done), start)
        writer.insert(SearchLogEntry.__tablename__, rows, ("created_at",))

    def new_hash() -> str:
        return f"{rng.getrandbits(256):064x}"

    for i in range(0, len(visits), batch):
        part = visits[i : i + batch]
        extra = round(len(part) * DEFLECTION_SESSIONS_PER_CASE)
        events = self_service.suggestion_events(rng, part, extra, start, new_hash)
        writer.insert(SuggestionEvent.__tablename__, events, ("created_at",))


# -- the demo step ----------------------------------------------------------------------------


def has_history(session: Session) -> bool:
    found = session.scalar(select(Case.id).where(Case.submission_id.like(PREFIX + "%")).limit(1))
    return found is not None


def load_demo_history(services: Services) -> list[str]:
    """Six months of demo cases, once (never in production); returns lines for the report."""
    if services.settings.is_prod:
        return ["History: demo cases are not created in production."]
    with services.write() as session:
        if has_history(session):
            return []
        began = perf_counter()
        written = generate_history(
            session, cases=DEMO_CASES, days=DEMO_DAYS, seed=DEMO_SEED, end=services.clock()
        )
    took = perf_counter() - began
    return [f"History: {written} demo cases over {DEMO_DAYS} days ({took:.1f} s)."]
