"""The digital-resources axis' rules, as pure functions: no broker, no database.

Aggregates and their streams:
- a resource (`resource:<id>`): received into the catalogue, or submitted by a
  local production project and decided on by validation committees, then
  distributed to schools;
- a production project (`project:<id>`), a validation committee
  (`committee:<id>`), an awareness workshop (`workshop:<id>`);
- the use of one resource at one school (`usage:<school>:<resource>`): only at a school the resource
  was distributed to, and not from before the day it first reached that school;
- a good practice, a dysfunction, a piece of local research, each its own stream.

A committee's event lives in its own stream but changes the status of every
resource it decides on, so `evolve_resource` also reads `validation_committee_held`.
A distribution names its schools one by one (those of a cycle or a setting are
listed as they were registered that day), so the resource's own stream says
which schools received it and since when.
Schools are known from inventory's `school_registered` events (`School`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Iterable, Mapping

from shared.calendar import local_date
from shared.commands import typed_parts
from shared.errors import CommandRejected
from shared.events import Event, stream

# A resource's status in the catalogue.
RECEIVED = "received"      # received from the directorate or collected: ready to distribute
SUBMITTED = "submitted"    # produced locally, waiting for a committee
REVISION = "revision"      # a committee asked for changes; may be submitted again
APPROVED = "approved"      # a committee approved it: final, ready to distribute
REJECTED = "rejected"      # a committee rejected it: final
DISTRIBUTABLE = (RECEIVED, APPROVED)


resource_stream = stream("resource")
project_stream = stream("project")
committee_stream = stream("committee")
workshop_stream = stream("workshop")
usage_stream = stream("usage")  # usage:<school_code>:<resource_id>
practice_stream = stream("practice")
dysfunction_stream = stream("dysfunction")
research_stream = stream("research")


# ---------------------------------------------------------------- schools (from inventory)

@dataclass(frozen=True)
class School:
    code: str
    cycle: str
    setting: str


def require_known_schools(codes: Iterable[str], schools: Mapping[str, School]) -> list[str]:
    """The codes, in order and without repeats; refused if any school is not registered."""
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in schools]
    if unknown:
        raise CommandRejected("unknown_school", f"Not a registered school: {', '.join(unknown)}.")
    return codes


def schools_of(schools: Mapping[str, School], cycle: str | None, setting: str | None) -> list[str]:
    """Every registered school of the cycle and/or setting; refused if there is none."""
    codes = sorted(s.code for s in schools.values()
                   if (cycle is None or s.cycle == cycle) and (setting is None or s.setting == setting))
    if not codes:
        wanted = " ".join(w for w in (setting, cycle) if w)
        raise CommandRejected("no_school_matches", f"No registered {wanted} school.")
    return codes


# ---------------------------------------------------------------- the commands, as the rules read them
# Made from the checked fields of `schemas.py`; when the fact happened comes with the command's context.

@dataclass(frozen=True)
class ReceiveResource:
    title: str
    subject: str
    levels: list[str]
    format: str
    origin: str
    resource_id: str | None = None  # None: a new id


@dataclass(frozen=True)
class DistributeResource:
    """To the schools listed, or to every school of the cycle and/or the setting."""
    resource_id: str
    channel: str
    school_codes: list[str] | None = None
    cycle: str | None = None
    setting: str | None = None


@dataclass(frozen=True)
class HoldAwarenessWorkshop:
    school_codes: list[str]
    participants: int
    topic: str
    workshop_id: str | None = None


@dataclass(frozen=True)
class StartProductionProject:
    title: str
    subject: str
    members: list[str]
    project_id: str | None = None


@dataclass(frozen=True)
class SubmitResource:
    project_id: str
    title: str
    resource_id: str | None = None  # given again to resubmit after a revision; None: a new one


@dataclass(frozen=True)
class Decision:
    resource_id: str
    decision: str  # approved, rejected, revision
    remarks: str = ""


@dataclass(frozen=True)
class HoldValidationCommittee:
    members: list[str]
    decisions: tuple[Decision, ...]
    committee_id: str | None = None

    def __post_init__(self):
        typed_parts(self, "decisions", Decision)


@dataclass(frozen=True)
class RecordResourceUsage:
    school_code: str
    resource_id: str
    period_start: date
    period_end: date
    uses: int
    teachers: int


@dataclass(frozen=True)
class RecordGoodPractice:
    school_code: str
    teacher: str
    description: str
    practice_id: str | None = None


@dataclass(frozen=True)
class ReportDysfunction:
    school_code: str
    description: str
    dysfunction_id: str | None = None


@dataclass(frozen=True)
class ResolveDysfunction:
    dysfunction_id: str
    resolution: str


@dataclass(frozen=True)
class RecordLocalResearch:
    title: str
    findings: str
    recommendations: str
    research_id: str | None = None


def _once(flag: str, *event_types: str):
    """The fold of a thing that happens once (a project started, a committee held…): its event sets `flag`."""
    def evolve(state, envelope: dict):
        return replace(state, **{flag: True}) if envelope["event_type"] in event_types else state
    return evolve


# ---------------------------------------------------------------- resource

@dataclass(frozen=True)
class Resource:
    resource_id: str
    status: str | None = None  # None: never received nor submitted
    project_id: str | None = None
    # school_code -> the first day (Casablanca) a distribution reached it; distributions may be entered late,
    # dated earlier than one already recorded
    distributed_on: Mapping[str, date] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.status is not None


def evolve_resource(state: Resource, envelope: dict) -> Resource:
    kind, data = envelope["event_type"], envelope["data"]
    if kind == "resource_received":
        return replace(state, status=RECEIVED)
    if kind == "resource_submitted":
        return replace(state, status=SUBMITTED, project_id=data["project_id"])
    if kind == "validation_committee_held":
        for d in data["decisions"]:
            if d["resource_id"] == state.resource_id:
                state = replace(state, status=d["decision"])
    if kind == "resource_distributed":
        day = local_date(datetime.fromisoformat(envelope["occurred_at"]))
        reached = dict(state.distributed_on)
        for code in data["school_codes"]:
            reached[code] = min(day, reached.get(code, day))
        return replace(state, distributed_on=reached)
    return state


def receive_resource(state: Resource, cmd: ReceiveResource) -> list[Event]:
    if state.known:
        raise CommandRejected("resource_already_known",
                              f"Resource {state.resource_id} is already in the catalogue ({state.status}).")
    return [Event("resource_received", {
        "resource_id": state.resource_id, "title": cmd.title, "subject": cmd.subject,
        "levels": list(cmd.levels), "format": cmd.format, "origin": cmd.origin})]


def _for_schools(resource: Resource, otherwise: str) -> None:
    """Refused unless the resource is in the catalogue and may go to schools (received or approved)."""
    if not resource.known:
        raise CommandRejected("unknown_resource", f"Resource {resource.resource_id} is not in the catalogue.")
    if resource.status not in DISTRIBUTABLE:
        raise CommandRejected("resource_not_approved",
                              f"Resource {resource.resource_id} is {resource.status}: {otherwise}")


def distribute_resource(state: Resource, school_codes: list[str], channel: str) -> list[Event]:
    """`school_codes`: the targeted schools, already checked as registered."""
    _for_schools(state, "only a received or an approved resource may be distributed.")
    return [Event("resource_distributed", {"resource_id": state.resource_id,
                                           "school_codes": list(school_codes), "channel": channel})]


def submit_resource(state: Resource, project: "Project", title: str) -> list[Event]:
    """Submit a locally produced resource to validation, for the first time or after a revision."""
    if not project.started:
        raise CommandRejected("unknown_project", f"Production project {project.project_id} was never started.")
    if state.status == RECEIVED:
        raise CommandRejected("resource_already_received",
                              f"Resource {state.resource_id} was received, not produced locally.")
    if state.status == SUBMITTED:
        raise CommandRejected("resource_already_submitted",
                              f"Resource {state.resource_id} is already waiting for a committee.")
    if state.status == APPROVED:
        raise CommandRejected("resource_already_approved", f"Resource {state.resource_id} is approved: final.")
    if state.status == REJECTED:
        raise CommandRejected("resource_rejected", f"Resource {state.resource_id} was rejected: final.")
    if state.status == REVISION and state.project_id != project.project_id:
        raise CommandRejected("resource_of_another_project",
                              f"Resource {state.resource_id} belongs to project {state.project_id}.")
    return [Event("resource_submitted", {"resource_id": state.resource_id, "project_id": project.project_id,
                                         "title": title})]


# ---------------------------------------------------------------- production project

@dataclass(frozen=True)
class Project:
    project_id: str
    started: bool = False


evolve_project = _once("started", "production_project_started")


def start_production_project(state: Project, cmd: StartProductionProject) -> list[Event]:
    if state.started:
        raise CommandRejected("project_already_started", f"Project {state.project_id} is already started.")
    return [Event("production_project_started", {
        "project_id": state.project_id, "title": cmd.title, "subject": cmd.subject,
        "members": list(cmd.members)})]


# ---------------------------------------------------------------- validation committee

@dataclass(frozen=True)
class Committee:
    committee_id: str
    held: bool = False


evolve_committee = _once("held", "validation_committee_held")


def hold_validation_committee(state: Committee, cmd: HoldValidationCommittee,
                              resources: Mapping[str, Resource]) -> list[Event]:
    """Decide on submitted resources only; `resources` holds the state of each one decided on."""
    if state.held:
        raise CommandRejected("committee_already_held", f"Committee {state.committee_id} is already recorded.")
    for d in cmd.decisions:
        r = resources[d.resource_id]
        if r.status == SUBMITTED:
            continue
        if not r.known:
            raise CommandRejected("resource_not_submitted", f"Resource {r.resource_id} was never submitted.")
        if r.status == APPROVED:
            raise CommandRejected("resource_already_approved", f"Resource {r.resource_id} is approved: final.")
        raise CommandRejected("resource_not_submitted",
                              f"Resource {r.resource_id} is {r.status}, not waiting for a committee.")
    return [Event("validation_committee_held", {
        "committee_id": state.committee_id, "members": list(cmd.members),
        "decisions": [{"resource_id": d.resource_id, "decision": d.decision, "remarks": d.remarks}
                      for d in cmd.decisions]})]


# ---------------------------------------------------------------- awareness workshop

@dataclass(frozen=True)
class Workshop:
    workshop_id: str
    held: bool = False


evolve_workshop = _once("held", "awareness_workshop_held")


def hold_awareness_workshop(state: Workshop, cmd: HoldAwarenessWorkshop, schools: Mapping[str, School]) -> list[Event]:
    if state.held:
        raise CommandRejected("workshop_already_recorded", f"Workshop {state.workshop_id} is already recorded.")
    codes = require_known_schools(cmd.school_codes, schools)
    return [Event("awareness_workshop_held", {"workshop_id": state.workshop_id, "school_codes": codes,
                                              "participants": cmd.participants, "topic": cmd.topic})]


# ---------------------------------------------------------------- use of a resource at a school

@dataclass(frozen=True)
class Usage:
    school_code: str
    resource_id: str
    periods: tuple[tuple[date, date], ...] = field(default_factory=tuple)


def evolve_usage(state: Usage, envelope: dict) -> Usage:
    if envelope["event_type"] == "resource_usage_recorded":
        d = envelope["data"]
        period = (date.fromisoformat(d["period_start"]), date.fromisoformat(d["period_end"]))
        return replace(state, periods=state.periods + (period,))
    return state


def record_resource_usage(state: Usage, cmd: RecordResourceUsage, resource: Resource,
                          schools: Mapping[str, School]) -> list[Event]:
    """Uses over a period; periods of one resource at one school never overlap, so no use counts twice.

    A school uses only what it received: the resource must have been distributed to it, and the period
    starts no earlier than the day it first got there (a period is when the school had it in use)."""
    require_known_schools([state.school_code], schools)
    _for_schools(resource, "not available to schools.")
    start, end = cmd.period_start, cmd.period_end
    if end < start:  # the schema refuses it too; the rule belongs here
        raise CommandRejected("period_ends_before_start", "period_end is before period_start.")
    reached = resource.distributed_on.get(state.school_code)
    if reached is None:
        raise CommandRejected("resource_not_distributed_to_school",
                              f"Resource {resource.resource_id} was never distributed to {state.school_code}: "
                              "record its distribution first.")
    if start < reached:
        raise CommandRejected("usage_starts_before_distribution",
                              f"Resource {resource.resource_id} reached {state.school_code} on "
                              f"{reached.isoformat()}: period_start must be that day or later.")
    for s, e in state.periods:
        if start <= e and s <= end:
            raise CommandRejected("usage_period_overlaps",
                                  f"Use of {resource.resource_id} at {state.school_code} is already recorded "
                                  f"from {s.isoformat()} to {e.isoformat()}.")
    return [Event("resource_usage_recorded", {
        "school_code": state.school_code, "resource_id": resource.resource_id,
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "uses": cmd.uses, "teachers": cmd.teachers})]


# ---------------------------------------------------------------- good practice, local research

@dataclass(frozen=True)
class Record:
    """A one-off record (good practice, local research): recorded once."""

    record_id: str
    recorded: bool = False


evolve_record = _once("recorded", "good_practice_recorded", "local_research_recorded")


def record_good_practice(state: Record, cmd: RecordGoodPractice, schools: Mapping[str, School]) -> list[Event]:
    if state.recorded:
        raise CommandRejected("practice_already_recorded", f"Good practice {state.record_id} is already recorded.")
    require_known_schools([cmd.school_code], schools)
    return [Event("good_practice_recorded", {"practice_id": state.record_id, "school_code": cmd.school_code,
                                             "teacher": cmd.teacher, "description": cmd.description})]


def record_local_research(state: Record, cmd: RecordLocalResearch) -> list[Event]:
    if state.recorded:
        raise CommandRejected("research_already_recorded", f"Research {state.record_id} is already recorded.")
    return [Event("local_research_recorded", {"research_id": state.record_id, "title": cmd.title,
                                              "findings": cmd.findings, "recommendations": cmd.recommendations})]


# ---------------------------------------------------------------- dysfunction

@dataclass(frozen=True)
class Dysfunction:
    dysfunction_id: str
    reported: bool = False
    resolved: bool = False


def evolve_dysfunction(state: Dysfunction, envelope: dict) -> Dysfunction:
    kind = envelope["event_type"]
    if kind == "dysfunction_reported":
        return replace(state, reported=True)
    if kind == "dysfunction_resolved":
        return replace(state, resolved=True)
    return state


def report_dysfunction(state: Dysfunction, cmd: ReportDysfunction, schools: Mapping[str, School]) -> list[Event]:
    if state.reported:
        raise CommandRejected("dysfunction_already_reported",
                              f"Dysfunction {state.dysfunction_id} is already reported.")
    require_known_schools([cmd.school_code], schools)
    return [Event("dysfunction_reported", {"dysfunction_id": state.dysfunction_id,
                                           "school_code": cmd.school_code, "description": cmd.description})]


def resolve_dysfunction(state: Dysfunction, resolution: str) -> list[Event]:
    if not state.reported:
        raise CommandRejected("unknown_dysfunction", f"Dysfunction {state.dysfunction_id} was never reported.")
    if state.resolved:
        raise CommandRejected("dysfunction_already_resolved",
                              f"Dysfunction {state.dysfunction_id} is already resolved.")
    return [Event("dysfunction_resolved", {"dysfunction_id": state.dysfunction_id, "resolution": resolution})]
