"""Inventory's handlers without nameko or a database: the runner's parsing, then the handler on inventory's unit
of work whose log is a list in memory."""
import pytest

from services.inventory import domain, handlers
from services.inventory.application import Inventory, fold_asset
from shared.commands import Loaded, parse_command
from tests.helpers import MemoryLog, handle, refused, untyped_commands

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
INFRASTRUCTURE = {"actor": {"user": "omar", "role": "infrastructure"}}


def school(code):
    return {"school_code": code, "name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda", "cycle": "primary",
            "setting": "rural", "commune": "Bir Gandouz", "region_code": "DOE"}


class MemoryInventory(Inventory):
    """Inventory's unit of work on the log in memory: an asset's state folds its own stream and the events of
    the others that may name it (transfers, visits), as the `asset_events` index finds them."""

    def assets(self, asset_ids):
        out = {}
        for asset_id in dict.fromkeys(asset_ids):
            stream = domain.asset_stream(asset_id)
            history = [e for e in self.store.events() if e["stream_id"] == stream
                       or not e["stream_id"].startswith("asset:")]
            out[asset_id] = Loaded(stream, fold_asset(asset_id, history), self.tx.stream_version(stream))
        return out


class Register:
    """What the handlers ask of inventory's views, answered from the log in memory."""

    def __init__(self, log):
        self.log = log

    def serial_owners(self, conn, serials):
        keys = {domain.serial_key(s) for s in serials}
        return {domain.serial_key(e["data"]["serial"]): {"asset_id": e["data"]["asset_id"]}
                for e in self.log.events()
                if e["event_type"] == "equipment_received" and domain.serial_key(e["data"]["serial"]) in keys}


class Replacements:
    """The replacements inventory could not apply, and the coordinator's word on each."""

    def __init__(self, **waiting):
        self.waiting, self.kept = waiting, {}

    def to_resolve(self, conn, fault_id):
        if fault_id not in self.waiting:
            return []
        kept = self.kept.get(fault_id, {})
        return [{"fault_id": fault_id, "outcome": self.waiting[fault_id], "resolved_by": kept.get("resolved_by"),
                 "resolved_at": kept.get("resolved_at")}]

    def resolve(self, conn, resolution):
        self.kept[resolution["fault_id"]] = resolution


@pytest.fixture
def log():
    made = MemoryLog("inventory")
    made.views = Register(made)
    return made


def run(log, handler, command, meta=COORDINATOR, **parts):
    return handle(log, handler, command, meta, MemoryInventory, **parts)


def test_every_command_is_typed_with_its_schemas_fields():
    assert untyped_commands(handlers) == {}


def test_the_runner_gives_the_handler_a_typed_command_and_its_parts():
    cmd, _ = parse_command(handlers.receive_delivery, {"supplier": "Maroc Info", "delivery_ref": "BL-17", "items": [
        {"kind": "laptop", "serial": "LT-1", "warranty_months": 24}]}, COORDINATOR)
    assert cmd == domain.ReceiveDelivery("Maroc Info", "BL-17", (domain.DeliveryItem("laptop", "LT-1", 24),))
    cmd, _ = parse_command(handlers.update_school, {"school_code": "OED001", "commune": "Dakhla"}, COORDINATOR)
    assert cmd == domain.UpdateSchool("OED001", commune="Dakhla")


def test_equipment_received_assigned_seen_unused_then_moved_to_another_school(log):
    for code in ("OED001", "OED002"):
        run(log, handlers.register_school, school(code))
    run(log, handlers.receive_delivery, {"supplier": "Maroc Info", "delivery_ref": "BL-17", "items": [
        {"asset_id": "A1", "kind": "laptop", "serial": "LT-1", "warranty_months": 24, "bundle": "vmm"}]})
    run(log, handlers.assign_equipment, {"asset_id": "A1", "school_code": "OED001"})
    run(log, handlers.record_usage_visit, {"visit_id": "V1", "school_code": "OED001",
                                           "observations": [{"asset_id": "A1", "status": "unused"}]})
    run(log, handlers.propose_transfer, {"transfer_id": "T1", "asset_ids": ["A1"], "from_school": "OED001",
                                         "to_school": "OED002", "reason": "Not used", "report": "Room closed."})
    refused("coordinator_only", run, log, handlers.approve_transfer, {"transfer_id": "T1"}, INFRASTRUCTURE)
    run(log, handlers.approve_transfer, {"transfer_id": "T1"})
    run(log, handlers.complete_transfer, {"transfer_id": "T1"})
    assert [e["event_type"] for e in log.streams["asset:A1"]] == ["equipment_received", "equipment_assigned"]
    assert [e["event_type"] for e in log.streams["transfer:T1"]] == [
        "transfer_proposed", "transfer_approved", "transfer_completed"]
    moved = fold_asset("A1", [e for e in log.events() if e["stream_id"] in ("asset:A1", "visit:V1", "transfer:T1")])
    assert (moved.school_code, moved.installed, moved.observation) == ("OED002", False, "unused")


def test_a_handler_refused_by_the_rules_records_nothing(log):
    run(log, handlers.register_school, school("OED001"))
    run(log, handlers.receive_delivery, {"supplier": "Maroc Info", "delivery_ref": "BL-17", "items": [
        {"kind": "laptop", "serial": "LT-1", "warranty_months": 24}]})
    before = log.events()
    message = refused("serial_already_known", run, log, handlers.receive_delivery, {
        "supplier": "Sahara PC", "delivery_ref": "BL-18", "items": [
            {"kind": "desktop", "serial": "DT-1", "warranty_months": 12},
            {"kind": "laptop", "serial": "lt-1 ", "warranty_months": 12}]}).message
    assert message.startswith("Item 2:")
    refused("unknown_school", run, log, handlers.record_census, {"school_code": "OED404", "school_year": "2025-2026",
                                                                  "pupils": 120, "teachers": 6})
    assert log.events() == before


def test_a_replacement_inventory_could_not_apply_is_settled_once_beside_the_log(log):
    replacements = Replacements(**{"F-9": "new_asset_at_another_school"})

    def settle(fault_id, note):
        return run(log, handlers.resolve_replacement, {"fault_id": fault_id, "note": note}, replacements=replacements)

    done = settle("F-9", "PJ-9 is the projector in place.")
    assert {k: done[k] for k in ("fault_id", "outcome", "note", "resolved_by")} == {
        "fault_id": "F-9", "outcome": "new_asset_at_another_school", "note": "PJ-9 is the projector in place.",
        "resolved_by": "fatima"}
    assert "by fatima" in refused("already_resolved", settle, "F-9", "again").message
    refused("nothing_to_resolve", settle, "F-8", "nothing")
    assert log.events() == [] and list(replacements.kept) == ["F-9"]
