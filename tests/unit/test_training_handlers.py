"""Training's handlers without nameko or a database: the runner's parsing, then the handler on a unit of work
whose log is a list in memory, beside a school calendar and the schools known from inventory, in memory too."""
from datetime import date

import pytest

from services.training import domain, handlers
from services.training.domain import CalendarPeriod
from shared.commands import parse_command
from tests.helpers import MemoryLog, handle, refused, untyped_commands

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
YEAR = "2025-2026"


class Calendars:
    """The school calendars, each year's latest version, and the sessions let through them."""

    def __init__(self):
        self.years, self.overrides = {}, {}

    def load(self, conn, school_year, periods, loaded_by, loaded_at):
        version = self.years.get(school_year, (0, []))[0] + 1
        self.years[school_year] = (version, list(periods))

    def periods(self, conn, school_year):
        return self.years.get(school_year)

    def current(self, conn, school_year):
        version, periods = self.years[school_year]
        return {"school_year": school_year, "version": version, "periods": [p.name for p in periods]}

    def record_override(self, conn, session_id, training_id, reason, version, periods, by, at):
        self.overrides[session_id] = (reason, [p.name for p in periods])


class Schools:
    def known(self, conn, codes):
        return set(codes) & {"OED001", "OED002"}


class Trainings:
    """What the handlers ask of training's views, answered from the log in memory."""

    def __init__(self, log):
        self.log = log

    def _of(self, event_type):
        return [e["data"] for e in self.log.events() if e["event_type"] == event_type]

    def session_training(self, conn, session_id):
        return next((d["training_id"] for d in self._of("session_scheduled") if d["session_id"] == session_id), None)

    def open_sessions_of_year(self, conn, school_year):
        return []

    def certificates_in_year(self, conn, school_year):
        return len(self._of("certification_awarded"))


@pytest.fixture
def log():
    made = MemoryLog("training")
    made.views = Trainings(made)
    return made


@pytest.fixture
def calendars():
    return Calendars()


def run(log, calendars, handler, command):
    return handle(log, handler, command, COORDINATOR, calendars=calendars, schools=Schools(),
                  certification_percent=lambda: domain.DEFAULT_CERTIFICATION_PERCENT)


def test_every_command_is_typed_with_its_schemas_fields():
    assert untyped_commands(handlers) == {}


def test_the_runner_gives_the_handler_a_typed_command_and_its_parts():
    cmd, _ = parse_command(handlers.invite_participants, {"session_id": "S1", "participants": [
        {"staff_id": "P1", "name": "Amina", "role": "teacher", "school_code": "OED001"},
        {"staff_id": "I1", "name": "Said", "role": "inspector"}]}, COORDINATOR)
    assert cmd == domain.InviteParticipants("S1", (domain.Participant("P1", "Amina", "teacher", "OED001"),
                                                   domain.Participant("I1", "Said", "inspector", None)))
    cmd, _ = parse_command(handlers.load_school_calendar, {"school_year": YEAR, "periods": [
        {"kind": "holiday", "name": "Vacances", "starts_on": "2025-12-20", "ends_on": "2026-01-04"}]}, COORDINATOR)
    assert cmd.periods == (CalendarPeriod("holiday", "Vacances", date(2025, 12, 20), date(2026, 1, 4)),)


def planned(log, calendars, modality, period):
    """Training T1 of the year planned, once the year's calendar (one period) is loaded."""
    kind, name, starts_on, ends_on = period
    run(log, calendars, handlers.load_school_calendar, {"school_year": YEAR, "periods": [
        {"kind": kind, "name": name, "starts_on": starts_on, "ends_on": ends_on}]})
    run(log, calendars, handlers.plan_training, {
        "training_id": "T1", "title": "Intégration des TICE", "modality": modality, "audience": "teachers",
        "planned_participants": 20, "school_year": YEAR})


def test_a_certifying_training_from_its_plan_to_its_certificate(log, calendars):
    planned(log, calendars, "certifying", ("holiday", "Vacances", "2025-12-20", "2026-01-04"))
    [scheduled] = run(log, calendars, handlers.schedule_session, {
        "training_id": "T1", "starts_on": "2025-12-22", "ends_on": "2025-12-23", "hours": 12, "venue": "CRMEF",
        "calendar_override_reason": "Formateurs nationaux disponibles ces jours-là"})
    session_id = scheduled["data"]["session_id"]  # a new id, made by the handler
    assert calendars.overrides[session_id] == ("Formateurs nationaux disponibles ces jours-là", ["Vacances"])
    run(log, calendars, handlers.invite_participants, {"session_id": session_id, "participants": [
        {"staff_id": "P1", "name": "Amina", "role": "teacher", "school_code": "OED001"}]})
    for day in ("2025-12-22", "2025-12-23"):
        run(log, calendars, handlers.record_attendance, {"session_id": session_id, "day": day,
                                                         "attendance": [{"staff_id": "P1", "status": "present"}]})
    run(log, calendars, handlers.complete_session, {"session_id": session_id})
    [awarded] = run(log, calendars, handlers.award_certificates, {"training_id": "T1"})
    assert awarded["data"] == {"training_id": "T1", "staff_id": "P1", "certificate_no": "OED-2025-2026-0001"}
    assert [e["event_type"] for e in log.streams["training:T1"]] == [
        "training_planned", "session_scheduled", "participant_invited", "attendance_recorded", "attendance_recorded",
        "session_completed", "certification_awarded"]


def test_a_handler_refused_by_the_rules_records_nothing(log, calendars):
    planned(log, calendars, "in_person", ("exam", "Examen régional", "2026-06-01", "2026-06-05"))
    before = log.events()
    message = refused("session_overlaps_school_calendar", run, log, calendars, handlers.schedule_session, {
        "session_id": "S1", "training_id": "T1", "starts_on": "2026-06-04", "ends_on": "2026-06-05", "hours": 6,
        "venue": "CRMEF"}).message
    assert "Examen régional" in message
    refused("unknown_session", run, log, calendars, handlers.invite_participants, {"session_id": "S1", "participants": [
        {"staff_id": "P1", "name": "Amina", "role": "teacher", "school_code": "OED001"}]})
    assert log.events() == before and calendars.overrides == {}
