"""Training's commands, validated before anything is decided; the runner makes each the domain's dataclass of
the same name."""
from typing import Literal, NotRequired

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.answers import Answer, Maybe, doc
from shared.catalogue import SCHOOL_YEAR
from shared.commands import Command, Part, parse
from shared.text import MULTILINE

from .domain import (ATTENDANCE_STATUSES, AUDIENCES, MODALITIES, PERIOD_KINDS, ROLES, ROLES_AT_A_SCHOOL,
                     school_year_bounds)

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")


def _text(max_length=300, **kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kw)


def _code(**kw):
    kw.setdefault("required", True)
    return fields.String(validate=CODE, **kw)


def _school_year(value: str) -> None:
    SCHOOL_YEAR(value)
    if int(value[5:]) != int(value[:4]) + 1:
        raise ValidationError("The second year must follow the first, e.g. 2025-2026.")


def _dates_in_order(data: dict) -> None:
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise ValidationError("Must be on or after starts_on.", "ends_on")


_Part = Part  # an item inside a command: unknown fields refused, text checked


def _no_repeats(items: list[dict], key: str, field_name: str) -> None:
    seen = {}
    errors = {}
    for i, item in enumerate(items or []):
        value = item.get(key)
        if value in seen:
            errors[i] = {key: [f"{value} appears twice (item {seen[value]})."]}
        seen.setdefault(value, i)
    if errors:
        raise ValidationError({field_name: errors})


# ---------------------------------------------------------------- school calendar

class CalendarPeriodInput(_Part):
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    name = _text(200)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates_schema(skip_on_field_errors=False)
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)


class LoadSchoolCalendar(Command):
    school_year = fields.String(required=True, validate=_school_year)
    periods = fields.List(fields.Nested(CalendarPeriodInput), required=True, validate=validate.Length(min=1))

    @validates_schema
    def periods_in_the_year(self, data, **kwargs):
        if "school_year" not in data or "periods" not in data:
            return
        first, last = school_year_bounds(data["school_year"])
        errors = {}
        for i, p in enumerate(data["periods"]):
            if p["starts_on"] < first or p["ends_on"] > last:
                errors[i] = {"starts_on" if p["starts_on"] < first else "ends_on": [
                    f"Must be inside school year {data['school_year']} ({first} to {last})."]}
        if errors:
            raise ValidationError({"periods": errors})


# ---------------------------------------------------------------- trainings and sessions

class PlanTraining(Command):
    training_id = _code(load_default=None, required=False)
    title = _text()
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    planned_participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    school_year = fields.String(required=True, validate=_school_year)


class ScheduleSession(Command):
    session_id = _code(load_default=None, required=False)
    training_id = _code()
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0, max=1000, min_inclusive=False))
    venue = _text()
    # Schedules a session that overlaps the school calendar anyway; kept with the session.
    calendar_override_reason = fields.String(load_default=None, allow_none=True, metadata=MULTILINE,
                                             validate=validate.Length(min=3, max=1000))

    @validates_schema(skip_on_field_errors=False)
    def dates_in_order(self, data, **kwargs):
        _dates_in_order(data)

    @validates_schema
    def reason_is_not_blank(self, data, **kwargs):
        reason = data.get("calendar_override_reason")
        if reason is not None and not reason.strip():
            raise ValidationError("Must not be blank.", "calendar_override_reason")


class ParticipantInput(_Part):
    staff_id = _code()
    name = _text(200)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    school_code = _code(load_default=None, required=False, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def school_of_school_staff(self, data, **kwargs):
        if data.get("role") in ROLES_AT_A_SCHOOL and not data.get("school_code"):
            raise ValidationError(f"Required for a {data['role']}.", "school_code")


class InviteParticipants(Command):
    session_id = _code()
    participants = fields.List(fields.Nested(ParticipantInput), required=True,
                               validate=validate.Length(min=1, max=2000))

    @validates_schema
    def each_once(self, data, **kwargs):
        _no_repeats(data.get("participants"), "staff_id", "participants")


class AttendanceMark(_Part):
    staff_id = _code()
    status = fields.String(required=True, validate=validate.OneOf(ATTENDANCE_STATUSES))


class RecordAttendance(Command):
    session_id = _code()
    day = fields.Date(required=True)
    attendance = fields.List(fields.Nested(AttendanceMark), required=True, validate=validate.Length(min=1, max=2000))

    @validates_schema
    def each_once(self, data, **kwargs):
        _no_repeats(data.get("attendance"), "staff_id", "attendance")


class CompleteSession(Command):
    session_id = _code()


class CancelSession(Command):
    session_id = _code()
    reason = _text(1000, metadata=MULTILINE)


def _one_decimal(value: float) -> None:
    if abs(value * 10 - round(value * 10)) > 1e-9:
        raise ValidationError("At most one decimal, like 4.2.")


class EvaluateTraining(Command):
    training_id = _code()
    respondents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100000))
    mean_score = fields.Float(required=True, allow_nan=False, validate=[validate.Range(min=1.0, max=5.0),
                                                                         _one_decimal])
    remarks = fields.String(load_default="", validate=validate.Length(max=2000))


class AwardCertificates(Command):
    training_id = _code()
    # None: everyone eligible and not yet certified.
    staff_ids = fields.List(_code(), load_default=None, allow_none=True, validate=validate.Length(min=1, max=2000))

    @validates_schema
    def each_once(self, data, **kwargs):
        ids = data.get("staff_ids") or []
        repeated = sorted({s for s in ids if ids.count(s) > 1})
        if repeated:
            raise ValidationError(f"Appear more than once: {', '.join(repeated)}.", "staff_ids")


# ---------------------------------------------------------------- queries

LANGUAGES = ("ar", "fr")


class DocumentRequest(_Part):
    lang = fields.String(load_default="fr", validate=validate.OneOf(LANGUAGES))
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "html")))


class _SchoolYear(_Part):
    school_year = fields.String(required=True, validate=_school_year)


def school_year(value) -> str:
    """A school year given to a query, or InvalidCommand naming it."""
    return parse(_SchoolYear(), {"school_year": value})["school_year"]


# ---------------------------------------------------------------- answers (what the queries return)

SESSION_STATUSES = ("scheduled", "completed", "cancelled")
TRAINING_STATUSES = ("planned", "in_progress", "done", "cancelled")


class PlannedTraining(Answer):
    """A training as it was planned: the part of it every answer about it gives."""
    training_id: str
    title: str
    modality: Literal[*MODALITIES]
    audience: Literal[*AUDIENCES]
    planned_participants: int


class Training(PlannedTraining):
    school_year: str
    planned_at: str


class SessionLine(Answer):
    session_id: str
    training_id: str
    starts_on: str
    ends_on: str
    hours: float
    venue: str
    status: Literal[*SESSION_STATUSES]
    cancel_reason: Maybe[str]
    closed_at: Maybe[str]
    invited: int
    present: int = doc("Invitees present at least one day")


class Certificate(Answer):
    staff_id: str
    certificate_no: str
    awarded_at: str


class TrainingDetail(Training):
    sessions: list[SessionLine]
    certificates: list[Certificate]


class Invitee(Answer):
    staff_id: str
    name: str
    role: Literal[*ROLES]
    school_code: Maybe[str]
    attendance: NotRequired[dict[str, Literal[*ATTENDANCE_STATUSES]]] = doc(
        "Each day recorded (YYYY-MM-DD): present, absent or excused")


class SchoolCalendarPeriod(Answer):
    kind: Literal[*PERIOD_KINDS]
    name: str
    starts_on: str
    ends_on: str


class CalendarOverride(Answer):
    """Why a session overlapping the school calendar was scheduled anyway."""
    reason: str
    calendar_version: Maybe[int]
    periods: list[SchoolCalendarPeriod]
    recorded_at: str
    recorded_by: str


class SessionDetail(SessionLine):
    participants: list[Invitee]
    calendar_override: Maybe[CalendarOverride]


class SchoolCalendar(Answer):
    school_year: str
    version: int
    loaded_at: str
    loaded_by: str
    periods: list[SchoolCalendarPeriod]


class CertificationLine(Answer):
    staff_id: str
    name: NotRequired[str] = doc("From the person's latest invitation to the training")
    role: NotRequired[Literal[*ROLES]]
    school_code: Maybe[str]
    present_days: int
    session_days: int = doc("Days of their completed sessions")
    rate: float | None = doc("Percent of those days present")
    open_sessions: list[str]
    eligible: bool
    certificate_no: str | None


class CertificationStatus(Answer):
    training_id: str
    modality: Literal[*MODALITIES]
    required_percent: float
    participants: list[CertificationLine]


class PlannedAndDone(Answer):
    planned: int
    done: int


class SummaryTrainings(PlannedAndDone):
    by_modality: dict[Literal[*MODALITIES], PlannedAndDone]
    planned_participants: int


class SummarySessions(Answer):
    scheduled: int
    completed: int
    cancelled: int
    open: int


class SummaryPeople(Answer):
    invited: int
    trained: int
    by_role: dict[Literal[*ROLES], int]


class SummaryHours(Answer):
    sessions: float
    participant_hours: float


class SummaryCertifications(Answer):
    awarded: int
    staff: int


class SummaryLine(PlannedTraining):
    status: Literal[*TRAINING_STATUSES]
    sessions: int
    sessions_completed: int
    sessions_cancelled: int
    trained: int
    certified: int
    hours: float


class AnnualSummary(Answer):
    """The annual summary (حصيلة سنوية) of the training axis."""
    school_year: str
    trainings: SummaryTrainings
    sessions: SummarySessions
    people: SummaryPeople
    hours: SummaryHours
    certifications: SummaryCertifications
    by_training: list[SummaryLine]
