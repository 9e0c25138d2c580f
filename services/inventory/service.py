"""Inventory over RPC: its commands and queries. Nothing else lives here.

Every command is a function of `handlers.py`, exposed here as the RPC method
`name(command: dict, meta: dict | None)`; `meta` carries the actor
`{user, role}` and the correlation id. It returns the events recorded.
"""
import base64

from nameko.rpc import rpc

from shared.aside import aside
from shared.calendar import local_date
from shared.commands import execute, parse, parse_command
from shared.errors import CommandRejected, found
from shared.events import now
from shared.reaction import ReactionDependency
from shared.service import EventLog, EventSourced, answers, expose_commands, follow

from . import application as app
from . import handlers, imports, register, schemas
from .application import Inventory
from .domain import serial_key
from .reactions import ReplacementReaction
from .reactions import kept_tables as resolution_tables
from .views import InventoryViews


@expose_commands(handlers)
class InventoryService(EventSourced):
    name = "inventory"
    log = EventLog(views=InventoryViews)
    replacements = ReactionDependency(ReplacementReaction)
    kept_tables = resolution_tables  # migrated, not rebuilt from the logs
    # The life of an asset, a transfer or a work: no fact dated before the latest one.
    ordered_streams = ("asset:", "transfer:", "work:")
    # A school's history may be entered late (last year's census), but not before the school was registered.
    founded_streams = ("school:",)

    unit = Inventory
    parts = {"replacements": "replacements.projection"}  # what resolve_replacement reads and keeps

    # ---------------------------------------------------------------- imports, read aside

    def _import(self, handler, reader, command, meta):
        """Read the file aside and before the transaction: a long file holds neither the other commands nor
        the log; the handler gets what was read as `uow.read`."""
        cmd, ctx = parse_command(handler, command, meta)
        read = aside(reader, base64.b64decode(cmd.content_base64), cmd.format)
        return execute(self.log, handler, cmd, ctx, self.unit, read=read, **self.unit_parts())

    @rpc
    def import_delivery(self, command, meta=None):
        """A supplier's delivery list (CSV or XLSX, base64): every line received, or the file refused by line."""
        return self._import(handlers.import_delivery, imports.read_deliveries, command, meta)

    @rpc
    def import_schools(self, command, meta=None):
        """A list of schools (with their census, if given): all registered, or the file refused by line."""
        return self._import(handlers.import_schools, imports.read_schools, command, meta)

    # ---------------------------------------------------------------- the reaction to maintenance

    on_maintenance_event, catch_up = follow("inventory", "maintenance", "replacements")

    # ---------------------------------------------------------------- queries (no writer lock)

    @rpc
    def school(self, school_code):
        return found(self.read(self.views.school, school_code), "unknown_school",
                     f"School {school_code} is not registered.")

    schools = answers("schools_list")

    @rpc
    def school_equipment(self, school_code):
        """The equipment in service at a school now."""
        return self.read(self.views.assets_at, school_code)

    @rpc
    def school_equipment_as_of(self, school_code, at):
        """The equipment in service at a school at `at` (a date: the end of that day, Morocco time)."""
        instant = app.as_of_instant(at)
        return {"school_code": school_code, "as_of": instant.isoformat(),
                "equipment": self.read(app.equipment_as_of, self.log, self.views, school_code, instant)}

    @rpc
    def asset(self, asset_id=None, serial=None):
        """An asset by id or serial, with its whole timeline."""
        if asset_id is None and serial is not None:
            asset_id = found(self.read(self.views.asset_with_serial, serial), "unknown_asset",
                             f"No asset has serial {serial}.")
        if asset_id is None:
            raise CommandRejected("unknown_asset", "Give an asset id or a serial.")
        return self.read(app.asset_timeline, self.log, self.views, asset_id)

    @rpc
    def asset_ids_of_serials(self, serials):
        """Each serial's asset id, or None for a serial never received."""
        owners = self.read(self.views.serial_owners, serials)
        return {s: owners.get(serial_key(s), {}).get("asset_id") for s in serials}

    @rpc
    def assets(self, query=None):
        """The register of equipment: `schemas.AssetRegisterQuery`'s filters, order and page."""
        query = parse(schemas.AssetRegisterQuery(), query or {})
        # One school or a scope's schools, and the rows a status can be, are picked in SQL; the register decides.
        codes = [query["school_code"]] if query.get("school_code") is not None else query.get("school_codes")
        assets = self.read(self.views.all_assets, codes, query.get("status"))
        schools = {s["school_code"]: s for s in self.read(self.views.schools_list)}
        return register.register(assets, schools, query, local_date(now()))

    @rpc
    def deliveries(self):
        return register.deliveries(self.read(self.views.all_assets))

    @rpc
    def transfers(self, school_code=None):
        """Every transfer, open or closed (of one school, if given)."""
        return self.read(self.views.transfers_list, open_only=False, school_code=school_code)

    @rpc
    def warranty_status(self, asset_id, at=None):
        instant = app.as_of_instant(at, end_of_day=False) if at else now()
        return self.read(app.warranty_status, self.log, self.views, asset_id, instant)

    @rpc
    def open_transfers(self, school_code=None):
        return self.read(self.views.transfers_list, open_only=True, school_code=school_code)

    @rpc
    def transfer(self, transfer_id):
        return found(self.read(self.views.transfer, transfer_id), "unknown_transfer",
                     f"Transfer {transfer_id} was never proposed.")

    @rpc
    def audit_reports(self, school_code=None):
        """The conformity report of every inventory audit (of one school, if given)."""
        return self.read(self.views.audit_reports, school_code=school_code)

    @rpc
    def audit_report(self, audit_id):
        return found(self.read(self.views.audit_reports, audit_id=audit_id), "unknown_audit",
                     f"Audit {audit_id} is not recorded.")[0]

    @rpc
    def usage_visits(self, school_code):
        return self.read(self.views.visits_at, school_code)

    last_visits = answers("last_visits", "When each school was last visited: {school_code: occurred_at}.")

    @rpc
    def infrastructure_works(self, school_code=None):
        return self.read(self.views.works_at, school_code)

    @rpc
    def replacement_outcomes(self):
        """What became of each `equipment_replaced` from maintenance."""
        outcomes = self.replacements.projection.outcomes
        return self.read(lambda conn: [dict(r) for r in conn.execute(
            outcomes.select().order_by(outcomes.c.handled_at)).mappings()])

    @rpc
    def replacements_to_resolve(self, fault_id=None):
        """Replacements that could not be applied here and await the coordinator (one fault's, if given,
        resolved or not), each with the replaced asset's serial (`old_serial`, None if it was never received)."""
        with self.replacements.engine.connect() as conn:
            rows = self.replacements.projection.to_resolve(conn, fault_id)
        serials = self.read(self.views.serials_of, [r["old_asset_id"] for r in rows]) if rows else {}
        return [dict(r, old_serial=serials.get(r["old_asset_id"])) for r in rows]

    # ---------------------------------------------------------------- operations

    @rpc
    def health(self):
        answer = self.health_with(reactions=self.replacements.status())
        with self.replacements.engine.connect() as conn:
            # A replacement that could not be applied leaves two services' records apart: said here.
            answer["replacements_to_resolve"] = len(self.replacements.projection.to_resolve(conn))
        return answer

    @rpc
    def rebuild(self):
        """Drop the read models and make them again from the log."""
        with self.log.transaction() as tx:
            return {"applied": tx.rebuild_views()}
