"""The annual summary (حصيلة سنوية), from a recorded history, on a SQLite store."""
from datetime import datetime

import pytest

from services.training.views import TrainingViews
from shared.catalogue import registry
from shared.db import make_engine, reading
from shared.events import Context, Event
from shared.store import EventStore


@pytest.fixture
def store(tmp_path):
    s = EventStore(make_engine(f"sqlite:///{tmp_path / 'training.db'}"), "training", "OED", registry)
    s.views = TrainingViews()
    s.create_schema()
    s.views.create(s.engine)
    return s


def record(store, training_id, *events, at="2025-10-01T09:00:00+01:00"):
    ctx = Context(actor={"user": "karima", "role": "training_member"}, occurred_at=datetime.fromisoformat(at))
    stream = f"training:{training_id}"
    with store.transaction() as tx:
        tx.append(stream, tx.stream_version(stream), events, ctx)


def plan(tid, modality, planned, year="2025-2026"):
    return Event("training_planned", {"training_id": tid, "title": f"Formation {tid}", "modality": modality,
                                      "audience": "teachers", "planned_participants": planned, "school_year": year})


def session(sid, tid, starts, ends, hours):
    return Event("session_scheduled", {"session_id": sid, "training_id": tid, "starts_on": starts, "ends_on": ends,
                                       "hours": hours, "venue": "CRMEF"})


def invite(sid, staff, role, school="OED001"):
    return Event("participant_invited", {"session_id": sid, "staff_id": staff, "name": staff, "role": role,
                                         "school_code": school})


def mark(sid, staff, day, status="present"):
    return Event("attendance_recorded", {"session_id": sid, "staff_id": staff, "day": day, "status": status})


def done(sid):
    return Event("session_completed", {"session_id": sid})


def history(store):
    # T1, certifying: sessions A (3 days, 18 h) and B (2 days, 12 h), both completed.
    record(store, "T1", plan("T1", "certifying", 20),
           session("A", "T1", "2025-11-10", "2025-11-12", 18), session("B", "T1", "2026-02-09", "2026-02-10", 12),
           invite("A", "P1", "teacher"), invite("A", "P2", "teacher"), invite("A", "D1", "director"),
           invite("B", "P1", "teacher"), invite("B", "P2", "teacher"),
           *[mark("A", "P1", d) for d in ("2025-11-10", "2025-11-11", "2025-11-12")],
           mark("A", "P2", "2025-11-10"), mark("A", "P2", "2025-11-11", "absent"),
           *[mark("A", "D1", d, "absent") for d in ("2025-11-10", "2025-11-11", "2025-11-12")],
           mark("B", "P1", "2026-02-09"), mark("B", "P1", "2026-02-10"), mark("B", "P2", "2026-02-09"),
           done("A"), done("B"),
           Event("certification_awarded", {"training_id": "T1", "staff_id": "P1",
                                           "certificate_no": "OED-2025-2026-0001"}))
    # T2, in person: D completed (6 h), C still open.
    record(store, "T2", plan("T2", "in_person", 10), session("D", "T2", "2026-01-12", "2026-01-12", 6),
           session("C", "T2", "2026-03-02", "2026-03-02", 6), invite("D", "P1", "teacher"),
           invite("C", "P3", "teacher"), at="2025-12-01T09:00:00+01:00")
    record(store, "T2", invite("D", "I1", "inspector", None), at="2026-01-05T09:00:00+01:00")
    # I1 is invited again later, dated earlier (to another training: a stream's own facts keep their order):
    # the latest invitation by date still says inspector.
    record(store, "T1", invite("B", "I1", "trainer", None), at="2025-12-20T09:00:00+01:00")
    record(store, "T2", mark("D", "I1", "2026-01-12"), mark("D", "P1", "2026-01-12"), done("D"),
           at="2026-01-12T17:00:00+01:00")
    # T3, remote: its only session is cancelled; whoever was invited to it is not counted.
    record(store, "T3", plan("T3", "remote", 15), session("E", "T3", "2026-04-06", "2026-04-07", 10),
           invite("E", "X1", "teacher"),
           Event("session_cancelled", {"session_id": "E", "reason": "Plateforme indisponible"}))
    # T4 belongs to the year before.
    record(store, "T4", plan("T4", "in_person", 40, "2024-2025"), session("F", "T4", "2025-03-03", "2025-03-03", 6),
           invite("F", "P9", "teacher"), mark("F", "P9", "2025-03-03"), done("F"))


def test_the_annual_summary_counts_what_was_planned_and_done(store):
    history(store)
    with reading(store.engine) as conn:
        summary = store.views.annual_summary(conn, "2025-2026")
    assert summary["trainings"] == {
        "planned": 3, "done": 1, "planned_participants": 45,
        "by_modality": {"in_person": {"planned": 1, "done": 0}, "remote": {"planned": 1, "done": 0},
                        "certifying": {"planned": 1, "done": 1}}}
    assert summary["sessions"] == {"scheduled": 5, "completed": 3, "cancelled": 1, "open": 1}
    # invited: P1, P2, D1, P3, I1; trained (present once at a completed session): P1, P2, I1
    assert summary["people"] == {"invited": 5, "trained": 3, "by_role": {
        "teacher": 2, "director": 0, "inspector": 1, "trainer": 0, "other": 0}}
    # sessions: 18 + 12 + 6; people × hours: A 2 × 18, B 2 × 12, D 2 × 6
    assert summary["hours"] == {"sessions": 36, "participant_hours": 72}
    assert summary["certifications"] == {"awarded": 1, "staff": 1}
    by_training = {t["training_id"]: t for t in summary["by_training"]}
    assert {k: (v["status"], v["trained"], v["certified"], v["hours"]) for k, v in by_training.items()} == {
        "T1": ("done", 2, 1, 30), "T2": ("in_progress", 2, 0, 6), "T3": ("cancelled", 0, 0, 0)}


def test_a_year_without_trainings_is_all_zero(store):
    history(store)
    with reading(store.engine) as conn:
        summary = store.views.annual_summary(conn, "2026-2027")
    assert summary["trainings"]["planned"] == 0 and summary["people"]["trained"] == 0
    assert summary["hours"] == {"sessions": 0, "participant_hours": 0}
    with reading(store.engine) as conn:
        last = store.views.annual_summary(conn, "2024-2025")
    assert (last["trainings"]["done"], last["people"]["by_role"]["teacher"], last["hours"]["sessions"]) == (1, 1, 6)


def test_a_session_shows_who_is_invited_and_their_days(store):
    history(store)
    with reading(store.engine) as conn:
        a = store.views.session(conn, "A")
        t1 = store.views.training(conn, "T1")
    assert (a["status"], a["invited"], a["present"]) == ("completed", 3, 2)
    p2 = next(p for p in a["participants"] if p["staff_id"] == "P2")
    assert p2["attendance"] == {"2025-11-10": "present", "2025-11-11": "absent"}
    assert [s["session_id"] for s in t1["sessions"]] == ["A", "B"]
    assert t1["certificates"][0]["certificate_no"] == "OED-2025-2026-0001"


def test_the_staff_directory_holds_everyone_invited_with_their_latest_role_and_school(store):
    def person(sid, staff, name, role, school):
        return Event("participant_invited", {"session_id": sid, "staff_id": staff, "name": name, "role": role,
                                             "school_code": school})

    record(store, "T1", plan("T1", "certifying", 20), session("A", "T1", "2025-11-10", "2025-11-12", 18),
           person("A", "E1", "Amal Idrissi", "teacher", "OED001"), person("A", "E2", "Omar Alaoui", "teacher", "OED002"),
           person("A", "D1", "Sara 100% Bennani", "director", "OED001"))
    # Omar is invited again later as a trainer, from no school: that is who he is now.
    record(store, "T1", session("B", "T1", "2026-02-09", "2026-02-10", 12),
           person("B", "E2", "Omar Alaoui", "trainer", None), at="2026-01-05T09:00:00+01:00")
    with reading(store.engine) as conn:
        directory = store.views.staff_directory
        everyone = directory(conn)
        assert everyone["total"] == 3
        assert [(p["staff_id"], p["role"], p["school_code"]) for p in everyone["staff"]] == [
            ("E1", "teacher", "OED001"), ("E2", "trainer", None), ("D1", "director", "OED001")]
        assert [p["staff_id"] for p in directory(conn, "alaOUI")["staff"]] == ["E2"]
        assert [p["staff_id"] for p in directory(conn, "e1")["staff"]] == ["E1"]
        assert [p["staff_id"] for p in directory(conn, "%")["staff"]] == ["D1"]  # a percent sign is no wildcard
        assert [p["staff_id"] for p in directory(conn, None, "OED001", "teacher")["staff"]] == ["E1"]
        assert [p["staff_id"] for p in directory(conn, None, None, None, ["D1", "E9"])["staff"]] == ["D1"]
        assert directory(conn, None, None, None, None, 1) == {"total": 3, "staff": [
            {"staff_id": "E1", "name": "Amal Idrissi", "role": "teacher", "school_code": "OED001"}]}
