"""Resources over RPC: validate, load, decide, append; and the queries of the axis.

The schools come from inventory's events through a projector (fast path: the
`resources.inventory` queue; slow path: inventory's `events_since`, read at
start and every few seconds), so resources works while inventory is down.
"""
import json
import uuid

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import select

from shared.catalogue import registry
from shared.commands import context, parse
from shared.db import reading
from shared.errors import CommandRejected, InvalidCommand
from shared.service import EventLog, EventSourced, ProjectorDependency, consume_events, source_queue

from . import domain, schemas
from .schools import SchoolDirectory
from .views import ResourcesViews

CATCH_UP_SECONDS = 10


def _new_id(value):
    return value or str(uuid.uuid4())


class ResourcesService(EventSourced):
    name = "resources"
    log = EventLog(views=ResourcesViews)
    # A short RPC timeout: while inventory is down a catch-up gives up soon and the next one retries.
    schools = ProjectorDependency(SchoolDirectory, rpc_timeout=5)

    @property
    def views(self) -> ResourcesViews:
        return self.log.views

    @property
    def directory(self) -> SchoolDirectory:
        return self.schools.projection

    # ---- the schools, from inventory

    @consume_events(source_queue("resources", "inventory"))
    def on_inventory_event(self, body):
        self.schools.handle(body)

    @timer(interval=CATCH_UP_SECONDS, eager=True)
    def catch_up(self):
        """What the bus did not bring (resources was down, its queue did not exist yet)."""
        self.schools.catch_up()

    # ---- loading state inside a command

    def _resource(self, tx, resource_id):
        """A resource's state and its stream version; committees that decided on it count too."""
        own = tx.read_stream(domain.resource_stream(resource_id))
        history = list(own)
        for committee_id in self.views.committees_deciding(tx.conn, resource_id):
            history += tx.read_stream(domain.committee_stream(committee_id))
        state = domain.Resource(resource_id)
        for env in sorted(history, key=lambda e: e["position"]):
            state = domain.evolve_resource(state, env)
        return state, len(own)

    def _schools(self, tx, codes=None):
        return self.directory.directory(tx.conn, codes)

    # ---- catalogue and distribution

    @rpc
    def receive_resource(self, command, meta=None):
        """A resource from the GENIE directorate, or an open one collected locally."""
        cmd = parse(schemas.ReceiveResource(), command)
        ctx = context(meta, cmd)
        resource_id = _new_id(cmd["resource_id"])
        with self.log.transaction() as tx:
            state, version = self._resource(tx, resource_id)
            return tx.append(domain.resource_stream(resource_id), version,
                             domain.receive_resource(state, cmd), ctx)

    @rpc
    def distribute_resource(self, command, meta=None):
        """To a list of registered schools, or to every school of a cycle and/or a setting."""
        cmd = parse(schemas.DistributeResource(), command)
        ctx = context(meta, cmd)
        with self.log.transaction() as tx:
            state, version = self._resource(tx, cmd["resource_id"])
            if cmd["school_codes"] is not None:
                codes = domain.require_known_schools(cmd["school_codes"], self._schools(tx, cmd["school_codes"]))
            else:
                codes = domain.schools_of(self._schools(tx), cmd["cycle"], cmd["setting"])
            events = domain.distribute_resource(state, codes, cmd["channel"])
            return tx.append(domain.resource_stream(cmd["resource_id"]), version, events, ctx)

    @rpc
    def hold_awareness_workshop(self, command, meta=None):
        cmd = parse(schemas.HoldAwarenessWorkshop(), command)
        ctx = context(meta, cmd)
        workshop_id = _new_id(cmd["workshop_id"])
        stream = domain.workshop_stream(workshop_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_workshop, domain.Workshop(workshop_id))
            events = domain.hold_awareness_workshop(state, cmd, self._schools(tx, cmd["school_codes"]))
            return tx.append(stream, version, events, ctx)

    # ---- local production and validation

    @rpc
    def start_production_project(self, command, meta=None):
        cmd = parse(schemas.StartProductionProject(), command)
        ctx = context(meta, cmd)
        project_id = _new_id(cmd["project_id"])
        stream = domain.project_stream(project_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_project, domain.Project(project_id))
            return tx.append(stream, version, domain.start_production_project(state, cmd), ctx)

    @rpc
    def submit_resource(self, command, meta=None):
        """Submit a produced resource to validation; again, with its resource_id, after a revision."""
        cmd = parse(schemas.SubmitResource(), command)
        ctx = context(meta, cmd)
        resource_id = _new_id(cmd["resource_id"])
        with self.log.transaction() as tx:
            project, _ = tx.load(domain.project_stream(cmd["project_id"]), domain.evolve_project,
                                 domain.Project(cmd["project_id"]))
            state, version = self._resource(tx, resource_id)
            return tx.append(domain.resource_stream(resource_id), version,
                             domain.submit_resource(state, project, cmd["title"]), ctx)

    @rpc
    def hold_validation_committee(self, command, meta=None):
        """Record a committee's decisions on submitted resources; all of them or none."""
        cmd = parse(schemas.HoldValidationCommittee(), command)
        ctx = context(meta, cmd)
        committee_id = _new_id(cmd["committee_id"])
        stream = domain.committee_stream(committee_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_committee, domain.Committee(committee_id))
            resources = {d["resource_id"]: self._resource(tx, d["resource_id"])[0] for d in cmd["decisions"]}
            return tx.append(stream, version, domain.hold_validation_committee(state, cmd, resources), ctx)

    # ---- use, practices, dysfunctions, research

    @rpc
    def record_resource_usage(self, command, meta=None):
        cmd = parse(schemas.RecordResourceUsage(), command)
        ctx = context(meta, cmd)
        school_code, resource_id = cmd["school_code"], cmd["resource_id"]
        stream = domain.usage_stream(school_code, resource_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_usage, domain.Usage(school_code, resource_id))
            resource, _ = self._resource(tx, resource_id)
            events = domain.record_resource_usage(state, cmd, resource, self._schools(tx, [school_code]))
            return tx.append(stream, version, events, ctx)

    @rpc
    def record_good_practice(self, command, meta=None):
        cmd = parse(schemas.RecordGoodPractice(), command)
        ctx = context(meta, cmd)
        practice_id = _new_id(cmd["practice_id"])
        stream = domain.practice_stream(practice_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_record, domain.Record(practice_id))
            events = domain.record_good_practice(state, cmd, self._schools(tx, [cmd["school_code"]]))
            return tx.append(stream, version, events, ctx)

    @rpc
    def report_dysfunction(self, command, meta=None):
        cmd = parse(schemas.ReportDysfunction(), command)
        ctx = context(meta, cmd)
        dysfunction_id = _new_id(cmd["dysfunction_id"])
        stream = domain.dysfunction_stream(dysfunction_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_dysfunction, domain.Dysfunction(dysfunction_id))
            events = domain.report_dysfunction(state, cmd, self._schools(tx, [cmd["school_code"]]))
            return tx.append(stream, version, events, ctx)

    @rpc
    def resolve_dysfunction(self, command, meta=None):
        cmd = parse(schemas.ResolveDysfunction(), command)
        ctx = context(meta, cmd)
        stream = domain.dysfunction_stream(cmd["dysfunction_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_dysfunction, domain.Dysfunction(cmd["dysfunction_id"]))
            return tx.append(stream, version, domain.resolve_dysfunction(state, cmd["resolution"]), ctx)

    @rpc
    def record_local_research(self, command, meta=None):
        cmd = parse(schemas.RecordLocalResearch(), command)
        ctx = context(meta, cmd)
        research_id = _new_id(cmd["research_id"])
        stream = domain.research_stream(research_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_record, domain.Record(research_id))
            return tx.append(stream, version, domain.record_local_research(state, cmd), ctx)

    # ---- queries

    def _read(self, query, *args):
        with reading(self.log.engine) as conn:
            return query(conn, *args)

    @rpc
    def catalogue(self, status=None):
        """Every resource with its status and the schools it was distributed to."""
        return self._read(self.views.catalogue, status)

    @rpc
    def school_resources(self, school_code):
        """The resources distributed to a school, with the uses recorded there."""
        with reading(self.log.engine) as conn:
            if not self.directory.directory(conn, [school_code]):
                raise CommandRejected("unknown_school", f"Not a registered school: {school_code}.")
            return self.views.school_resources(conn, school_code)

    @rpc
    def open_dysfunctions(self, school_code=None):
        return self._read(self.views.open_dysfunctions, school_code)

    @rpc
    def committee_minutes(self, committee_id):
        """The minutes (PV) of a validation committee."""
        minutes = self._read(self.views.committee_minutes, committee_id)
        if minutes is None:
            raise CommandRejected("unknown_committee", f"No committee {committee_id} is recorded.")
        return minutes

    @rpc
    def committees(self):
        return self._read(self.views.committees_list)

    @rpc
    def production_projects(self):
        return self._read(self.views.projects_list)

    @rpc
    def workshops(self, school_code=None):
        return self._read(self.views.workshops_list, school_code)

    @rpc
    def good_practices(self, school_code=None):
        return self._read(self.views.good_practices, school_code)

    @rpc
    def local_research(self):
        return self._read(self.views.local_research)

    @rpc
    def known_schools(self, cycle=None, setting=None):
        """The schools resources knows from inventory, by cycle and/or setting."""
        if cycle is not None and cycle not in schemas.CYCLES:
            raise InvalidCommand({"cycle": [f"Must be one of: {', '.join(schemas.CYCLES)}."]})
        if setting is not None and setting not in schemas.SETTINGS:
            raise InvalidCommand({"setting": [f"Must be one of: {', '.join(schemas.SETTINGS)}."]})
        return self._read(self.directory.listing, None, cycle, setting)

    # ---- operations

    @rpc
    def health(self):
        answer = super().health()
        schools = self.schools.status()
        if schools["stalled"]:
            answer["status"] = "stalled"
        answer["schools"] = schools
        return answer

    @rpc
    def rebuild(self):
        """Make the read models again: the catalogue side from this log, the schools from inventory's."""
        store, views, events = self.log, self.views, self.log.events
        applied = 0
        with store.transaction() as tx:  # holds the writer lock: no command interleaves
            views.drop(tx.conn)
            while True:
                page = tx.conn.execute(select(events.c.envelope).where(events.c.position > applied)
                                       .order_by(events.c.position).limit(1000)).scalars().all()
                for raw in page:
                    views.apply(tx.conn, registry.read(json.loads(raw), check=False))
                applied += len(page)
                if len(page) < 1000:
                    break
        return {"views": applied, "schools": self.schools.rebuild()}
