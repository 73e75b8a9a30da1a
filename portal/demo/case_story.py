"""One demo case from submission to the customer's verdict, written as rows for bulk insert.

``CaseStory`` changes the case's fields and adds its timeline events exactly as the real steps
do (``cases.updates``, ``cases.customer_updates``, ``sla.pause``), so a demo case reads like
one an agent worked on. Nothing after ``end`` happens: the first step past it stops the story,
which leaves recent cases new, open or waiting, and some of them overdue.

``tell`` plays a whole case: triage, the first answer (usually before the promise), a question
to the customer now and then, the resolution, and "Is your problem solved?" — sometimes "no",
which reopens the case or, when the answer comes late, asks for a follow-up case.

The scheduler's work is played too, as ``sla.keeping`` and ``sla.follow_ups`` would have done it
with the default settings: agents warned and the customer told a new time before each promise
that was about to be missed (as often as it takes), "Is your problem solved?" asked again after a
resolution, reminders and closings of cases waiting on the customer — each recorded as a
``JobRun``, so the first round of a freshly started worker finds that work done and sends nothing
about the demo's past.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from portal.cases.case_steps import (
    AGENT_REPLY,
    ASSIGNED,
    CUSTOMER_MESSAGE,
    FEEDBACK,
    FOLLOW_UP_OPENED,
    INTERNAL_NOTE,
    PRIORITY_CHANGED,
    REOPENED,
    RESOLVED,
    STATUS_CHANGED,
)
from portal.cases.customer_updates import REOPEN_WINDOW
from portal.demo import replies
from portal.settings import Settings
from portal.sla.calendars import BusinessCalendar
from portal.sla.follow_ups import AUTO_CLOSE, CHECK_IN, WAITING_REMINDER
from portal.sla.keeping import AUTO_CLOSED, BREACH_WARNING, LATE_UPDATE, PROMISE_MOVED


def _default(name: str) -> Any:
    return Settings.__dataclass_fields__[name].default


# The scheduler's defaults (``sla.keeping``, ``sla.follow_ups``): when agents are warned and the
# customer hears of a late answer, the least a new promise adds, when "Is your problem solved?" is
# asked again, and how long a question waits before a reminder and before the case is closed.
BREACH_WARNING_BEFORE = timedelta(minutes=_default("breach_warning_working_minutes"))
LATE_UPDATE_BEFORE = timedelta(minutes=_default("late_update_working_minutes"))
LATE_UPDATE_MARGIN = timedelta(minutes=_default("late_update_margin_working_minutes"))
CHECK_IN_AFTER = timedelta(hours=_default("check_in_after_working_hours"))
WAITING_REMINDER_AFTER = timedelta(hours=_default("waiting_reminder_after_working_hours"))
WAITING_CLOSE_AFTER = timedelta(hours=_default("waiting_close_after_working_hours"))
# Timeline events that change the status (their data says "to" what) or answer the check-in.
STATUS_EVENTS = (STATUS_CHANGED, RESOLVED, REOPENED, AUTO_CLOSED)


@dataclass(frozen=True)
class Agent:
    id: int
    name: str


@dataclass
class CaseStory:
    """The fields of one case and its timeline so far; steps after ``end`` are ignored."""

    row: dict[str, Any]
    calendar: BusinessCalendar
    end: datetime
    events: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)  # the scheduler's ``JobRun`` rows
    stopped: bool = False
    follow_up_at: datetime | None = None  # the customer asked for a follow-up case then

    def at(self, moment: datetime) -> bool:
        """Whether a step at ``moment`` happens (the story stops at the first that does not)."""
        if self.stopped or moment > self.end:
            self.stopped = True
            return False
        return True

    def event(self, moment: datetime, kind: str, public: bool, author: str = "", body: str = "",
              data: dict[str, Any] | None = None) -> None:  # fmt: skip
        self.events.append(
            {"created_at": moment, "kind": kind, "public": public, "author": author[:200],
             "body": body, "data": data or {}}
        )  # fmt: skip

    def job_done(self, job: str, anchor: datetime, moment: datetime) -> None:
        """The scheduler did ``job`` for ``anchor`` at ``moment`` (``sla.jobs.claim``), if that
        was before the end; its email is not written (the demo sends nothing)."""
        if moment <= self.end:
            self.runs.append({"job": job, "anchor": anchor, "done_at": moment, "outbox_id": None})

    def status(self, moment: datetime, status: str, author: str, kind: str | None = None) -> None:
        """``case_steps.set_status`` with the paused clock of ``sla.pause``."""
        row = self.row
        before = row["status"]
        row["status"] = status
        if status == "resolved":
            row["resolved_at"] = moment
            row["needs_attention"] = False
        elif status in ("open", "waiting", "new"):
            row["resolved_at"] = None
        if status == "waiting":
            row["paused_at"] = row["paused_at"] or moment
        elif row["paused_at"] is not None:
            waited = self.calendar.working_time_between(row["paused_at"], moment)
            row["paused_at"] = None
            if waited > timedelta(0):
                row["paused_work_s"] += int(waited.total_seconds())
                if row["resolution_due_at"] is not None and row["resolved_at"] is None:
                    row["resolution_due_at"] = self.calendar.add_working_time(
                        row["resolution_due_at"], waited
                    )
        self.event(moment, kind or (RESOLVED if status == "resolved" else STATUS_CHANGED),
                   True, author, data={"from": before, "to": status})  # fmt: skip

    # -- the agents' side ------------------------------------------------------------------

    def assign(self, moment: datetime, agent: Agent) -> None:
        if not self.at(moment):
            return
        before = self.row["assignee_id"]
        self.row["assignee_id"] = agent.id
        self.row["updated_at"] = moment
        self.event(moment, ASSIGNED, False, agent.name, data={"from": before, "to": agent.id})

    def prioritise(self, moment: datetime, agent: Agent, priority: str) -> None:
        if not self.at(moment) or priority == self.row["priority"]:
            return
        before = self.row["priority"]
        self.row["priority"] = priority
        self.row["updated_at"] = moment
        self.event(moment, PRIORITY_CHANGED, False, agent.name,
                   data={"from": before, "to": priority})  # fmt: skip

    def note(self, moment: datetime, agent: Agent, body: str) -> None:
        if not self.at(moment):
            return
        self.row["updated_at"] = moment
        self.event(moment, INTERNAL_NOTE, False, agent.name, body, {"staff_id": agent.id})

    def reply(self, moment: datetime, agent: Agent, body: str, status: str | None = None) -> bool:
        """``updates.add_public_reply``: the first one sets ``first_response_at``."""
        if not self.at(moment):
            return False
        row = self.row
        self.event(moment, AGENT_REPLY, True, agent.name, body,
                   {"staff_id": agent.id, "attachments": 0})  # fmt: skip
        if row["first_response_at"] is None:
            row["first_response_at"] = moment
        row["needs_attention"] = False
        target = status or ("open" if row["status"] == "new" else None)
        if target and target != row["status"]:
            self.status(moment, target, agent.name)
        row["updated_at"] = moment
        return True

    def auto_close(self, moment: datetime) -> None:
        if not self.at(moment):
            return
        self.status(moment, "closed", "", kind=AUTO_CLOSED)
        self.row["needs_attention"] = False
        self.row["updated_at"] = moment

    # -- the customer's side ---------------------------------------------------------------

    def customer_writes(self, moment: datetime, body: str) -> bool:
        if not self.at(moment):
            return False
        row = self.row
        self.event(moment, CUSTOMER_MESSAGE, True, row["name"], body, {"attachments": 0})
        row["needs_attention"] = True
        if row["status"] == "waiting":
            self.status(moment, "open", row["name"])
        row["updated_at"] = moment
        return True

    def answer(self, moment: datetime, solved: bool, rating: int | None, comment: str) -> str:
        """``customer_updates.answer_solved``: "closed", "reopened", "follow_up" or "" (past
        the end). A follow-up case is the caller's to write (see ``follow_up_opened``)."""
        if not self.at(moment):
            return ""
        row = self.row
        row["feedback_at"] = moment
        if rating is not None:
            row["satisfaction"] = rating
        row["satisfaction_comment"] = comment
        row["updated_at"] = moment
        self.event(moment, FEEDBACK, True, row["name"], comment,
                   {"solved": solved, "rating": rating})  # fmt: skip
        if solved:
            if row["status"] != "closed":
                self.status(moment, "closed", row["name"])
            return "closed"
        if row["status"] == "resolved" and moment - row["resolved_at"] <= REOPEN_WINDOW:
            row["reopened_count"] += 1
            row["needs_attention"] = True
            row["resolved_at"] = None
            self.status(moment, "open", row["name"], kind=REOPENED)
            return "reopened"
        self.follow_up_at = moment
        return "follow_up"

    def follow_up_opened(self, moment: datetime, reference: str) -> None:
        self.event(moment, FOLLOW_UP_OPENED, True, self.row["name"], data={"reference": reference})

    # -- the scheduler's side --------------------------------------------------------------

    def move_promise(self, moment: datetime, due: datetime) -> None:
        """``keeping.tell_customer_late``: an honest new time before the old one passes."""
        if not self.at(moment):
            return
        row = self.row
        old = row["promised_at"]
        row["original_promised_at"] = row["original_promised_at"] or old
        row["promised_at"] = due
        if row["promised_work_s"] is not None:
            row["promised_work_s"] += int(
                self.calendar.working_time_between(old, due).total_seconds()
            )
        row["updated_at"] = moment
        self.event(
            moment, PROMISE_MOVED, True, data={"from": old.isoformat(), "to": due.isoformat()}
        )
        self.job_done(LATE_UPDATE, old, moment)

    def finish(self) -> None:
        """Timeline in time order, the follow-ups the scheduler did, and the working times the
        insights page measures."""
        self.events.sort(key=lambda event: event["created_at"])
        self._follow_ups()
        row = self.row
        for column, moment in (("first_response_work_s", row["first_response_at"]),
                               ("resolution_work_s", row["resolved_at"])):  # fmt: skip
            worked = None
            if moment is not None:
                worked = int(self.calendar.working_time_between(row["created_at"], moment)
                             .total_seconds())  # fmt: skip
            row[column] = worked
        row["resolution_work_at"] = row["resolved_at"]

    def _follow_ups(self) -> None:
        """``sla.follow_ups`` over the timeline: the check-in after each resolution the customer
        had not answered by then, and the reminder and closing of each wait on the customer."""
        cal = self.calendar
        changes = [e for e in self.events if e["kind"] in STATUS_EVENTS or e["kind"] == FEEDBACK]
        for i, event in enumerate(changes):
            if event["kind"] == FEEDBACK:
                continue
            began, to = event["created_at"], event["data"]["to"]
            ended = changes[i + 1] if i + 1 < len(changes) else None
            until = ended["created_at"] if ended is not None else None
            if to == "resolved":
                ask = cal.add_working_time(began, CHECK_IN_AFTER)
                if (until is None or ask < until) and ask - began <= REOPEN_WINDOW:
                    self.job_done(CHECK_IN, began, ask)
            elif to == "waiting":
                remind = cal.add_working_time(began, WAITING_REMINDER_AFTER)
                if until is None or remind < until:
                    self.job_done(WAITING_REMINDER, began, remind)
                if ended is not None and ended["kind"] == AUTO_CLOSED:
                    self.job_done(AUTO_CLOSE, began, until)


def working_time_before(calendar: BusinessCalendar, due: datetime, left: timedelta) -> datetime:
    """When the scheduler finds ``left`` of working time left before ``due``."""
    low, high = due - timedelta(days=10), due
    for _ in range(24):
        middle = low + (high - low) / 2
        if calendar.working_time_between(middle, due) > left:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def late_update_moment(calendar: BusinessCalendar, due: datetime) -> datetime:
    """When the scheduler finds ``LATE_UPDATE_BEFORE`` of working time left before ``due``."""
    return working_time_before(calendar, due, LATE_UPDATE_BEFORE)


# -- a whole case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    """How this case goes: the working time to the first answer, and the customer's mood."""

    first_answer: timedelta
    queue_allowance: timedelta  # what a late update adds for the queue ahead
    agent: Agent | None
    priority: str
    outcome: str  # the desired outcome: what the resolving reply does
    order: str
    allow_follow_up: bool


def _working(rng: random.Random, median_hours: float, spread: float = 0.8) -> timedelta:
    return timedelta(hours=median_hours * math.exp(rng.gauss(0, spread)))


def _calendar_delay(rng: random.Random, median_hours: float, cap_days: float) -> timedelta:
    hours = min(median_hours * math.exp(rng.gauss(0, 1.0)), cap_days * 24)
    return timedelta(hours=max(hours, 0.1))


def tell(story: CaseStory, rng: random.Random, pace: Pace) -> None:
    """Play the case from its submission (already on ``story``) to where ``end`` stops it."""
    row, cal, lang = story.row, story.calendar, story.row["lang"]
    first = row["name"].split()[0] if row["name"] else ""
    created = row["created_at"]
    answered_at = cal.add_working_time(created, pace.first_answer)
    agent = pace.agent
    if agent is None:
        return  # nobody to answer: stays new (only without any demo agent)
    triage = cal.add_working_time(created, pace.first_answer * rng.uniform(0.05, 0.9))
    moves = _keep_promise(story, answered_at, pace)
    for moment, due in moves:
        if moment < triage:
            story.move_promise(moment, due)
    if rng.random() < 0.93:
        story.assign(triage, agent)
    if pace.priority != "normal":
        story.prioritise(triage, agent, pace.priority)
    for moment, due in moves:
        if moment >= triage:
            story.move_promise(moment, due)

    path = rng.random()
    if path < 0.36:  # answered and solved in one reply
        if not story.reply(
            answered_at,
            agent,
            replies.agent_reply(rng, lang, pace.outcome, first, agent.name),
            "resolved",
        ):
            return  # fmt: skip
    else:
        asks = path > 0.74
        step = "ask" if asks else "first"
        if not story.reply(
            answered_at,
            agent,
            replies.agent_reply(rng, lang, step, first, agent.name),
            "waiting" if asks else None,
        ):
            return  # fmt: skip
        moment = answered_at
        if rng.random() < 0.15:
            moment = cal.add_working_time(moment, _working(rng, 1.5))
            story.note(moment, agent, replies.internal_note(rng, lang))
        if asks:
            if rng.random() < 0.1:  # the customer never answers
                story.auto_close(cal.add_working_time(answered_at, WAITING_CLOSE_AFTER))
                return
            moment = answered_at + _calendar_delay(rng, 18, 9)
            if not story.customer_writes(moment, replies.customer_answer(rng, lang, pace.order)):
                return
        moment = cal.add_working_time(moment, _working(rng, 5 if asks else 10))
        text = replies.agent_reply(rng, lang, pace.outcome, first, agent.name)
        if not story.reply(moment, agent, text, "resolved"):
            return
    promised = row["original_promised_at"] or row["promised_at"]
    _verdict(story, rng, pace, late=row["first_response_at"] > promised)


def _keep_promise(
    story: CaseStory, answered_at: datetime, pace: Pace
) -> list[tuple[datetime, datetime]]:
    """``sla.keeping`` until the first answer: before each promise the agents are warned (a
    ``JobRun``, recorded here) and, if the answer is still not there, the customer is told a new
    time — again before that one passes, as often as it takes. Returns the moves (moment, new
    time) up to the end, for ``tell`` to play in order."""
    cal, due = story.calendar, story.row["promised_at"]
    moves: list[tuple[datetime, datetime]] = []
    while True:
        left = cal.working_time_between(answered_at, due)
        if left < BREACH_WARNING_BEFORE:
            warned = working_time_before(cal, due, BREACH_WARNING_BEFORE)
            story.job_done(BREACH_WARNING, due, max(warned, story.row["created_at"]))
        if left > LATE_UPDATE_BEFORE:
            return moves
        moment = late_update_moment(cal, due)
        if answered_at <= moment or moment > story.end:
            return moves
        later = cal.add_working_time(moment, LATE_UPDATE_MARGIN + pace.queue_allowance)
        if later <= due:
            later = cal.add_working_time(due, LATE_UPDATE_MARGIN)
        moves.append((moment, later))
        due = later


def _rating(rng: random.Random, solved: bool, late: bool) -> int | None:
    if rng.random() > (0.85 if solved else 0.7):
        return None
    weights = (38, 33, 21, 6, 2)
    if solved:
        weights = (3, 4, 12, 36, 45) if late else (1, 2, 7, 32, 58)
    return rng.choices((1, 2, 3, 4, 5), weights)[0]


def _verdict(story: CaseStory, rng: random.Random, pace: Pace, late: bool) -> None:
    """The customer's answer to "Is your problem solved?" (for about four in ten cases)."""
    row, cal, lang = story.row, story.calendar, story.row["lang"]
    agent = pace.agent
    assert agent is not None
    for round_ in range(2):
        resolved_at = row["resolved_at"]
        if rng.random() < (0.012 if round_ == 0 and pace.allow_follow_up else 0.0):
            # "Not solved", three weeks later: too late to reopen, so a follow-up case opens.
            moment = resolved_at + timedelta(days=rng.uniform(15, 40))
            story.answer(moment, False, _rating(rng, False, late),
                         replies.feedback_comment(rng, lang, False))  # fmt: skip
            return
        if rng.random() > (0.42 if round_ == 0 else 0.3):
            return
        solved = rng.random() < (0.74 if late else 0.86)
        rating = _rating(rng, solved, late)
        comment = replies.feedback_comment(rng, lang, solved) if rng.random() < 0.35 else ""
        moment = resolved_at + _calendar_delay(rng, 14, 12)
        if story.answer(moment, solved, rating, comment) != "reopened":
            return
        moment = cal.add_working_time(moment, _working(rng, 3))
        if not story.reply(
            moment, agent, replies.agent_reply(rng, lang, "again", first_name(row), agent.name)
        ):
            return  # fmt: skip
        moment = cal.add_working_time(moment, _working(rng, 8))
        text = replies.agent_reply(rng, lang, pace.outcome, first_name(row), agent.name)
        if not story.reply(moment, agent, text, "resolved"):
            return


def first_name(row: dict[str, Any]) -> str:
    return row["name"].split()[0] if row["name"] else ""
