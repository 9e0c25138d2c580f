"""Maintenance over the real RabbitMQ with the real inventory: commands, warranty, queries, the bus."""
import pytest

from services.inventory.service import InventoryService
from services.maintenance.service import MaintenanceService
from shared.catalogue import registry
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import bus_tap, caught_up, refused as rejected, wait_for

SCHOOL = {"name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda", "cycle": "primary", "setting": "urban",
          "commune": "Dakhla", "region_code": "DOE"}
DIRECTOR = {"actor": {"user": "director.oed001", "role": "director"}}
TECHNICIAN = {"actor": {"user": "youssef", "role": "technician"}}


def register_school(rpc, code, when="2025-09-01T08:00:00+01:00"):
    rpc.inventory.register_school(dict(SCHOOL, school_code=code, occurred_at=when))


def deliver(rpc, items, when="2025-10-01T09:00:00+01:00", supplier="Maroc Info", ref="BL-2025-17"):
    """Receive `items` (asset_id, serial, and optionally kind, warranty_months)."""
    items = [dict({"kind": "laptop", "warranty_months": 24, "bundle": "vmm"}, **item) for item in items]
    return rpc.inventory.receive_delivery({"supplier": supplier, "delivery_ref": ref, "occurred_at": when,
                                           "items": items})


def assign(rpc, asset_id, school_code, when="2025-10-02T09:00:00+01:00"):
    return rpc.inventory.assign_equipment({"asset_id": asset_id, "school_code": school_code, "occurred_at": when})


def maintenance_sees(rpc, position):
    """Wait until maintenance's view of the equipment has read inventory's log up to `position`."""
    return caught_up(lambda: rpc.maintenance.health()["equipment_view"]["positions"], {"inventory": position})


def inventory_position(rpc):
    return rpc.inventory.health()["last_position"]


@pytest.fixture
def maintenance_bus(rabbit_config):
    with bus_tap(rabbit_config["AMQP_URI"], "maintenance") as tap:
        yield tap


def check_against_catalogue(envelopes):
    """Every envelope reads back against the published catalogue; return them by type."""
    by_type = {}
    for env in envelopes:
        registry.read(env)
        assert env["source"] == "maintenance"
        by_type.setdefault(env["event_type"], []).append(env)
    return by_type


# ---------------------------------------------------------------- the tests


def test_a_fault_from_declaration_to_closing_over_rpc_and_on_the_bus(service_databases, run_services, rpc,
                                                                       maintenance_bus):
    run_services(InventoryService, MaintenanceService)
    register_school(rpc, "OED001")
    register_school(rpc, "OED002")
    deliver(rpc, [{"asset_id": "L1", "serial": "LT-1"}])
    deliver(rpc, [{"asset_id": "D1", "serial": "PC-1", "kind": "desktop", "warranty_months": 12}],
            when="2022-09-20T09:00:00+01:00", supplier="Sahara PC", ref="BL-2022-03")
    assign(rpc, "L1", "OED001")
    assign(rpc, "D1", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))
    fault = {"fault_id": "F1", "asset_id": "L1", "school_code": "OED001", "symptom": "Screen stays black",
             "occurred_at": "2026-01-12T10:00:00+01:00"}

    rejected("asset_not_at_school", rpc.maintenance.declare_fault, dict(fault, school_code="OED002"))
    rejected("unknown_asset", rpc.maintenance.declare_fault, dict(fault, asset_id="NOPE"))
    [declared] = rpc.maintenance.declare_fault(fault, DIRECTOR)
    assert declared["data"] == {"fault_id": "F1", "asset_id": "L1", "school_code": "OED001",
                                "symptom": "Screen stays black", "under_warranty": True}
    assert declared["actor"] == DIRECTOR["actor"] and declared["stream_id"] == "fault:F1"
    second = rejected("fault_already_open", rpc.maintenance.declare_fault, dict(fault, fault_id="F2"))
    assert "F1" in second.message

    [claim] = rpc.maintenance.file_warranty_claim({"fault_id": "F1", "claim_ref": "MI-77"}, TECHNICIAN)
    assert claim["data"] == {"fault_id": "F1", "supplier": "Maroc Info", "claim_ref": "MI-77"}
    rejected("warranty_repair_not_free", rpc.maintenance.record_repair,
             {"fault_id": "F1", "action": "Panel changed", "cost_mad": 900})
    [repair] = rpc.maintenance.record_repair({"fault_id": "F1", "action": "Panel changed"}, TECHNICIAN)
    assert repair["data"]["cost_mad"] == 0 and repair["data"]["under_warranty"] is True
    rejected("no_replacement_recorded", rpc.maintenance.close_fault, {"fault_id": "F1", "resolution": "replaced"})
    rpc.maintenance.close_fault({"fault_id": "F1", "resolution": "repaired"})
    rejected("fault_already_closed", rpc.maintenance.close_fault, {"fault_id": "F1", "resolution": "repaired"})
    rejected("fault_already_closed", rpc.maintenance.cancel_fault, {"fault_id": "F1"})

    # The desktop's 12-month warranty ended in 2023.
    [old] = rpc.maintenance.declare_fault({"asset_id": "D1", "school_code": "OED001", "symptom": "Noisy fan"})
    assert old["data"]["under_warranty"] is False
    f2 = old["data"]["fault_id"]
    rejected("not_under_warranty", rpc.maintenance.file_warranty_claim, {"fault_id": f2, "claim_ref": "X"})
    with pytest.raises(InvalidCommand) as exc:
        rpc.maintenance.record_repair({"fault_id": f2, "action": "Fan changed"})
    assert set(exc.value.errors) == {"cost_mad"}
    [repair] = rpc.maintenance.record_repair({"fault_id": f2, "action": "Fan changed", "cost_mad": 150})
    assert (repair["data"]["cost_mad"], repair["data"]["under_warranty"]) == (150, False)

    with pytest.raises(InvalidCommand) as exc:
        rpc.maintenance.declare_fault({"asset_id": "L1", "school_code": "OED 1", "colour": "red"})
    assert set(exc.value.errors) == {"school_code", "symptom", "colour"}
    with pytest.raises(InvalidCommand) as exc:
        rpc.maintenance.close_fault({"fault_id": f2, "resolution": "cancelled"})
    assert set(exc.value.errors) == {"resolution"}
    with pytest.raises(InvalidCommand) as exc:
        rpc.maintenance.declare_fault(dict(fault, fault_id="F3", occurred_at="2099-01-01T00:00:00+01:00"))
    assert set(exc.value.errors) == {"occurred_at"}

    # Refused commands wrote nothing; what was recorded reached the bus as the catalogue says.
    logged = rpc.maintenance.events_since(0, 5000)
    assert [e["event_type"] for e in logged] == ["fault_declared", "warranty_claim_filed", "repair_completed",
                                                 "fault_closed", "fault_declared", "repair_completed"]
    assert [e["position"] for e in logged] == [1, 2, 3, 4, 5, 6]
    published = maintenance_bus.drain(at_least=6)
    assert [e["event_id"] for e in published] == [e["event_id"] for e in logged]
    check_against_catalogue(published)
    assert rpc.maintenance.fault("F1")["resolution"] == "repaired"

    # Five declarations on the same laptop at once: one fault is opened, four are told which.
    replies = [rpc.maintenance.declare_fault.call_async(dict(fault, fault_id=f"G{i}", occurred_at=None))
               for i in range(5)]
    outcomes = []
    for reply in replies:
        try:
            outcomes.append(reply.result()[0]["data"]["fault_id"])
        except CommandRejected as exc:
            outcomes.append(exc.code)
    [opened] = [o for o in outcomes if o.startswith("G")]
    assert sorted(outcomes) == sorted([opened] + ["fault_already_open"] * 4)
    assert [f["fault_id"] for f in rpc.maintenance.open_faults("OED001")] == [f2, opened]


def test_warranty_boundaries_and_the_expiry_list(service_databases, run_services, rpc):
    run_services(InventoryService, MaintenanceService)
    for code in ("OED001", "OED002"):
        register_school(rpc, code, when="2023-09-01T08:00:00+01:00")
    # 24 months from 1 October 2023: covered up to 30 September 2025.
    deliver(rpc, [{"asset_id": f"W{i}", "serial": f"W-{i}"} for i in (1, 2, 3, 7)], when="2023-10-01T09:00:00+01:00")
    deliver(rpc, [{"asset_id": "W4", "serial": "W-4"}], when="2023-10-02T09:00:00+01:00", ref="BL-2")
    deliver(rpc, [{"asset_id": "W5", "serial": "W-5", "warranty_months": 12}], when="2024-08-02T09:00:00+01:00",
            ref="BL-3")
    deliver(rpc, [{"asset_id": "W6", "serial": "W-6", "warranty_months": 12}], when="2024-08-03T09:00:00+01:00",
            ref="BL-4")
    for asset, school in (("W1", "OED001"), ("W2", "OED001"), ("W3", "OED001"), ("W5", "OED001"),
                          ("W4", "OED002"), ("W6", "OED002")):
        assign(rpc, asset, school, when="2024-08-05T09:00:00+01:00")
    maintenance_sees(rpc, inventory_position(rpc))

    # On 2 August 2025: W5's warranty ended that morning; W6's ends tomorrow; W1-W3 in 60 days; W4 in 61.
    as_of = "2025-08-02T12:00:00+01:00"
    expiring = rpc.maintenance.warranty_expiring(as_of=as_of)
    assert [(a["asset_id"], a["days_left"]) for a in expiring] == [("W6", 1), ("W1", 60), ("W2", 60), ("W3", 60)]
    w1 = expiring[1]
    assert (w1["school_code"], w1["supplier"], w1["received_on"], w1["warranty_ends_on"], w1["last_covered_day"]) == (
        "OED001", "Maroc Info", "2023-10-01", "2025-10-01", "2025-09-30")
    assert [a["asset_id"] for a in rpc.maintenance.warranty_expiring("OED001", as_of=as_of)] == ["W1", "W2", "W3"]
    assert [a["asset_id"] for a in rpc.maintenance.warranty_expiring("OED002", 61, as_of)] == ["W6", "W4"]
    assert rpc.maintenance.warranty_expiring(days=0, as_of=as_of) == []
    with pytest.raises(InvalidCommand) as exc:
        rpc.maintenance.warranty_expiring(days=-1, as_of="2025-08-02")
    assert set(exc.value.errors) == {"days", "as_of"}

    def declare(asset, when):
        return rpc.maintenance.declare_fault({"fault_id": f"F-{asset}", "asset_id": asset, "school_code": "OED001",
                                              "symptom": "Will not charge", "occurred_at": when})[0]["data"]

    assert declare("W1", "2025-09-30T18:00:00+01:00")["under_warranty"] is True  # the day before expiry
    assert declare("W2", "2025-10-01T08:00:00+01:00")["under_warranty"] is False  # the expiry day
    assert declare("W3", "2025-10-02T08:00:00+01:00")["under_warranty"] is False  # the day after
    # A claim filed after expiry for a fault declared before it is still a warranty claim.
    rpc.maintenance.file_warranty_claim({"fault_id": "F-W1", "claim_ref": "MI-1",
                                         "occurred_at": "2025-10-03T09:00:00+01:00"})
    rejected("not_under_warranty", rpc.maintenance.file_warranty_claim, {"fault_id": "F-W2", "claim_ref": "MI-2"})
    rejected("not_under_warranty", rpc.maintenance.file_warranty_claim, {"fault_id": "F-W3", "claim_ref": "MI-3"})
    rejected("asset_not_in_service", rpc.maintenance.declare_fault,
             {"asset_id": "W7", "school_code": "OED001", "symptom": "Never assigned"})


def test_open_faults_history_overdue_list_and_time_to_repair(service_databases, run_services, rpc):
    run_services(InventoryService, MaintenanceService)
    register_school(rpc, "OED001")
    register_school(rpc, "OED002")
    deliver(rpc, [{"asset_id": f"Q{i}", "serial": f"Q-{i}"} for i in range(1, 6)])
    for asset, school in (("Q1", "OED001"), ("Q2", "OED001"), ("Q3", "OED001"), ("Q4", "OED002"),
                          ("Q5", "OED002")):
        assign(rpc, asset, school)
    maintenance_sees(rpc, inventory_position(rpc))
    m = rpc.maintenance

    def declare(fault_id, asset, school, when):
        m.declare_fault({"fault_id": fault_id, "asset_id": asset, "school_code": school, "symptom": "Broken",
                         "occurred_at": when})

    declare("F1", "Q1", "OED001", "2026-01-01T10:00:00+01:00")
    m.record_repair({"fault_id": "F1", "action": "Keyboard", "occurred_at": "2026-01-02T10:00:00+01:00"})
    m.close_fault({"fault_id": "F1", "resolution": "repaired", "occurred_at": "2026-01-03T10:00:00+01:00"})
    declare("F3", "Q4", "OED002", "2026-01-10T10:00:00+01:00")
    m.replace_equipment({"fault_id": "F3", "new_serial": "Q-4B", "occurred_at": "2026-01-13T10:00:00+01:00"})
    m.close_fault({"fault_id": "F3", "resolution": "replaced", "occurred_at": "2026-01-14T10:00:00+01:00"})
    declare("F4", "Q2", "OED001", "2026-01-20T10:00:00+01:00")
    m.cancel_fault({"fault_id": "F4", "occurred_at": "2026-01-21T10:00:00+01:00"})
    declare("F2", "Q1", "OED001", "2026-02-01T10:00:00+00:00")
    declare("F5", "Q5", "OED002", "2026-03-01T10:00:00+01:00")
    declare("F6", "Q3", "OED001", "2026-03-16T10:00:00+01:00")
    rejected("before_declaration", m.close_fault, {"fault_id": "F6", "resolution": "not_reproducible",
                                                   "occurred_at": "2026-03-15T10:00:00+01:00"})

    ids = lambda faults: [f["fault_id"] for f in faults]  # noqa: E731
    assert ids(m.open_faults()) == ["F2", "F5", "F6"]
    assert ids(m.open_faults("OED001")) == ["F2", "F6"]
    assert ids(m.open_faults("OED002")) == ["F5"]
    history = m.fault_history("Q1")
    assert [(f["fault_id"], f["status"], f["resolution"]) for f in history] == [
        ("F1", "closed", "repaired"), ("F2", "open", None)]
    assert (history[0]["repair_action"], history[0]["days_to_close"]) == ("Keyboard", 2.0)
    assert m.fault_history("Q4")[0]["new_serial"] == "Q-4B"

    # F5 is exactly 15 days old at 10:00 on 16 March: overdue only from the next second.
    as_of = "2026-03-16T10:00:00+01:00"
    overdue = m.overdue_faults(as_of=as_of)
    assert [(f["fault_id"], f["days_open"]) for f in overdue] == [("F2", 43.0)]
    assert ids(m.overdue_faults(as_of="2026-03-16T10:00:01+01:00")) == ["F2", "F5"]
    assert ids(m.overdue_faults("OED002", as_of="2026-03-16T10:00:01+01:00")) == ["F5"]
    assert ids(m.overdue_faults(days=0, as_of=as_of)) == ["F2", "F5"]
    assert ids(m.overdue_faults()) == ["F2", "F5", "F6"]  # today, all three are long overdue

    # Repaired in 2 days, replaced in 4; the cancelled fault does not count.
    assert m.mean_time_to_repair() == {"faults": 2, "total_days": 6.0, "mean_days": 3.0}
    assert m.mean_time_to_repair("OED001") == {"faults": 1, "total_days": 2.0, "mean_days": 2.0}
    assert m.mean_time_to_repair("OED404") == {"faults": 0, "total_days": 0.0, "mean_days": None}


def test_a_faults_history_says_who_recorded_each_step_and_a_rebuild_keeps_it(service_databases, run_services,
                                                                              rpc):
    run_services(InventoryService, MaintenanceService)
    register_school(rpc, "OED001")
    deliver(rpc, [{"asset_id": "L1", "serial": "LT-1"}])
    assign(rpc, "L1", "OED001")
    maintenance_sees(rpc, inventory_position(rpc))
    m = rpc.maintenance
    m.declare_fault({"fault_id": "F1", "asset_id": "L1", "school_code": "OED001", "symptom": "Black screen",
                     "occurred_at": "2026-01-12T10:00:00+01:00"}, DIRECTOR)
    m.file_warranty_claim({"fault_id": "F1", "claim_ref": "MI-77", "occurred_at": "2026-01-12T11:00:00+01:00"},
                          TECHNICIAN)
    m.replace_equipment({"fault_id": "F1", "new_serial": "LT-1B", "occurred_at": "2026-01-20T10:00:00+01:00"},
                        TECHNICIAN)
    m.close_fault({"fault_id": "F1", "resolution": "replaced", "occurred_at": "2026-01-21T10:00:00+01:00"},
                  {"actor": {"user": "fatima", "role": "coordinator"}})
    expected = [("fault_declared", "2026-01-12T10:00:00+01:00", "director.oed001", "director"),
                ("warranty_claim_filed", "2026-01-12T11:00:00+01:00", "youssef", "technician"),
                ("equipment_replaced", "2026-01-20T10:00:00+01:00", "youssef", "technician"),
                ("fault_closed", "2026-01-21T10:00:00+01:00", "fatima", "coordinator")]

    def steps(fault):
        return [(s["event_type"], s["occurred_at"], s["actor"]["user"], s["actor"]["role"]) for s in fault["steps"]]

    assert steps(m.fault("F1")) == expected
    [history] = m.fault_history("L1")
    assert steps(history) == expected
    m.rebuild()
    assert steps(m.fault("F1")) == expected and steps(m.fault_history("L1")[0]) == expected
