"""A school director reads a training session's documents against the real services: the convocation list (page
and CSV), the blank attendance sheet, the training's certificates, each holding their own school's staff only,
while the coordinator's hold everyone."""
import csv
import io

from tests.integration.test_gateway_http import Client, cheap_argon2, start_system
from tests.integration.test_training_rpc import COORDINATOR, TRAINER, WEEK, school
from tests.integration.test_web_axes import Browser

PEOPLE = [{"staff_id": "P1", "name": "Amina Idrissi", "role": "teacher", "school_code": "OED001"},
          {"staff_id": "P2", "name": "Yassine Alaoui", "role": "teacher", "school_code": "OED002"},
          {"staff_id": "I1", "name": "Said Bennani", "role": "inspector"}]


def staff_of(csv_text):
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    return sorted(r[1] for r in rows[1:])


def test_a_director_reads_only_their_schools_people_in_a_sessions_documents(genie_env, runner_factory, rabbit_config,
                                                                            monkeypatch, rpc):
    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    rpc.inventory.register_school(school("OED001", "مدرسة الوحدة", "École Al Wahda"), COORDINATOR)
    rpc.inventory.register_school(school("OED002", "مدرسة النهضة", "École Annahda"), COORDINATOR)
    training = rpc.training
    training.plan_training({"training_id": "TICE-1", "title": "Intégration des TICE", "modality": "certifying",
                            "audience": "teachers", "planned_participants": 25, "school_year": "2025-2026",
                            "occurred_at": "2025-10-01T10:00:00+01:00"}, TRAINER)
    training.schedule_session({"training_id": "TICE-1", "session_id": "S1", "starts_on": WEEK[0], "ends_on": WEEK[1],
                               "hours": 12, "venue": "CRMEF Dakhla", "occurred_at": "2025-10-02T10:00:00+01:00",
                               "calendar_override_reason": "Calendrier pas encore reçu"},
                              TRAINER)
    training.invite_participants({"session_id": "S1", "participants": PEOPLE}, TRAINER)
    for day in WEEK[:2]:
        training.record_attendance({"session_id": "S1", "day": day, "occurred_at": f"{day}T17:00:00+01:00",
                                    "attendance": [{"staff_id": p["staff_id"], "status": "present"} for p in PEOPLE]},
                                   TRAINER)
    training.complete_session({"session_id": "S1", "occurred_at": f"{WEEK[1]}T18:00:00+01:00"}, TRAINER)
    awarded = training.award_certificates({"training_id": "TICE-1"}, COORDINATOR)
    number = {e["data"]["staff_id"]: e["data"]["certificate_no"] for e in awarded}
    assert sorted(number) == ["I1", "P1", "P2"]

    director, coordinator = Browser(base, "amina"), Browser(base, "fatima")  # amina directs OED001
    listing = director.get("/sessions/S1/convocation.csv?lang=fr")
    assert listing.status_code == 200 and staff_of(listing.content.decode("utf-8")) == ["P1"]
    assert "Yassine Alaoui" not in listing.content.decode("utf-8")
    assert staff_of(coordinator.get("/sessions/S1/convocation.csv?lang=fr").content.decode("utf-8")) == [
        "I1", "P1", "P2"]
    for page in ("/sessions/S1?lang=fr", "/sessions/S1?sheet=blank&lang=fr"):
        shown = director.get(page)
        assert shown.status_code == 200 and "Amina Idrissi" in shown.text, page
        assert "Yassine Alaoui" not in shown.text and "Said Bennani" not in shown.text, page
    # Certificates name their holders: the director sees their school's, and another school's is not there.
    page = director.get("/trainings/TICE-1?lang=fr").text
    assert number["P1"] in page and number["P2"] not in page and number["I1"] not in page
    assert director.get("/trainings/TICE-1/certificates/P1?lang=fr").status_code == 200
    assert director.get("/trainings/TICE-1/certificates/P2?lang=fr").status_code == 404
    assert coordinator.get("/trainings/TICE-1/certificates/P2?lang=fr").status_code == 200
    api = Client(base, "amina").get("/api/trainings/TICE-1").json()
    assert [c["staff_id"] for c in api["certificates"]] == ["P1"]
