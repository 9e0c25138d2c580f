"""Inventory over RPC: validate, load, decide, append. Nothing else lives here.

Every command is `name(command: dict, meta: dict | None)`; `meta` carries the
actor `{user, role}` and the correlation id. It returns the events recorded.
"""
from nameko.rpc import rpc
from nameko.timer import timer

from shared import db
from shared.calendar import local_date
from shared.commands import context, parse
from shared.errors import CommandRejected, InvalidCommand
from shared.events import now
from shared.reaction import ReactionDependency
from shared.service import EventLog, EventSourced, consume_events, source_queue

from . import application as app
from . import domain, register, schemas
from .application import Inventory, instant_of
from .domain import serial_key
from .reactions import ReplacementReaction
from .views import InventoryViews


def _command(schema, command, meta):
    cmd = parse(schema, command)
    if cmd.get("occurred_at") and cmd["occurred_at"] > now():
        # Said before any rule, as the store would say it at the end.
        raise InvalidCommand({"occurred_at": ["Must not be in the future."]})
    return cmd, context(meta, cmd)


class InventoryService(EventSourced):
    name = "inventory"
    log = EventLog(views=InventoryViews)
    replacements = ReactionDependency(ReplacementReaction)

    @property
    def views(self) -> InventoryViews:
        return self.log.views

    # ---------------------------------------------------------------- schools

    @rpc
    def register_school(self, command, meta=None):
        cmd, ctx = _command(schemas.RegisterSchool(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            return inv.record(school, domain.register_school(school.state, cmd, self.log.province_code), ctx)

    @rpc
    def update_school(self, command, meta=None):
        """Change a school's description: it is registered again, in full. Nothing if nothing changes."""
        cmd, ctx = _command(schemas.UpdateSchool(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            return inv.record(school, domain.update_school(school.state, cmd, self.log.province_code), ctx)

    @rpc
    def record_census(self, command, meta=None):
        cmd, ctx = _command(schemas.RecordCensus(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            events = domain.record_census(school.state, cmd["school_year"], cmd["pupils"], cmd["teachers"])
            return inv.record(school, events, ctx)

    @rpc
    def import_schools(self, command, meta=None):
        """A list of schools (with their census, if given): all registered, or the file refused by line."""
        cmd, ctx = _command(schemas.ImportSchools(), command, meta)
        with self.log.transaction() as tx:
            return Inventory(tx).import_schools(cmd, ctx)

    @rpc
    def record_connectivity(self, command, meta=None):
        cmd, ctx = _command(schemas.RecordConnectivity(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            events = domain.record_connectivity(school.state, cmd["status"], cmd["link"], cmd["bandwidth_mbps"])
            return inv.record(school, events, ctx)

    @rpc
    def record_filtering(self, command, meta=None):
        cmd, ctx = _command(schemas.RecordFiltering(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            return inv.record(school, domain.record_filtering(school.state, cmd["active"]), ctx)

    @rpc
    def record_infrastructure_work(self, command, meta=None):
        cmd, ctx = _command(schemas.RecordInfrastructureWork(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            work = inv.work(cmd["work_id"] or app.new_id())
            school = inv.school(cmd["school_code"])
            events = domain.record_infrastructure_work(work.state, school.state, cmd["kind"], cmd["status"],
                                                       instant_of(ctx))
            return inv.record(work, events, ctx)

    # ---------------------------------------------------------------- reception and distribution

    @rpc
    def receive_delivery(self, command, meta=None):
        """Receive every item of a delivery, or none of them."""
        cmd, ctx = _command(schemas.ReceiveDelivery(), command, meta)
        with self.log.transaction() as tx:
            return Inventory(tx).receive_delivery(cmd, ctx)

    @rpc
    def import_delivery(self, command, meta=None):
        """A supplier's delivery list (CSV or XLSX, base64): every line received, or the file refused by line."""
        cmd, ctx = _command(schemas.ImportDelivery(), command, meta)
        with self.log.transaction() as tx:
            return Inventory(tx).import_delivery(cmd, ctx)

    @rpc
    def assign_equipment(self, command, meta=None):
        cmd, ctx = _command(schemas.AssignEquipment(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            asset = inv.asset(cmd["asset_id"])
            return inv.record(asset, domain.assign_equipment(asset.state, school.state, instant_of(ctx)), ctx)

    @rpc
    def confirm_installation(self, command, meta=None):
        cmd, ctx = _command(schemas.ConfirmInstallation(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            asset = inv.asset(cmd["asset_id"])
            events = domain.confirm_installation(asset.state, cmd["school_code"], instant_of(ctx))
            return inv.record(asset, events, ctx)

    @rpc
    def decommission_equipment(self, command, meta=None):
        cmd, ctx = _command(schemas.DecommissionEquipment(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            asset = inv.asset(cmd["asset_id"])
            return inv.record(asset, domain.decommission_equipment(asset.state, cmd["reason"], instant_of(ctx)), ctx)

    # ---------------------------------------------------------------- use

    @rpc
    def record_usage_visit(self, command, meta=None):
        cmd, ctx = _command(schemas.RecordUsageVisit(), command, meta)
        visit_id = cmd["visit_id"] or app.new_id()
        stream = domain.visit_stream(visit_id)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            assets = inv.assets([o["asset_id"] for o in cmd["observations"]])
            events = domain.record_usage_visit(not inv.is_new(stream), visit_id, school.state, cmd["observations"],
                                               {a: loaded.state for a, loaded in assets.items()}, cmd["notes"])
            return inv.record_new(stream, events, ctx)

    # ---------------------------------------------------------------- transfers

    @rpc
    def propose_transfer(self, command, meta=None):
        cmd, ctx = _command(schemas.ProposeTransfer(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            transfer = inv.transfer(cmd["transfer_id"] or app.new_id())
            assets = inv.assets(cmd["asset_ids"])
            events = domain.propose_transfer(
                transfer.state, {a: loaded.state for a, loaded in assets.items()},
                inv.school(cmd["from_school"]).state, inv.school(cmd["to_school"]).state, cmd["reason"],
                cmd["report"], instant_of(ctx))
            return inv.record(transfer, events, ctx)

    @rpc
    def approve_transfer(self, command, meta=None):
        """Coordinator only: the actor's role comes from `meta.actor.role`."""
        cmd, ctx = _command(schemas.ApproveTransfer(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            transfer = inv.transfer(cmd["transfer_id"])
            return inv.record(transfer, domain.approve_transfer(transfer.state, ctx.actor, instant_of(ctx)), ctx)

    @rpc
    def reject_transfer(self, command, meta=None):
        cmd, ctx = _command(schemas.RejectTransfer(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            transfer = inv.transfer(cmd["transfer_id"])
            events = domain.reject_transfer(transfer.state, ctx.actor, cmd["reason"], instant_of(ctx))
            return inv.record(transfer, events, ctx)

    @rpc
    def complete_transfer(self, command, meta=None):
        cmd, ctx = _command(schemas.CompleteTransfer(), command, meta)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            transfer = inv.transfer(cmd["transfer_id"])
            assets = inv.assets(transfer.state.asset_ids)
            events = domain.complete_transfer(transfer.state, {a: loaded.state for a, loaded in assets.items()},
                                              instant_of(ctx))
            return inv.record(transfer, events, ctx)

    # ---------------------------------------------------------------- inventory audits

    @rpc
    def complete_inventory_audit(self, command, meta=None):
        cmd, ctx = _command(schemas.CompleteInventoryAudit(), command, meta)
        audit_id = cmd["audit_id"] or app.new_id()
        stream = domain.audit_stream(audit_id)
        with self.log.transaction() as tx:
            inv = Inventory(tx)
            school = inv.school(cmd["school_code"])
            expected = inv.assets(self.views.asset_ids_in_service_at(tx.conn, cmd["school_code"]))
            owners = self.views.serial_owners(tx.conn, cmd["unexpected_serials"])
            events = domain.complete_inventory_audit(
                not inv.is_new(stream), audit_id, school.state, cmd["occasion"], cmd["findings"],
                cmd["unexpected_serials"], {a: loaded.state for a, loaded in expected.items()},
                {key: row["asset_id"] for key, row in owners.items()})
            return inv.record_new(stream, events, ctx)

    # ---------------------------------------------------------------- the reaction to maintenance

    @consume_events(source_queue("inventory", "maintenance"))
    def on_maintenance_event(self, body):
        self.replacements.handle(body)

    @timer(interval=10, eager=True)
    def catch_up(self):
        """The bus is the fast path; this reads what it missed from maintenance's log."""
        self.replacements.catch_up()

    # ---------------------------------------------------------------- queries

    def _reading(self):
        return db.reading(self.log.engine)

    @rpc
    def school(self, school_code):
        with self._reading() as conn:
            found = self.views.school(conn, school_code)
        if found is None:
            raise CommandRejected("unknown_school", f"School {school_code} is not registered.")
        return found

    @rpc
    def schools(self):
        with self._reading() as conn:
            return self.views.schools_list(conn)

    @rpc
    def school_equipment(self, school_code):
        """The equipment in service at a school now."""
        with self._reading() as conn:
            return self.views.assets_at(conn, school_code)

    @rpc
    def school_equipment_as_of(self, school_code, at):
        """The equipment in service at a school at `at` (a date: the end of that day, Morocco time)."""
        instant = app.as_of_instant(at)
        with self._reading() as conn:
            return {"school_code": school_code, "as_of": instant.isoformat(),
                    "equipment": app.equipment_as_of(conn, self.log, self.views, school_code, instant)}

    @rpc
    def asset(self, asset_id=None, serial=None):
        """An asset by id or serial, with its whole timeline."""
        with self._reading() as conn:
            if asset_id is None and serial is not None:
                asset_id = self.views.asset_with_serial(conn, serial)
                if asset_id is None:
                    raise CommandRejected("unknown_asset", f"No asset has serial {serial}.")
            if asset_id is None:
                raise CommandRejected("unknown_asset", "Give an asset id or a serial.")
            return app.asset_timeline(conn, self.log, self.views, asset_id)

    @rpc
    def asset_ids_of_serials(self, serials):
        """Each serial's asset id, or None for a serial never received."""
        with self._reading() as conn:
            owners = self.views.serial_owners(conn, serials)
        return {s: owners.get(serial_key(s), {}).get("asset_id") for s in serials}

    @rpc
    def assets(self, query=None):
        """The register of equipment: `schemas.AssetRegisterQuery`'s filters, order and page."""
        query = parse(schemas.AssetRegisterQuery(), query or {})
        with self._reading() as conn:
            assets = self.views.all_assets(conn)
            schools = {s["school_code"]: s for s in self.views.schools_list(conn)}
        return register.register(assets, schools, query, local_date(now()))

    @rpc
    def deliveries(self):
        with self._reading() as conn:
            return register.deliveries(self.views.all_assets(conn))

    @rpc
    def transfers(self, school_code=None):
        """Every transfer, open or closed (of one school, if given)."""
        with self._reading() as conn:
            return self.views.transfers_list(conn, open_only=False, school_code=school_code)

    @rpc
    def warranty_status(self, asset_id, at=None):
        instant = app.as_of_instant(at, end_of_day=False) if at else now()
        with self._reading() as conn:
            return app.warranty_status(conn, self.log, self.views, asset_id, instant)

    @rpc
    def open_transfers(self, school_code=None):
        with self._reading() as conn:
            return self.views.transfers_list(conn, open_only=True, school_code=school_code)

    @rpc
    def transfer(self, transfer_id):
        with self._reading() as conn:
            found = self.views.transfer(conn, transfer_id)
        if found is None:
            raise CommandRejected("unknown_transfer", f"Transfer {transfer_id} was never proposed.")
        return found

    @rpc
    def audit_reports(self, school_code=None):
        """The conformity report of every inventory audit (of one school, if given)."""
        with self._reading() as conn:
            return self.views.audit_reports(conn, school_code=school_code)

    @rpc
    def audit_report(self, audit_id):
        with self._reading() as conn:
            found = self.views.audit_reports(conn, audit_id=audit_id)
        if not found:
            raise CommandRejected("unknown_audit", f"Audit {audit_id} is not recorded.")
        return found[0]

    @rpc
    def usage_visits(self, school_code):
        with self._reading() as conn:
            return self.views.visits_at(conn, school_code)

    @rpc
    def last_visits(self):
        """When each school was last visited: {school_code: occurred_at}."""
        with self._reading() as conn:
            return self.views.last_visits(conn)

    @rpc
    def infrastructure_works(self, school_code=None):
        with self._reading() as conn:
            return self.views.works_at(conn, school_code)

    @rpc
    def replacement_outcomes(self):
        """What became of each `equipment_replaced` from maintenance."""
        reaction = self.replacements.projection
        with self.replacements.engine.connect() as conn:
            rows = conn.execute(reaction.outcomes.select().order_by(reaction.outcomes.c.handled_at)).mappings()
            return [dict(r) for r in rows]

    # ---------------------------------------------------------------- operations

    @rpc
    def health(self):
        answer = EventSourced.health(self)
        reaction = self.replacements.status()
        answer["reactions"] = reaction
        if reaction["stalled"]:
            answer["status"] = "stalled"
        return answer

    @rpc
    def rebuild(self):
        """Drop the read models and make them again from the log."""
        with self.log.transaction() as tx:
            return {"applied": self.views.rebuild(tx.conn)}
