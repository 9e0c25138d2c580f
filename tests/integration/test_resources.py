"""Resources over RPC with the real RabbitMQ: the axis end to end, and its view of inventory's schools."""
import pytest
from kombu import Connection, Exchange

from services.inventory.service import InventoryService
from services.resources.service import ResourcesService
from shared.catalogue import registry
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import bus_tap, refused, wait_for

SALMA = {"actor": {"user": "salma", "role": "resources_member"}}


def school(code, cycle, setting):
    return {"school_code": code, "name_ar": "مؤسسة " + code, "name_fr": "Établissement " + code, "cycle": cycle,
            "setting": setting, "commune": "Dakhla", "region_code": "DOE"}


P1, P2, M1, S1 = (school("OED-P1", "primary", "urban"), school("OED-P2", "primary", "rural"),
                  school("OED-M1", "middle", "rural"), school("OED-S1", "secondary", "urban"))


def known(rpc):
    return [s["school_code"] for s in rpc.resources.known_schools()]


def test_the_resources_axis_over_rpc(service_databases, run_services, rpc, rabbit_config):
    with bus_tap(rabbit_config["AMQP_URI"], "resources") as bus:
        inventory = run_services(InventoryService)
        run_services(ResourcesService)
        for s in (P1, P2, M1):
            rpc.inventory.register_school(s)
        wait_for(lambda: len(known(rpc)) == 3)
        inventory.stop()  # resources knows the schools itself from here on

        # -- receive and distribute
        rpc.resources.receive_resource({"resource_id": "R-DIR", "title": "Les fractions en vidéo",
                                        "subject": "mathematics", "levels": ["CE5", "CE6"], "format": "video",
                                        "origin": "directorate", "occurred_at": "2025-10-01T09:00:00+01:00"}, SALMA)
        rpc.resources.receive_resource({"resource_id": "R-OPEN", "title": "Atlas interactif",
                                        "subject": "geography", "levels": ["1AC"], "format": "interactive",
                                        "origin": "open"}, SALMA)
        [sent] = rpc.resources.distribute_resource(
            {"resource_id": "R-DIR", "school_codes": ["OED-P1", "OED-M1"], "channel": "usb",
             "occurred_at": "2025-10-01T10:00:00+01:00"}, SALMA)
        assert sent["data"]["school_codes"] == ["OED-P1", "OED-M1"]
        [sent] = rpc.resources.distribute_resource({"resource_id": "R-OPEN", "cycle": "primary",
                                                    "channel": "platform"}, SALMA)
        assert sent["data"]["school_codes"] == ["OED-P1", "OED-P2"]
        [sent] = rpc.resources.distribute_resource({"resource_id": "R-OPEN", "setting": "rural",
                                                    "channel": "usb"}, SALMA)
        assert sent["data"]["school_codes"] == ["OED-M1", "OED-P2"]

        before = rpc.resources.health()["last_position"]
        err = refused("unknown_school", rpc.resources.distribute_resource,
                      {"resource_id": "R-DIR", "school_codes": ["OED-P2", "OED-X9"], "channel": "usb"})
        assert "OED-X9" in err.message
        refused("no_school_matches", rpc.resources.distribute_resource,
                {"resource_id": "R-DIR", "cycle": "secondary", "channel": "usb"})
        refused("unknown_resource", rpc.resources.distribute_resource,
                {"resource_id": "R-NONE", "cycle": "primary", "channel": "usb"})
        with pytest.raises(InvalidCommand) as exc:
            rpc.resources.distribute_resource({"resource_id": "R-DIR", "school_codes": ["OED-P1"],
                                               "cycle": "primary", "channel": "usb"})
        assert "school_codes" in exc.value.errors
        assert rpc.resources.health()["last_position"] == before

        # -- local production and validation
        rpc.resources.start_production_project({"project_id": "PRJ-1", "title": "Soutien en calcul",
                                                "subject": "mathematics", "members": ["T-11", "T-12"]}, SALMA)
        rpc.resources.submit_resource({"resource_id": "R-LOC", "project_id": "PRJ-1", "title": "Quiz tables"},
                                      SALMA)
        refused("resource_not_approved", rpc.resources.distribute_resource,
                {"resource_id": "R-LOC", "school_codes": ["OED-P1"], "channel": "usb"})
        refused("unknown_project", rpc.resources.submit_resource, {"project_id": "PRJ-9", "title": "x"})

        before = rpc.resources.health()["last_position"]
        for never_submitted in ("R-DIR", "R-NONE"):
            err = refused("resource_not_submitted", rpc.resources.hold_validation_committee, {
                "committee_id": "C-0", "members": ["M-1"],
                "decisions": [{"resource_id": "R-LOC", "decision": "approved"},
                              {"resource_id": never_submitted, "decision": "approved"}]})
            assert never_submitted in err.message
        assert rpc.resources.health()["last_position"] == before  # nothing written, not even R-LOC's decision
        assert rpc.resources.committees() == []
        refused("unknown_committee", rpc.resources.committee_minutes, "C-0")
        assert {r["resource_id"]: r["status"] for r in rpc.resources.catalogue()}["R-LOC"] == "submitted"

        rpc.resources.hold_validation_committee({
            "committee_id": "C-1", "members": ["M-1", "M-2"], "occurred_at": "2025-11-05T10:00:00+01:00",
            "decisions": [{"resource_id": "R-LOC", "decision": "revision", "remarks": "Ajouter les corrigés"}]},
            SALMA)
        refused("resource_not_submitted", rpc.resources.hold_validation_committee, {
            "members": ["M-1"], "decisions": [{"resource_id": "R-LOC", "decision": "approved"}]})
        rpc.resources.submit_resource({"resource_id": "R-LOC", "project_id": "PRJ-1",
                                       "title": "Quiz tables, avec corrigés"}, SALMA)
        rpc.resources.hold_validation_committee({
            "committee_id": "C-2", "members": ["M-1", "M-3"],
            "decisions": [{"resource_id": "R-LOC", "decision": "approved", "remarks": "Conforme"}]}, SALMA)
        refused("resource_already_approved", rpc.resources.submit_resource,
                {"resource_id": "R-LOC", "project_id": "PRJ-1", "title": "v3"})
        rpc.resources.distribute_resource({"resource_id": "R-LOC", "school_codes": ["OED-P2"],
                                           "channel": "platform"}, SALMA)

        # -- use, workshops, practices, research, dysfunctions
        rpc.resources.record_resource_usage({"school_code": "OED-P1", "resource_id": "R-DIR",
                                             "period_start": "2025-10-01", "period_end": "2025-10-31",
                                             "uses": 25, "teachers": 4}, SALMA)
        rpc.resources.record_resource_usage({"school_code": "OED-P1", "resource_id": "R-DIR",
                                             "period_start": "2025-11-01", "period_end": "2025-11-30",
                                             "uses": 0, "teachers": 0}, SALMA)
        with pytest.raises(InvalidCommand) as exc:
            rpc.resources.record_resource_usage({"school_code": "OED-P1", "resource_id": "R-DIR",
                                                 "period_start": "2025-12-31", "period_end": "2025-12-01",
                                                 "uses": -3, "teachers": 1})
        assert set(exc.value.errors) == {"period_end", "uses"}
        refused("usage_period_overlaps", rpc.resources.record_resource_usage, {
            "school_code": "OED-P1", "resource_id": "R-DIR", "period_start": "2025-10-15",
            "period_end": "2025-11-15", "uses": 3, "teachers": 1})
        refused("unknown_school", rpc.resources.record_resource_usage, {
            "school_code": "OED-X9", "resource_id": "R-DIR", "period_start": "2025-10-01",
            "period_end": "2025-10-31", "uses": 3, "teachers": 1})
        rpc.resources.hold_awareness_workshop({"workshop_id": "W-1", "school_codes": ["OED-P1", "OED-P2"],
                                               "participants": 18, "topic": "Ressources de soutien scolaire"},
                                              SALMA)
        refused("unknown_school", rpc.resources.hold_awareness_workshop,
                {"school_codes": ["OED-X9"], "participants": 3, "topic": "t"})
        rpc.resources.record_good_practice({"school_code": "OED-M1", "teacher": "Amina B.",
                                            "description": "Classe inversée avec les capsules vidéo"}, SALMA)
        rpc.resources.record_local_research({"title": "Usage des ressources en milieu rural",
                                             "findings": "Peu de connexion", "recommendations": "Clés USB"}, SALMA)
        for dysfunction_id, code in (("D-1", "OED-P2"), ("D-2", "OED-M1")):
            rpc.resources.report_dysfunction({"dysfunction_id": dysfunction_id, "school_code": code,
                                              "description": "Les vidéos ne se lisent pas"}, SALMA)
        rpc.resources.resolve_dysfunction({"dysfunction_id": "D-1", "resolution": "Lecteur installé"}, SALMA)
        refused("dysfunction_already_resolved", rpc.resources.resolve_dysfunction,
                {"dysfunction_id": "D-1", "resolution": "again"})
        refused("unknown_dysfunction", rpc.resources.resolve_dysfunction,
                {"dysfunction_id": "D-404", "resolution": "x"})

        # -- the queries a coordinator reads
        catalogue = {r["resource_id"]: (r["status"], r["distributed_to"]) for r in rpc.resources.catalogue()}
        assert catalogue == {"R-DIR": ("received", ["OED-M1", "OED-P1"]),
                             "R-OPEN": ("received", ["OED-M1", "OED-P1", "OED-P2"]),
                             "R-LOC": ("approved", ["OED-P2"])}
        p1 = {r["resource_id"]: r for r in rpc.resources.school_resources("OED-P1")}
        assert set(p1) == {"R-DIR", "R-OPEN"}
        assert p1["R-DIR"]["uses"] == 25 and p1["R-DIR"]["channels"] == ["usb"]
        assert [r["resource_id"] for r in rpc.resources.school_resources("OED-P2")] == ["R-OPEN", "R-LOC"]
        refused("unknown_school", rpc.resources.school_resources, "OED-X9")
        assert [(d["dysfunction_id"], d["school_code"]) for d in rpc.resources.open_dysfunctions()] == [
            ("D-2", "OED-M1")]
        pv = rpc.resources.committee_minutes("C-1")
        assert pv["members"] == ["M-1", "M-2"] and pv["held_at"] == "2025-11-05T10:00:00+01:00"
        assert [(d["resource_id"], d["decision"], d["remarks"]) for d in pv["decisions"]] == [
            ("R-LOC", "revision", "Ajouter les corrigés")]
        assert rpc.resources.committee_minutes("C-2")["summary"] == {"approved": 1, "rejected": 0, "revision": 0}
        assert [w["school_codes"] for w in rpc.resources.workshops("OED-P2")] == [["OED-P1", "OED-P2"]]

        # -- every event, in the log and on the bus, is a valid contract event
        log = rpc.resources.events_since(0, 5000)
        assert [e["position"] for e in log] == list(range(1, len(log) + 1))
        for e in log:
            registry.read(e)
            assert e["source"] == "resources" and e["province_code"] == "OED"
        assert {e["event_type"] for e in log} == set(registry.names("resources"))
        assert all(e["actor"] == SALMA["actor"] for e in log)
        published = bus.drain(len(log))
        for e in published:
            registry.read(e)
        assert [e["event_id"] for e in published] == [e["event_id"] for e in log]


def test_a_use_where_the_resource_never_arrived_is_refused_and_nothing_is_written(service_databases, run_services,
                                                                                 rpc):
    run_services(InventoryService)
    run_services(ResourcesService)
    for s in (P1, P2, M1):
        rpc.inventory.register_school(s)
    wait_for(lambda: len(known(rpc)) == 3)
    rpc.resources.receive_resource({"resource_id": "R1", "title": "Fractions", "subject": "mathematics",
                                    "levels": ["CE5"], "format": "video", "origin": "directorate",
                                    "occurred_at": "2025-09-01T10:00:00+01:00"}, SALMA)
    [sent] = rpc.resources.distribute_resource({"resource_id": "R1", "cycle": "primary", "channel": "usb",
                                                "occurred_at": "2025-10-06T10:00:00+01:00"}, SALMA)
    assert sent["data"]["school_codes"] == ["OED-P1", "OED-P2"]

    use = {"school_code": "OED-M1", "resource_id": "R1", "period_start": "2025-10-06", "period_end": "2025-10-31",
           "uses": 9, "teachers": 2}
    before = rpc.resources.health()["last_position"]
    err = refused("resource_not_distributed_to_school", rpc.resources.record_resource_usage, use, SALMA)
    assert "OED-M1" in err.message
    err = refused("usage_starts_before_distribution", rpc.resources.record_resource_usage,
                  dict(use, school_code="OED-P1", period_start="2025-09-15"), SALMA)
    assert "2025-10-06" in err.message
    assert rpc.resources.health()["last_position"] == before
    assert rpc.resources.resource_follow_up("R1")["usage"] == []

    [used] = rpc.resources.record_resource_usage(dict(use, school_code="OED-P1"), SALMA)
    assert used["stream_id"] == "usage:OED-P1:R1"


def test_the_school_view_catches_up_skips_duplicates_and_survives_a_restart(service_databases, run_services, rpc,
                                                                              rabbit_config):
    inventory = run_services(InventoryService)
    rpc.inventory.register_school(P1)
    rpc.inventory.register_school(P2)  # resources has never run: its queue does not exist yet

    resources = run_services(ResourcesService)
    wait_for(lambda: known(rpc) == ["OED-P1", "OED-P2"])  # read from inventory's log at start
    rpc.resources.receive_resource({"resource_id": "R1", "title": "Fractions", "subject": "mathematics",
                                    "levels": ["CE5"], "format": "video", "origin": "directorate"})
    rpc.resources.distribute_resource({"resource_id": "R1", "cycle": "primary", "channel": "usb"})

    resources.stop()
    rpc.inventory.register_school(M1)  # waits in resources' queue
    first = rpc.inventory.events_since(0, 1)[0]
    with Connection(rabbit_config["AMQP_URI"]) as conn:  # the bus delivers an event a second time
        exchange = Exchange("inventory.events", type="topic", durable=True)
        conn.Producer(serializer="json").publish(first, exchange=exchange, routing_key=first["event_type"],
                                                 declare=[exchange])

    run_services(ResourcesService)
    wait_for(lambda: "OED-M1" in known(rpc))
    rpc.inventory.register_school(S1)  # after the duplicate in the queue: the live path still flows
    wait_for(lambda: known(rpc) == ["OED-M1", "OED-P1", "OED-P2", "OED-S1"])
    health = rpc.resources.health()
    assert health["status"] == "ok"
    assert health["schools"]["positions"] == {"inventory": 4}
    assert health["schools"]["stalled"] == {} and health["schools"]["dead_letters"] == 0
    assert [s["cycle"] for s in rpc.resources.known_schools(setting="rural")] == ["middle", "primary"]

    # what resources recorded before the restart is still there, and the new schools are usable
    assert rpc.resources.catalogue()[0]["distributed_to"] == ["OED-P1", "OED-P2"]
    [sent] = rpc.resources.distribute_resource({"resource_id": "R1", "setting": "rural", "channel": "usb"})
    assert sent["data"]["school_codes"] == ["OED-M1", "OED-P2"]

    # rebuilt from the logs, the read models say the same
    catalogue, schools = rpc.resources.catalogue(), rpc.resources.known_schools()
    assert rpc.resources.rebuild() == {"views": 3, "schools": 4}
    assert rpc.resources.catalogue() == catalogue and rpc.resources.known_schools() == schools

    inventory.stop()
    [sent] = rpc.resources.distribute_resource({"resource_id": "R1", "school_codes": ["OED-S1"], "channel": "usb"})
    assert sent["data"]["school_codes"] == ["OED-S1"]
