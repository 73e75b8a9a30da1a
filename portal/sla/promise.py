"""The promise made at submission: the policy target, stretched honestly when the queue is long.

Method (the README has a worked example):

1. The policy gives the first-response target ``T`` in working time of the language's calendar.
2. The backlog ``B`` is the cases ahead: submitted before this one and still without a first
   answer ("new" or "open"; a case waiting on the customer has its clock paused).
3. Throughput ``R`` is first answers per working hour over the last ``THROUGHPUT_DAYS`` calendar
   days (working hours counted on the same calendar, so a holiday week does not look lazy).
4. Clearing the queue ahead and answering this case takes ``(B + 1) / R`` working hours. The
   promise is ``max(T, that)``, the excess rounded up to a quarter of an hour and capped at
   ``MAX_EXTRA``. Without any recent answers (a new installation) the target stands alone.
5. The due time is that much working time after submission on the calendar: always inside
   opening hours, never earlier than the target allows, and later the longer the queue.
"""

from __future__ import annotations

import math
import threading
import time as clock
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session, object_session

from portal.cases.models import Case
from portal.sla.calendars import BusinessCalendar
from portal.sla.policies import SlaConfig, default_config, engine_of, load_sla

THROUGHPUT_DAYS = 7
UNANSWERED = ("new", "open")
EXTRA_STEP = timedelta(minutes=15)
MAX_EXTRA = timedelta(hours=90)  # ten working days of nine hours
SNAPSHOT_SECONDS = 5.0


@dataclass(frozen=True)
class Backlog:
    """The queue ahead at a moment and how fast it has been answered lately."""

    ahead: int  # open cases without a first answer
    answered: int  # first answers in the throughput window
    window_hours: float  # working hours in that window

    @property
    def per_hour(self) -> float | None:
        if self.answered <= 0 or self.window_hours <= 0:
            return None
        return self.answered / self.window_hours


@dataclass(frozen=True)
class Promise:
    """When the customer will hear back, and the pieces that explain it."""

    due: datetime  # UTC
    tz: ZoneInfo  # the calendar's zone: where the customer reads the time
    working_time: timedelta  # from submission to ``due``, in opening hours
    day_length: timedelta  # a working day on the calendar
    calendar_key: str = ""
    target: timedelta = timedelta(0)  # the policy's first-response target
    extra: timedelta = timedelta(0)  # added for the queue ahead
    backlog: int = 0
    per_hour: float | None = None  # recent first answers per working hour
    resolution_due: datetime | None = None

    @property
    def working_days(self) -> int:
        """Whole working days the promise spans, at least one (for "within N working days")."""
        return max(1, math.ceil(self.working_time / self.day_length - 1e-9))

    @property
    def working_hours(self) -> float:
        return self.working_time / timedelta(hours=1)

    @property
    def local_due(self) -> datetime:
        return self.due.astimezone(self.tz)

    def explain(self) -> str:
        """One line for logs and ``portal sla eta``: where the time comes from."""
        rate = f"{self.per_hour:.2f}/working hour" if self.per_hour else "no recent answers"
        return (
            f"target {_hours(self.target)} + queue {_hours(self.extra)} "
            f"({self.backlog} ahead, {rate}) on calendar {self.calendar_key}"
        )


def _hours(amount: timedelta) -> str:
    return f"{amount / timedelta(hours=1):g} h"


def queue_extra(target: timedelta, backlog: Backlog) -> timedelta:
    """Working time beyond ``target`` that the queue ahead needs; monotonic in the backlog."""
    rate = backlog.per_hour
    if rate is None:
        return timedelta(0)
    needed = timedelta(hours=(backlog.ahead + 1) / rate)
    if needed <= target:
        return timedelta(0)
    steps = math.ceil((needed - target) / EXTRA_STEP)
    return min(steps * EXTRA_STEP, MAX_EXTRA)


def promise_from(
    calendar: BusinessCalendar,
    at: datetime,
    target: timedelta,
    resolution: timedelta,
    backlog: Backlog,
) -> Promise:
    """The promise for a submission at ``at`` with the given targets and queue (pure)."""
    extra = queue_extra(target, backlog)
    promised = target + extra
    due = calendar.add_working_time(at, promised)
    return Promise(
        due=due,
        tz=calendar.tz,
        working_time=promised,
        day_length=calendar.working_day_length(),
        calendar_key=calendar.key,
        target=target,
        extra=extra,
        backlog=backlog.ahead,
        per_hour=backlog.per_hour,
        resolution_due=calendar.add_working_time(at, max(resolution, target) + extra),
    )


def target_promise(
    category: str,
    at: datetime,
    lang: str = "en",
    *,
    priority: str = "normal",
    config: SlaConfig | None = None,
) -> Promise:
    """The promise with an empty queue: the policy target alone (the default configuration)."""
    config = config or default_config()
    policy = config.policy_for(category, priority)
    return promise_from(
        config.calendar_for(lang), at, policy.first_response, policy.resolution, Backlog(0, 0, 0)
    )


def make_promise(
    session: Session,
    *,
    category: str,
    lang: str,
    at: datetime,
    priority: str = "normal",
    config: SlaConfig | None = None,
) -> Promise:
    """The promise for a case submitted at ``at``: policy target plus what the queue needs."""
    config = config or load_sla(session)
    calendar = config.calendar_for(lang)
    policy = config.policy_for(category, priority)
    return promise_from(
        calendar, at, policy.first_response, policy.resolution, backlog_at(session, calendar, at)
    )


_snapshot_lock = threading.Lock()
# Per engine, then per calendar key.
_snapshots: WeakKeyDictionary[object, dict[str, tuple[float, datetime, Backlog]]] = (
    WeakKeyDictionary()
)


def backlog_at(session: Session, calendar: BusinessCalendar, at: datetime) -> Backlog:
    """The queue at ``at``: one aggregate query, reused for a few seconds on the hot path."""
    engine = engine_of(session)
    hit = _snapshots.get(engine, {}).get(calendar.key)
    now = clock.monotonic()
    if (
        hit is not None
        and now - hit[0] < SNAPSHOT_SECONDS
        and abs(hit[1] - at) < timedelta(seconds=SNAPSHOT_SECONDS)
    ):
        return hit[2]
    backlog = count_backlog(session, calendar, at)
    with _snapshot_lock:
        _snapshots.setdefault(engine, {})[calendar.key] = (now, at, backlog)
    return backlog


def forget_snapshots() -> None:
    """Drop cached backlog figures (tests that build a queue and ask at once)."""
    with _snapshot_lock:
        _snapshots.clear()


def count_backlog(session: Session, calendar: BusinessCalendar, at: datetime) -> Backlog:
    """Cases ahead at ``at`` and first answers in the window before it, in one query.

    Three counts, each an index range (status; first-response time), so the cost follows the
    open queue and one week of answers rather than the whole case history.
    """
    at = at.astimezone(UTC)
    since = at - timedelta(days=THROUGHPUT_DAYS)

    def count(*where: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count()).select_from(Case).where(*where).scalar_subquery()

    row = session.execute(
        select(
            # Still unanswered now ...
            count(
                Case.status.in_(UNANSWERED),
                Case.first_response_at.is_(None),
                Case.created_at <= at,
            ),
            # ... or, asked about the past, answered only after ``at``.
            count(Case.first_response_at > at, Case.created_at <= at),
            count(Case.first_response_at > since, Case.first_response_at <= at),
        )
    ).one()
    hours = calendar.working_time_between(since, at) / timedelta(hours=1)
    return Backlog(ahead=int(row[0]) + int(row[1]), answered=int(row[2]), window_hours=hours)


def stored_promise(case_: Case, config: SlaConfig) -> Promise:
    """The promise a case was given at submission, rebuilt from what is stored on it."""
    calendar = config.calendar(case_.sla_calendar, case_.lang)
    if case_.promised_work_s is not None:
        worked = timedelta(seconds=case_.promised_work_s)
    else:
        worked = calendar.working_time_between(case_.created_at, case_.promised_at)
    target = config.policy_for(case_.category, case_.priority).first_response
    return Promise(
        due=case_.promised_at,
        tz=calendar.tz,
        working_time=worked,
        day_length=calendar.working_day_length(),
        calendar_key=calendar.key,
        target=target,
        extra=max(timedelta(0), worked - target),
        resolution_due=case_.resolution_due_at,
    )


def apply_promise(case_: Case, promise: Promise) -> None:
    """Store ``promise`` on a new case (once, at submission)."""
    case_.promised_at = promise.due
    case_.sla_calendar = promise.calendar_key
    case_.promised_work_s = int(promise.working_time.total_seconds())
    case_.resolution_due_at = promise.resolution_due


def case_promise(case_: Case) -> Promise:
    """The stored promise of a case loaded in a session, with the current calendars."""
    session = object_session(case_)
    return stored_promise(case_, load_sla(session) if session is not None else default_config())
