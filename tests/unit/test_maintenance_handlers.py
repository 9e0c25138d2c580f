"""A command's handler without nameko or a database: the runner's parsing, then the handler on a unit of
work whose log is a list in memory."""
from datetime import datetime

import pytest

from services.maintenance import domain, handlers
from services.maintenance.domain import AssetRecord
from shared.commands import parse_command
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import MemoryLog, handle, refused, untyped_commands

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
LAPTOP = AssetRecord(asset_id="A1", kind="laptop", supplier="Maroc Info",
                     received_at=datetime.fromisoformat("2025-10-01T09:00:00+01:00"), warranty_months=24,
                     school_code="OED001")


class Faults:
    def open_fault_of(self, conn, asset_id):
        return None

    def replacement_of(self, conn, asset_id):
        return None


class Equipment:
    def __init__(self, *known):
        self.known = {a.asset_id: a for a in known}

    def record(self, conn, asset_id, replaced_by=None):
        return self.known.get(asset_id)


def run(log, handler, command, equipment):
    return handle(log, handler, command, COORDINATOR, assets=equipment)


def fault_log():
    return MemoryLog("maintenance", Faults())


def test_every_command_is_typed_with_its_schemas_fields():
    assert untyped_commands(handlers) == {}


def test_the_runner_gives_the_handler_a_typed_command_and_the_context_its_date():
    cmd, ctx = parse_command(handlers.declare_fault, {"fault_id": "F1", "asset_id": "A1", "school_code": "OED001",
                                                      "symptom": "Does not boot",
                                                      "occurred_at": "2026-03-02T10:00:00+01:00"}, COORDINATOR)
    assert cmd == domain.DeclareFault("A1", "OED001", "Does not boot", "F1")
    assert ctx.occurred_at == datetime.fromisoformat("2026-03-02T10:00:00+01:00")
    assert ctx.actor == COORDINATOR["actor"]


def test_the_runner_refuses_bad_input_naming_the_field_before_the_handler_runs():
    with pytest.raises(InvalidCommand) as exc:
        parse_command(handlers.declare_fault, {"asset_id": "A1", "school_code": "OED001"}, COORDINATOR)
    assert set(exc.value.errors) == {"symptom"}


def test_a_fault_declared_then_closed_through_the_handlers_on_a_log_in_memory():
    log = fault_log()
    [declared] = run(log, handlers.declare_fault, {"fault_id": "F1", "asset_id": "A1", "school_code": "OED001",
                                                   "symptom": "Does not boot",
                                                   "occurred_at": "2026-03-02T10:00:00+01:00"}, Equipment(LAPTOP))
    assert (declared["event_type"], declared["stream_id"]) == ("fault_declared", "fault:F1")
    assert declared["data"]["under_warranty"] is True
    run(log, handlers.record_repair, {"fault_id": "F1", "action": "New disk"}, Equipment(LAPTOP))
    [closed] = run(log, handlers.close_fault, {"fault_id": "F1", "resolution": "repaired"}, Equipment(LAPTOP))
    assert closed["data"] == {"fault_id": "F1", "resolution": "repaired"}
    assert [e["event_type"] for e in log.streams["fault:F1"]] == ["fault_declared", "repair_completed",
                                                                  "fault_closed"]


def test_a_handler_refused_by_the_rules_records_nothing():
    log = fault_log()
    refused("unknown_asset", run, log, handlers.declare_fault,
            {"fault_id": "F1", "asset_id": "A9", "school_code": "OED001", "symptom": "Broken"}, Equipment(LAPTOP))
    assert log.streams == {}
    with pytest.raises(CommandRejected):
        run(log, handlers.close_fault, {"fault_id": "F1", "resolution": "repaired"}, Equipment(LAPTOP))
    assert log.streams == {}
