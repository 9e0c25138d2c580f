"""Inventory over RPC with the real RabbitMQ, on SQLite then PostgreSQL.

What a coordinator does in a year, and what reaches the bus: every event
validates against the contract's catalogue.
"""
import base64
import io

import pytest
from openpyxl import Workbook

from services.inventory.service import InventoryService
from shared.catalogue import registry
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import bus_tap, refused_message as refused, wait_for

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
MEMBER = {"actor": {"user": "omar", "role": "infrastructure"}}
S1 = {"school_code": "OED001", "name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda", "cycle": "primary",
      "setting": "urban", "commune": "Dakhla", "region_code": "DOE"}
S2 = dict(S1, school_code="OED002", name_ar="مدرسة النهضة", name_fr="École Annahda", setting="rural")


@pytest.fixture
def bus(rabbit_config):
    """Everything published on `inventory.events`, from before the first command."""
    with bus_tap(rabbit_config["AMQP_URI"], "inventory") as tap:
        yield tap


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ids(equipment):
    return sorted(a["asset_id"] for a in equipment)


def test_a_year_of_equipment_from_delivery_to_audit(service_databases, run_services, rpc, bus):
    run_services(InventoryService)
    inv = rpc.inventory
    at = "T09:00:00+01:00"

    # schools: registered, corrected, counted, connected, filtered, cabled
    inv.register_school(dict(S1, occurred_at="2025-09-01" + at), COORDINATOR)
    inv.register_school(dict(S2, occurred_at="2025-09-01" + at), COORDINATOR)
    assert inv.update_school({"school_code": "OED001", "commune": "Dakhla Centre"}, COORDINATOR)
    assert inv.update_school({"school_code": "OED001", "commune": "Dakhla Centre"}, COORDINATOR) == []
    inv.record_census({"school_code": "OED001", "school_year": "2025-2026", "pupils": 420, "teachers": 15})
    inv.record_connectivity({"school_code": "OED001", "status": "connected", "link": "fiber", "bandwidth_mbps": 50})
    inv.record_filtering({"school_code": "OED001", "active": True})
    work = inv.record_infrastructure_work({"school_code": "OED001", "kind": "cabling", "status": "planned"})
    work_id = work[0]["data"]["work_id"]
    inv.record_infrastructure_work({"work_id": work_id, "school_code": "OED001", "kind": "cabling", "status": "done"})
    refused("work_status_not_forward", inv.record_infrastructure_work,
            {"work_id": work_id, "school_code": "OED001", "kind": "cabling", "status": "in_progress"})
    school = inv.school("OED001")
    assert (school["commune"], school["connectivity"], school["filtering_active"]) == \
        ("Dakhla Centre", "connected", True)
    assert school["censuses"] == [{"school_year": "2025-2026", "pupils": 420, "teachers": 15,
                                   "recorded_at": school["censuses"][0]["recorded_at"]}]
    assert [w["status"] for w in school["infrastructure_works"]] == ["done"]

    # reception: a delivery of three items
    delivered = inv.receive_delivery({
        "supplier": "Maroc Info", "delivery_ref": "BL-2025-17", "occurred_at": "2025-10-01" + at,
        "items": [{"asset_id": "LT-A", "kind": "laptop", "serial": "SN-LT-A", "warranty_months": 24, "bundle": "vmm"},
                  {"asset_id": "PJ-B", "kind": "projector", "serial": "SN-PJ-B", "warranty_months": 24,
                   "bundle": "vmm"},
                  {"asset_id": "PC-C", "kind": "desktop", "serial": "SN-PC-C", "warranty_months": 36,
                   "model": "Dell", "bundle": "smm"}]}, MEMBER)
    assert [e["data"]["asset_id"] for e in delivered] == ["LT-A", "PJ-B", "PC-C"]
    message = refused("serial_already_known", inv.receive_delivery, {
        "supplier": "X", "delivery_ref": "BL-9", "items": [
            {"kind": "laptop", "serial": "NEW-1", "warranty_months": 12},
            {"kind": "laptop", "serial": "sn-pj-b ", "warranty_months": 12}]})
    assert "Item 2" in message and "PJ-B" in message

    # distribution, installation at its own school only
    for asset_id in ("LT-A", "PJ-B", "PC-C"):
        inv.assign_equipment({"asset_id": asset_id, "school_code": "OED001", "occurred_at": "2025-10-02" + at}, MEMBER)
    refused("asset_already_assigned", inv.assign_equipment, {"asset_id": "LT-A", "school_code": "OED002"})
    refused("asset_not_at_school", inv.confirm_installation, {"asset_id": "LT-A", "school_code": "OED002"})
    inv.confirm_installation({"asset_id": "LT-A", "school_code": "OED001", "occurred_at": "2025-10-03" + at})
    refused("dated_before_last_fact", inv.confirm_installation,
            {"asset_id": "PJ-B", "school_code": "OED001", "occurred_at": "2025-09-30" + at})

    # a visit: the projector and the desktop are not used
    inv.record_usage_visit({"visit_id": "V-1", "school_code": "OED001", "occurred_at": "2025-11-10" + at,
                            "observations": [{"asset_id": "LT-A", "status": "in_use"},
                                             {"asset_id": "PJ-B", "status": "unused"},
                                             {"asset_id": "PC-C", "status": "unused"}],
                            "notes": "Room locked; the teacher left."}, MEMBER)
    refused("asset_not_at_school", inv.record_usage_visit, {
        "school_code": "OED002", "observations": [{"asset_id": "LT-A", "status": "in_use"}]})
    refused("unknown_asset", inv.record_usage_visit, {
        "school_code": "OED001", "observations": [{"asset_id": "NOPE", "status": "in_use"}]})

    # transfer: unused only, coordinator decides, then it moves
    refused("not_observed_unused", inv.propose_transfer, {
        "asset_ids": ["LT-A", "PJ-B"], "from_school": "OED001", "to_school": "OED002", "reason": "unused",
        "report": "Visit V-1."}, MEMBER)
    proposal = {"transfer_id": "TR-1", "asset_ids": ["PJ-B", "PC-C"], "from_school": "OED001",
                "to_school": "OED002", "reason": "unused at OED001", "report": "Visit V-1: room locked since Sept.",
                "occurred_at": "2025-12-01" + at}
    inv.propose_transfer(proposal, MEMBER)
    refused("asset_in_open_transfer", inv.propose_transfer, dict(proposal, transfer_id="TR-2",
                                                                 asset_ids=["PC-C"], occurred_at=None), MEMBER)
    assert [(t["transfer_id"], t["status"], t["asset_ids"]) for t in inv.open_transfers()] == \
        [("TR-1", "proposed", ["PJ-B", "PC-C"])]
    refused("coordinator_only", inv.approve_transfer, {"transfer_id": "TR-1"}, MEMBER)
    refused("transfer_not_approved", inv.complete_transfer, {"transfer_id": "TR-1"}, MEMBER)
    approved = inv.approve_transfer({"transfer_id": "TR-1", "occurred_at": "2025-12-05" + at}, COORDINATOR)
    assert approved[0]["data"] == {"transfer_id": "TR-1", "approved_by": "fatima"}
    assert inv.open_transfers("OED002")[0]["status"] == "approved"
    inv.complete_transfer({"transfer_id": "TR-1", "occurred_at": "2025-12-15" + at}, MEMBER)
    assert inv.open_transfers() == []
    assert ids(inv.school_equipment("OED002")) == ["PC-C", "PJ-B"]

    # handover audit at OED001: the laptop is there; two serials not on record
    refused("findings_incomplete", inv.complete_inventory_audit, {
        "school_code": "OED001", "occasion": "handover", "findings": []})
    inv.complete_inventory_audit({"audit_id": "AU-1", "school_code": "OED001", "occasion": "handover",
                                  "findings": [{"asset_id": "LT-A", "status": "present"}],
                                  "unexpected_serials": ["SN-PJ-B", "ZZ-404"], "occurred_at": "2026-01-10" + at})
    report = inv.audit_report("AU-1")
    assert {k: report[k] for k in ("expected", "present", "missing", "damaged", "unexpected")} == \
        {"expected": 1, "present": 1, "missing": 0, "damaged": 0, "unexpected": 2}
    assert report["unexpected_serials"] == [{"serial": "SN-PJ-B", "known_as": "PJ-B", "kind": "projector",
                                             "on_record_at": "OED002"},
                                            {"serial": "ZZ-404", "known_as": None, "kind": None, "on_record_at": None}]
    assert [r["audit_id"] for r in inv.audit_reports("OED001")] == ["AU-1"]

    inv.decommission_equipment({"asset_id": "LT-A", "reason": "screen broken beyond repair",
                                "occurred_at": "2026-03-01" + at}, MEMBER)

    # the equipment of a school at any date
    def as_of(code, date):
        return ids(inv.school_equipment_as_of(code, date)["equipment"])

    assert as_of("OED001", "2025-10-01") == []
    assert as_of("OED001", "2025-10-02") == ["LT-A", "PC-C", "PJ-B"]
    assert as_of("OED001", "2025-12-14") == ["LT-A", "PC-C", "PJ-B"]
    assert as_of("OED001", "2025-12-15") == ["LT-A"]
    assert as_of("OED002", "2025-12-15") == ["PC-C", "PJ-B"]
    assert as_of("OED001", "2026-02-28") == ["LT-A"]
    assert as_of("OED001", "2026-03-01") == []
    assert as_of("OED001", "2026-03-01T08:59:59+01:00") == ["LT-A"]
    assert inv.school_equipment("OED001") == []

    # an asset by serial with its whole timeline; its warranty
    found = inv.asset(serial="sn-pj-b")
    assert found["asset"]["school_code"] == "OED002" and found["asset"]["latest_observation"] == "unused"
    assert [e["event_type"] for e in found["timeline"]] == [
        "equipment_received", "equipment_assigned", "usage_visit_recorded", "transfer_proposed",
        "transfer_approved", "transfer_completed"]
    assert inv.asset("LT-A")["asset"]["decommission_reason"] == "screen broken beyond repair"
    warranty = inv.warranty_status("PC-C", "2028-09-30")
    assert (warranty["ends_on"], warranty["under_warranty"]) == ("2028-10-01", True)
    assert inv.warranty_status("PC-C", "2028-10-01")["under_warranty"] is False

    # what reached the bus is the log, in order, and it is the contract
    log = inv.events_since(0, 5000)
    published = bus.drain(len(log))
    assert [e["event_id"] for e in published] == [e["event_id"] for e in log]
    assert [e["position"] for e in log] == list(range(1, len(log) + 1))
    for env in published:
        assert registry.read(env)["source"] == "inventory"
    types = {e["event_type"] for e in log}
    assert types == set(registry.names("inventory")) - {"transfer_rejected"}
    assert wait_for(lambda: inv.health()["unpublished"] == 0)


def test_a_rejected_transfer_frees_the_equipment(service_databases, run_services, rpc):
    run_services(InventoryService)
    inv = rpc.inventory
    inv.register_school(S1)
    inv.register_school(S2)
    inv.receive_delivery({"supplier": "X", "delivery_ref": "BL-1", "items": [
        {"asset_id": "PJ-1", "kind": "projector", "serial": "P1", "warranty_months": 12}]})
    inv.assign_equipment({"asset_id": "PJ-1", "school_code": "OED001"})
    inv.record_usage_visit({"school_code": "OED001", "observations": [{"asset_id": "PJ-1", "status": "unused"}]})
    proposal = {"transfer_id": "TR-1", "asset_ids": ["PJ-1"], "from_school": "OED001", "to_school": "OED002",
                "reason": "unused", "report": "Seen unused twice."}
    inv.propose_transfer(proposal)
    rejected = inv.reject_transfer({"transfer_id": "TR-1", "reason": "OED002 has no room yet"}, COORDINATOR)
    assert rejected[0]["event_type"] == "transfer_rejected"
    refused("transfer_closed", inv.reject_transfer, {"transfer_id": "TR-1", "reason": "again"}, COORDINATOR)
    assert inv.transfer("TR-1")["rejection_reason"] == "OED002 has no room yet"
    inv.propose_transfer(dict(proposal, transfer_id="TR-2"))
    assert [t["transfer_id"] for t in inv.open_transfers()] == ["TR-2"]
    assert registry.read(inv.events_since(0, 100)[-1])["data"]["transfer_id"] == "TR-2"


def test_bad_commands_are_refused_by_field_and_rule_and_write_nothing(service_databases, run_services, rpc):
    run_services(InventoryService)
    inv = rpc.inventory
    with pytest.raises(InvalidCommand) as exc:
        inv.record_census({"school_code": "S 1", "school_year": "2025-2027", "pupils": -1, "teachers": "9"})
    assert set(exc.value.errors) == {"school_code", "school_year", "pupils", "teachers"}
    with pytest.raises(InvalidCommand) as exc:
        inv.propose_transfer({"asset_ids": ["A", "A"], "from_school": "S1", "to_school": "S2", "reason": "r",
                              "report": "", "room": 3})
    assert set(exc.value.errors) == {"asset_ids", "report", "room"}
    with pytest.raises(InvalidCommand) as exc:
        inv.receive_delivery({"supplier": "X", "delivery_ref": "D", "items": [
            {"kind": "laptop", "serial": "S-1", "warranty_months": 12, "colour": "red"},
            {"kind": "laptop", "serial": "S-2", "warranty_months": 12},
            {"kind": "laptop", "serial": "s-2", "warranty_months": 12}]})
    assert set(exc.value.errors["items"]) == {"0"}
    with pytest.raises(InvalidCommand) as exc:
        inv.receive_delivery({"supplier": "X", "delivery_ref": "D", "items": [
            {"kind": "laptop", "serial": "S-2", "warranty_months": 12},
            {"kind": "laptop", "serial": "s-2 ", "warranty_months": 12}]})
    assert exc.value.errors == {"items": {"1": {"serial": ["Serial s-2 is repeated: see item 1."]}}}
    with pytest.raises(InvalidCommand) as exc:
        inv.record_filtering({"school_code": "S1", "active": "yes"})
    assert set(exc.value.errors) == {"active"}
    with pytest.raises(InvalidCommand) as exc:
        inv.assign_equipment({"asset_id": "A", "school_code": "S1", "occurred_at": "2999-01-01T00:00:00+00:00"})
    assert exc.value.errors == {"occurred_at": ["Must not be in the future."]}
    refused("unknown_school", inv.record_connectivity, {"school_code": "S1", "status": "connected", "link": "4g",
                                                        "bandwidth_mbps": 10})
    with pytest.raises(InvalidCommand) as exc:
        inv.school_equipment_as_of("S1", "30/06/2025")
    assert "at" in exc.value.errors
    assert inv.health()["last_position"] == 0


def test_imports_are_all_or_nothing_and_name_every_bad_line(service_databases, run_services, rpc):
    run_services(InventoryService)
    inv = rpc.inventory
    schools = ("code;nom_ar;nom_fr;cycle;milieu;commune;region;annee_scolaire;eleves;enseignants\n"
               "OED001;مدرسة الوحدة;École Al Wahda;primaire;urbain;Dakhla;DOE;2025-2026;420;15\n"
               "OED002;مدرسة النهضة;École Annahda;primaire;rural;Bir Anzarane;DOE;;;\n")
    # registered at the start of the school year of their census
    done = inv.import_schools({"content_base64": b64(schools.encode()), "occurred_at": "2025-09-01T09:00:00+01:00"},
                              COORDINATOR)
    assert (done["registered"], done["censuses"]) == (2, 1)
    with pytest.raises(InvalidCommand) as exc:
        inv.import_schools({"content_base64": b64(schools.encode())})
    assert set(exc.value.errors["lines"]) == {"2", "3"}

    # a supplier's XLSX list
    first = xlsx([["N° de série", "Type", "Modèle", "Garantie", "Lot"],
                  ["XL-1", "Ordinateur portable", "Lenovo", 24, "VMM"],
                  ["XL-2", "Vidéoprojecteur", "Epson", 24, "VMM"]])
    done = inv.import_delivery({"supplier": "Maroc Info", "delivery_ref": "BL-X", "format": "xlsx",
                                "content_base64": b64(first)}, MEMBER)
    assert [(a["line"], a["serial"]) for a in done["assets"]] == [(2, "XL-1"), (3, "XL-2")]
    xl1 = done["assets"][0]["asset_id"]
    assert inv.asset(xl1)["asset"]["kind"] == "laptop"
    before = inv.health()["last_position"]

    # 5,000 items, 3 bad lines: one serial known in the province, one unknown kind, one repeat
    lines = ["serial,kind,model,warranty_months,bundle"]
    lines += [f"BIG-{n:05d},desktop,Dell Optiplex,36,smm" for n in range(1, 5001)]
    lines[777] = "xl-1,desktop,Dell Optiplex,36,smm"  # line 778
    lines[2500] = "BIG-02500,toaster,Dell Optiplex,36,smm"  # line 2501
    lines[4321] = "BIG-00042,desktop,Dell Optiplex,36,smm"  # line 4322: BIG-00042 is line 43
    with pytest.raises(InvalidCommand) as exc:
        inv.import_delivery({"supplier": "Maroc Info", "delivery_ref": "BL-BIG",
                             "content_base64": b64("\n".join(lines).encode())}, MEMBER)
    bad = exc.value.errors["lines"]
    assert sorted(bad, key=int) == ["778", "2501", "4322"]
    assert bad["778"] == {"serial": [f"Serial xl-1 is already asset {xl1}."]}
    assert list(bad["2501"]) == ["kind"]
    assert bad["4322"] == {"serial": ["Serial BIG-00042 is repeated: see line 43."]}
    assert inv.health()["last_position"] == before

    with pytest.raises(InvalidCommand) as exc:
        inv.import_delivery({"supplier": "X", "delivery_ref": "D", "content_base64": b64(b"serial;kind\nA;laptop\n")})
    assert "warranty_months" in exc.value.errors["file"][0]
