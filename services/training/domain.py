"""Training's rules, as pure functions: no broker, no database.

One aggregate, the training (`training:<training_id>`): its plan, its sessions,
who is invited to each session, their attendance and the certificates awarded.
Sessions live inside their training because certification is decided over all
of a training's sessions at once (80% of the days, never twice): one stream
gives that decision one consistent history.

The province's school calendar is configuration, not an aggregate: the
service reads it and hands its periods to `schedule_session`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from shared.commands import typed_parts
from shared.errors import CommandRejected
from shared.events import Event, stream

MODALITIES = ("in_person", "remote", "certifying")
AUDIENCES = ("teachers", "directors", "inspectors", "trainers", "other")
ROLES = ("teacher", "director", "inspector", "trainer", "other")
ATTENDANCE_STATUSES = ("present", "absent", "excused")
PERIOD_KINDS = ("school_start", "exam", "holiday")
# Staff attached to a school by their job: they are invited with its code.
ROLES_AT_A_SCHOOL = ("teacher", "director")
DEFAULT_CERTIFICATION_PERCENT = 80

PERIOD_WORDS = {"school_start": "school-start period", "exam": "exam period", "holiday": "holiday"}


training_stream = stream("training")


def school_year_bounds(school_year: str) -> tuple[date, date]:
    """1 September to 31 August, both included."""
    first = int(school_year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def days(starts_on: date, ends_on: date) -> list[date]:
    return [starts_on + timedelta(days=i) for i in range((ends_on - starts_on).days + 1)]


# ---------------------------------------------------------------- school calendar

@dataclass(frozen=True)
class CalendarPeriod:
    kind: str  # school_start, exam, holiday
    name: str
    starts_on: date
    ends_on: date

    def overlaps(self, starts_on: date, ends_on: date) -> bool:
        # Both ends included: a session on a period's first or last day overlaps it.
        return starts_on <= self.ends_on and self.starts_on <= ends_on

    def describe(self) -> str:
        return (f"{PERIOD_WORDS.get(self.kind, self.kind)} '{self.name}' "
                f"({self.starts_on.isoformat()} to {self.ends_on.isoformat()})")


def calendar_conflicts(periods: Iterable[CalendarPeriod], starts_on: date, ends_on: date) -> list[CalendarPeriod]:
    """The periods of the school calendar that the dates touch, earliest first."""
    return sorted((p for p in periods if p.overlaps(starts_on, ends_on)), key=lambda p: (p.starts_on, p.name))


# ---------------------------------------------------------------- the commands, as the rules read them
# Made from the checked fields of `schemas.py`; when the fact happened comes with the command's context.

@dataclass(frozen=True)
class LoadSchoolCalendar:
    school_year: str
    periods: tuple[CalendarPeriod, ...]

    def __post_init__(self):
        typed_parts(self, "periods", CalendarPeriod)


@dataclass(frozen=True)
class PlanTraining:
    title: str
    modality: str
    audience: str
    planned_participants: int
    school_year: str
    training_id: str | None = None  # None: a new id


@dataclass(frozen=True)
class ScheduleSession:
    training_id: str
    starts_on: date
    ends_on: date
    hours: float
    venue: str
    session_id: str | None = None  # None: a new id
    calendar_override_reason: str | None = None  # schedules it over the school calendar anyway


@dataclass(frozen=True)
class Participant:
    staff_id: str
    name: str
    role: str
    school_code: str | None = None  # required of the staff of a school (ROLES_AT_A_SCHOOL)


@dataclass(frozen=True)
class InviteParticipants:
    session_id: str
    participants: tuple[Participant, ...]

    def __post_init__(self):
        typed_parts(self, "participants", Participant)


@dataclass(frozen=True)
class AttendanceMark:
    staff_id: str
    status: str  # present, absent, excused


@dataclass(frozen=True)
class RecordAttendance:
    session_id: str
    day: date
    attendance: tuple[AttendanceMark, ...]

    def __post_init__(self):
        typed_parts(self, "attendance", AttendanceMark)


@dataclass(frozen=True)
class CompleteSession:
    session_id: str


@dataclass(frozen=True)
class CancelSession:
    session_id: str
    reason: str


@dataclass(frozen=True)
class EvaluateTraining:
    training_id: str
    respondents: int
    mean_score: float
    remarks: str = ""


@dataclass(frozen=True)
class AwardCertificates:
    training_id: str
    staff_ids: list[str] | None = None  # None: everyone eligible and not yet certified


# ---------------------------------------------------------------- the training aggregate

@dataclass(frozen=True)
class Session:
    session_id: str
    starts_on: date
    ends_on: date
    hours: float
    venue: str
    status: str = "scheduled"  # completed, cancelled
    invited: Mapping[str, Participant] = field(default_factory=dict)
    attendance: Mapping[tuple[str, date], str] = field(default_factory=dict)  # (staff_id, day) -> status

    @property
    def days(self) -> list[date]:
        return days(self.starts_on, self.ends_on)


@dataclass(frozen=True)
class Training:
    training_id: str
    planned: bool = False
    title: str = ""
    modality: str = ""
    audience: str = ""
    planned_participants: int = 0
    school_year: str = ""
    sessions: Mapping[str, Session] = field(default_factory=dict)
    certificates: Mapping[str, str] = field(default_factory=dict)  # staff_id -> certificate_no
    evaluation: Mapping | None = None  # the latest: respondents, mean_score, remarks


def _with_session(state: Training, session_id: str, change) -> Training:
    session = state.sessions[session_id]
    return replace(state, sessions={**state.sessions, session_id: change(session)})


def evolve_training(state: Training, envelope: dict) -> Training:
    kind, d = envelope["event_type"], envelope["data"]
    if kind == "training_planned":
        return replace(state, planned=True, title=d["title"], modality=d["modality"], audience=d["audience"],
                       planned_participants=d["planned_participants"], school_year=d["school_year"])
    if kind == "session_scheduled":
        session = Session(d["session_id"], date.fromisoformat(d["starts_on"]), date.fromisoformat(d["ends_on"]),
                          d["hours"], d["venue"])
        return replace(state, sessions={**state.sessions, session.session_id: session})
    if kind == "participant_invited":
        who = Participant(d["staff_id"], d["name"], d["role"], d["school_code"])
        return _with_session(state, d["session_id"], lambda s: replace(s, invited={**s.invited, who.staff_id: who}))
    if kind == "attendance_recorded":
        key = (d["staff_id"], date.fromisoformat(d["day"]))
        return _with_session(state, d["session_id"],
                             lambda s: replace(s, attendance={**s.attendance, key: d["status"]}))
    if kind == "session_completed":
        return _with_session(state, d["session_id"], lambda s: replace(s, status="completed"))
    if kind == "session_cancelled":
        return _with_session(state, d["session_id"], lambda s: replace(s, status="cancelled"))
    if kind == "certification_awarded":
        return replace(state, certificates={**state.certificates, d["staff_id"]: d["certificate_no"]})
    if kind == "training_evaluated":
        return replace(state, evaluation={k: d[k] for k in ("respondents", "mean_score", "remarks")})
    return state


def _planned(state: Training) -> Training:
    if not state.planned:
        raise CommandRejected("unknown_training", f"Training {state.training_id} was never planned.")
    return state


def _session(state: Training, session_id: str) -> Session:
    _planned(state)
    session = state.sessions.get(session_id)
    if session is None:
        raise CommandRejected("unknown_session", f"Session {session_id} is not a session of {state.training_id}.")
    return session


def _scheduled_session(state: Training, session_id: str) -> Session:
    """A session that still takes invitations and can be completed or cancelled."""
    session = _session(state, session_id)
    if session.status == "cancelled":
        raise CommandRejected("session_cancelled", f"Session {session_id} is cancelled.")
    if session.status == "completed":
        raise CommandRejected("session_completed", f"Session {session_id} is already completed.")
    return session


# ---------------------------------------------------------------- planning

def plan_training(state: Training, cmd: PlanTraining) -> list[Event]:
    if state.planned:
        raise CommandRejected("training_already_planned", f"Training {state.training_id} is already planned.")
    return [Event("training_planned", {
        "training_id": state.training_id, "title": cmd.title, "modality": cmd.modality,
        "audience": cmd.audience, "planned_participants": cmd.planned_participants,
        "school_year": cmd.school_year,
    })]


def schedule_session(state: Training, cmd: ScheduleSession, calendar: Sequence[CalendarPeriod] | None,
                     session_taken: bool) -> list[Event]:
    """Schedule a session around the school calendar.

    `cmd` names its session (a new id is given before); `calendar` is the
    school year's periods, or None if none was loaded;
    `session_taken` says whether the session id is already used anywhere.
    An override reason lets a session through the calendar, never outside
    the training's school year.
    """
    _planned(state)
    session_id, starts_on, ends_on = cmd.session_id, cmd.starts_on, cmd.ends_on
    if session_taken or session_id in state.sessions:
        raise CommandRejected("session_already_scheduled", f"Session {session_id} is already scheduled.")
    first, last = school_year_bounds(state.school_year)
    if starts_on < first or ends_on > last:
        raise CommandRejected("session_outside_school_year",
                              f"The session ({starts_on} to {ends_on}) is not inside school year "
                              f"{state.school_year} ({first} to {last}) of the training.")
    if not cmd.calendar_override_reason:
        if calendar is None:
            raise CommandRejected("school_calendar_not_loaded",
                                  f"No school calendar is loaded for {state.school_year}: load it, or give an "
                                  f"override reason to schedule without it.")
        conflicts = calendar_conflicts(calendar, starts_on, ends_on)
        if conflicts:
            raise CommandRejected("session_overlaps_school_calendar",
                                  f"The session ({starts_on} to {ends_on}) overlaps the "
                                  + "; the ".join(p.describe() for p in conflicts)
                                  + ". Choose other dates, or give an override reason.")
    return [Event("session_scheduled", {
        "session_id": session_id, "training_id": state.training_id, "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(), "hours": cmd.hours, "venue": cmd.venue,
    })]


# ---------------------------------------------------------------- invitations and attendance

def invite_participants(state: Training, session_id: str, participants: Iterable[Participant],
                        registered_schools: set[str]) -> list[Event]:
    """Invite staff to a scheduled session. Inviting someone again with the same
    details records nothing; with other details it is refused."""
    session = _scheduled_session(state, session_id)
    events = []
    for who in participants:
        code = who.school_code
        if code is not None and code not in registered_schools:
            raise CommandRejected("unknown_school",
                                  f"School {code} (of {who.staff_id}) is not registered in the inventory.")
        already = session.invited.get(who.staff_id)
        if already == who:
            continue
        if already is not None:
            raise CommandRejected("participant_already_invited",
                                  f"{who.staff_id} is already invited to {session_id} as {already.name} "
                                  f"({already.role}, school {already.school_code}).")
        events.append(Event("participant_invited", {
            "session_id": session_id, "staff_id": who.staff_id, "name": who.name, "role": who.role,
            "school_code": code,
        }))
    return events


def record_attendance(state: Training, session_id: str, day: date, marks: Iterable[AttendanceMark],
                      today: date) -> list[Event]:
    """One day's attendance sheet of a session.

    Sheets are often typed in after the session, so a completed session still
    takes them; a cancelled one does not. A day is recorded once per person:
    the same mark again records nothing, a different one is refused (every
    record counts in the attendance rate).
    """
    session = _session(state, session_id)
    if session.status == "cancelled":
        raise CommandRejected("session_cancelled", f"Session {session_id} is cancelled.")
    if not session.starts_on <= day <= session.ends_on:
        raise CommandRejected("day_outside_session",
                              f"{day} is not a day of session {session_id} "
                              f"({session.starts_on} to {session.ends_on}).")
    if day > today:
        raise CommandRejected("attendance_day_in_future", f"Attendance of {day} cannot be recorded on {today}.")
    events = []
    for mark in marks:
        staff_id, status = mark.staff_id, mark.status
        if staff_id not in session.invited:
            raise CommandRejected("participant_not_invited", f"{staff_id} is not invited to session {session_id}.")
        already = session.attendance.get((staff_id, day))
        if already == status:
            continue
        if already is not None:
            raise CommandRejected("attendance_already_recorded",
                                  f"{staff_id} is already recorded {already} on {day} in session {session_id}.")
        events.append(Event("attendance_recorded", {
            "session_id": session_id, "staff_id": staff_id, "day": day.isoformat(), "status": status,
        }))
    return events


# ---------------------------------------------------------------- closing a session

def complete_session(state: Training, session_id: str, today: date) -> list[Event]:
    session = _scheduled_session(state, session_id)
    if today < session.ends_on:
        raise CommandRejected("session_not_over",
                              f"Session {session_id} ends on {session.ends_on}; it cannot be completed on {today}.")
    return [Event("session_completed", {"session_id": session_id})]


def cancel_session(state: Training, session_id: str, reason: str) -> list[Event]:
    _scheduled_session(state, session_id)
    return [Event("session_cancelled", {"session_id": session_id, "reason": reason})]


# ---------------------------------------------------------------- evaluation

def evaluate_training(state: Training, cmd: EvaluateTraining) -> list[Event]:
    """The participants' evaluation of a training, once one of its sessions is completed; a later one replaces it."""
    _planned(state)
    if not any(s.status == "completed" for s in state.sessions.values()):
        raise CommandRejected("no_session_completed",
                              f"No session of training {state.training_id} is completed yet: evaluate it after one.")
    return [Event("training_evaluated", {
        "training_id": state.training_id, "respondents": cmd.respondents,
        "mean_score": float(cmd.mean_score), "remarks": cmd.remarks})]


# ---------------------------------------------------------------- certification

@dataclass(frozen=True)
class AttendanceTally:
    """A person's attendance over the sessions of a training they were invited to."""

    staff_id: str
    present_days: int
    session_days: int  # days of their completed sessions
    open_sessions: tuple[str, ...]  # their sessions not yet completed nor cancelled

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.present_days, self.session_days) if self.session_days else None

    def meets(self, percent) -> bool:
        # Exact arithmetic: 4 days of 5 is 80%, not 79.99…
        return self.session_days > 0 and self.rate * 100 >= Fraction(str(percent))


def attendance_tally(state: Training, staff_id: str) -> AttendanceTally:
    """Cancelled sessions do not count; each day of a completed session does."""
    mine = [s for s in state.sessions.values() if staff_id in s.invited and s.status != "cancelled"]
    done = [s for s in mine if s.status == "completed"]
    present = sum(1 for s in done for d in s.days if s.attendance.get((staff_id, d)) == "present")
    return AttendanceTally(staff_id, present, sum(len(s.days) for s in done),
                           tuple(sorted(s.session_id for s in mine if s.status == "scheduled")))


def participants(state: Training) -> list[str]:
    return sorted({staff for s in state.sessions.values() for staff in s.invited})


def certificate_number(prefix: str, sequence: int) -> str:
    return f"{prefix}-{sequence:04d}"


def award_certificates(state: Training, staff_ids: Sequence[str] | None, percent, prefix: str,
                       next_sequence: int) -> list[Event]:
    """Certify the named staff, or, with None, everyone eligible and not yet certified.

    Eligible: invited to the training, none of their sessions still open, and
    present on at least `percent`% of the days of their completed sessions.
    Certificate numbers are `<prefix>-0001`, … from `next_sequence`.
    """
    _planned(state)
    if state.modality != "certifying":
        raise CommandRejected("training_not_certifying",
                              f"Training {state.training_id} is {state.modality.replace('_', ' ')}, not certifying.")
    if staff_ids is None:
        chosen = [s for s in participants(state)
                  if s not in state.certificates and _eligible(attendance_tally(state, s), percent)]
        if not chosen:
            raise CommandRejected("no_one_to_certify",
                                  f"No participant of {state.training_id} is eligible and not yet certified.")
    else:
        chosen = list(staff_ids)
        invited = set(participants(state))
        for staff_id in chosen:
            if staff_id in state.certificates:
                raise CommandRejected("already_certified",
                                      f"{staff_id} already holds certificate {state.certificates[staff_id]} "
                                      f"for {state.training_id}.")
            if staff_id not in invited:
                raise CommandRejected("participant_not_invited",
                                      f"{staff_id} was never invited to {state.training_id}.")
            tally = attendance_tally(state, staff_id)
            if tally.open_sessions:
                raise CommandRejected("sessions_still_open",
                                      f"{staff_id} is invited to sessions not yet completed: "
                                      f"{', '.join(tally.open_sessions)}.")
            if not tally.meets(percent):
                shown = f"{float(tally.rate) * 100:.0f}%" if tally.rate is not None else "no completed day"
                raise CommandRejected("attendance_below_threshold",
                                      f"{staff_id} was present {tally.present_days} of {tally.session_days} "
                                      f"days ({shown}); certification needs {percent}%.")
    return [Event("certification_awarded", {
        "training_id": state.training_id, "staff_id": staff_id,
        "certificate_no": certificate_number(prefix, next_sequence + i),
    }) for i, staff_id in enumerate(chosen)]


def _eligible(tally: AttendanceTally, percent) -> bool:
    return not tally.open_sessions and tally.meets(percent)
