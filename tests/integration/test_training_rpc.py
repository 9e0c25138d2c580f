"""Training over RPC with the real RabbitMQ: a certifying training from the school
calendar to the annual summary, the schools coming from inventory."""
import csv
import io

import pytest

from services.inventory.service import InventoryService
from services.training.service import TrainingService
from shared.catalogue import registry
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import bus_tap, refused_message as refused, wait_for

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
TRAINER = {"actor": {"user": "karima", "role": "training_member"}}


def school(code, name_ar, name_fr):
    return {"school_code": code, "name_ar": name_ar, "name_fr": name_fr, "cycle": "primary", "setting": "urban",
            "commune": "Dakhla", "region_code": "DOE", "occurred_at": "2025-09-10T09:00:00+01:00"}


CALENDAR = {"school_year": "2025-2026", "periods": [
    {"kind": "school_start", "name": "Rentrée scolaire", "starts_on": "2025-09-01", "ends_on": "2025-09-15"},
    {"kind": "holiday", "name": "Vacances de mi-année", "starts_on": "2026-01-25", "ends_on": "2026-02-01"},
    {"kind": "exam", "name": "Examen régional", "starts_on": "2026-06-01", "ends_on": "2026-06-05"},
]}
WEEK = ["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13", "2025-11-14"]


def test_a_certifying_training_from_calendar_to_annual_summary(service_databases, run_services, rpc, rabbit_config):
    run_services(InventoryService, TrainingService)
    with bus_tap(rabbit_config["AMQP_URI"], "training") as bus:
        training = rpc.training
        rpc.inventory.register_school(school("OED001", "مدرسة الوحدة", "École Al Wahda"), COORDINATOR)
        rpc.inventory.register_school(school("OED002", "مدرسة النهضة", "École Annahda"), COORDINATOR)

        loaded = training.load_school_calendar(CALENDAR, COORDINATOR)
        assert (loaded["version"], loaded["loaded_by"], len(loaded["periods"])) == (1, "fatima", 3)
        [planned] = training.plan_training({
            "training_id": "TICE-1", "title": "Intégration pédagogique des TICE", "modality": "certifying",
            "audience": "teachers", "planned_participants": 25, "school_year": "2025-2026",
            "occurred_at": "2025-10-01T10:00:00+01:00"}, TRAINER)
        assert planned["stream_id"] == "training:TICE-1" and planned["actor"]["user"] == "karima"

        # the school calendar refuses a session in the mid-year holiday, naming it
        session = {"training_id": "TICE-1", "hours": 30, "venue": "CRMEF Dakhla",
                   "occurred_at": "2025-10-02T10:00:00+01:00"}
        message = refused("session_overlaps_school_calendar", training.schedule_session,
                          dict(session, session_id="S0", starts_on="2026-01-26", ends_on="2026-01-28"), TRAINER)
        assert "Vacances de mi-année" in message
        assert training.session("S0") is None
        training.schedule_session(dict(session, session_id="S1", starts_on=WEEK[0], ends_on=WEEK[-1]), TRAINER)
        # an override reason lets one through, and the reason stays with the session
        training.schedule_session(dict(session, session_id="S2", starts_on="2026-06-02", ends_on="2026-06-03",
                                       calendar_override_reason="Seule semaine des formateurs nationaux"), TRAINER)
        override = training.session("S2")["calendar_override"]
        assert override["reason"] == "Seule semaine des formateurs nationaux"
        assert [p["name"] for p in override["periods"]] == ["Examen régional"]
        assert training.session("S1")["calendar_override"] is None
        # a new version of the calendar names the scheduled sessions it now overlaps
        local_exams = {"kind": "exam", "name": "Examens locaux", "starts_on": "2025-11-13", "ends_on": "2025-11-14"}
        reloaded = training.load_school_calendar(dict(CALENDAR, periods=CALENDAR["periods"] + [local_exams]),
                                                 COORDINATOR)
        assert reloaded["version"] == 2 and training.school_calendar("2025-2026")["version"] == 2
        assert [(s["session_id"], s["periods"]) for s in reloaded["sessions_overlapping"]] == [
            ("S1", ["Examens locaux"]), ("S2", ["Examen régional"])]

        # participants: staff of registered schools only
        people = [{"staff_id": "P1", "name": "Amina Idrissi", "role": "teacher", "school_code": "OED001"},
                  {"staff_id": "P2", "name": "Yassine Alaoui", "role": "teacher", "school_code": "OED002"},
                  {"staff_id": "I1", "name": "Said Bennani", "role": "inspector"}]
        elsewhere = {"session_id": "S1", "participants": [dict(people[0], school_code="OED404")]}
        assert "OED404" in refused("unknown_school", training.invite_participants, elsewhere, TRAINER)
        invited = training.invite_participants({"session_id": "S1", "participants": people}, TRAINER)
        assert [e["data"]["staff_id"] for e in invited] == ["P1", "P2", "I1"]
        # a school registered a moment ago is known at once
        rpc.inventory.register_school(school("OED003", "مدرسة الأمل", "École Al Amal"), COORDINATOR)
        training.invite_participants({"session_id": "S2", "participants": [
            {"staff_id": "P3", "name": "Hind Tazi", "role": "teacher", "school_code": "OED003"}]}, TRAINER)

        # attendance: P1 every day, P2 four days of five (80%), I1 three (60%)
        present = {"P1": 5, "P2": 4, "I1": 3}
        for i, day in enumerate(WEEK):
            training.record_attendance({"session_id": "S1", "day": day, "occurred_at": f"{day}T17:00:00+01:00",
                                        "attendance": [{"staff_id": s, "status": "present" if i < n else "absent"}
                                                       for s, n in present.items()]}, TRAINER)
        refused("participant_not_invited", training.record_attendance, {
            "session_id": "S1", "day": WEEK[0], "attendance": [{"staff_id": "P3", "status": "present"}]})
        refused("day_outside_session", training.record_attendance, {
            "session_id": "S1", "day": "2025-11-15", "attendance": [{"staff_id": "P1", "status": "present"}]})
        refused("sessions_still_open", training.award_certificates, {"training_id": "TICE-1", "staff_ids": ["P1"]})

        training.complete_session({"session_id": "S1", "occurred_at": "2025-11-14T18:00:00+01:00"}, TRAINER)
        training.cancel_session({"session_id": "S2", "reason": "Formateurs indisponibles",
                                 "occurred_at": "2026-05-20T09:00:00+01:00"}, TRAINER)
        assert "3 of 5 days (60%)" in refused("attendance_below_threshold", training.award_certificates,
                                              {"training_id": "TICE-1", "staff_ids": ["I1"]})
        evaluated = training.evaluate_training({"training_id": "TICE-1", "respondents": 2, "mean_score": 4.5,
                                                "remarks": "Ateliers utiles", "occurred_at": "2025-11-15T10:00:00+01:00"},
                                               TRAINER)
        assert [e["data"]["mean_score"] for e in evaluated] == [4.5]
        # the latest evaluation, for the training's page
        assert training.evaluation("TICE-1") == {"respondents": 2, "mean_score": 4.5, "remarks": "Ateliers utiles"}
        awarded = training.award_certificates({"training_id": "TICE-1"}, COORDINATOR)
        assert [(e["data"]["staff_id"], e["data"]["certificate_no"]) for e in awarded] == [
            ("P1", "OED-2025-2026-0001"), ("P2", "OED-2025-2026-0002")]
        refused("already_certified", training.award_certificates, {"training_id": "TICE-1", "staff_ids": ["P2"]})
        status = {p["staff_id"]: p for p in training.certification_status("TICE-1")["participants"]}
        assert (status["P2"]["rate"], status["I1"]["eligible"], status["P3"]["session_days"]) == (80.0, False, 0)

        # the convocation list, with the schools' names as inventory registered them
        table = list(csv.reader(io.StringIO(training.convocation_list("S1", "csv", "fr").lstrip("\ufeff"))))
        assert [r[2] for r in table[1:]] == ["Amina Idrissi", "Yassine Alaoui", "Said Bennani"]
        assert [r[5] for r in table[1:]] == ["École Al Wahda", "École Annahda", ""]
        page = training.convocation_list("S1", "html", "ar")
        assert 'dir="rtl"' in page and "مدرسة النهضة" in page and "Intégration pédagogique des TICE" in page
        with pytest.raises(InvalidCommand) as exc:
            training.convocation_list("S1", "pdf", "es")
        assert set(exc.value.errors) == {"format", "lang"}

        summary = training.annual_summary("2025-2026")
        assert summary["trainings"]["planned"] == 1 and summary["trainings"]["done"] == 1
        assert summary["sessions"] == {"scheduled": 2, "completed": 1, "cancelled": 1, "open": 0}
        assert summary["people"]["trained"] == 3
        assert summary["people"]["by_role"] == {"teacher": 2, "director": 0, "inspector": 1, "trainer": 0, "other": 0}
        assert summary["hours"] == {"sessions": 30, "participant_hours": 90}
        assert summary["certifications"] == {"awarded": 2, "staff": 2}
        assert "الحصيلة السنوية للتكوين 2025-2026" in training.annual_summary_page("2025-2026", "ar")

        # every event in the log and on the bus is a contract event
        log = training.events_since(0, 5000)
        assert [e["position"] for e in log] == list(range(1, len(log) + 1))
        assert {e["event_type"] for e in log} == set(registry.names("training"))
        for env in log:
            assert registry.read(env) == env
        published = bus.drain(len(log))
        assert [e["event_id"] for e in published] == [e["event_id"] for e in log]
        for env in published:
            registry.read(env)
        assert training.health()["unpublished"] == 0


def test_bad_commands_are_refused_and_nothing_is_written(run_services, rpc, monkeypatch):
    run_services(TrainingService)
    training = rpc.training
    with pytest.raises(InvalidCommand) as exc:
        training.plan_training({"title": "", "modality": "hybrid", "audience": "teachers",
                                "planned_participants": 0, "school_year": "2025-26"})
    assert set(exc.value.errors) == {"title", "modality", "planned_participants", "school_year"}
    training.plan_training({"training_id": "T1", "title": "Ressources numériques", "modality": "in_person",
                            "audience": "directors", "planned_participants": 12, "school_year": "2025-2026"})
    # no calendar loaded for the year: the session needs an override reason
    session = {"training_id": "T1", "session_id": "S1", "starts_on": "2025-11-10", "ends_on": "2025-11-10",
               "hours": 6, "venue": "Direction provinciale"}
    refused("school_calendar_not_loaded", training.schedule_session, session)
    refused("session_outside_school_year", training.schedule_session,
            dict(session, starts_on="2026-09-01", ends_on="2026-09-01", calendar_override_reason="Rentrée"))
    refused("unknown_training", training.schedule_session, dict(session, training_id="T9",
                                                                 calendar_override_reason="x" * 5))
    with pytest.raises(InvalidCommand) as exc:
        training.load_school_calendar({"school_year": "2025-2026", "periods": [
            {"kind": "holiday", "name": "Été", "starts_on": "2026-07-01", "ends_on": "2026-09-05"}]})
    assert exc.value.errors == {"periods": {"0": {"ends_on": [
        "Must be inside school year 2025-2026 (2025-09-01 to 2026-08-31)."]}}}
    assert training.school_calendar("2025-2026") is None
    refused("unknown_session", training.record_attendance,
            {"session_id": "S404", "day": "2025-11-10", "attendance": [{"staff_id": "P1", "status": "present"}]})
    refused("training_not_certifying", training.award_certificates, {"training_id": "T1"})
    assert training.health()["last_position"] == 1
    # the certification threshold is a setting of the deployment
    assert training.certification_status("T1")["required_percent"] == 80
    monkeypatch.setenv("TRAINING_CERTIFICATION_PERCENT", "75")
    assert training.certification_status("T1")["required_percent"] == 75
    monkeypatch.setenv("TRAINING_CERTIFICATION_PERCENT", "150")
    with pytest.raises(InvalidCommand) as exc:
        training.certification_status("T1")
    assert "TRAINING_CERTIFICATION_PERCENT" in exc.value.errors
