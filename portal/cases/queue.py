"""The agents' case queue: filters, counts per filter value, sorting by due time, pagination.

Every filter is a plain column condition, so one ``GROUP BY`` per filter gives its counts (with the
other filters applied, like a faceted search) on SQLite and PostgreSQL alike. "Due soon" and
"overdue" compare the stored promise with ``now`` for cases still waiting for a first response.

"Due soon" counts working hours on each case's own calendar (``cases.sla_calendar``): a
Norwegian case on 17 May has no working hours that day while a Swedish one has. It stays one
indexed range in SQL: the instant N working hours from now is worked out once per calendar, and
the condition is "promised before that instant" for the cases of that calendar, ORed together
(calendars that give the same instant share one condition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, object_session

from portal.cases.models import Case
from portal.cases.time_left import TimeLeft, time_left
from portal.sla.calendars import BusinessCalendar
from portal.sla.policies import SlaConfig, default_config, load_sla
from portal.staff.models import AGENT, StaffRole, StaffUser

PAGE_SIZE = 25
# "Response due soon": the promise falls within this many working hours from now.
DUE_SOON_WORKING_HOURS = 4
STATUSES = ("new", "open", "waiting", "resolved", "closed")
ACTIVE_STATUSES = ("new", "open", "waiting")
# The status filter: "active" (default) is everything still being worked on.
STATUS_ACTIVE, STATUS_ALL = "active", "all"
ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"
DUE_SOON, DUE_OVERDUE = "soon", "overdue"
# Waiting on the customer before a first reply: the promise's clock is paused (``sla.pause``).
DUE_PAUSED = "paused"
# The "new from the customer" filter: cases where the customer added something not yet handled.
ATTENTION = "new"
SORTS = ("due", "created", "updated")


@dataclass(frozen=True)
class QueueFilter:
    """What the agent asked for; unknown values are dropped by ``clean`` rather than refused."""

    status: str = STATUS_ACTIVE
    category: str = ""
    assignee: str = ""  # "", "me", "none" or a staff user id
    lang: str = ""
    due: str = ""  # "", "soon" or "overdue"
    attention: str = ""  # "" or "new": only cases with something new from the customer
    sort: str = "due"
    page: int = 1

    def clean(self) -> QueueFilter:
        status = self.status if self.status in (*STATUSES, STATUS_ACTIVE, STATUS_ALL) else ""
        assignee = self.assignee
        if assignee not in ("", ASSIGNEE_ME, ASSIGNEE_NONE) and not assignee.isdigit():
            assignee = ""
        return replace(
            self,
            status=status or STATUS_ACTIVE,
            assignee=assignee,
            due=self.due if self.due in (DUE_SOON, DUE_OVERDUE) else "",
            attention=self.attention if self.attention == ATTENTION else "",
            sort=self.sort if self.sort in SORTS else "due",
            page=max(1, self.page),
        )


@dataclass(frozen=True)
class QueueRow:
    reference: str
    status: str
    category: str
    lang: str
    name: str
    email: str
    priority: str
    assignee: str
    needs_attention: bool
    created_at: datetime
    updated_at: datetime
    promised_at: datetime
    first_response_at: datetime | None
    due_state: str  # "overdue", "soon", "waiting" (for a first reply), "answered", "done"
    # Working time left on the case's calendar while its clock runs ("overdue", "soon", "waiting").
    left: TimeLeft | None = None


@dataclass(frozen=True)
class Agent:
    id: int
    name: str


@dataclass
class Queue:
    filters: QueueFilter
    rows: list[QueueRow]
    total: int
    pages: int
    # Per filter name, {value: count} with every other filter applied.
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    agents: list[Agent] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


def _awaiting_reply() -> ColumnElement[bool]:
    return and_(Case.first_response_at.is_(None), Case.status.in_(ACTIVE_STATUSES))


def soon_horizon(calendar: BusinessCalendar, now: datetime) -> datetime:
    """The end of "due soon" on ``calendar``: ``DUE_SOON_WORKING_HOURS`` of opening hours on."""
    return calendar.add_working_time(now, timedelta(hours=DUE_SOON_WORKING_HOURS))


def case_calendars(config: SlaConfig) -> list[tuple[BusinessCalendar, ColumnElement[bool]]]:
    """Each calendar a case can be counted on, with the condition that picks its cases.

    The same choice as ``SlaConfig.calendar``: the calendar stored on the case, or, when that
    one is gone, its language's (the English one's for a language without a calendar).
    """
    calendars = dict(config.calendars)
    picks: dict[str, list[ColumnElement[bool]]] = {
        key: [Case.sla_calendar == key] for key in calendars
    }
    gone = Case.sla_calendar.not_in(list(calendars))
    langs = list(config.languages)
    for lang in langs:
        calendar = config.calendar_for(lang)
        calendars.setdefault(calendar.key, calendar)
        picks.setdefault(calendar.key, []).append(and_(gone, Case.lang == lang))
    other = config.calendar_for("")
    calendars.setdefault(other.key, other)
    picks.setdefault(other.key, []).append(and_(gone, Case.lang.not_in(langs)))
    return [(calendars[key], or_(*conditions)) for key, conditions in picks.items()]


def _due_conditions(config: SlaConfig, now: datetime) -> dict[str, ColumnElement[bool]]:
    running = and_(_awaiting_reply(), Case.status != "waiting")  # a paused clock is not late
    by_horizon: dict[datetime, list[ColumnElement[bool]]] = {}
    for calendar, picks in case_calendars(config):
        by_horizon.setdefault(soon_horizon(calendar, now), []).append(picks)
    if len(by_horizon) == 1:
        soon: ColumnElement[bool] = Case.promised_at <= next(iter(by_horizon))
    else:
        # The outer bound keeps it one index range; each calendar then has its own end.
        soon = and_(
            Case.promised_at <= max(by_horizon),
            or_(*(and_(or_(*p), Case.promised_at <= h) for h, p in by_horizon.items())),
        )
    return {
        DUE_OVERDUE: and_(running, Case.promised_at <= now),
        DUE_SOON: and_(running, Case.promised_at > now, soon),
    }


def _conditions(
    filters: QueueFilter, me: int, due: dict[str, ColumnElement[bool]], skip: str = ""
) -> list[ColumnElement[bool]]:
    """The WHERE clauses for ``filters``, leaving out the one named ``skip`` (for its counts)."""
    found: list[ColumnElement[bool]] = []
    if skip != "status":
        if filters.status == STATUS_ACTIVE:
            found.append(Case.status.in_(ACTIVE_STATUSES))
        elif filters.status != STATUS_ALL:
            found.append(Case.status == filters.status)
    if skip != "category" and filters.category:
        found.append(Case.category == filters.category)
    if skip != "lang" and filters.lang:
        found.append(Case.lang == filters.lang)
    if skip != "assignee" and filters.assignee:
        if filters.assignee == ASSIGNEE_ME:
            found.append(Case.assignee_id == me)
        elif filters.assignee == ASSIGNEE_NONE:
            found.append(Case.assignee_id.is_(None))
        else:
            found.append(Case.assignee_id == int(filters.assignee))
    if skip != "due" and filters.due:
        found.append(due[filters.due])
    if skip != "attention" and filters.attention:
        found.append(Case.needs_attention.is_(True))
    return found


def _grouped(session: Session, column: ColumnElement[object], where: Sequence) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).where(*where).group_by(column))
    return {("" if value is None else str(value)): count for value, count in rows}


def _counts(
    session: Session, filters: QueueFilter, me: int, due: dict[str, ColumnElement[bool]]
) -> dict[str, dict]:
    counts: dict[str, dict[str, int]] = {}
    status_where = _conditions(filters, me, due, skip="status")
    by_status = _grouped(session, Case.status, status_where)
    by_status[STATUS_ACTIVE] = sum(by_status.get(s, 0) for s in ACTIVE_STATUSES)
    by_status[STATUS_ALL] = sum(by_status.get(s, 0) for s in STATUSES)
    counts["status"] = by_status
    counts["category"] = _grouped(
        session, Case.category, _conditions(filters, me, due, skip="category")
    )
    counts["lang"] = _grouped(session, Case.lang, _conditions(filters, me, due, skip="lang"))
    by_assignee = _grouped(
        session, Case.assignee_id, _conditions(filters, me, due, skip="assignee")
    )
    by_assignee[ASSIGNEE_NONE] = by_assignee.pop("", 0)
    by_assignee[ASSIGNEE_ME] = by_assignee.get(str(me), 0)
    counts["assignee"] = by_assignee
    row = session.execute(
        select(
            *(
                func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                for condition in due.values()
            )
        ).where(*_conditions(filters, me, due, skip="due"))
    ).one()
    counts["due"] = dict(zip(due, (int(n) for n in row), strict=True))
    attention = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.needs_attention.is_(True), *_conditions(filters, me, due, skip="attention"))
    )
    counts["attention"] = {ATTENTION: attention or 0}
    return counts


def _order(sort: str) -> list[ColumnElement[object]]:
    if sort == "created":
        return [Case.created_at.desc(), Case.id.desc()]
    if sort == "updated":
        return [Case.updated_at.desc(), Case.id.desc()]
    # Cases still waiting for a first reply come first, the most urgent promise at the top.
    return [
        case((_awaiting_reply(), 0), else_=1),
        Case.promised_at,
        Case.id,
    ]


def case_calendar(case_: Case, config: SlaConfig | None = None) -> BusinessCalendar:
    """The calendar the case's promise runs on (the current configuration's, by default)."""
    if config is None:
        session = object_session(case_)
        config = load_sla(session) if session is not None else default_config()
    return config.calendar(case_.sla_calendar, case_.lang)


def due_state(case_: Case, now: datetime, calendar: BusinessCalendar | None = None) -> str:
    """Where a case stands against its promise, as the queue and the case page show it;
    "due soon" in working hours of the case's calendar."""
    if case_.status not in ACTIVE_STATUSES:
        return "done"
    if case_.first_response_at is not None:
        return "answered"
    if case_.status == "waiting":
        return DUE_PAUSED
    if case_.promised_at <= now:
        return DUE_OVERDUE
    if case_.promised_at <= soon_horizon(calendar or case_calendar(case_), now):
        return DUE_SOON
    return "waiting"


RUNNING_STATES = (DUE_OVERDUE, DUE_SOON, "waiting")


def list_agents(session: Session) -> list[Agent]:
    """Active staff who answer cases: the choices for assigning and for the assignee filter."""
    users = session.scalars(
        select(StaffUser)
        .join(StaffRole, StaffRole.user_id == StaffUser.id)
        .where(StaffRole.role == AGENT, StaffUser.active.is_(True))
        .order_by(StaffUser.display_name, StaffUser.email)
    )
    return [Agent(u.id, u.name) for u in users]


def load_queue(session: Session, filters: QueueFilter, *, me: int, now: datetime) -> Queue:
    """One page of the queue for the agent ``me`` at ``now``, with counts for every filter."""
    filters = filters.clean()
    config = load_sla(session)
    due = _due_conditions(config, now)
    where = _conditions(filters, me, due)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    filters = replace(filters, page=min(filters.page, pages))
    found = session.execute(
        select(Case, StaffUser)
        .outerjoin(StaffUser, StaffUser.id == Case.assignee_id)
        .where(*where)
        .order_by(*_order(filters.sort))
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = []
    for c, user in found:
        calendar = case_calendar(c, config)
        state = due_state(c, now, calendar)
        left = time_left(calendar, c.promised_at, now) if state in RUNNING_STATES else None
        rows.append(
            QueueRow(
                reference=c.reference,
                status=c.status,
                category=c.category,
                lang=c.lang,
                name=c.name,
                email=c.email,
                priority=c.priority,
                assignee=user.name if user is not None else "",
                needs_attention=c.needs_attention,
                created_at=c.created_at,
                updated_at=c.updated_at,
                promised_at=c.promised_at,
                first_response_at=c.first_response_at,
                due_state=state,
                left=left,
            )
        )
    counts = _counts(session, filters, me, due)
    return Queue(
        filters=filters,
        rows=rows,
        total=total,
        pages=pages,
        counts=counts,
        agents=list_agents(session),
        languages=sorted(set(counts["lang"]) | {filters.lang} - {""}),
        categories=sorted(set(counts["category"]) | {filters.category} - {""}),
    )
