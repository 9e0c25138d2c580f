"""Inventory records, the relay publishes, reporting projects INF01: over the real RabbitMQ."""
import pytest

from services.inventory.service import InventoryService
from services.reporting.service import ReportingService
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import refused, wait_for

SCHOOL = {"school_code": "OED001", "name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda",
          "cycle": "primary", "setting": "urban", "commune": "Dakhla", "region_code": "DOE"}


def inf01(rpc, scope="all"):
    answer = rpc.reporting.indicators(scope, "2025-2026")
    return {i["id"]: i for i in answer["indicators"]}["INF01"]["value"], answer


def test_assigned_equipment_counts_in_inf01(service_databases, run_services, rpc):
    run_services(InventoryService, ReportingService)
    rpc.inventory.register_school(dict(SCHOOL, occurred_at="2025-09-15T08:00:00+01:00"),
                                  {"actor": {"user": "fatima", "role": "coordinator"}})
    received = rpc.inventory.receive_delivery({
        "supplier": "Maroc Info", "delivery_ref": "BL-2025-17", "occurred_at": "2025-10-01T09:00:00+01:00",
        "items": [{"kind": "laptop", "serial": "LT-1", "warranty_months": 24, "bundle": "vmm"},
                  {"kind": "projector", "serial": "PJ-1", "warranty_months": 24, "bundle": "vmm"}]})
    assert [e["event_type"] for e in received] == ["equipment_received"] * 2
    assert received[0]["actor"] == {"user": "system", "role": "system"}
    rpc.inventory.assign_equipment({"asset_id": received[0]["data"]["asset_id"], "school_code": "OED001",
                                    "occurred_at": "2025-10-02T09:00:00+01:00"})

    value, answer = wait_for(lambda: (lambda r: r if r[1]["positions"]["inventory"] == 4 else None)(inf01(rpc)))
    assert value == 1  # the projector was received but never assigned
    assert inf01(rpc, "school:OED001")[0] == 1
    # a region nobody knows is said to be unknown, not answered with zeros
    assert refused("unknown_scope", inf01, rpc, "region:XXX").message.endswith("region:XXX.")
    before = rpc.reporting.indicators("all", "2024-2025")  # ended before the assignment
    assert before["indicators"][0]["value"] == 0


def test_bad_commands_are_refused_by_field_and_rule(service_databases, run_services, rpc):
    run_services(InventoryService)
    with pytest.raises(InvalidCommand) as exc:
        rpc.inventory.register_school(dict(SCHOOL, cycle="college", school_code=""))
    assert set(exc.value.errors) == {"cycle", "school_code"}
    rpc.inventory.register_school(SCHOOL)
    with pytest.raises(CommandRejected) as exc:
        rpc.inventory.register_school(SCHOOL)
    assert exc.value.code == "school_already_registered"
    with pytest.raises(CommandRejected) as exc:
        rpc.inventory.receive_delivery({"supplier": "X", "delivery_ref": "D", "items": [
            {"kind": "laptop", "serial": "NEW-1", "warranty_months": 12},
            {"kind": "laptop", "serial": "NEW-2", "warranty_months": 12, "asset_id": "A1"},
            {"kind": "laptop", "serial": "NEW-3", "warranty_months": 12, "asset_id": "A1"}]})
    assert exc.value.code == "asset_already_received"
    assert rpc.inventory.health()["last_position"] == 1  # the whole delivery was refused
