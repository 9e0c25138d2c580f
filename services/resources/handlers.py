"""Resources' commands, one function each: load, ask the domain, record. `cmd` is the checked command,
typed as the domain reads it; `uow` is the command's unit of work (its transaction, the catalogue views
as `views`, the schools known from inventory as `directory`)."""
from __future__ import annotations

from shared.commands import Loaded, UnitOfWork, command, new_id

from . import domain, schemas


def _resource(uow: UnitOfWork, resource_id: str) -> Loaded:
    """A resource's state and its stream version; committees that decided on it count too."""
    stream = domain.resource_stream(resource_id)
    own = uow.tx.read_stream(stream)
    history = list(own)
    for committee_id in uow.views.committees_deciding(uow.conn, resource_id):
        history += uow.tx.read_stream(domain.committee_stream(committee_id))
    state = domain.Resource(resource_id)
    for env in sorted(history, key=lambda e: e["position"]):
        state = domain.evolve_resource(state, env)
    return Loaded(stream, state, len(own))


def _schools(uow: UnitOfWork, codes=None):
    return uow.directory.directory(uow.conn, codes)


# ---- catalogue and distribution

@command(schemas.ReceiveResource, domain.ReceiveResource)
def receive_resource(cmd: domain.ReceiveResource, uow: UnitOfWork):
    """A resource from the GENIE directorate, or an open one collected locally."""
    resource = _resource(uow, cmd.resource_id or new_id())
    return uow.record(resource, domain.receive_resource(resource.state, cmd))


@command(schemas.DistributeResource, domain.DistributeResource)
def distribute_resource(cmd: domain.DistributeResource, uow: UnitOfWork):
    """To a list of registered schools, or to every school of a cycle and/or a setting."""
    resource = _resource(uow, cmd.resource_id)
    if cmd.school_codes is not None:
        codes = domain.require_known_schools(cmd.school_codes, _schools(uow, cmd.school_codes))
    else:
        codes = domain.schools_of(_schools(uow), cmd.cycle, cmd.setting)
    return uow.record(resource, domain.distribute_resource(resource.state, codes, cmd.channel))


@command(schemas.HoldAwarenessWorkshop, domain.HoldAwarenessWorkshop)
def hold_awareness_workshop(cmd: domain.HoldAwarenessWorkshop, uow: UnitOfWork):
    workshop_id = cmd.workshop_id or new_id()
    workshop = uow.load(domain.workshop_stream(workshop_id), domain.evolve_workshop, domain.Workshop(workshop_id))
    events = domain.hold_awareness_workshop(workshop.state, cmd, _schools(uow, cmd.school_codes))
    return uow.record(workshop, events)


# ---- local production and validation

@command(schemas.StartProductionProject, domain.StartProductionProject)
def start_production_project(cmd: domain.StartProductionProject, uow: UnitOfWork):
    project_id = cmd.project_id or new_id()
    project = uow.load(domain.project_stream(project_id), domain.evolve_project, domain.Project(project_id))
    return uow.record(project, domain.start_production_project(project.state, cmd))


@command(schemas.SubmitResource, domain.SubmitResource)
def submit_resource(cmd: domain.SubmitResource, uow: UnitOfWork):
    """Submit a produced resource to validation; again, with its resource_id, after a revision."""
    project = uow.load(domain.project_stream(cmd.project_id), domain.evolve_project, domain.Project(cmd.project_id))
    resource = _resource(uow, cmd.resource_id or new_id())
    return uow.record(resource, domain.submit_resource(resource.state, project.state, cmd.title))


@command(schemas.HoldValidationCommittee, domain.HoldValidationCommittee)
def hold_validation_committee(cmd: domain.HoldValidationCommittee, uow: UnitOfWork):
    """Record a committee's decisions on submitted resources; all of them or none."""
    committee_id = cmd.committee_id or new_id()
    committee = uow.load(domain.committee_stream(committee_id), domain.evolve_committee,
                         domain.Committee(committee_id))
    resources = {d.resource_id: _resource(uow, d.resource_id).state for d in cmd.decisions}
    return uow.record(committee, domain.hold_validation_committee(committee.state, cmd, resources))


# ---- use, practices, dysfunctions, research

@command(schemas.RecordResourceUsage, domain.RecordResourceUsage)
def record_resource_usage(cmd: domain.RecordResourceUsage, uow: UnitOfWork):
    """Uses at a school of a resource it received: the resource's stream holds its distributions too."""
    school_code, resource_id = cmd.school_code, cmd.resource_id
    usage = uow.load(domain.usage_stream(school_code, resource_id), domain.evolve_usage,
                     domain.Usage(school_code, resource_id))
    resource = _resource(uow, resource_id)
    events = domain.record_resource_usage(usage.state, cmd, resource.state, _schools(uow, [school_code]))
    return uow.record(usage, events)


@command(schemas.RecordGoodPractice, domain.RecordGoodPractice)
def record_good_practice(cmd: domain.RecordGoodPractice, uow: UnitOfWork):
    practice_id = cmd.practice_id or new_id()
    practice = uow.load(domain.practice_stream(practice_id), domain.evolve_record, domain.Record(practice_id))
    events = domain.record_good_practice(practice.state, cmd, _schools(uow, [cmd.school_code]))
    return uow.record(practice, events)


@command(schemas.ReportDysfunction, domain.ReportDysfunction)
def report_dysfunction(cmd: domain.ReportDysfunction, uow: UnitOfWork):
    dysfunction_id = cmd.dysfunction_id or new_id()
    dysfunction = uow.load(domain.dysfunction_stream(dysfunction_id), domain.evolve_dysfunction,
                           domain.Dysfunction(dysfunction_id))
    events = domain.report_dysfunction(dysfunction.state, cmd, _schools(uow, [cmd.school_code]))
    return uow.record(dysfunction, events)


@command(schemas.ResolveDysfunction, domain.ResolveDysfunction)
def resolve_dysfunction(cmd: domain.ResolveDysfunction, uow: UnitOfWork):
    dysfunction = uow.load(domain.dysfunction_stream(cmd.dysfunction_id), domain.evolve_dysfunction,
                           domain.Dysfunction(cmd.dysfunction_id))
    return uow.record(dysfunction, domain.resolve_dysfunction(dysfunction.state, cmd.resolution))


@command(schemas.RecordLocalResearch, domain.RecordLocalResearch)
def record_local_research(cmd: domain.RecordLocalResearch, uow: UnitOfWork):
    research_id = cmd.research_id or new_id()
    research = uow.load(domain.research_stream(research_id), domain.evolve_record, domain.Record(research_id))
    return uow.record(research, domain.record_local_research(research.state, cmd))
