"""Inventory's reaction to maintenance's `equipment_replaced`, over the real RabbitMQ.

Maintenance here is a small service of this file with a real event log of
source `maintenance` (its events on `maintenance.events`, its `events_since`),
so that this test does not depend on how maintenance decides a replacement.
"""

from kombu import Connection, Exchange
from nameko.rpc import rpc

from services.inventory.service import InventoryService
from shared.catalogue import registry
from shared.events import Context, Event, parse_instant
from shared.service import EventLog, EventSourced
from tests.helpers import wait_for

TECHNICIAN = {"user": "karim", "role": "technician"}


class Maintenance(EventSourced):
    name = "maintenance"
    log = EventLog()

    @rpc
    def record_replacement(self, data, occurred_at):
        ctx = Context(actor=dict(TECHNICIAN), occurred_at=parse_instant(occurred_at))
        stream = f"fault:{data['fault_id']}"
        with self.log.transaction() as tx:
            return tx.append(stream, tx.stream_version(stream), [Event("equipment_replaced", data)], ctx)[0]


def replacement(fault, old, new, serial):
    return {"fault_id": fault, "old_asset_id": old, "new_asset_id": new, "new_serial": serial, "new_kind": "projector"}


def set_up_a_school_with_projectors(inv):
    inv.register_school({"school_code": "OED001", "name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda",
                         "cycle": "primary", "setting": "urban", "commune": "Dakhla", "region_code": "DOE",
                         "occurred_at": "2025-09-01T09:00:00+01:00"})
    inv.receive_delivery({"supplier": "Maroc Info", "delivery_ref": "BL-17", "occurred_at": "2025-10-01T09:00:00+01:00",
                          "items": [{"asset_id": f"PJ-{n}", "kind": "projector", "serial": f"SN-PJ-{n}",
                                     "model": "Epson EB", "warranty_months": 24, "bundle": "vmm"} for n in (1, 2, 3)]})
    for n in (1, 2, 3):
        inv.assign_equipment({"asset_id": f"PJ-{n}", "school_code": "OED001",
                              "occurred_at": "2025-10-02T09:00:00+01:00"})


def reaction_to(inv, cause_id):
    return [e for e in inv.events_since(0, 5000) if e["causation_id"] == cause_id]


def delete_queue(amqp_uri, name):
    with Connection(amqp_uri) as conn:
        conn.default_channel.queue_delete(name)


def test_a_replacement_is_applied_once_whatever_the_consumer_went_through(service_databases, run_services, rpc,
                                                                          rabbit_config):
    amqp = rabbit_config["AMQP_URI"]
    run_services(Maintenance)
    inventory = run_services(InventoryService)
    inv = rpc.inventory
    set_up_a_school_with_projectors(inv)
    setup_last = inv.health()["last_position"]

    # 1. inventory is down and its queue is gone when the replacement is recorded: it catches up from the log
    inventory.stop()
    delete_queue(amqp, "inventory.maintenance")
    first = rpc.maintenance.record_replacement(replacement("F-1", "PJ-1", "PJ-1-NEW", "SN-NEW-1"),
                                               "2026-01-20T10:00:00+01:00")
    wait_for(lambda: rpc.maintenance.health()["unpublished"] == 0)
    inventory = run_services(InventoryService)
    recorded = wait_for(lambda: (lambda r: r if len(r) == 3 else None)(reaction_to(inv, first["event_id"])))
    assert [(e["event_type"], e["stream_id"]) for e in recorded] == [
        ("equipment_decommissioned", "asset:PJ-1"), ("equipment_received", "asset:PJ-1-NEW"),
        ("equipment_assigned", "asset:PJ-1-NEW")]
    for env in recorded:
        registry.read(env)
        assert env["actor"] == {"user": "system", "role": "system"}
        assert env["correlation_id"] == first["correlation_id"]
        assert env["occurred_at"] == "2026-01-20T10:00:00+01:00"
    assert recorded[0]["data"] == {"asset_id": "PJ-1", "reason": "replaced"}
    assert recorded[1]["data"] == {"asset_id": "PJ-1-NEW", "kind": "projector", "serial": "SN-NEW-1",
                                   "model": "Epson EB", "supplier": "Maroc Info", "delivery_ref": "replacement:F-1",
                                   "warranty_months": 24, "bundle": "vmm"}
    assert sorted(a["asset_id"] for a in inv.school_equipment("OED001")) == ["PJ-1-NEW", "PJ-2", "PJ-3"]
    assert [a["asset_id"] for a in inv.school_equipment_as_of("OED001", "2026-01-19")["equipment"]] == \
        ["PJ-1", "PJ-2", "PJ-3"]
    after_first = inv.health()["last_position"]
    assert after_first == setup_last + 3

    # 2. the same event delivered again on the bus, and the same replacement told twice by maintenance
    with Connection(amqp) as conn:
        producer = conn.Producer(serializer="json")
        producer.publish(first, exchange=Exchange("maintenance.events", type="topic", durable=True),
                         routing_key="equipment_replaced", retry=True)
    twice = rpc.maintenance.record_replacement(replacement("F-1", "PJ-1", "PJ-1-NEW", "SN-NEW-1"),
                                               "2026-01-20T10:00:00+01:00")
    outcomes = wait_for(lambda: (lambda o: o if len(o) == 2 else None)(inv.replacement_outcomes()))
    assert [(o["event_id"], o["outcome"]) for o in outcomes] == [(first["event_id"], "applied"),
                                                                 (twice["event_id"], "already_applied")]
    assert inv.health()["last_position"] == after_first

    # 3. inventory restarts; a replacement recorded meanwhile waits in its queue and is applied once
    inventory.stop()
    second = rpc.maintenance.record_replacement(replacement("F-2", "PJ-2", "PJ-2-NEW", "SN-NEW-2"),
                                                "2026-02-03T11:00:00+01:00")
    run_services(InventoryService)
    wait_for(lambda: len(inv.replacement_outcomes()) == 3)
    assert [e["event_type"] for e in reaction_to(inv, second["event_id"])] == [
        "equipment_decommissioned", "equipment_received", "equipment_assigned"]
    assert inv.health()["last_position"] == after_first + 3
    assert sorted(a["asset_id"] for a in inv.school_equipment("OED001")) == ["PJ-1-NEW", "PJ-2-NEW", "PJ-3"]
    health = inv.health()
    assert health["reactions"]["positions"] == {"maintenance": 3}
    assert (health["status"], health["reactions"]["dead_letters"]) == ("ok", 0)

    # the reaction's events went out on the bus like any other: the log is fully published
    wait_for(lambda: inv.health()["unpublished"] == 0)
    log = inv.events_since(0, 5000)
    assert [e["position"] for e in log] == list(range(1, len(log) + 1))
    assert all(registry.read(e)["source"] == "inventory" for e in log)


def test_a_replacement_of_an_unknown_asset_is_noted_and_does_not_block_the_next(service_databases, run_services,
                                                                                 rpc):
    run_services(Maintenance, InventoryService)
    inv = rpc.inventory
    set_up_a_school_with_projectors(inv)
    before = inv.health()["last_position"]
    rpc.maintenance.record_replacement(replacement("F-9", "NOT-OURS", "X-NEW", "SN-X"), "2026-01-20T10:00:00+01:00")
    ok = rpc.maintenance.record_replacement(replacement("F-3", "PJ-3", "PJ-3-NEW", "SN-NEW-3"),
                                            "2026-01-21T10:00:00+01:00")
    wait_for(lambda: len(reaction_to(inv, ok["event_id"])) == 3)
    assert [o["outcome"] for o in inv.replacement_outcomes()] == ["old_asset_unknown", "applied"]
    assert inv.health()["last_position"] == before + 3
    assert inv.asset("PJ-3-NEW")["asset"]["school_code"] == "OED001"
