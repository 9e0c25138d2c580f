"""The digital resources and training axes in the browser, over the fake service layer of the web tests:
a form for every command, the committee on one page, the calendar's refusal named, attendance in one
submit, the documents."""
import re

import pytest

from services.gateway.accounts import Accounts
from shared.errors import CommandRejected
from tests.helpers import commands_without_a_form, page_as
from tests.unit.test_gateway_web import Services, commands_sent, csrf_of, site  # noqa: F401

CATALOGUE = [
    {"resource_id": "R1", "title": "Fractions en vidéo", "subject": "Maths", "levels": ["CE5"], "format": "video",
     "origin": "directorate", "status": "received", "distributed_to": ["S1"], "project_id": None},
    {"resource_id": "R2", "title": "Atlas local", "subject": "Histoire", "levels": ["CE6"], "format": "document",
     "origin": "local", "status": "submitted", "distributed_to": [], "project_id": "P1"},
    {"resource_id": "R3", "title": "Quiz", "subject": "Sciences", "levels": ["CE6"], "format": "interactive",
     "origin": "local", "status": "submitted", "distributed_to": [], "project_id": "P1"},
]
TRAINING = {"training_id": "T1", "title": "TICE en classe", "modality": "certifying", "audience": "teachers",
            "planned_participants": 12, "school_year": "2025-2026", "planned_at": "2025-09-20T10:00:00+01:00"}
SESSION = {"session_id": "SE1", "training_id": "T1", "starts_on": "2025-11-03", "ends_on": "2025-11-04",
           "hours": 12.0, "venue": "CRMEF", "status": "scheduled", "invited": 2, "present": 0,
           "participants": [{"staff_id": "E1", "name": "Amal Idrissi", "role": "teacher", "school_code": "S1",
                             "attendance": {}},
                            {"staff_id": "E2", "name": "Omar Alaoui", "role": "teacher", "school_code": "S2",
                             "attendance": {}}]}
CALENDAR = {"school_year": "2025-2026", "version": 1, "periods": [
    {"kind": "exam", "name": "Examens du premier semestre", "starts_on": "2026-01-19", "ends_on": "2026-01-24"}]}
STAFF = [{"staff_id": "E1", "name": "Amal Idrissi", "role": "teacher", "school_code": "S1"},
         {"staff_id": "E2", "name": "Omar Alaoui", "role": "teacher", "school_code": "S2"},
         {"staff_id": "E7", "name": "Nadia Berrada", "role": "director", "school_code": "S1"},
         {"staff_id": "E8", "name": "Youssef Tazi", "role": "teacher", "school_code": "S2"},
         {"staff_id": "E9", "name": "Hind Amrani", "role": "inspector", "school_code": None}]
DYSFUNCTIONS = [
    {"dysfunction_id": "D1", "school_code": "S1", "description": "Pas de son", "reported_at": "2026-01-02T10:00:00+01:00",
     "resolution": None, "resolved_at": None},
    {"dysfunction_id": "D2", "school_code": "S2", "description": "Lien mort", "reported_at": "2025-12-01T10:00:00+01:00",
     "resolution": None, "resolved_at": None},
    {"dysfunction_id": "D3", "school_code": "S1", "description": "Lecteur absent",
     "reported_at": "2025-11-03T10:00:00+01:00", "resolution": "Lecteur installé",
     "resolved_at": "2025-11-20T10:00:00+01:00"}]


def _staff(q=None, school=None, role=None, ids=None, limit=200):
    rows = [p for p in STAFF if (not q or q.lower() in (p["name"] + p["staff_id"]).lower())
            and (not school or p["school_code"] == school) and (not role or p["role"] == role)
            and (ids is None or p["staff_id"] in ids)]
    return {"total": len(rows), "staff": [dict(p) for p in sorted(rows, key=lambda p: p["name"])[:limit]]}


def _dysfunctions(school=None, status=None):
    return [dict(d) for d in DYSFUNCTIONS if (not school or d["school_code"] == school)
            and (status is None or (status == "open") == (d["resolved_at"] is None))]


ANSWERS = {
    "staff": _staff, "dysfunctions": _dysfunctions,
    "resource_follow_up": lambda rid: {"resource_id": rid, "usage": [
        {"school_code": "S1", "period_start": "2025-10-01", "period_end": "2025-10-31", "uses": 12, "teachers": 3},
        {"school_code": "S2", "period_start": "2025-11-01", "period_end": "2025-11-30", "uses": 5, "teachers": 1}],
        "decisions": [{"committee_id": "C1", "held_at": "2026-01-10T10:00:00+01:00", "decision": "revision",
                       "remarks": "Sources à citer"}]},
    "catalogue": lambda *a: [dict(r) for r in CATALOGUE],
    "committees": lambda *a: [{"committee_id": "C1", "held_at": "2026-01-10T10:00:00+01:00"}],
    "committee_minutes": lambda *a: {"committee_id": "C1", "held_at": "2026-01-10T10:00:00+01:00",
                                     "members": ["Fatima", "Hassan"], "recorded_by": "res",
                                     "decisions": [{"resource_id": "R2", "title": "Atlas local", "decision": "approved",
                                                    "remarks": ""}],
                                     "summary": {"approved": 1, "rejected": 0, "revision": 0}},
    "production_projects": lambda *a: [{"project_id": "P1", "title": "Atlas", "members": ["A"]}],
    "open_dysfunctions": lambda *a: [{"dysfunction_id": "D1", "school_code": "S1", "description": "Pas de son",
                                      "reported_at": "2026-01-02T10:00:00+01:00"}],
    "good_practices": lambda *a: [], "workshops": lambda *a: [], "local_research": lambda *a: [],
    "trainings": lambda *a: [dict(TRAINING)],
    "training": lambda *a: dict(TRAINING, sessions=[dict(SESSION)],
                                certificates=[{"staff_id": "E1", "certificate_no": "OED-2025-2026-0001",
                                               "awarded_at": "2026-01-05T10:00:00+01:00"}]),
    "session": lambda *a: dict(SESSION, participants=[dict(p) for p in SESSION["participants"]]),
    "school_calendar": lambda *a: dict(CALENDAR),
    "evaluation": lambda *a: None,
    "annual_summary": lambda *a: {
        "school_year": a[0], "trainings": {"planned": 1, "done": 1}, "sessions": {"scheduled": 2, "completed": 2},
        "people": {"invited": 12, "trained": 11}, "hours": {"sessions": 24.0},
        "certifications": {"awarded": 10, "staff": 10},
        "by_training": [{"training_id": "T1", "title": "TICE en classe", "modality": "certifying",
                         "audience": "teachers", "status": "done", "planned_participants": 12, "sessions": 2,
                         "sessions_completed": 2, "trained": 11, "certified": 10, "hours": 24.0}]},
    "certification_status": lambda *a: {"training_id": "T1", "modality": "certifying", "required_percent": 80,
                                        "participants": [
                                            {"staff_id": "E1", "present_days": 2, "session_days": 2, "rate": 100.0,
                                             "open_sessions": [], "eligible": True, "certificate_no": None},
                                            {"staff_id": "E2", "present_days": 0, "session_days": 2, "rate": 0.0,
                                             "open_sessions": [], "eligible": False, "certificate_no": None}]},
}
ROLES = {"coordinator": "coord", "resources": "res", "training": "trn", "school_director": "dir1"}


@pytest.fixture
def axes(site, monkeypatch, tmp_path):  # noqa: F811
    client, services = site
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    accounts.add("res", "password-res", "resources")
    accounts.add("trn", "password-trn", "training")
    answered = Services.__call__

    def call(self, service, method, *args):
        if method in ANSWERS and not (len(args) == 2 and isinstance(args[1], dict)):
            self.calls.append((service, method, args))
            return ANSWERS[method](*args)
        if method == "schedule_session" and not args[0].get("calendar_override_reason") \
                and args[0].get("starts_on", "") <= "2026-01-24" and args[0].get("ends_on", "") >= "2026-01-19":
            raise CommandRejected("session_overlaps_school_calendar", "The session overlaps the exam period.")
        return answered(self, service, method, *args)

    monkeypatch.setattr(Services, "__call__", call)
    yield client, services
    accounts.engine.dispose()


def test_every_resources_and_training_command_has_a_form_for_a_role_allowed(axes):
    client, _ = axes
    wanted, missing = commands_without_a_form(client, ("resources", "training"), ROLES,
                                              "session_id=SE1&training_id=T1")
    assert len(wanted) >= 20
    assert not missing


def test_a_committee_decides_on_each_submitted_resource_in_one_submit(axes):
    client, services = axes
    page = page_as(client, "res", "/forms/resources/hold_validation_committee?lang=fr")
    assert "Atlas local" in page and "Quiz" in page and "Fractions" not in page  # only the submitted ones
    form = {"csrf": csrf_of(page), "members": "Fatima\nHassan", "occurred_at": "2026-01-10",
            "resource-1": "R2", "decision-1": "approved", "remarks-1": "",
            "resource-2": "R3", "decision-2": "revision", "remarks-2": ""}
    refused = client.post("/forms/resources/hold_validation_committee?lang=fr", data=form)
    assert refused.status_code == 400 and 'id="err-remarks-2"' in refused.get_data(as_text=True)
    form["remarks-2"] = "Sources à citer"
    assert client.post("/forms/resources/hold_validation_committee", data=form).status_code == 303
    sent = [c for s, m, c in commands_sent(services) if m == "hold_validation_committee"][-1]
    assert sent["members"] == ["Fatima", "Hassan"]
    assert sent["decisions"] == [{"resource_id": "R2", "decision": "approved", "remarks": ""},
                                 {"resource_id": "R3", "decision": "revision", "remarks": "Sources à citer"}]
    minutes = client.get("/committees/C1?lang=ar").get_data(as_text=True)
    assert 'class="document"' in minutes and "Atlas local" in minutes and "المملكة المغربية" in minutes


def test_a_distribution_to_every_rural_primary_school_says_how_many_first(axes):
    client, services = axes
    page = page_as(client, "res", "/forms/resources/distribute_resource?lang=fr")
    assert 'data-count="primary-rural">1<' in page
    resp = client.post("/forms/resources/distribute_resource", data={
        "csrf": csrf_of(page), "resource_id": "R1 · Fractions", "channel": "Clé USB", "cycle": "primary",
        "setting": "rural"})
    assert resp.status_code == 303
    sent = [c for s, m, c in commands_sent(services) if m == "distribute_resource"][-1]
    assert sent == {"resource_id": "R1", "channel": "Clé USB", "cycle": "primary", "setting": "rural"}


def test_the_resource_picker_shows_the_title_and_sends_the_resources_id(axes):
    client, services = axes
    page = page_as(client, "res", "/forms/resources/distribute_resource?lang=fr")
    picker = page[page.index('<datalist id="dl-resources">'):]
    picker = picker[:picker.index("</datalist>")]
    assert picker == '<datalist id="dl-resources"><option value="Fractions en vidéo">Reçue</option>'
    # Opened from the resource's page with its id, the field says the resource's title.
    opened = page_as(client, "res", "/forms/resources/distribute_resource?lang=fr&resource_id=R1")
    assert re.search(r'id="f-resource_id"[^>]*value="Fractions en vidéo"', opened)
    resp = client.post("/forms/resources/distribute_resource", data={
        "csrf": csrf_of(opened), "resource_id": "Fractions en vidéo", "channel": "Clé USB", "cycle": "primary",
        "setting": "rural"})
    assert resp.status_code == 303
    sent = [c for s, m, c in commands_sent(services) if m == "distribute_resource"][-1]
    assert sent["resource_id"] == "R1"


def test_a_resource_approved_agrees_with_the_resource_and_a_decision_keeps_its_own_word(axes, monkeypatch):
    client, _services = axes
    approved = dict(CATALOGUE[1], status="approved")
    monkeypatch.setitem(ANSWERS, "catalogue", lambda *a: [approved])
    listed = page_as(client, "res", "/resources?lang=fr")
    assert '<td data-label="État">Approuvée</td>' in listed and '<option value="approved">Approuvée</option>' in listed
    assert '<dd>Approuvée</dd>' in client.get("/resources/R2?lang=fr").get_data(as_text=True)
    minutes = client.get("/committees/C1?lang=fr").get_data(as_text=True)
    assert "Approuvé<" in minutes and "Approuvée" not in minutes
    assert '">مقبول</td>' in client.get("/resources?lang=ar").get_data(as_text=True)


def test_a_session_on_an_exam_day_is_refused_naming_the_period_then_accepted_with_a_reason(axes):
    client, services = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    assert "Examens du premier semestre" in page and 'class="month"' in page
    form = {"csrf": csrf_of(page), "training_id": "T1", "starts_on": "2026-01-20", "ends_on": "2026-01-21",
            "hours": "12", "venue": "CRMEF"}
    refused = client.post("/forms/training/schedule_session?lang=fr", data=form)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="overlap"' in text and "Examens du premier semestre" in text
    form["calendar_override_reason"] = "Seule semaine libre des formateurs"
    assert client.post("/forms/training/schedule_session", data=form).status_code == 303


def test_attendance_of_a_day_in_one_submit_and_the_certificates(axes):
    client, services = axes
    page = page_as(client, "trn", "/forms/training/record_attendance?session_id=SE1&lang=fr")
    assert "Amal Idrissi" in page and "Omar Alaoui" in page
    resp = client.post("/forms/training/record_attendance", data={
        "csrf": csrf_of(page), "session_id": "SE1", "day": "2025-11-03", "staff-1": "E1", "status-1": "present",
        "staff-2": "E2", "status-2": "excused"})
    assert resp.status_code == 303
    sent = [c for s, m, c in commands_sent(services) if m == "record_attendance"][-1]
    assert sent["attendance"] == [{"staff_id": "E1", "status": "present"}, {"staff_id": "E2", "status": "excused"}]
    page = client.get("/forms/training/award_certificates?training_id=T1").get_data(as_text=True)
    assert 'value="E1" checked' in page and 'value="E2"' not in page
    assert client.post("/forms/training/award_certificates", data={"csrf": csrf_of(page), "training_id": "T1",
                                                                    "staff_ids": "E1"}).status_code == 303
    certificate = client.get("/trainings/T1/certificates/E1").get_data(as_text=True)
    assert "OED-2025-2026-0001" in certificate and "Amal Idrissi" in certificate and "شهادة تكوين" in certificate
    convocation = client.get("/sessions/SE1?lang=fr").get_data(as_text=True)
    assert "Omar Alaoui" in convocation and 'class="document"' in convocation


def test_the_attendance_page_asks_for_the_session_alone_then_shows_its_sheet(axes):
    client, _ = axes
    page = page_as(client, "coord", "/forms/training/record_attendance?lang=fr")
    card = page[page.index('<section class="card">'):page.index("</section>")]
    # Before a choice: the look-up only, not the form's own session box, day and empty sheet beside it.
    assert re.findall(r"<form[^>]*>", card) == ['<form method="get" class="filters">']
    assert len(re.findall(r'name="session_id"', card)) == 1 and 'list="dl-sessions"' in card
    assert "Afficher la feuille" in card and 'name="day"' not in card and 'id="sheet"' not in card
    assert 'id="dl-sessions"' in page  # the sessions to pick from by name
    # The look-up sends the session chosen: the sheet of that session, in the form that records it.
    page = client.get("/forms/training/record_attendance?lang=fr&session_id=SE1").get_data(as_text=True)
    card = page[page.index('<section class="card">'):page.index("</section>")]
    assert 'class="filters"' not in card and 'data-command="training/record_attendance"' in card
    assert 'id="f-session_id" name="session_id" required aria-required="true" ' \
           'value="TICE en classe · 3 novembre 2025 · CRMEF"' in card
    assert 'id="sheet"' in card and "Amal Idrissi" in card and "Omar Alaoui" in card and 'name="day"' in card
    # A sheet sent back without its session: the look-up again, the error beside it.
    answer = client.post("/forms/training/record_attendance?lang=fr", data={"csrf": csrf_of(page), "day": "2025-11-03"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'id="err-session_id"' in text and 'href="#f-session_id"' in text
    assert 'id="f-session_id"' in text and 'data-command="training/record_attendance"' not in text


def test_the_certificates_page_asks_for_the_training_alone_first(axes):
    client, _ = axes
    page = page_as(client, "coord", "/forms/training/award_certificates?lang=fr")
    card = page[page.index('<section class="card">'):page.index("</section>")]
    assert re.findall(r"<form[^>]*>", card) == ['<form method="get" class="filters">']
    assert len(re.findall(r'name="training_id"', card)) == 1 and 'id="eligible"' not in card


def test_invitations_from_a_file_say_their_errors_by_line(axes):
    client, services = axes
    page = page_as(client, "trn", "/forms/training/invite_participants?session_id=SE1")
    import io

    content = "staff_id,name,role,school_code\nE3,Sara,teacher,S1\nE4,Karim,chef,S2\n".encode()
    resp = client.post("/forms/training/invite_participants?lang=fr", data={
        "csrf": csrf_of(page), "session_id": "SE1", "file": (io.BytesIO(content), "staff.csv")},
        content_type="multipart/form-data")
    assert resp.status_code == 400
    # The file's third line (under its heading) has a role that is not one of the roles.
    assert "Ligne 3 — Rôle" in resp.get_data(as_text=True) and "Ligne 1 " not in resp.get_data(as_text=True)


def test_the_annual_summary_as_a_page_and_a_workbook(axes):
    import io

    import openpyxl

    client, _ = axes
    page = page_as(client, "trn", "/trainings/summary?school_year=2025-2026&lang=fr")
    assert "TICE en classe" in page and "Certifiante" in page and 'class="document"' in page
    book = openpyxl.load_workbook(io.BytesIO(client.get("/trainings/summary?school_year=2025-2026&export=xlsx"
                                                        "&lang=fr").data))
    rows = list(book.active.values)
    assert rows[0][0] == "Titre" and rows[1][:4] == ("TICE en classe", "Certifiante", "Enseignants", "Réalisée")


def test_the_calendar_moves_by_months(axes):
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&month=2026-01")
    assert 'id="month-2026-01"' in page and 'class="exam"' in page and "month=2025-12" in page
