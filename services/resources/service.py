"""Resources over RPC: the commands of `handlers.py`, each the RPC method of its name, and the
queries of the axis.

The schools come from inventory's events through a projector (fast path: the
`resources.inventory` queue; slow path: inventory's `events_since`, read at
start and every few seconds), so resources works while inventory is down.
"""
from nameko.rpc import rpc

from shared.db import reading
from shared.errors import CommandRejected, InvalidCommand
from shared.service import EventLog, EventSourced, ProjectorDependency, answers, expose_commands, follow

from . import handlers, schemas
from .schools import SchoolDirectory
from .views import ResourcesViews


@expose_commands(handlers)
class ResourcesService(EventSourced):
    name = "resources"
    log = EventLog(views=ResourcesViews)
    schools = ProjectorDependency(SchoolDirectory, rpc_timeout=5)  # while inventory is down, give up soon
    parts = {"directory": "schools.projection"}
    # A dysfunction is resolved after it was reported; projects, committees, workshops, practices and research
    # are one fact each.
    ordered_streams = ("dysfunction:", "project:", "committee:", "workshop:", "practice:", "research:")
    # A resource's distributions, and a school's uses of it (their periods are in the data), may be entered
    # late and in any order, but never dated before the resource came in or its use was first recorded.
    founded_streams = ("resource:", "usage:")

    # ---- the schools, from inventory (the timer reads what the bus did not bring: resources was
    # down, its queue did not exist yet)

    on_inventory_event, catch_up = follow("resources", "inventory", "schools")

    # ---- queries

    catalogue = answers("catalogue", "Every resource with its status and the schools it was distributed to.")

    @rpc
    def school_resources(self, school_code):
        """The resources distributed to a school, with the uses recorded there."""
        with reading(self.log.engine) as conn:
            if not self.schools.projection.directory(conn, [school_code]):
                raise CommandRejected("unknown_school", f"Not a registered school: {school_code}.")
            return self.views.school_resources(conn, school_code)

    open_dysfunctions = answers("open_dysfunctions")
    dysfunctions = answers("dysfunctions_list", "Every dysfunction (of a school; open or resolved, if asked).")
    resource_follow_up = answers("resource_follow_up", "A resource's uses by school and period, and its decisions.")

    @rpc
    def committee_minutes(self, committee_id):
        """The minutes (PV) of a validation committee."""
        minutes = self.read(self.views.committee_minutes, committee_id)
        if minutes is None:
            raise CommandRejected("unknown_committee", f"No committee {committee_id} is recorded.")
        return minutes

    committees = answers("committees_list")
    production_projects = answers("projects_list")
    workshops = answers("workshops_list")
    good_practices = answers("good_practices")
    local_research = answers("local_research")

    @rpc
    def known_schools(self, cycle=None, setting=None):
        """The schools resources knows from inventory, by cycle and/or setting."""
        if cycle is not None and cycle not in schemas.CYCLES:
            raise InvalidCommand({"cycle": [f"Must be one of: {', '.join(schemas.CYCLES)}."]})
        if setting is not None and setting not in schemas.SETTINGS:
            raise InvalidCommand({"setting": [f"Must be one of: {', '.join(schemas.SETTINGS)}."]})
        return self.read(self.schools.projection.listing, None, cycle, setting)

    # ---- operations

    @rpc
    def health(self):
        return self.health_with(schools=self.schools.status())

    @rpc
    def rebuild(self):
        """Make the read models again: the catalogue side from this log, the schools from inventory's."""
        with self.log.transaction() as tx:  # holds the writer lock: no command interleaves
            applied = tx.rebuild_views()
        return {"views": applied, "schools": self.schools.rebuild()}
