"""Training over RPC: plans, sessions around the school calendar, invitations,
attendance, certification and the annual summary.

Each command is a function of `handlers.py`, exposed here as the RPC method
of its name. The schools come from inventory's log through the projector:
the bus is the fast path, the catch-up timer the safety net.
"""
from __future__ import annotations

import os
from fractions import Fraction

from nameko.dependency_providers import Config
from nameko.rpc import rpc

from shared import db
from shared.commands import execute, parse, parse_command
from shared.errors import CommandRejected, InvalidCommand
from shared.service import EventLog, EventSourced, ProjectorDependency, answers, expose_commands, follow

from . import documents, domain, handlers, schemas
from .school_calendar import CalendarConfig, SchoolCalendars
from .views import RegisteredSchools, TrainingViews

# The share of their session days a participant must attend to be certified, in percent.
CERTIFICATION_PERCENT = "TRAINING_CERTIFICATION_PERCENT"


@expose_commands(handlers)
class TrainingService(EventSourced):
    name = "training"
    kept_tables = SchoolCalendars().metadata  # migrated, not rebuilt from the log
    log = EventLog(views=TrainingViews)
    schools = ProjectorDependency(RegisteredSchools)
    calendars = CalendarConfig()
    config = Config()
    parts = {"calendars": "calendars", "schools": "schools.projection",
             "certification_percent": "_certification_percent"}
    # A training's sessions run side by side (one session's attendance entered after another's later day),
    # but nothing of it is dated before it was planned.
    founded_streams = ("training:",)

    # ---------------------------------------------------------------- the schools, from inventory

    on_inventory_event, catch_up = follow("training", "inventory", "schools")

    @rpc
    def registered_schools(self):
        with db.reading(self.schools.engine) as conn:
            return list(self.schools.projection.by_code(conn).values())

    # ---------------------------------------------------------------- school calendar

    @rpc
    def school_calendar(self, school_year):
        return self.read(self.calendars.current, schemas.school_year(school_year))

    # ---------------------------------------------------------------- trainings and sessions

    @rpc
    def invite_participants(self, command, meta=None):
        """A school registered a moment ago may still be on its way: inventory's log is read first."""
        cmd, ctx = parse_command(handlers.invite_participants, command, meta)
        self._learn_schools({p.school_code for p in cmd.participants if p.school_code})
        return execute(self.log, handlers.invite_participants, cmd, ctx, **self.unit_parts())

    # ---------------------------------------------------------------- queries

    training = answers("training")
    staff = answers("staff_directory", "The staff training knows from its invitations, to search and pick.")

    @rpc
    def trainings(self, school_year=None):
        return self.read(self.views.trainings_of, schemas.school_year(school_year) if school_year is not None else None)

    @rpc
    def session(self, session_id):
        with db.reading(self.log.engine) as conn:
            session = self.views.session(conn, session_id)
            if session is not None:
                session["calendar_override"] = self.calendars.override(conn, session_id)
            return session

    @rpc
    def certification_status(self, training_id):
        """Each participant's attendance over their completed session days, and what it allows."""
        state = self._training_state(training_id)
        percent = self._certification_percent()
        answer = []
        for staff_id in domain.participants(state):
            tally = domain.attendance_tally(state, staff_id)
            answer.append({
                "staff_id": staff_id, "present_days": tally.present_days, "session_days": tally.session_days,
                "rate": round(float(tally.rate) * 100, 1) if tally.rate is not None else None,
                "open_sessions": list(tally.open_sessions),
                "eligible": state.modality == "certifying" and not tally.open_sessions and tally.meets(percent),
                "certificate_no": state.certificates.get(staff_id),
            })
        return {"training_id": training_id, "modality": state.modality, "required_percent": percent,
                "participants": answer}

    @rpc
    def evaluation(self, training_id):
        """The training's latest evaluation (respondents, mean score, remarks), None before one: from the
        training's own events, which the read models do not keep."""
        evaluation = self._training_state(training_id).evaluation
        return dict(evaluation) if evaluation else None

    @rpc
    def convocation_list(self, session_id, format="csv", lang="fr", staff_ids=None):
        """The session's convocation list: CSV, or a printable HTML page; Arabic or French. With `staff_ids`,
        only those participants: the ones a reader limited to some schools may see."""
        asked = parse(schemas.DocumentRequest(), {"format": format, "lang": lang})
        with db.reading(self.log.engine) as conn:
            session = self.views.session(conn, session_id)
            if session is None:
                raise CommandRejected("unknown_session", f"Session {session_id} was never scheduled.")
            training = self.views.training(conn, session["training_id"])
            participants = session["participants"]
            if staff_ids is not None:
                shown = set(staff_ids)
                participants = [p for p in participants if p["staff_id"] in shown]
            schools = self.schools.projection.by_code(conn, {p["school_code"] for p in participants})
        if asked["format"] == "csv":
            return documents.convocation_csv(session, participants, schools, asked["lang"])
        return documents.convocation_html(training, session, participants, schools, asked["lang"],
                                          self.log.province_code)

    @rpc
    def annual_summary(self, school_year):
        """The annual summary (حصيلة سنوية) of a school year."""
        year = schemas.school_year(school_year)
        return self.read(self.views.annual_summary, year)

    @rpc
    def annual_summary_page(self, school_year, lang="fr"):
        year = schemas.school_year(school_year)
        asked = parse(schemas.DocumentRequest(), {"lang": lang})
        summary = self.read(self.views.annual_summary, year)
        return documents.annual_summary_html(summary, asked["lang"], self.log.province_code)

    # ---------------------------------------------------------------- operations

    @rpc
    def health(self):
        return self.health_with("degraded", schools_view=dict(self.schools.status(),
                                                              deliveries=dict(self.schools.outcomes)))

    @rpc
    def rebuild(self):
        """Rebuild the read models: training's own from its log, the schools from inventory's."""
        with self.log.transaction() as tx:
            applied = tx.rebuild_views()
        return {"training": applied, "schools": self.schools.rebuild()}

    # ---------------------------------------------------------------- helpers

    def _learn_schools(self, codes: set[str]) -> None:
        """A school registered a moment ago may still be on its way: read inventory's log before refusing."""
        if not codes:
            return
        with db.reading(self.schools.engine) as conn:
            missing = codes - self.schools.projection.known(conn, codes)
        if missing:
            self.schools.catch_up(["inventory"])

    def _training_state(self, training_id: str) -> domain.Training:
        state = domain.Training(training_id)
        for env in self.log.read_stream(domain.training_stream(training_id)):
            state = domain.evolve_training(state, env)
        if not state.planned:
            raise CommandRejected("unknown_training", f"Training {training_id} was never planned.")
        return state

    def _certification_percent(self):
        value = self.config.get(CERTIFICATION_PERCENT, os.environ.get(CERTIFICATION_PERCENT))
        if value is None:
            return domain.DEFAULT_CERTIFICATION_PERCENT
        try:
            percent = Fraction(str(value))
        except (ValueError, ZeroDivisionError):
            percent = None
        if percent is None or not 0 < percent <= 100:
            raise InvalidCommand({CERTIFICATION_PERCENT: [
                f"Must be a percentage above 0 and at most 100, not {value!r}."]})
        return int(percent) if percent.denominator == 1 else float(percent)

