"""Training's view of the registered schools: nothing lost while it is down,
duplicates skipped, state kept across a restart, and rebuilt from the logs."""
import json

from kombu import Connection, Exchange, Producer

from services.inventory.service import InventoryService
from services.training.service import TrainingService
from tests.helpers import caught_up, wait_for


def school(code):
    return {"school_code": code, "name_ar": f"مؤسسة {code}", "name_fr": f"Établissement {code}",
            "cycle": "middle", "setting": "rural", "commune": "Bir Gandouz", "region_code": "DOE"}


def codes(rpc):
    return [s["school_code"] for s in rpc.training.registered_schools()]


def view(rpc):
    return rpc.training.health()["schools_view"]


def test_the_school_view_misses_nothing_skips_duplicates_and_survives_a_restart(service_databases, run_services,
                                                                                  rpc, rabbit_config):
    run_services(InventoryService)
    # training is not running (its queue does not even exist yet) while these are registered
    rpc.inventory.register_school(school("OED001"))
    rpc.inventory.register_school(school("OED002"))

    training = run_services(TrainingService)
    assert wait_for(lambda: codes(rpc) == ["OED001", "OED002"])
    [first] = rpc.training.registered_schools()[:1]
    assert (first["name_ar"], first["province_code"], first["region_code"]) == ("مؤسسة OED001", "OED", "DOE")

    # the bus delivers an event again: it is recognised and skipped
    original = rpc.inventory.events_since(0, 1)[0]
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        Producer(conn.channel()).publish(
            json.dumps(original).encode(), exchange=Exchange("inventory.events", type="topic", durable=True),
            routing_key="school_registered", content_type="application/json", content_encoding="utf-8")
    wait_for(lambda: view(rpc)["deliveries"].get("duplicate") == 1)
    rpc.inventory.register_school(school("OED003"))
    caught_up(lambda: view(rpc)["positions"], {"inventory": 3})
    assert codes(rpc) == ["OED001", "OED002", "OED003"]

    # its own data and the view's position survive a restart; what inventory records meanwhile arrives after
    rpc.training.plan_training({"training_id": "T1", "title": "Usage du kit VMM", "modality": "in_person",
                                "audience": "teachers", "planned_participants": 8, "school_year": "2025-2026"})
    training.stop()
    rpc.inventory.register_school(school("OED004"))
    run_services(TrainingService)
    assert wait_for(lambda: codes(rpc) == ["OED001", "OED002", "OED003", "OED004"])
    status = view(rpc)
    assert (status["positions"], status["stalled"], status["dead_letters"]) == ({"inventory": 4}, {}, 0)
    assert rpc.training.training("T1")["planned_participants"] == 8

    # a school registered while training was down can be used at once
    rpc.training.schedule_session({"training_id": "T1", "session_id": "S1", "starts_on": "2025-11-10",
                                   "ends_on": "2025-11-10", "hours": 6, "venue": "Collège OED004",
                                   "calendar_override_reason": "Calendrier non encore publié"})
    [invited] = rpc.training.invite_participants({"session_id": "S1", "participants": [
        {"staff_id": "P4", "name": "Khadija Ouali", "role": "teacher", "school_code": "OED004"}]})
    assert invited["data"]["school_code"] == "OED004"

    # rebuilt from the logs, the read models say the same
    before = (rpc.training.training("T1"), rpc.training.session("S1"), rpc.training.registered_schools(),
              rpc.training.annual_summary("2025-2026"))
    assert rpc.training.rebuild() == {"training": 3, "schools": 4}
    after = (rpc.training.training("T1"), rpc.training.session("S1"), rpc.training.registered_schools(),
             rpc.training.annual_summary("2025-2026"))
    assert after == before
