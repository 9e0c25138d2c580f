"""A replacement inventory cannot apply (its new serial was just delivered as another asset) does not vanish:
health says it, the fault shows it, the coordinator's queue lists it until they resolve it (real services)."""
import pytest

from services.inventory.service import InventoryService
from shared.errors import CommandRejected
from tests.helpers import wait_for
from tests.integration.test_inventory_reaction import Maintenance, replacement, set_up_a_school_with_projectors

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}


def test_a_replacement_that_lost_the_race_waits_for_the_coordinator(service_databases, run_services, rpc):
    run_services(Maintenance)
    run_services(InventoryService)
    inv = rpc.inventory
    set_up_a_school_with_projectors(inv)
    assert inv.health()["replacements_to_resolve"] == 0
    # The same new serial, delivered as another asset while the technician records the replacement.
    inv.receive_delivery({"supplier": "Maroc Info", "delivery_ref": "BL-18", "items": [
        {"asset_id": "PJ-9", "kind": "projector", "serial": "SN-RACE", "warranty_months": 24, "bundle": "vmm"}]},
        COORDINATOR)
    rpc.maintenance.record_replacement(replacement("F-9", "PJ-1", "PJ-1-NEW", "SN-RACE"), "2026-01-20T10:00:00+01:00")
    rpc.maintenance.record_replacement(replacement("F-8", "PJ-2", "PJ-2-NEW", "SN-FINE"), "2026-01-20T11:00:00+01:00")
    waiting = wait_for(lambda: inv.replacements_to_resolve() or None)
    assert [(w["fault_id"], w["outcome"]) for w in waiting] == [("F-9", "new_serial_is_another_asset")]
    wait_for(lambda: len(inv.replacement_outcomes()) == 2)
    assert inv.health()["replacements_to_resolve"] == 1
    assert inv.replacements_to_resolve("F-8") == []  # the one that applied needs nobody

    with pytest.raises(CommandRejected) as exc:
        inv.resolve_replacement({"fault_id": "F-8", "note": "rien"}, COORDINATOR)
    assert exc.value.code == "nothing_to_resolve"
    inv.assign_equipment({"asset_id": "PJ-9", "school_code": "OED001"}, COORDINATOR)
    done = inv.resolve_replacement({"fault_id": "F-9", "note": "PJ-9 est le projecteur posé;\naffecté à OED001."},
                                   COORDINATOR)
    assert done["resolved_by"] == "fatima" and done["outcome"] == "new_serial_is_another_asset"
    assert inv.health()["replacements_to_resolve"] == 0 and inv.replacements_to_resolve() == []
    assert inv.replacements_to_resolve("F-9")[0]["note"].startswith("PJ-9")  # the fault keeps what was decided
    with pytest.raises(CommandRejected) as exc:
        inv.resolve_replacement({"fault_id": "F-9", "note": "encore"}, COORDINATOR)
    assert exc.value.code == "already_resolved"
