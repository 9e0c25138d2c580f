"""A replacement inventory cannot apply (its new serial was just delivered as another asset) does not vanish:
health says it, the fault shows it, the coordinator's queue lists it until they resolve it (real services; the
list read through the gateway's query, as the API and the pages read it)."""
import pytest
from nameko.rpc import rpc as rpc_method

from services.gateway.queries import Queries
from services.inventory.service import InventoryService
from services.maintenance.views import FaultViews
from shared.errors import CommandRejected
from shared.events import Context, Event, parse_instant
from shared.service import EventLog, answers
from tests.helpers import wait_for
from tests.integration.test_inventory_reaction import (TECHNICIAN, Maintenance, replacement,
                                                       set_up_a_school_with_projectors)

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
PROVINCE = {"user": "fatima", "role": "coordinator", "scope": "province:OED"}


class MaintenanceOfRecord(Maintenance):
    """The stand-in maintenance, with the real service's own view of its faults: what the gateway reads."""

    log = EventLog(views=FaultViews)
    fault = answers("fault")

    @rpc_method
    def declare(self, fault_id, asset_id, school_code):
        ctx = Context(actor=dict(TECHNICIAN), occurred_at=parse_instant("2026-01-19T09:00:00+01:00"))
        with self.log.transaction() as tx:
            tx.append(f"fault:{fault_id}", 0, [Event("fault_declared", {
                "fault_id": fault_id, "asset_id": asset_id, "school_code": school_code, "symptom": "Ne s'allume pas",
                "under_warranty": True})], ctx)


def test_a_replacement_that_lost_the_race_waits_for_the_coordinator(service_databases, run_services, rpc):
    run_services(MaintenanceOfRecord)
    run_services(InventoryService)
    inv = rpc.inventory
    gateway = Queries(lambda service, method, *args: getattr(getattr(rpc, service), method)(*args))
    set_up_a_school_with_projectors(inv)
    assert inv.health()["replacements_to_resolve"] == 0
    # The same new serial, delivered as another asset while the technician records the replacement.
    inv.receive_delivery({"supplier": "Maroc Info", "delivery_ref": "BL-18", "items": [
        {"asset_id": "PJ-9", "kind": "projector", "serial": "SN-RACE", "warranty_months": 24, "bundle": "vmm"}]},
        COORDINATOR)
    rpc.maintenance.declare("F-9", "PJ-1", "OED001")
    rpc.maintenance.declare("F-8", "PJ-2", "OED001")
    rpc.maintenance.record_replacement(replacement("F-9", "PJ-1", "PJ-1-NEW", "SN-RACE"), "2026-01-20T10:00:00+01:00")
    rpc.maintenance.record_replacement(replacement("F-8", "PJ-2", "PJ-2-NEW", "SN-FINE"), "2026-01-20T11:00:00+01:00")
    waiting = wait_for(lambda: inv.replacements_to_resolve() or None)
    assert [(w["fault_id"], w["outcome"]) for w in waiting] == [("F-9", "new_serial_is_another_asset")]
    wait_for(lambda: len(inv.replacement_outcomes()) == 2)
    assert inv.health()["replacements_to_resolve"] == 1
    assert inv.replacements_to_resolve("F-8") == []  # the one that applied needs nobody

    # What the coordinator's queue, the list and the fault's page read: the fault, its school, both serials,
    # why, since when.
    [listed] = gateway.replacements_waiting(PROVINCE, {})
    assert {k: v for k, v in listed.items() if k not in ("since", "replaced_at")} == {
        "fault_id": "F-9", "school_code": "OED001", "old_asset_id": "PJ-1", "old_serial": "SN-PJ-1",
        "new_asset_id": "PJ-1-NEW", "new_serial": "SN-RACE", "reason": "new_serial_is_another_asset"}
    assert listed["replaced_at"].startswith("2026-01-20") and listed["since"] >= "2026"
    assert gateway.replacements_waiting(PROVINCE, {"fault_id": "F-9"}) == [listed]
    assert gateway.replacements_waiting(PROVINCE, {"fault_id": "F-8"}) == []
    other_school = {"user": "amina", "role": "school_director", "scope": "school:OED002"}
    assert gateway.replacements_waiting(other_school, {}) == []

    with pytest.raises(CommandRejected) as exc:
        inv.resolve_replacement({"fault_id": "F-8", "note": "rien"}, COORDINATOR)
    assert exc.value.code == "nothing_to_resolve"
    inv.assign_equipment({"asset_id": "PJ-9", "school_code": "OED001"}, COORDINATOR)
    done = inv.resolve_replacement({"fault_id": "F-9", "note": "PJ-9 est le projecteur posé;\naffecté à OED001."},
                                   COORDINATOR)
    assert done["resolved_by"] == "fatima" and done["outcome"] == "new_serial_is_another_asset"
    assert inv.health()["replacements_to_resolve"] == 0 and inv.replacements_to_resolve() == []
    assert gateway.replacements_waiting(PROVINCE, {}) == []
    assert gateway.replacements_waiting(PROVINCE, {"fault_id": "F-9"}) == []
    assert inv.replacements_to_resolve("F-9")[0]["note"].startswith("PJ-9")  # the fault keeps what was decided
    with pytest.raises(CommandRejected) as exc:
        inv.resolve_replacement({"fault_id": "F-9", "note": "encore"}, COORDINATOR)
    assert exc.value.code == "already_resolved"
