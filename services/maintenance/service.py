"""Maintenance over RPC: faults, warranty claims, repairs and replacements.

Each command is a function of `handlers.py`, exposed here as the RPC method of
its name. The local view of the equipment follows inventory's events from the
bus, and from inventory's log on start and every few seconds, so commands
never call inventory.
"""
from datetime import date, timedelta

from nameko.rpc import rpc

from shared import db
from shared.calendar import local_date
from shared.commands import parse
from shared.events import now
from shared.service import EventLog, EventSourced, ProjectorDependency, answers, expose_commands, follow

from . import handlers, schemas
from .equipment import EquipmentView
from .views import FaultViews


@expose_commands(handlers)
class MaintenanceService(EventSourced):
    name = "maintenance"
    log = EventLog(views=FaultViews)
    ordered_streams = ("fault:",)  # a fault's life: no fact dated before the latest one
    # A short RPC timeout: while inventory is down a catch-up gives up soon and the next one retries.
    equipment = ProjectorDependency(EquipmentView, rpc_timeout=3)

    parts = {"assets": "equipment.projection"}  # the commands read the equipment as maintenance knows it

    # Following inventory: what the bus did not bring is read from inventory's log.
    on_inventory_event, catch_up = follow("maintenance", "inventory", "equipment")

    # ---- queries (no writer lock)

    fault = answers("fault")

    @rpc
    def open_faults(self, school_code=None):
        """Open faults of one school, or of the province when no school is given."""
        return self.read(self.views.open_faults, _school(school_code))

    fault_history = answers("faults_of_asset", "Every fault of an asset, oldest first, with how each ended and who "
                                               "recorded each step.")

    @rpc
    def faults_since(self, days=365):
        """Every fault declared in the last `days` days, open or closed: what a renewal plan weighs."""
        query = parse(schemas.OverdueQuery(), {"days": days})
        return self.read(self.views.faults_since, now().timestamp() - query["days"] * 86_400)

    @rpc
    def mean_time_to_repair(self, school_code=None, by=None, school_codes=None):
        """MNT02's mean days to repair: of a school, of the schools given, or of the province; one figure, or
        one row per supplier or per kind of the equipment (`by`)."""
        query = parse(schemas.RepairTimeQuery(), {"school_code": school_code, "by": by, "school_codes": school_codes})
        where = query["school_code"], query["school_codes"]
        if query["by"] is None:
            return self.read(self.views.time_to_repair, *where)
        column = self.equipment.projection.equipment.c[query["by"]]
        return self.read(self.views.time_to_repair_by, column, *where)

    @rpc
    def overdue_faults(self, school_code=None, days=15, as_of=None):
        """Open faults declared more than `days` days ago, oldest first."""
        query = parse(schemas.OverdueQuery(), {"school_code": school_code, "days": days, "as_of": as_of})
        at = query["as_of"] or now()
        return self.read(self.views.overdue_faults, at.timestamp(), query["days"], query["school_code"])

    @rpc
    def warranty_expiring(self, school_code=None, days=60, as_of=None):
        """In-service assets still under warranty whose warranty ends within `days` days."""
        query = parse(schemas.WarrantyExpiryQuery(), {"school_code": school_code, "days": days, "as_of": as_of})
        today = local_date(query["as_of"] or now())
        with db.reading(self.log.engine) as conn:
            rows = self.equipment.projection.warranty_ending(conn, today, today + timedelta(days=query["days"]),
                                               query["school_code"], excluded=self.views.replaced_asset_ids())
            open_faults = self.views.open_faults_of(conn, [row["asset_id"] for row in rows])
            answer = []
            for row in rows:
                ends_on = date.fromisoformat(row["warranty_ends_on"])
                answer.append({
                    "asset_id": row["asset_id"], "school_code": row["school_code"], "kind": row["kind"],
                    "serial": row["serial"], "supplier": row["supplier"], "received_on": row["received_on"],
                    "warranty_months": row["warranty_months"], "warranty_ends_on": ends_on.isoformat(),
                    "last_covered_day": (ends_on - timedelta(days=1)).isoformat(),
                    "days_left": (ends_on - today).days,
                    "open_fault_id": open_faults.get(row["asset_id"]),
                })
            return answer

    @rpc
    def asset(self, asset_id):
        """What maintenance knows of an asset, from inventory's events."""
        with db.reading(self.log.engine) as conn:
            row = self.equipment.projection.asset(conn, asset_id)
            if row is not None:
                row["replaced_by"] = self.views.replacement_of(conn, asset_id)
            return row

    # ---- operations

    @rpc
    def health(self):
        return self.health_with(equipment_view=dict(self.equipment.status(), messages=dict(self.equipment.outcomes)))

    @rpc
    def rebuild(self):
        """Make every read model again from the logs: the faults from maintenance's, the equipment from
        inventory's. Says how many events of each log were read."""
        with self.log.transaction() as tx:
            applied = tx.rebuild_views()
        return {"maintenance": applied, "inventory": self.equipment.rebuild()}


def _school(school_code):
    """A query's school, checked (None: the province)."""
    return parse(schemas.SchoolQuery(), {"school_code": school_code})["school_code"]
