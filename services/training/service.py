"""Training over RPC: plans, sessions around the school calendar, invitations,
attendance, certification and the annual summary.

Each command: validate, load the training, decide, append (with the read
models, in one transaction). The schools come from inventory's log through
the projector: the bus is the fast path, the catch-up timer the safety net.
"""
from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from datetime import date
from fractions import Fraction

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select

from shared import db
from shared.calendar import local_date
from shared.commands import context, parse
from shared.errors import CommandRejected, InvalidCommand
from shared.events import Context, now
from shared.service import EventLog, EventSourced, ProjectorDependency, consume_events, source_queue

from . import documents, domain, schemas
from .school_calendar import CalendarConfig, SchoolCalendars
from .views import RegisteredSchools, TrainingViews

# The share of their session days a participant must attend to be certified, in percent.
CERTIFICATION_PERCENT = "TRAINING_CERTIFICATION_PERCENT"


class Deliveries(DependencyProvider):
    """What became of each message from the bus since the service started (applied, duplicate, …)."""

    def setup(self):
        self.counts = Counter()

    def get_dependency(self, worker_ctx):
        return self.counts


class TrainingService(EventSourced):
    name = "training"
    kept_tables = SchoolCalendars().metadata  # migrated, not rebuilt from the log
    log = EventLog(views=TrainingViews)
    schools = ProjectorDependency(RegisteredSchools)
    calendars = CalendarConfig()
    config = Config()
    deliveries = Deliveries()

    @property
    def views(self) -> TrainingViews:
        return self.log.views

    # ---------------------------------------------------------------- the schools, from inventory

    @consume_events(source_queue("training", "inventory"))
    def on_inventory_event(self, body):
        self.deliveries[self.schools.handle(body)] += 1

    @timer(interval=10, eager=True)
    def catch_up(self):
        """The bus is the fast path; this reads what it missed from inventory's log."""
        self.schools.catch_up()

    @rpc
    def registered_schools(self):
        with db.reading(self.schools.engine) as conn:
            return list(self.schools.projection.by_code(conn).values())

    # ---------------------------------------------------------------- school calendar

    @rpc
    def load_school_calendar(self, command, meta=None):
        """Store the province's school calendar for a school year (a new version
        replaces the previous one) and name the scheduled sessions it now overlaps."""
        cmd = parse(schemas.LoadSchoolCalendar(), command)
        ctx = context(meta, cmd)
        periods = [domain.CalendarPeriod(p["kind"], p["name"], p["starts_on"], p["ends_on"]) for p in cmd["periods"]]
        year = cmd["school_year"]
        with self.log.transaction() as tx:
            self.calendars.load(tx.conn, year, periods, ctx.actor["user"], now().isoformat())
            overlapping = []
            for s in self.views.open_sessions_of_year(tx.conn, year):
                hit = domain.calendar_conflicts(periods, date.fromisoformat(s["starts_on"]),
                                                date.fromisoformat(s["ends_on"]))
                if hit:
                    overlapping.append({"session_id": s["session_id"], "training_id": s["training_id"],
                                        "starts_on": s["starts_on"], "ends_on": s["ends_on"],
                                        "periods": [p.name for p in hit]})
            calendar = self.calendars.current(tx.conn, year)
        return dict(calendar, sessions_overlapping=overlapping)

    @rpc
    def school_calendar(self, school_year):
        year = schemas.school_year(school_year)
        with db.reading(self.log.engine) as conn:
            return self.calendars.current(conn, year)

    # ---------------------------------------------------------------- trainings and sessions

    @rpc
    def plan_training(self, command, meta=None):
        cmd = parse(schemas.PlanTraining(), command)
        ctx = context(meta, cmd)
        training_id = cmd["training_id"] or str(uuid.uuid4())
        stream = domain.training_stream(training_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_training, domain.Training(training_id))
            return tx.append(stream, version, domain.plan_training(state, cmd), ctx)

    @rpc
    def schedule_session(self, command, meta=None):
        """Schedule a session; refused over the school calendar unless an override reason is given."""
        cmd = parse(schemas.ScheduleSession(), command)
        ctx = context(meta, cmd)
        cmd["session_id"] = cmd["session_id"] or str(uuid.uuid4())
        stream = domain.training_stream(cmd["training_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_training, domain.Training(cmd["training_id"]))
            calendar = self.calendars.periods(tx.conn, state.school_year) if state.planned else None
            taken = self.views.session_training(tx.conn, cmd["session_id"]) is not None
            events = domain.schedule_session(state, cmd, calendar[1] if calendar else None, taken)
            recorded = tx.append(stream, version, events, ctx)
            reason = cmd["calendar_override_reason"]
            if reason:
                overlapped = (domain.calendar_conflicts(calendar[1], cmd["starts_on"], cmd["ends_on"])
                              if calendar else [])
                if calendar is None or overlapped:
                    self.calendars.record_override(
                        tx.conn, cmd["session_id"], cmd["training_id"], reason.strip(),
                        calendar[0] if calendar else None, overlapped, ctx.actor["user"], recorded[0]["recorded_at"])
            return recorded

    @rpc
    def invite_participants(self, command, meta=None):
        cmd = parse(schemas.InviteParticipants(), command)
        ctx = context(meta, cmd)
        codes = {p["school_code"] for p in cmd["participants"] if p["school_code"]}
        self._learn_schools(codes)
        projection = self.schools.projection
        return self._on_session(cmd["session_id"], ctx, lambda tx, state: domain.invite_participants(
            state, cmd["session_id"], cmd["participants"], projection.known(tx.conn, codes)))

    @rpc
    def record_attendance(self, command, meta=None):
        cmd = parse(schemas.RecordAttendance(), command)
        ctx = context(meta, cmd)
        return self._on_session(cmd["session_id"], ctx, lambda tx, state: domain.record_attendance(
            state, cmd["session_id"], cmd["day"], cmd["attendance"], _today(ctx)))

    @rpc
    def complete_session(self, command, meta=None):
        cmd = parse(schemas.CompleteSession(), command)
        ctx = context(meta, cmd)
        return self._on_session(cmd["session_id"], ctx,
                                lambda tx, state: domain.complete_session(state, cmd["session_id"], _today(ctx)))

    @rpc
    def cancel_session(self, command, meta=None):
        cmd = parse(schemas.CancelSession(), command)
        ctx = context(meta, cmd)
        return self._on_session(cmd["session_id"], ctx,
                                lambda tx, state: domain.cancel_session(state, cmd["session_id"], cmd["reason"]))

    @rpc
    def evaluate_training(self, command, meta=None):
        cmd = parse(schemas.EvaluateTraining(), command)
        ctx = context(meta, cmd)
        stream = domain.training_stream(cmd["training_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_training, domain.Training(cmd["training_id"]))
            return tx.append(stream, version, domain.evaluate_training(state, cmd), ctx)

    @rpc
    def award_certificates(self, command, meta=None):
        """Certify the named staff (all or none), or everyone eligible if none is named."""
        cmd = parse(schemas.AwardCertificates(), command)
        ctx = context(meta, cmd)
        percent = self._certification_percent()
        stream = domain.training_stream(cmd["training_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_training, domain.Training(cmd["training_id"]))
            prefix = f"{self.log.province_code}-{state.school_year}"
            first = self.views.certificates_in_year(tx.conn, state.school_year) + 1 if state.planned else 1
            events = domain.award_certificates(state, cmd["staff_ids"], percent, prefix, first)
            return tx.append(stream, version, events, ctx)

    # ---------------------------------------------------------------- queries

    @rpc
    def training(self, training_id):
        with db.reading(self.log.engine) as conn:
            return self.views.training(conn, training_id)

    @rpc
    def trainings(self, school_year=None):
        year = schemas.school_year(school_year) if school_year is not None else None
        with db.reading(self.log.engine) as conn:
            return self.views.trainings_of(conn, year)

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
    def convocation_list(self, session_id, format="csv", lang="fr"):
        """The session's convocation list: CSV, or a printable HTML page; Arabic or French."""
        asked = parse(schemas.DocumentRequest(), {"format": format, "lang": lang})
        with db.reading(self.log.engine) as conn:
            session = self.views.session(conn, session_id)
            if session is None:
                raise CommandRejected("unknown_session", f"Session {session_id} was never scheduled.")
            training = self.views.training(conn, session["training_id"])
            participants = session["participants"]
            schools = self.schools.projection.by_code(conn, {p["school_code"] for p in participants})
        if asked["format"] == "csv":
            return documents.convocation_csv(session, participants, schools, asked["lang"])
        return documents.convocation_html(training, session, participants, schools, asked["lang"],
                                          self.log.province_code)

    @rpc
    def annual_summary(self, school_year):
        """The annual summary (حصيلة سنوية) of a school year."""
        year = schemas.school_year(school_year)
        with db.reading(self.log.engine) as conn:
            return self.views.annual_summary(conn, year)

    @rpc
    def annual_summary_page(self, school_year, lang="fr"):
        year = schemas.school_year(school_year)
        asked = parse(schemas.DocumentRequest(), {"lang": lang})
        with db.reading(self.log.engine) as conn:
            summary = self.views.annual_summary(conn, year)
        return documents.annual_summary_html(summary, asked["lang"], self.log.province_code)

    # ---------------------------------------------------------------- operations

    @rpc
    def health(self):
        answer = EventSourced.health(self)
        schools = self.schools.status()
        answer["schools_view"] = dict(schools, deliveries=dict(self.deliveries))
        if schools["stalled"]:
            answer["status"] = "degraded"
        return answer

    @rpc
    def rebuild(self):
        """Rebuild the read models: training's own from its log, the schools from inventory's."""
        store, views = self.log, self.views
        applied = 0
        with store.transaction() as tx:
            views.drop(tx.conn)
            after = 0
            while True:
                rows = tx.conn.execute(select(store.events.c.position, store.events.c.envelope)
                                       .where(store.events.c.position > after)
                                       .order_by(store.events.c.position).limit(1000)).all()
                if not rows:
                    break
                views.apply_many(tx.conn, [store.registry.read(json.loads(r.envelope), check=False) for r in rows])
                applied += len(rows)
                after = rows[-1].position
        return {"training": applied, "schools": self.schools.rebuild()}

    # ---------------------------------------------------------------- helpers

    def _on_session(self, session_id: str, ctx: Context, decide):
        """Load the training a session belongs to, decide, append."""
        with self.log.transaction() as tx:
            training_id = self.views.session_training(tx.conn, session_id)
            if training_id is None:
                raise CommandRejected("unknown_session", f"Session {session_id} was never scheduled.")
            stream = domain.training_stream(training_id)
            state, version = tx.load(stream, domain.evolve_training, domain.Training(training_id))
            return tx.append(stream, version, decide(tx, state), ctx)

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


def _today(ctx: Context) -> date:
    """The day a command speaks of, in the province's time: its occurred_at, or now."""
    return local_date(ctx.occurred_at or now())
