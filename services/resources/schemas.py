"""The resources axis' commands, validated before anything is decided; the runner makes each the domain's
dataclass of the same name."""
from typing import Literal

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.answers import Answer, Maybe, doc
from shared.commands import Command, Part
from shared.text import MULTILINE

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="Letters, digits, '-' and '_' only, 1 to 64.")
SCHOOL_CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")
FORMATS = ("video", "interactive", "document", "software", "other")
ORIGINS = ("directorate", "local", "open")
CYCLES = ("primary", "middle", "secondary")
SETTINGS = ("urban", "rural")
DECISIONS = ("approved", "rejected", "revision")


def _text(max_length=300, **kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kw)


def _long_text():
    return _text(max_length=10000, metadata=MULTILINE)


def _new_id():
    """An id the caller may choose; one is made up when it is left out."""
    return fields.String(load_default=None, validate=ID)


def _distinct(values: list, field_name: str) -> None:
    seen = set()
    for v in values:
        if v in seen:
            raise ValidationError(f"{v} appears twice.", field_name)
        seen.add(v)


def _school_code():
    return fields.String(required=True, validate=SCHOOL_CODE)


def _school_codes(**kw):
    return fields.List(fields.String(validate=SCHOOL_CODE), validate=validate.Length(min=1), **kw)


class ReceiveResource(Command):
    resource_id = _new_id()
    title = _text()
    subject = _text(max_length=100)
    levels = fields.List(_text(max_length=100), required=True, validate=validate.Length(min=1))
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))


class DistributeResource(Command):
    """To a list of schools, or to every school of a cycle and/or a setting."""

    resource_id = fields.String(required=True, validate=ID)
    channel = _text(max_length=100)
    school_codes = _school_codes(load_default=None)
    cycle = fields.String(load_default=None, validate=validate.OneOf(CYCLES))
    setting = fields.String(load_default=None, validate=validate.OneOf(SETTINGS))

    @validates_schema
    def _one_target(self, data, **kwargs):
        by_list = data.get("school_codes") is not None
        by_kind = data.get("cycle") is not None or data.get("setting") is not None
        if by_list and by_kind:
            raise ValidationError("Give either school_codes, or a cycle and/or a setting; not both.",
                                  "school_codes")
        if not by_list and not by_kind:
            raise ValidationError("Give school_codes, or a cycle and/or a setting.", "school_codes")


class HoldAwarenessWorkshop(Command):
    """The workshop's date is `occurred_at`."""

    workshop_id = _new_id()
    school_codes = _school_codes(required=True)
    participants = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    topic = _text()


class StartProductionProject(Command):
    project_id = _new_id()
    title = _text()
    subject = _text(max_length=100)
    members = fields.List(_text(max_length=100), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _distinct_members(self, data, **kwargs):
        _distinct(data["members"], "members")


class SubmitResource(Command):
    """A produced resource; give the resource_id again to resubmit it after a revision."""

    resource_id = _new_id()
    project_id = fields.String(required=True, validate=ID)
    title = _text()


class CommitteeDecision(Part):
    resource_id = fields.String(required=True, validate=ID)
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    remarks = fields.String(load_default="", validate=validate.Length(max=10000), metadata=MULTILINE)

    @validates_schema
    def _reasons(self, data, **kwargs):
        # A rejection or a request for revision tells the producers why.
        if data["decision"] != "approved" and not data["remarks"].strip():
            raise ValidationError(f"Required when the decision is {data['decision']}.", "remarks")


class HoldValidationCommittee(Command):
    """The committee's date is `occurred_at`."""

    committee_id = _new_id()
    members = fields.List(_text(max_length=100), required=True, validate=validate.Length(min=1))
    decisions = fields.List(fields.Nested(CommitteeDecision), required=True, validate=validate.Length(min=1))

    @validates_schema
    def _distinct(self, data, **kwargs):
        _distinct(data["members"], "members")
        _distinct([d["resource_id"] for d in data["decisions"]], "decisions")


class RecordResourceUsage(Command):
    school_code = _school_code()
    resource_id = fields.String(required=True, validate=ID)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    uses = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    teachers = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))

    @validates_schema(skip_on_field_errors=False)  # said along with any other bad field
    def _period(self, data, **kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if start is not None and end is not None and end < start:
            raise ValidationError("Must not be before period_start.", "period_end")


class RecordGoodPractice(Command):
    practice_id = _new_id()
    school_code = _school_code()
    teacher = _text()
    description = _long_text()


class ReportDysfunction(Command):
    dysfunction_id = _new_id()
    school_code = _school_code()
    description = _long_text()


class ResolveDysfunction(Command):
    dysfunction_id = fields.String(required=True, validate=ID)
    resolution = _long_text()


class RecordLocalResearch(Command):
    research_id = _new_id()
    title = _text()
    findings = _long_text()
    recommendations = _long_text()


# ---------------------------------------------------------------- answers (what the queries return)

STATUSES = ("received", "submitted", "revision", "approved", "rejected")


class Resource(Answer):
    resource_id: str
    title: str
    subject: Maybe[str] = doc("None for a submitted resource")
    levels: Maybe[list[str]]
    format: Maybe[Literal[*FORMATS]]
    origin: Literal[*ORIGINS]
    project_id: Maybe[str]
    status: Literal[*STATUSES]
    catalogued_at: str
    status_at: str
    distributed_to: list[str] = doc("School codes")


class SchoolResource(Answer):
    """A resource distributed to a school: when first, by which channels, and the uses recorded there."""
    resource_id: str
    title: str
    subject: Maybe[str]
    format: Maybe[Literal[*FORMATS]]
    origin: Literal[*ORIGINS]
    status: Literal[*STATUSES]
    first_distributed_at: str
    channels: list[str]
    uses: int


class Dysfunction(Answer):
    dysfunction_id: str
    school_code: str
    description: str
    reported_at: str
    resolution: Maybe[str]
    resolved_at: Maybe[str]


class Committee(Answer):
    committee_id: str
    held_at: str


class MinutesDecision(Answer):
    resource_id: str
    title: str | None
    project_id: Maybe[str]
    decision: Literal[*DECISIONS]
    remarks: str


class DecisionCounts(Answer):
    approved: int
    rejected: int
    revision: int


class CommitteeMinutes(Committee):
    """The minutes (PV) of a validation committee."""
    members: list[str]
    recorded_by: str
    decisions: list[MinutesDecision]
    summary: DecisionCounts


class Workshop(Answer):
    workshop_id: str
    held_at: str
    school_codes: list[str]
    participants: int
    topic: str


class GoodPractice(Answer):
    practice_id: str
    school_code: str
    teacher: str
    description: str
    recorded_at: str


class Research(Answer):
    research_id: str
    title: str
    findings: str
    recommendations: str
    recorded_at: str
