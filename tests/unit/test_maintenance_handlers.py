"""A command's handler without nameko or a database: the runner's parsing, then the handler on a unit of
work whose log is a list in memory."""
from datetime import datetime

import pytest

from services.maintenance import domain, handlers
from services.maintenance.domain import AssetRecord
from shared.commands import UnitOfWork, parse_command
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import refused

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
LAPTOP = AssetRecord(asset_id="A1", kind="laptop", supplier="Maroc Info",
                     received_at=datetime.fromisoformat("2025-10-01T09:00:00+01:00"), warranty_months=24,
                     school_code="OED001")


class Log:
    """The part of a transaction a handler uses: streams read and appended, in memory."""

    def __init__(self):
        self.streams: dict[str, list[dict]] = {}
        self.conn = None
        self.store = self
        self.views = Faults()

    def load(self, stream, evolve, state):
        for env in self.streams.get(stream, []):
            state = evolve(state, env)
        return state, len(self.streams.get(stream, []))

    def append(self, stream, version, events, ctx):
        recorded = self.streams.setdefault(stream, [])
        assert len(recorded) == version, "appended after the version it read"
        envelopes = [{"event_type": e.type, "data": e.data, "occurred_at": e.occurred_at.isoformat(),
                      "stream_id": stream, "actor": ctx.actor} for e in events]
        recorded.extend(envelopes)
        return envelopes


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
    cmd, ctx = parse_command(handler, command, COORDINATOR)
    return handler(cmd, UnitOfWork(log, ctx, assets=equipment))


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
    log = Log()
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
    log = Log()
    refused("unknown_asset", run, log, handlers.declare_fault,
            {"fault_id": "F1", "asset_id": "A9", "school_code": "OED001", "symptom": "Broken"}, Equipment(LAPTOP))
    assert log.streams == {}
    with pytest.raises(CommandRejected):
        run(log, handlers.close_fault, {"fault_id": "F1", "resolution": "repaired"}, Equipment(LAPTOP))
    assert log.streams == {}
