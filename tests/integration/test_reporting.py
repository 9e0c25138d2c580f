"""Reporting over the real RabbitMQ, on SQLite then PostgreSQL.

The four sources here are stand-ins with the real event store, relay and catch-up RPC: they record
the hand-checked scenarios of tests/unit (maintenance, resources and training together), so the
figures reporting gives over the bus can be compared with the ones worked out by hand there.
"""
import base64
import io
from datetime import datetime

import eventlet
import openpyxl
import pytest
from kombu import Connection, Exchange
from nameko.rpc import rpc as rpc_method
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.utils import get_container, get_extension

from services.reporting.service import ReportingService
from genie import cli
from shared.catalogue import registry
from shared.config import SOURCES
from shared.errors import InvalidCommand
from shared.events import Context, Event
from shared.service import EventLog, EventSourced, ProjectorDependency
from tests.helpers import PROJECTION_CEILING, caught_up, wait_for
from tests.unit.test_indicators_maintenance import maintenance_world
from tests.unit.test_indicators_resources import resources_world
from tests.unit.test_indicators_training import training_world


class _Source(EventSourced):
    """Records given events as they are: the real store checks them against the catalogue."""

    log = EventLog()

    @rpc_method
    def record(self, items):
        with self.log.transaction() as tx:
            for item in items:
                event = Event(item["event_type"], item["data"], datetime.fromisoformat(item["occurred_at"]))
                tx.append(item["stream_id"], tx.stream_version(item["stream_id"]), [event],
                          Context(actor=item["actor"]))


class Inventory(_Source):
    name = "inventory"


class Maintenance(_Source):
    name = "maintenance"


class Resources(_Source):
    name = "resources"


class Training(_Source):
    name = "training"


class _QuietLog(EventLog):
    def start(self):
        """No relay: only what a test publishes by hand reaches the bus."""


class QuietInventory(Inventory):
    """Inventory without its relay; each read of its log is noted (the position asked from), so that a test
    knows when reporting has read it."""

    name = "inventory"
    log = _QuietLog()
    reads: list[int] = []

    @rpc_method
    def events_since(self, after_position, limit=1000):
        try:
            return super().events_since(after_position, limit)
        finally:
            QuietInventory.reads.append(after_position)


SOURCE_SERVICES = (Inventory, Maintenance, Resources, Training)
SCOPES = ("all", "region:DOE", "province:OED", "province:AUS", "school:A", "school:B", "school:C", "school:D")
PERIODS = ("2024-2025", "2024-2025-S1", "2024-2025-S2", "2025-2026")
# Worked out by hand in tests/unit/test_indicators_{maintenance,resources,training}.py
BY_HAND = {
    ("all", "2024-2025-S1"): {"INF01": 4, "MNT01": 3, "MNT02": 3.3, "RES06": 50, "TRN05": 64.3, "TRN07": 48},
    ("all", "2024-2025"): {"MNT05": 66.7, "RES03": 75.0, "TRN04": 21.7, "TRN07": 103},
    # A deployment stamps its own province on every event, so here OED holds AUS's committees and sessions too:
    # the scenarios' figures for scope all.
    ("province:OED", "2024-2025"): {"RES05": 62.5, "TRN02": 50.0},
    ("school:A", "2024-2025"): {"MNT02": 8.8, "TRN05": 75.0, "RES01": None},
}


def scenario():
    w = maintenance_world()
    resources_world(w)
    training_world(w)
    return w


def items(world, source):
    return [{k: env[k] for k in ("event_type", "data", "occurred_at", "stream_id", "actor")}
            for env in world.logs[source]]


def record(cluster, world, chunk=25):
    for source in SOURCES:
        todo = items(world, source)
        for i in range(0, len(todo), chunk):
            getattr(cluster, source).record(todo[i:i + chunk])


def expected_positions(world):
    return {s: len(world.logs[s]) for s in SOURCES}


def reporting_at(rpc, positions):
    assert caught_up(lambda: rpc.reporting.health()["positions"], positions) == positions


def snapshot(rpc):
    out = {(s, p): rpc.reporting.indicators(s, p) for s in SCOPES for p in PERIODS}
    out["schools"] = rpc.reporting.breakdown("all", "2024-2025")
    out["activity"] = rpc.reporting.activity("all", None, 1000)  # who did what: the same live and rebuilt
    return out


def check_by_hand(answers):
    for (scope, period), expected in BY_HAND.items():
        got = {i["id"]: i["value"] for i in answers[scope, period]["indicators"]}
        assert {k: got[k] for k in expected} == expected, (scope, period)


def test_live_over_the_bus_equals_rebuilt_and_matches_the_hand_figures(service_databases, run_services, rpc):
    world = scenario()
    run_services(*SOURCE_SERVICES, ReportingService)
    record(rpc, world)
    positions = expected_positions(world)
    reporting_at(rpc, positions)
    # What reached the bus and the logs is what the catalogue says.
    for source in SOURCES:
        logged = getattr(rpc, source).events_since(0, 5000)
        assert [registry.read(e)["event_type"] for e in logged] == [e["event_type"] for e in world.logs[source]]
    live = snapshot(rpc)
    check_by_hand(live)
    assert live["all", "2024-2025"]["positions"] == positions
    assert [s["school_code"] for s in live["schools"]["rows"]] == ["A", "B", "C", "D"]
    assert live["activity"]["total"] == sum(positions.values())

    assert rpc.reporting.rebuild() == {"applied": sum(positions.values())}
    rebuilt = snapshot(rpc)
    assert rebuilt == live
    health = rpc.reporting.health()
    assert health["status"] == "ok" and health["dead_letters"] == 0
    # A province's reporting: its own province, the schools it knows, and no other province's log to read.
    assert health["tier"] == "province" and rpc.reporting.provinces() == ["OED"]
    assert [s["school_code"] for s in rpc.reporting.schools()] == ["A", "B", "C", "D"]
    with pytest.raises(InvalidCommand) as refused:
        rpc.reporting.events_of("AUS", "inventory", 0, 10)
    assert list(refused.value.errors) == ["province_code"]


def test_killed_mid_stream_and_restarted_gives_the_same_numbers(service_databases, run_services, rpc,
                                                                  rabbit_config):
    world = scenario()
    run_services(*SOURCE_SERVICES)
    reporting = run_services(ReportingService)

    def feed():
        with ClusterRpcProxy(rabbit_config, timeout=30) as cluster:
            record(cluster, world, chunk=3)

    feeder = eventlet.spawn(feed)
    wait_for(lambda: sum(rpc.reporting.health()["positions"].values()) >= 30, timeout=PROJECTION_CEILING)
    reporting.kill()  # no goodbye: workers die wherever they are
    feeder.wait()
    run_services(ReportingService)
    positions = expected_positions(world)
    reporting_at(rpc, positions)
    after_restart = snapshot(rpc)
    check_by_hand(after_restart)
    rpc.reporting.rebuild()
    assert snapshot(rpc) == after_restart


def test_duplicates_and_a_gap_on_the_bus(service_databases, run_services, rpc, rabbit_config):
    QuietInventory.reads.clear()
    runner = run_services(QuietInventory, Maintenance, Resources, Training, ReportingService)
    outcomes = get_extension(get_container(runner, ReportingService), ProjectorDependency).projector.outcomes
    wait_for(lambda: rpc.reporting.health()["status"] == "ok")
    # The catch-up at start has read inventory's log while still empty: from now on the bus is the only way in.
    wait_for(lambda: QuietInventory.reads, timeout=PROJECTION_CEILING)
    w = maintenance_world()
    school, asset, assigned = (items(w, "inventory")[i] for i in (0, 3, 4))
    assert (asset["event_type"], assigned["event_type"]) == ("equipment_received", "equipment_assigned")
    rpc.inventory.record([school, asset, assigned])  # positions 1, 2, 3 in the log; none published
    logged = rpc.inventory.events_since(0, 10)
    exchange = Exchange("inventory.events", type="topic", durable=True)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")

        def publish(env):
            producer.publish(env, exchange=exchange, routing_key=env["event_type"], declare=[exchange], retry=True)

        publish(logged[2])  # position 3 first: 1 and 2 are missing
        reporting_at(rpc, {"inventory": 3, "maintenance": 0, "resources": 0, "training": 0})
        publish(logged[0])  # duplicates
        publish(logged[2])
    # Every message taken from the bus and both duplicates seen, not left waiting in the queue.
    wait_for(lambda: outcomes["duplicate"] >= 2 and sum(outcomes.values()) >= 3, timeout=PROJECTION_CEILING)
    answer = rpc.reporting.indicators("school:A", "2024-2025")
    assert {i["id"]: i["value"] for i in answer["indicators"]}["INF01"] == 1  # M1 at A, counted once
    logged_once = rpc.reporting.activity("all")
    assert [e["event_type"] for e in logged_once["entries"]].count("equipment_received") == 1
    assert answer["positions"]["inventory"] == 3
    health = rpc.reporting.health()
    assert health["dead_letters"] == 0 and health["stalled"] == {}


def test_genie_report_writes_the_workbook_records_it_and_makes_it_again(service_databases, run_services, rpc,
                                                                         rabbit_config, monkeypatch, tmp_path,
                                                                         capsys):
    world = scenario()
    run_services(*SOURCE_SERVICES, ReportingService)
    record(rpc, world)
    positions = expected_positions(world)
    reporting_at(rpc, positions)
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    path = tmp_path / "oed.xlsx"
    cli.main(["report", "--scope", "province:OED", "--period", "2024-2025", "--out", str(path),
              "--user", "fatima", "--role", "coordinator"])
    wb = openpyxl.load_workbook(path)
    cover = {row[0]: row[1] for row in wb["Couverture - الغلاف"].iter_rows(values_only=True) if row and row[0]}
    # The cover names the scope and the issuer's role as a reader says them, not by their codes.
    assert (cover["Périmètre"], cover["Période"], cover["Émis par"]) == (
        "Direction provinciale Oued Ed-Dahab (OED)", "2024-2025", "fatima (Coordinateur provincial)")
    assert cover["inventaire"] == positions["inventory"] and cover["formation"] == positions["training"]
    training = {r[0]: r for r in wb["Formation"].iter_rows(values_only=True)}
    assert training["TRN02"][2:5] == (50.0, 3, 6)  # by hand (OED holds every session here, see BY_HAND)
    assert wb["التكوين"].sheet_view.rightToLeft

    issued = rpc.reporting.reports()
    assert len(issued) == 1
    report = issued[0]
    assert (report["scope"], report["period"], report["positions"], report["issued_by"]) == (
        "province:OED", "2024-2025", positions, {"user": "fatima", "role": "coordinator"})
    assert report["report_id"] == cover["N° du rapport"]

    # Later events change the present; the issued report can still be made again exactly.
    rpc.maintenance.record([{"event_type": "fault_closed", "data": {"fault_id": "F8", "resolution": "repaired"},
                             "occurred_at": "2025-03-01T08:00:00+01:00", "stream_id": "fault:F8",
                             "actor": {"user": "tech", "role": "technician"}}])
    reporting_at(rpc, dict(positions, maintenance=positions["maintenance"] + 1))
    capsys.readouterr()
    cli.main(["report", "--reproduce", report["report_id"], "--out", str(tmp_path / "again.csv")])
    assert "the same figures as when it was issued" in capsys.readouterr().out
    # 30 figures for the province, 24 for each of its schools A, B, D (C is registered in AUS)
    assert (tmp_path / "again.csv").read_text(encoding="utf-8-sig").count("province:OED") == 30 + 3 * 24
    # The same report downloaded again (the reports page's link): its own format and figures, not today's.
    copy = rpc.reporting.report_copy(report["report_id"])
    assert copy["matches"] and copy["filename"].endswith(".xlsx") and copy["scope"] == "province:OED"
    again = openpyxl.load_workbook(io.BytesIO(base64.b64decode(copy["content_base64"])))
    cover = {row[0]: row[1] for row in again["Couverture - الغلاف"].iter_rows(values_only=True) if row and row[0]}
    assert cover["N° du rapport"] == report["report_id"] and cover["Émis par"] == "fatima (Coordinateur provincial)"
    assert {r[0]: r for r in again["Formation"].iter_rows(values_only=True)}["TRN02"][2:5] == (50.0, 3, 6)
    with pytest.raises(InvalidCommand):
        rpc.reporting.report_copy("no-such-report")

    with pytest.raises(InvalidCommand) as exc:
        rpc.reporting.issue_report("province:OED", "2024", None, "pdf")
    assert "period" in exc.value.errors
