"""Backup and restore of event logs: export, import into an empty store, rebuild every read model."""
import io
import json

import pytest

from services.inventory.service import InventoryService
from services.maintenance.service import MaintenanceService
from services.reporting.service import ReportingService
from services.resources.service import ResourcesService
from services.training.service import TrainingService
from genie import cli
from genie.backup import DamagedBackup, StoreNotEmpty, export_events, import_events
from shared.catalogue import registry
from shared.config import SOURCES
from genie.demo import DemoProvince, Seeder
from shared.db import make_engine
from shared.events import Context, Event
from shared.store import EventStore
from tests.conftest import SERVICES, _wipe
from tests.helpers import caught_up, wait_for


def _store(url):
    s = EventStore(make_engine(url), "inventory", "OED", registry)
    s.create_schema()
    return s


@pytest.fixture
def two_stores(database, tmp_path):
    """The store to back up (SQLite, then PostgreSQL) and an empty SQLite store to restore into."""
    source, target = _store(database), _store(f"sqlite:///{tmp_path / 'restored.db'}")
    yield source, target
    source.engine.dispose()
    target.engine.dispose()


def _fill(store):
    with store.transaction() as tx:
        tx.append("asset:A1", 0, [Event("equipment_assigned", {"asset_id": "A1", "school_code": "S1"}),
                                  Event("equipment_assigned", {"asset_id": "A1", "school_code": "S2"})],
                  Context(actor={"user": "fatima", "role": "coordinator"}))
    with store.transaction() as tx:
        tx.append("school:S1", 0, [Event("school_census_recorded", {
            "school_code": "S1", "school_year": "2025-2026", "pupils": 412, "teachers": 17})], Context())
    with store.transaction() as tx:
        tx.append("asset:A2", 0, [Event("equipment_assigned", {"asset_id": "A2", "school_code": "S1"})], Context())
    store.mark_published(4)


def _backup(store) -> list[str]:
    out = io.StringIO()
    assert export_events(store, out) == store.last_position()
    return out.getvalue().splitlines()


def _write(tmp_path, lines):
    path = tmp_path / "backup.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_log_comes_back_event_for_event_and_is_published_again(two_stores, tmp_path):
    source, target = two_stores
    _fill(source)
    lines = _backup(source)
    assert [json.loads(line)["position"] for line in lines] == [1, 2, 3, 4]
    assert import_events(target, _write(tmp_path, lines)) == 4
    assert target.events_since(0, 100) == source.events_since(0, 100)
    assert target.read_stream("asset:A1") == source.read_stream("asset:A1")
    assert target.published_position() == 0  # the relay publishes the restored log again; consumers dedupe
    # The restored log goes on where it stopped.
    with target.transaction() as tx:
        env = tx.append("asset:A1", 2, [Event("equipment_assigned", {"asset_id": "A1", "school_code": "S3"})],
                        Context())[0]
    assert (env["position"], env["stream_version"]) == (5, 3)
    assert _backup(target)[:4] == lines


def _damage(lines, index, **changes):
    env = json.loads(lines[index])
    for key, value in changes.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    return lines[:index] + [json.dumps(env, ensure_ascii=False)] + lines[index + 1:]


def damaged_files(lines):
    first = json.loads(lines[0])
    return {
        "not JSON": (lines[:2] + ['{"event_id": "truncated'] + lines[3:], 3, "not JSON"),
        "a gap": (lines[:2] + lines[3:], 3, "position 4 where 3 was expected"),
        "out of order": ([lines[1], lines[0]] + lines[2:], 1, "position 2 where 1 was expected"),
        "an event twice": (_damage(lines, 3, event_id=first["event_id"]), 4, "already on line 1"),
        "a stream version skipped": (_damage(lines, 3, stream_id="asset:A1"), 4,
                                     "asset:A1 at version 1 where 3 was expected"),
        "a missing envelope field": (_damage(lines, 2, correlation_id=None), 3, "correlation_id"),
        "data against its schema": (_damage(lines, 2, data={"school_code": "S1"}), 3, "pupils"),
        "another service's event": (_damage(lines, 1, source="training"), 2, "source is training, not inventory"),
        "an unknown event type": (_damage(lines, 1, event_type="asset_painted"), 2,
                                  "asset_painted is not an event of inventory"),
        "a blank line": (lines[:1] + [""] + lines[1:], 2, "empty line"),
    }


def test_a_damaged_file_is_refused_naming_the_line_and_nothing_is_written(two_stores, tmp_path):
    source, target = two_stores
    _fill(source)
    lines = _backup(source)
    for what, (damaged, line, says) in damaged_files(lines).items():
        with pytest.raises(DamagedBackup) as exc:
            import_events(target, _write(tmp_path, damaged))
        assert exc.value.line == line, what
        assert says in str(exc.value), (what, str(exc.value))
        assert target.last_position() == 0, what


def test_import_refuses_a_store_that_has_events(two_stores, tmp_path):
    source, target = two_stores
    _fill(source)
    path = _write(tmp_path, _backup(source))
    with pytest.raises(StoreNotEmpty):
        import_events(source, path)
    assert source.last_position() == 4


def test_the_command_line_refuses_a_damaged_file_with_its_line(genie_env, tmp_path, capsys):
    path = tmp_path / "inventory.jsonl"
    path.write_text('{"event_id": "x"}\n', encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        cli.main(["import-events", "inventory", str(path)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "line 1" in err and "nothing was imported" in err


# ---- the whole system: export, lose everything, import, rebuild, same answers



def _answers(rpc):
    """What people see in every service, once every consumer has read every log."""
    logs = {s: getattr(rpc, s).health()["last_position"] for s in SOURCES}
    caught_up(lambda: rpc.reporting.health()["positions"], logs)
    caught_up(lambda: rpc.maintenance.health()["equipment_view"]["positions"], {"inventory": logs["inventory"]})
    schools = [s["school_code"] for s in rpc.inventory.schools()]
    return {
        "schools": rpc.inventory.schools(),
        "equipment": {s: rpc.inventory.school_equipment(s) for s in schools},
        "transfer": rpc.inventory.transfer("T-2025-001"),
        "faults": [rpc.maintenance.fault(f"F-{n:03d}") for n in (1, 2, 3, 4)],
        "open faults": rpc.maintenance.open_faults(),
        "catalogue": rpc.resources.catalogue(),
        "committees": rpc.resources.committees(),
        "school resources": {s: rpc.resources.school_resources(s) for s in schools},
        "trainings": rpc.training.trainings(),
        "certification": rpc.training.certification_status("TICE-2025"),
        "indicators": [rpc.reporting.indicators("all", year) for year in ("2024-2025", "2025-2026")],
    }


def test_export_lose_everything_import_rebuild_same_answers(service_databases, run_services, rpc, rabbit_config,
                                                            monkeypatch, tmp_path, capsys):
    services = (InventoryService, MaintenanceService, ResourcesService, TrainingService, ReportingService)
    runner = run_services(*services)
    assert Seeder(rpc, DemoProvince(schools=4, assets_per_school=6), out=None).run().refused == []
    before = _answers(rpc)
    for name in SOURCES:
        cli.main(["export-events", name, str(tmp_path / f"{name}.jsonl")])
    assert "written to" in capsys.readouterr().out
    runner.stop()

    # Every database is lost.
    if service_databases == "sqlite":
        monkeypatch.setenv("GENIE_VAR_DIR", str(tmp_path / "restored"))
    else:
        import os
        for s in SERVICES:
            _wipe(os.environ[f"DATABASE_URL_{s.upper()}"])

    for name in SOURCES:
        cli.main(["import-events", name, str(tmp_path / f"{name}.jsonl")])
    assert "restored from" in capsys.readouterr().out
    run_services(*services)
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    cli.main(["rebuild"])
    out = capsys.readouterr().out
    assert all(f"genie: {s} rebuilt" in out for s in ("inventory", "maintenance", "resources", "training", "reporting"))
    after = _answers(rpc)
    # The restored logs were published again, from position 1.
    assert wait_for(lambda: all(getattr(rpc, s).health()["unpublished"] == 0 for s in SOURCES))
    for key in before:
        assert after[key] == before[key], key
    assert before["faults"][0]["status"] and before["trainings"] and before["catalogue"]
