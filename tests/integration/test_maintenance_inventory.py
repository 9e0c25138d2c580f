"""Maintenance's own view of the equipment, with the real inventory: catch-up, inventory down,
duplicates, restarts, and the replacement choreography."""
import time

import pytest
from kombu import Connection, Exchange

from services.inventory.service import InventoryService
from services.maintenance.service import MaintenanceService
from shared.catalogue import registry
from shared.errors import CommandRejected
from tests.helpers import caught_up, refused as rejected, wait_for
from tests.integration.test_maintenance import (assign, check_against_catalogue, deliver, inventory_position,
                                                maintenance_sees, register_school)


COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}


def fault(asset, school, **extra):
    return dict({"asset_id": asset, "school_code": school, "symptom": "Does not start"}, **extra)


def test_maintenance_started_after_500_assets_catches_up_and_accepts_faults_on_them(service_databases,
                                                                                      run_services, rpc):
    run_services(InventoryService)
    register_school(rpc, "OED001")
    register_school(rpc, "OED002")
    deliver(rpc, [{"asset_id": f"A{i:03d}", "serial": f"SN-{i:03d}"} for i in range(500)])
    replies = [rpc.inventory.assign_equipment.call_async(
        {"asset_id": f"A{i:03d}", "school_code": "OED001" if i % 2 == 0 else "OED002",
         "occurred_at": "2025-10-02T09:00:00+01:00"}) for i in range(500)]
    for reply in replies:
        reply.result()
    last = inventory_position(rpc)
    assert last == 2 + 500 + 500

    started = time.monotonic()
    run_services(MaintenanceService)  # its queue did not exist: everything comes from inventory's log
    maintenance_sees(rpc, last)
    print(f"\nmaintenance caught up with {last} inventory events in {time.monotonic() - started:.2f}s")

    assert rpc.maintenance.asset("A499")["school_code"] == "OED002"
    for asset, school in (("A000", "OED001"), ("A251", "OED002"), ("A498", "OED001")):
        [declared] = rpc.maintenance.declare_fault(fault(asset, school, occurred_at="2026-02-10T09:00:00+01:00"))
        assert declared["data"]["under_warranty"] is True
    rejected("asset_not_at_school", rpc.maintenance.declare_fault, fault("A001", "OED001"))
    assert [f["asset_id"] for f in rpc.maintenance.open_faults()] == ["A000", "A251", "A498"]
    # Received 1 October 2025 with 24 months: all 500 end on 1 October 2027.
    expiring = rpc.maintenance.warranty_expiring(as_of="2027-08-15T10:00:00+01:00")
    assert len(expiring) == 500 and {a["days_left"] for a in expiring} == {47}
    assert len(rpc.maintenance.warranty_expiring("OED002", as_of="2027-08-15T10:00:00+01:00")) == 250


def test_faults_are_declared_on_known_assets_while_inventory_is_stopped(service_databases, run_services, rpc):
    inventory = run_services(InventoryService)
    run_services(MaintenanceService)
    register_school(rpc, "OED001")
    deliver(rpc, [{"asset_id": f"K{i}", "serial": f"K-{i}"} for i in (1, 2, 3)])
    assign(rpc, "K1", "OED001")
    assign(rpc, "K2", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))

    inventory.stop()
    [k1] = rpc.maintenance.declare_fault(fault("K1", "OED001"))
    assert k1["data"]["under_warranty"] is True
    [claim] = rpc.maintenance.file_warranty_claim({"fault_id": k1["data"]["fault_id"], "claim_ref": "MI-9"})
    assert claim["data"]["supplier"] == "Maroc Info"  # from maintenance's own view
    rejected("asset_not_in_service", rpc.maintenance.declare_fault, fault("K3", "OED001"))  # never assigned
    [k2] = rpc.maintenance.declare_fault(fault("K2", "OED001"))
    k2_fault = k2["data"]["fault_id"]
    rejected("serial_already_known", rpc.maintenance.replace_equipment, {"fault_id": k2_fault, "new_serial": "K-3"})
    rpc.maintenance.replace_equipment({"fault_id": k2_fault, "new_serial": "K-2B", "new_asset_id": "K2B"})
    # A replacement's serial and asset id are taken at once, before inventory has seen them.
    rpc.maintenance.cancel_fault({"fault_id": k1["data"]["fault_id"]})
    [again] = rpc.maintenance.declare_fault(fault("K1", "OED001"))
    rejected("serial_already_known", rpc.maintenance.replace_equipment,
             {"fault_id": again["data"]["fault_id"], "new_serial": "K-2B"})
    rejected("asset_already_known", rpc.maintenance.replace_equipment,
             {"fault_id": again["data"]["fault_id"], "new_serial": "K-1B", "new_asset_id": "K2B"})
    rejected("asset_replaced", rpc.maintenance.declare_fault, fault("K2", "OED001", fault_id="K2-again"))
    assert rpc.maintenance.health()["status"] == "ok"

    # Inventory returns; what it records next reaches maintenance.
    run_services(InventoryService)
    assign(rpc, "K3", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))
    [k3] = rpc.maintenance.declare_fault(fault("K3", "OED001"))
    assert k3["data"]["asset_id"] == "K3"
    check_against_catalogue(rpc.maintenance.events_since(0, 5000))


def test_maintenance_started_while_inventory_is_down_catches_up_when_it_returns(service_databases, run_services,
                                                                                rpc):
    inventory = run_services(InventoryService)
    register_school(rpc, "OED001")
    deliver(rpc, [{"asset_id": f"U{i}", "serial": f"U-{i}"} for i in range(20)])
    for reply in [rpc.inventory.assign_equipment.call_async({"asset_id": f"U{i}", "school_code": "OED001"})
                  for i in range(19)]:
        reply.result()
    inventory.stop()

    run_services(MaintenanceService)
    # It has never seen these assets and cannot ask: it refuses rather than guess.
    rejected("unknown_asset", rpc.maintenance.declare_fault, fault("U7", "OED001"))
    assert rpc.maintenance.health()["equipment_view"]["positions"] == {"inventory": 0}

    # Inventory's next event shows maintenance what it missed; it reads it all back first.
    run_services(InventoryService)
    assign(rpc, "U19", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))
    rpc.maintenance.declare_fault(fault("U7", "OED001"))
    rpc.maintenance.declare_fault(fault("U19", "OED001"))
    assert [f["asset_id"] for f in rpc.maintenance.open_faults("OED001")] == ["U7", "U19"]


def test_duplicates_are_skipped_and_a_restarted_maintenance_misses_nothing(service_databases, run_services, rpc,
                                                                             rabbit_config):
    run_services(InventoryService)
    maintenance = run_services(MaintenanceService)
    register_school(rpc, "OED001")
    register_school(rpc, "OED002")
    deliver(rpc, [{"asset_id": f"R{i}", "serial": f"R-{i}"} for i in (1, 2, 3)])
    assign(rpc, "R1", "OED001")
    assign(rpc, "R2", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))
    rpc.maintenance.declare_fault(fault("R1", "OED001", fault_id="FR1"))
    # R2, found unused, moves to OED002.
    rpc.inventory.record_usage_visit({"school_code": "OED001", "observations": [{"asset_id": "R2",
                                                                                 "status": "unused"}]})
    rpc.inventory.propose_transfer({"transfer_id": "T1", "asset_ids": ["R2"], "from_school": "OED001",
                                    "to_school": "OED002", "reason": "Unused", "report": "Visit report"})
    rpc.inventory.approve_transfer({"transfer_id": "T1"}, COORDINATOR)
    rpc.inventory.complete_transfer({"transfer_id": "T1"})
    maintenance_sees(rpc, inventory_position(rpc))
    assert rpc.maintenance.asset("R2")["school_code"] == "OED002"
    before = {a: rpc.maintenance.asset(a) for a in ("R1", "R2", "R3")}

    # The broker delivers again everything up to R2's assignment to OED001 (as after lost acks); then a new event.
    logged = rpc.inventory.events_since(0, 5000)
    last = len(logged)
    stale = logged[:[e["event_type"] for e in logged].index("equipment_assigned") + 2]
    assert stale[-1]["data"] == {"asset_id": "R2", "school_code": "OED001"}
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")
        exchange = Exchange("inventory.events", type="topic", durable=True)
        for env in stale:
            producer.publish(env, exchange=exchange, routing_key=env["event_type"], declare=[exchange], retry=True)
    rpc.inventory.decommission_equipment({"asset_id": "R3", "reason": "Burnt"})
    maintenance_sees(rpc, last + 1)
    view = wait_for(lambda: (lambda v: v if v["messages"].get("duplicate", 0) >= len(stale) else None)(
        rpc.maintenance.health()["equipment_view"]))
    # Each stale one seen and skipped; the new event may count too when the
    # catch-up timer read it from inventory's log before its message arrived.
    assert len(stale) <= view["messages"]["duplicate"] <= len(stale) + 1
    assert view["positions"] == {"inventory": last + 1}
    assert view["dead_letters"] == 0 and view["stalled"] == {}
    assert rpc.maintenance.asset("R2") == before["R2"]  # still at OED002
    assert rpc.maintenance.asset("R3")["decommissioned"] is True
    rejected("asset_not_at_school", rpc.maintenance.declare_fault, fault("R2", "OED001"))
    rpc.maintenance.declare_fault(fault("R2", "OED002"))
    rejected("asset_not_in_service", rpc.maintenance.declare_fault, fault("R3", "OED001"))

    # Maintenance stops; inventory goes on recording.
    maintenance.stop()
    deliver(rpc, [{"asset_id": "R4", "serial": "R-4", "kind": "printer"}], ref="BL-9")
    assign(rpc, "R4", "OED002")
    run_services(MaintenanceService)
    maintenance_sees(rpc, inventory_position(rpc))
    rpc.maintenance.declare_fault(fault("R4", "OED002"))
    rejected("fault_already_open", rpc.maintenance.declare_fault, fault("R1", "OED001"))  # its own view survived
    assert rpc.maintenance.asset("R4")["kind"] == "printer"

    # Both read models rebuilt from the logs equal the live ones.
    live = ({a: rpc.maintenance.asset(a) for a in ("R1", "R2", "R3", "R4")}, rpc.maintenance.open_faults())
    assert rpc.maintenance.rebuild() == {"maintenance": 3, "inventory": inventory_position(rpc)}
    assert ({a: rpc.maintenance.asset(a) for a in ("R1", "R2", "R3", "R4")}, rpc.maintenance.open_faults()) == live


def test_a_replacement_reaches_inventory_old_decommissioned_new_assigned_at_the_same_school(
        service_databases, run_services, rpc):
    run_services(InventoryService, MaintenanceService)
    register_school(rpc, "OED001")
    register_school(rpc, "OED002")
    deliver(rpc, [{"asset_id": "C1", "serial": "LT-C1", "bundle": "vmm"},
                  {"asset_id": "C2", "serial": "LT-C2"}])
    assign(rpc, "C1", "OED002")
    assign(rpc, "C2", "OED002")
    maintenance_sees(rpc, inventory_position(rpc))

    [declared] = rpc.maintenance.declare_fault(fault("C1", "OED002", fault_id="FC1"))
    [replaced] = rpc.maintenance.replace_equipment({"fault_id": "FC1", "new_serial": "LT-C1-NEW"})
    rpc.maintenance.close_fault({"fault_id": "FC1", "resolution": "replaced"})
    new_id = replaced["data"]["new_asset_id"]
    assert replaced["data"] == {"fault_id": "FC1", "old_asset_id": "C1", "new_asset_id": new_id,
                                "new_serial": "LT-C1-NEW", "new_kind": "laptop"}
    check_against_catalogue(rpc.maintenance.events_since(0, 5000))

    def reaction():
        caused = [e for e in rpc.inventory.events_since(0, 5000) if e["causation_id"] == replaced["event_id"]]
        types = {(e["event_type"], e["data"]["asset_id"]) for e in caused}
        done = {("equipment_decommissioned", "C1"), ("equipment_assigned", new_id)} <= types
        return caused if done else None

    # Inventory's reaction has read maintenance's log up to the replacement: what it caused is recorded.
    caught_up(lambda: rpc.inventory.health()["reactions"]["positions"], {"maintenance": replaced["position"]})
    caused = reaction()
    assert caused, "the replacement did not reach inventory"
    for env in caused:
        registry.read(env)
        assert env["actor"] == {"user": "system", "role": "system"}
        assert env["correlation_id"] == replaced["correlation_id"]
    by_type = {e["event_type"]: e["data"] for e in caused}
    assert by_type["equipment_decommissioned"] == {"asset_id": "C1", "reason": "replaced"}
    assert by_type["equipment_assigned"] == {"asset_id": new_id, "school_code": "OED002"}
    received = by_type["equipment_received"]
    assert (received["asset_id"], received["serial"], received["kind"], received["bundle"]) == (
        new_id, "LT-C1-NEW", "laptop", "vmm")
    at_school = {a["asset_id"] for a in rpc.inventory.school_equipment("OED002")}
    assert new_id in at_school

    # Maintenance's own view follows inventory: the new laptop can have faults, the old one cannot.
    maintenance_sees(rpc, inventory_position(rpc))
    assert (rpc.maintenance.asset(new_id) or {}).get("school_code") == "OED002"
    assert rpc.maintenance.asset("C1")["decommissioned"] is True
    rpc.maintenance.declare_fault(fault(new_id, "OED002"))
    rejected("asset_replaced", rpc.maintenance.declare_fault, fault("C1", "OED002"))
    assert rpc.maintenance.fault_history("C1")[0]["new_asset_id"] == new_id
