"""Training's commands, one function each: load the training, ask the domain, record. `cmd` is the checked
command, typed as the domain reads it; `uow` is the command's unit of work (its transaction, the training
views as `views`, the school calendars as `calendars`, the schools known from inventory as `schools`, the
certification threshold as `certification_percent()`)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from shared.calendar import local_date
from shared.commands import Loaded, UnitOfWork, command, new_id
from shared.errors import CommandRejected
from shared.events import now

from . import domain, schemas


def _training(uow: UnitOfWork, training_id: str) -> Loaded:
    return uow.load(domain.training_stream(training_id), domain.evolve_training, domain.Training(training_id))


def _session_training(uow: UnitOfWork, session_id: str) -> Loaded:
    """The training a session belongs to."""
    training_id = uow.views.session_training(uow.conn, session_id)
    if training_id is None:
        raise CommandRejected("unknown_session", f"Session {session_id} was never scheduled.")
    return _training(uow, training_id)


def _today(uow: UnitOfWork) -> date:
    """The day a command speaks of, in the province's time: its occurred_at, or now."""
    return local_date(uow.at)


@command(schemas.LoadSchoolCalendar, domain.LoadSchoolCalendar)
def load_school_calendar(cmd: domain.LoadSchoolCalendar, uow: UnitOfWork):
    """Store the province's school calendar for a school year (a new version replaces the previous
    one) and name the scheduled sessions it now overlaps."""
    periods, year = list(cmd.periods), cmd.school_year
    uow.calendars.load(uow.conn, year, periods, uow.ctx.actor["user"], now().isoformat())
    overlapping = []
    for s in uow.views.open_sessions_of_year(uow.conn, year):
        hit = domain.calendar_conflicts(periods, date.fromisoformat(s["starts_on"]), date.fromisoformat(s["ends_on"]))
        if hit:
            overlapping.append({"session_id": s["session_id"], "training_id": s["training_id"],
                                "starts_on": s["starts_on"], "ends_on": s["ends_on"],
                                "periods": [p.name for p in hit]})
    return dict(uow.calendars.current(uow.conn, year), sessions_overlapping=overlapping)


@command(schemas.PlanTraining, domain.PlanTraining)
def plan_training(cmd: domain.PlanTraining, uow: UnitOfWork):
    training = _training(uow, cmd.training_id or new_id())
    return uow.record(training, domain.plan_training(training.state, cmd))


@command(schemas.ScheduleSession, domain.ScheduleSession)
def schedule_session(cmd: domain.ScheduleSession, uow: UnitOfWork):
    """Schedule a session; refused over the school calendar unless an override reason is given."""
    cmd = replace(cmd, session_id=cmd.session_id or new_id())
    training = _training(uow, cmd.training_id)
    state = training.state
    calendar = uow.calendars.periods(uow.conn, state.school_year) if state.planned else None
    taken = uow.views.session_training(uow.conn, cmd.session_id) is not None
    recorded = uow.record(training, domain.schedule_session(state, cmd, calendar[1] if calendar else None, taken))
    reason = cmd.calendar_override_reason
    if reason:
        overlapped = domain.calendar_conflicts(calendar[1], cmd.starts_on, cmd.ends_on) if calendar else []
        if calendar is None or overlapped:
            uow.calendars.record_override(uow.conn, cmd.session_id, cmd.training_id, reason.strip(),
                                          calendar[0] if calendar else None, overlapped, uow.ctx.actor["user"],
                                          recorded[0]["recorded_at"])
    return recorded


@command(schemas.InviteParticipants, domain.InviteParticipants)
def invite_participants(cmd: domain.InviteParticipants, uow: UnitOfWork):
    codes = {p.school_code for p in cmd.participants if p.school_code}
    training = _session_training(uow, cmd.session_id)
    return uow.record(training, domain.invite_participants(training.state, cmd.session_id, cmd.participants,
                                                           uow.schools.known(uow.conn, codes)))


@command(schemas.RecordAttendance, domain.RecordAttendance)
def record_attendance(cmd: domain.RecordAttendance, uow: UnitOfWork):
    training = _session_training(uow, cmd.session_id)
    return uow.record(training, domain.record_attendance(training.state, cmd.session_id, cmd.day, cmd.attendance,
                                                         _today(uow)))


@command(schemas.CompleteSession, domain.CompleteSession)
def complete_session(cmd: domain.CompleteSession, uow: UnitOfWork):
    training = _session_training(uow, cmd.session_id)
    return uow.record(training, domain.complete_session(training.state, cmd.session_id, _today(uow)))


@command(schemas.CancelSession, domain.CancelSession)
def cancel_session(cmd: domain.CancelSession, uow: UnitOfWork):
    training = _session_training(uow, cmd.session_id)
    return uow.record(training, domain.cancel_session(training.state, cmd.session_id, cmd.reason))


@command(schemas.EvaluateTraining, domain.EvaluateTraining)
def evaluate_training(cmd: domain.EvaluateTraining, uow: UnitOfWork):
    training = _training(uow, cmd.training_id)
    return uow.record(training, domain.evaluate_training(training.state, cmd))


@command(schemas.AwardCertificates, domain.AwardCertificates)
def award_certificates(cmd: domain.AwardCertificates, uow: UnitOfWork):
    """Certify the named staff (all or none), or everyone eligible if none is named."""
    percent = uow.certification_percent()
    training = _training(uow, cmd.training_id)
    state = training.state
    prefix = f"{uow.store.province_code}-{state.school_year}"
    first = uow.views.certificates_in_year(uow.conn, state.school_year) + 1 if state.planned else 1
    return uow.record(training, domain.award_certificates(state, cmd.staff_ids, percent, prefix, first))
