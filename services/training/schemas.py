"""Training's commands, validated before anything is decided; the runner makes each the domain's dataclass of
the same name."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.answers import Answer
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
    training_id = fields.String(required=True)
    title = fields.String(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    audience = fields.String(required=True, validate=validate.OneOf(AUDIENCES))
    planned_participants = fields.Integer(required=True)


class Training(PlannedTraining):
    school_year = fields.String(required=True)
    planned_at = fields.String(required=True)


class SessionLine(Answer):
    session_id = fields.String(required=True)
    training_id = fields.String(required=True)
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True)
    hours = fields.Float(required=True)
    venue = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SESSION_STATUSES))
    cancel_reason = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    invited = fields.Integer(required=True)
    present = fields.Integer(required=True, metadata={"description": "Invitees present at least one day"})


class Certificate(Answer):
    staff_id = fields.String(required=True)
    certificate_no = fields.String(required=True)
    awarded_at = fields.String(required=True)


class TrainingDetail(Training):
    sessions = fields.List(fields.Nested(SessionLine), required=True)
    certificates = fields.List(fields.Nested(Certificate), required=True)


class Invitee(Answer):
    staff_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    school_code = fields.String(allow_none=True)
    attendance = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(ATTENDANCE_STATUSES)),
                             metadata={"description": "Each day recorded (YYYY-MM-DD): present, absent or excused"})


class SchoolCalendarPeriod(Answer):
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    name = fields.String(required=True)
    starts_on = fields.String(required=True)
    ends_on = fields.String(required=True)


class CalendarOverride(Answer):
    """Why a session overlapping the school calendar was scheduled anyway."""
    reason = fields.String(required=True)
    calendar_version = fields.Integer(allow_none=True)
    periods = fields.List(fields.Nested(SchoolCalendarPeriod), required=True)
    recorded_at = fields.String(required=True)
    recorded_by = fields.String(required=True)


class SessionDetail(SessionLine):
    participants = fields.List(fields.Nested(Invitee), required=True)
    calendar_override = fields.Nested(CalendarOverride, allow_none=True)


class SchoolCalendar(Answer):
    school_year = fields.String(required=True)
    version = fields.Integer(required=True)
    loaded_at = fields.String(required=True)
    loaded_by = fields.String(required=True)
    periods = fields.List(fields.Nested(SchoolCalendarPeriod), required=True)


class CertificationLine(Answer):
    staff_id = fields.String(required=True)
    name = fields.String(metadata={"description": "From the person's latest invitation to the training"})
    role = fields.String(validate=validate.OneOf(ROLES))
    school_code = fields.String(allow_none=True)
    present_days = fields.Integer(required=True)
    session_days = fields.Integer(required=True, metadata={"description": "Days of their completed sessions"})
    rate = fields.Float(required=True, allow_none=True, metadata={"description": "Percent of those days present"})
    open_sessions = fields.List(fields.String(), required=True)
    eligible = fields.Boolean(required=True)
    certificate_no = fields.String(required=True, allow_none=True)


class CertificationStatus(Answer):
    training_id = fields.String(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    required_percent = fields.Float(required=True)
    participants = fields.List(fields.Nested(CertificationLine), required=True)


class PlannedAndDone(Answer):
    planned = fields.Integer(required=True)
    done = fields.Integer(required=True)


class SummaryTrainings(PlannedAndDone):
    by_modality = fields.Dict(keys=fields.String(validate=validate.OneOf(MODALITIES)),
                              values=fields.Nested(PlannedAndDone), required=True)
    planned_participants = fields.Integer(required=True)


class SummarySessions(Answer):
    scheduled = fields.Integer(required=True)
    completed = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    open = fields.Integer(required=True)


class SummaryPeople(Answer):
    invited = fields.Integer(required=True)
    trained = fields.Integer(required=True)
    by_role = fields.Dict(keys=fields.String(validate=validate.OneOf(ROLES)), values=fields.Integer(), required=True)


class SummaryHours(Answer):
    sessions = fields.Float(required=True)
    participant_hours = fields.Float(required=True)


class SummaryCertifications(Answer):
    awarded = fields.Integer(required=True)
    staff = fields.Integer(required=True)


class SummaryLine(PlannedTraining):
    status = fields.String(required=True, validate=validate.OneOf(TRAINING_STATUSES))
    sessions = fields.Integer(required=True)
    sessions_completed = fields.Integer(required=True)
    sessions_cancelled = fields.Integer(required=True)
    trained = fields.Integer(required=True)
    certified = fields.Integer(required=True)
    hours = fields.Float(required=True)


class AnnualSummary(Answer):
    """The annual summary (حصيلة سنوية) of the training axis."""
    school_year = fields.String(required=True)
    trainings = fields.Nested(SummaryTrainings, required=True)
    sessions = fields.Nested(SummarySessions, required=True)
    people = fields.Nested(SummaryPeople, required=True)
    hours = fields.Nested(SummaryHours, required=True)
    certifications = fields.Nested(SummaryCertifications, required=True)
    by_training = fields.List(fields.Nested(SummaryLine), required=True)
