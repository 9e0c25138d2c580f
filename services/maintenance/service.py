"""Maintenance over RPC: faults, warranty claims, repairs and replacements.

Each command: validate, load the fault, read maintenance's local view of the
equipment, decide, append. The local view follows inventory's events from the
bus, and from inventory's log on start and every few seconds, so commands
never call inventory.
"""
import json
import uuid
from collections import Counter
from datetime import date, timedelta

from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import func, select

from shared import db
from shared.calendar import local_date
from shared.commands import context, parse
from shared.events import now
from shared.service import EventLog, EventSourced, ProjectorDependency, consume_events, source_queue

from . import domain, schemas
from .equipment import EquipmentView
from .views import FaultViews

CATCH_UP_SECONDS = 10


class EquipmentProjector(ProjectorDependency):
    """The core's projector, also counting what became of each message from the bus since start."""

    def setup(self):
        super().setup()
        self.projector.outcomes = Counter()


class MaintenanceService(EventSourced):
    name = "maintenance"
    log = EventLog(views=FaultViews)
    # A short RPC timeout: while inventory is down a catch-up gives up soon and the next one retries.
    equipment = EquipmentProjector(EquipmentView, rpc_timeout=3)

    @property
    def views(self) -> FaultViews:
        return self.log.views

    @property
    def assets(self) -> EquipmentView:
        return self.equipment.projection

    # ---- following inventory

    @consume_events(source_queue("maintenance", "inventory"))
    def on_inventory_event(self, body):
        self.equipment.outcomes[self.equipment.handle(body)] += 1

    @timer(interval=CATCH_UP_SECONDS, eager=True)
    def catch_up(self):
        """What the bus did not bring (maintenance was down, or new) is read from inventory's log."""
        self.equipment.catch_up()

    def _asset(self, conn, asset_id):
        return self.assets.record(conn, asset_id, replaced_by=self.views.replacement_of(conn, asset_id))

    # ---- commands

    @rpc
    def declare_fault(self, command, meta=None):
        cmd = parse(schemas.DeclareFault(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        fault_id = cmd["fault_id"] or str(uuid.uuid4())
        stream = domain.fault_stream(fault_id)
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(fault_id))
            events = domain.declare_fault(state, self._asset(tx.conn, cmd["asset_id"]),
                                          self.views.open_fault_of(tx.conn, cmd["asset_id"]), cmd, at)
            return tx.append(stream, version, events, ctx)

    @rpc
    def file_warranty_claim(self, command, meta=None):
        cmd = parse(schemas.FileWarrantyClaim(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        stream = domain.fault_stream(cmd["fault_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(cmd["fault_id"]))
            asset = self.assets.record(tx.conn, state.asset_id) if state.declared else None
            return tx.append(stream, version, domain.file_warranty_claim(state, asset, cmd, at), ctx)

    @rpc
    def record_repair(self, command, meta=None):
        cmd = parse(schemas.RecordRepair(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        stream = domain.fault_stream(cmd["fault_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(cmd["fault_id"]))
            return tx.append(stream, version, domain.record_repair(state, cmd, at), ctx)

    @rpc
    def replace_equipment(self, command, meta=None):
        cmd = parse(schemas.ReplaceEquipment(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        new_asset_id = cmd["new_asset_id"] or str(uuid.uuid4())
        stream = domain.fault_stream(cmd["fault_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(cmd["fault_id"]))
            old = self.assets.record(tx.conn, state.asset_id) if state.declared else None
            serial_owner = (self.assets.asset_with_serial(tx.conn, cmd["new_serial"])
                            or self.views.replacement_with_serial(tx.conn, cmd["new_serial"]))
            taken = self.assets.exists(tx.conn, new_asset_id) or self.views.replacement_exists(tx.conn, new_asset_id)
            events = domain.replace_equipment(state, old, cmd, new_asset_id, serial_owner, taken, at)
            return tx.append(stream, version, events, ctx)

    @rpc
    def close_fault(self, command, meta=None):
        cmd = parse(schemas.CloseFault(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        stream = domain.fault_stream(cmd["fault_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(cmd["fault_id"]))
            return tx.append(stream, version, domain.close_fault(state, cmd["resolution"], at), ctx)

    @rpc
    def cancel_fault(self, command, meta=None):
        cmd = parse(schemas.CancelFault(), command)
        ctx, at = context(meta, cmd), cmd["occurred_at"] or now()
        stream = domain.fault_stream(cmd["fault_id"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_fault, domain.Fault(cmd["fault_id"]))
            return tx.append(stream, version, domain.cancel_fault(state, at), ctx)

    # ---- queries

    def _reading(self):
        return db.reading(self.log.engine)  # no writer lock for a query

    @rpc
    def fault(self, fault_id):
        with self._reading() as conn:
            return self.views.fault(conn, fault_id)

    @rpc
    def open_faults(self, school_code=None):
        """Open faults of one school, or of the province when no school is given."""
        query = parse(schemas.SchoolQuery(), {"school_code": school_code})
        with self._reading() as conn:
            return self.views.open_faults(conn, query["school_code"])

    @rpc
    def fault_history(self, asset_id):
        """Every fault of an asset, oldest first, with how each ended."""
        with self._reading() as conn:
            return self.views.faults_of_asset(conn, asset_id)

    @rpc
    def mean_time_to_repair(self, school_code=None):
        query = parse(schemas.SchoolQuery(), {"school_code": school_code})
        with self._reading() as conn:
            return self.views.time_to_repair(conn, query["school_code"])

    @rpc
    def overdue_faults(self, school_code=None, days=15, as_of=None):
        """Open faults declared more than `days` days ago, oldest first."""
        query = parse(schemas.OverdueQuery(), {"school_code": school_code, "days": days, "as_of": as_of})
        at = query["as_of"] or now()
        with self._reading() as conn:
            return self.views.overdue_faults(conn, at.timestamp(), query["days"], query["school_code"])

    @rpc
    def warranty_expiring(self, school_code=None, days=60, as_of=None):
        """In-service assets still under warranty whose warranty ends within `days` days."""
        query = parse(schemas.WarrantyExpiryQuery(), {"school_code": school_code, "days": days, "as_of": as_of})
        today = local_date(query["as_of"] or now())
        with self._reading() as conn:
            rows = self.assets.warranty_ending(conn, today, today + timedelta(days=query["days"]),
                                               query["school_code"], excluded=self.views.replaced_asset_ids())
            answer = []
            for row in rows:
                ends_on = date.fromisoformat(row["warranty_ends_on"])
                answer.append({
                    "asset_id": row["asset_id"], "school_code": row["school_code"], "kind": row["kind"],
                    "serial": row["serial"], "supplier": row["supplier"], "received_on": row["received_on"],
                    "warranty_months": row["warranty_months"], "warranty_ends_on": ends_on.isoformat(),
                    "last_covered_day": (ends_on - timedelta(days=1)).isoformat(),
                    "days_left": (ends_on - today).days,
                    "open_fault_id": self.views.open_fault_of(conn, row["asset_id"]),
                })
            return answer

    @rpc
    def asset(self, asset_id):
        """What maintenance knows of an asset, from inventory's events."""
        with self._reading() as conn:
            row = self.assets.asset(conn, asset_id)
            if row is not None:
                row["replaced_by"] = self.views.replacement_of(conn, asset_id)
            return row

    # ---- operations

    @rpc
    def health(self):
        answer = EventSourced.health(self)
        view = self._view_status()
        if view["stalled"]:
            answer["status"] = "stalled"
        answer["equipment_view"] = view
        return answer

    def _view_status(self):
        """The projector's status without its lock, which a catch-up holds while inventory is slow to answer."""
        projector = self.equipment
        positions, stalled = dict(projector.positions), dict(projector.stalled)
        dead = projector.dead_table
        with db.reading(projector.engine) as conn:
            count = conn.execute(select(func.count()).select_from(dead)
                                 .where(dead.c.projection == projector.projection.name)).scalar_one()
        return {"projection": projector.projection.name, "positions": positions,
                "stalled": {s: {"position": p, "error": e} for s, (p, e) in stalled.items()},
                "dead_letters": count, "messages": dict(projector.outcomes)}

    @rpc
    def rebuild(self):
        """Make every read model again from the logs: the faults from maintenance's, the equipment from
        inventory's. Says how many events of each log were read."""
        store, views = self.log, self.views
        with store.transaction() as tx:
            views.drop(tx.conn)
            rows = tx.conn.execute(select(store.events.c.envelope).order_by(store.events.c.position)).scalars()
            envelopes = [store.registry.read(json.loads(r), check=False) for r in rows]
            views.apply_many(tx.conn, envelopes)
        return {"maintenance": len(envelopes), "inventory": self.equipment.rebuild()}
