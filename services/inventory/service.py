"""Inventory over RPC: validate, load, decide, append. Nothing else lives here."""
import uuid

from nameko.rpc import rpc

from shared.commands import context, parse
from shared.errors import InvalidCommand
from shared.service import EventLog, EventSourced

from . import domain, schemas
from .views import InventoryViews


class InventoryService(EventSourced):
    name = "inventory"
    log = EventLog(views=InventoryViews)

    @property
    def views(self) -> InventoryViews:
        return self.log.views

    @rpc
    def register_school(self, command, meta=None):
        cmd = parse(schemas.RegisterSchool(), command)
        ctx = context(meta, cmd)
        stream = domain.school_stream(cmd["school_code"])
        with self.log.transaction() as tx:
            state, version = tx.load(stream, domain.evolve_school, domain.School(cmd["school_code"]))
            events = domain.register_school(state, cmd, self.log.province_code)
            return tx.append(stream, version, events, ctx)

    @rpc
    def receive_delivery(self, command, meta=None):
        """Receive every item of a delivery, or none of them."""
        cmd = parse(schemas.ReceiveDelivery(), command)
        ctx = context(meta, cmd)
        seen = {}
        for i, item in enumerate(cmd["items"]):
            if item["serial"] in seen:
                raise InvalidCommand({"items": {i: {"serial": [
                    f"Serial {item['serial']} appears twice in the delivery (item {seen[item['serial']]})."]}}})
            seen[item["serial"]] = i
        recorded = []
        with self.log.transaction() as tx:
            for item in cmd["items"]:
                asset_id = item["asset_id"] or str(uuid.uuid4())
                stream = domain.asset_stream(asset_id)
                state, version = tx.load(stream, domain.evolve_asset, domain.Asset(asset_id))
                owner = self.views.asset_with_serial(tx.conn, item["serial"])
                events = domain.receive_equipment(state, item, cmd, owner)
                recorded += tx.append(stream, version, events, ctx)
        return recorded

    @rpc
    def assign_equipment(self, command, meta=None):
        cmd = parse(schemas.AssignEquipment(), command)
        ctx = context(meta, cmd)
        stream = domain.asset_stream(cmd["asset_id"])
        with self.log.transaction() as tx:
            school, _ = tx.load(domain.school_stream(cmd["school_code"]), domain.evolve_school,
                                domain.School(cmd["school_code"]))
            state, version = tx.load(stream, domain.evolve_asset, domain.Asset(cmd["asset_id"]))
            return tx.append(stream, version, domain.assign_equipment(state, school), ctx)

    @rpc
    def school_equipment(self, school_code):
        with self.log.engine.connect() as conn:
            return self.views.assets_at(conn, school_code)
