"""The API's reads of committees and their minutes, good practices, workshops, research, the school calendar,
a training's certification, the training axis' annual summary, repair times and the renewal plan, over the
fake service layer of the API tests: each answers its published schema, for the roles and within the scope
it is read by."""
import pytest

from services.gateway import queries
from services.maintenance import schemas as mnt
from services.resources import schemas as res
from services.training import schemas as trn
from shared.errors import CommandRejected
from tests.samples import ANNUAL_SUMMARY
from tests.unit.test_gateway_api import FakeServices, cheap_hashing, login, world  # noqa: F401
from tests.unit.test_gateway_web import sign_in, site  # noqa: F401

HELD = "2026-01-10T10:00:00+01:00"
MINUTES = {"committee_id": "C1", "held_at": HELD, "members": ["Fatima", "Hassan"], "recorded_by": "res",
           "decisions": [{"resource_id": "R2", "title": "Atlas local", "project_id": "P1", "decision": "revision",
                          "remarks": "Sources à citer"}],
           "summary": {"approved": 0, "rejected": 0, "revision": 1}}
PRACTICES = [{"practice_id": "G1", "position": 3, "school_code": "S1", "teacher": "Amal", "description": "Quiz",
              "recorded_at": HELD},
             {"practice_id": "G9", "position": 4, "school_code": "S9", "teacher": "Omar", "description": "Carte",
              "recorded_at": HELD}]
WORKSHOPS = [{"workshop_id": "W1", "position": 5, "held_at": HELD, "school_codes": ["S1", "S9"], "participants": 30,
              "topic": "Ressources en ligne"},
             {"workshop_id": "W2", "position": 6, "held_at": HELD, "school_codes": ["S9"], "participants": 12,
              "topic": "Tableaux interactifs"}]
CALENDAR = {"school_year": "2025-2026", "version": 2, "loaded_at": HELD, "loaded_by": "train",
            "periods": [{"kind": "exam", "name": "Examens", "starts_on": "2026-01-19", "ends_on": "2026-01-24"}]}


def line(staff, days, certificate=None):
    return {"staff_id": staff, "present_days": days, "session_days": 2, "rate": days * 50.0, "open_sessions": [],
            "eligible": days == 2, "certificate_no": certificate}


INVITED = [{"staff_id": "E1", "name": "Amal Idrissi", "role": "teacher", "school_code": "S1", "attendance": {}},
           {"staff_id": "E9", "name": "Omar Alaoui", "role": "teacher", "school_code": "S9", "attendance": {}},
           {"staff_id": "I1", "name": "Nadia Bennani", "role": "inspector", "school_code": None, "attendance": {}}]
ASSETS = [{"asset_id": f"A{n}", "serial": f"SN-{n}", "kind": "laptop", "school_code": school, "status": "installed",
           "received_on": "2019-10-01", "warranty_ends_on": "2021-10-01", "warranty": "ended", "age_years": age}
          for n, (school, age) in enumerate([("S1", 6), ("S9", 1), ("S2", 2)])]
FAULTS = [{"fault_id": "F9", "asset_id": "A0", "school_code": "S9", "declared_at": "2026-01-02T10:00:00+01:00",
           "closed_at": None}]


OTHER = object()  # not one of these reads: the API tests' fake answers


def answer(service, method, *args):
    if method == "committees":
        return [{"committee_id": "C1", "held_at": HELD}]
    if method == "committee_minutes":
        if args[0] != "C1":
            raise CommandRejected("unknown_committee", f"No committee {args[0]} is recorded.")
        return dict(MINUTES)
    if method == "local_research":
        return [{"research_id": "L1", "position": 7, "title": "Usage des tablettes", "findings": "Peu utilisées",
                 "recommendations": "Former", "recorded_at": HELD}]
    if method == "good_practices":
        return [dict(p) for p in PRACTICES if args[0] in (None, p["school_code"])]
    if method == "workshops":
        return [dict(w) for w in WORKSHOPS if args[0] is None or args[0] in w["school_codes"]]
    if method == "school_calendar":
        return dict(CALENDAR) if args[0] == "2025-2026" else None
    if method == "annual_summary":
        return dict(ANNUAL_SUMMARY, school_year=args[0])
    if method == "certification_status":
        if args[0] != "T1":
            raise CommandRejected("unknown_training", f"Training {args[0]} was never planned.")
        return {"training_id": "T1", "modality": "certifying", "required_percent": 80,
                "participants": [line("E1", 2, "OED-2025-2026-0001"), line("E9", 1), line("I1", 2)]}
    if method == "training":
        return {"training_id": "T1", "sessions": [{"session_id": "SE1"}]} if args[0] == "T1" else None
    if method == "session":
        return {"session_id": "SE1", "participants": [dict(p) for p in INVITED]}
    if method == "mean_time_to_repair":
        figure = {"faults": 2, "total_days": 5.0, "mean_days": 2.5}
        by = args[1] if len(args) > 1 else None
        if by is None:
            return figure
        return [dict(figure, **{by: "Maroc Info" if by == "supplier" else "laptop"}),
                dict(figure, faults=1, total_days=3.0, mean_days=3.0, **{by: None})]
    if method == "assets":
        codes = args[0].get("school_codes")
        items = [dict(a) for a in ASSETS if codes is None or a["school_code"] in codes]
        return {"total": len(items), "page": 1, "per_page": 0, "items": items}
    if method == "faults_since":
        return [dict(f) for f in FAULTS]
    return OTHER


@pytest.fixture
def reads(world, monkeypatch):  # noqa: F811
    answered = FakeServices.__call__

    def call(self, service, method, *args):
        found = answer(service, method, *args)
        if found is OTHER:
            return answered(self, service, method, *args)
        self.calls.append((service, method, args))
        return found

    monkeypatch.setattr(FakeServices, "__call__", call)
    return world


ANSWERS = [
    ("/api/committees", res.Committee, True), ("/api/committees/C1", res.CommitteeMinutes, False),
    ("/api/practices", res.GoodPractice, True), ("/api/workshops", res.Workshop, True),
    ("/api/research", res.Research, True), ("/api/calendar?school_year=2025-2026", trn.SchoolCalendar, False),
    ("/api/trainings/summary?school_year=2025-2026", trn.AnnualSummary, False),
    ("/api/trainings/T1/certification", trn.CertificationStatus, False),
    ("/api/faults/repair-time", mnt.RepairTimes, False), ("/api/renewal", queries.RenewalPlan, False),
]


@pytest.mark.parametrize("path,schema,many", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_each_read_answers_its_published_schema(reads, path, schema, many):
    client, _, _ = reads
    resp = client.get(path, headers=login(client, "coord"))
    assert resp.status_code == 200, resp.json
    assert resp.json and schema(many=many).validate(resp.json) == {}
    spec = client.get("/api/openapi.json").json
    ref = spec["paths"][path.split("?")[0].replace("C1", "{committee_id}").replace("T1", "{training_id}")]
    body = ref["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert (body["items"] if many else body)["$ref"].endswith("/" + schema.__name__)


@pytest.mark.parametrize("path,allowed", [
    ("/api/committees", {"coord", "res", "view", "viewr"}),
    ("/api/committees/C1", {"coord", "res", "view", "viewr"}),
    ("/api/research", {"coord", "res", "view", "viewr"}),
    ("/api/trainings/summary", {"coord", "train", "view", "viewr"}),
    ("/api/trainings/T1/certification", {"coord", "train", "view", "viewr", "dir1"}),
    ("/api/faults/repair-time", {"coord", "infra", "tech", "view", "viewr", "dir1"}),
    ("/api/renewal", {"coord", "infra", "view", "viewr"}),
    ("/api/practices", {"coord", "infra", "tech", "res", "train", "view", "viewr", "dir1"}),
    ("/api/calendar", {"coord", "infra", "tech", "res", "train", "view", "viewr", "dir1"}),
])
def test_each_read_is_for_the_roles_that_work_with_it(reads, path, allowed):
    client, _, _ = reads
    for user in ("coord", "infra", "tech", "res", "train", "view", "viewr", "dir1"):
        resp = client.get(path + ("?school_year=2025-2026" if path == "/api/calendar" else ""),
                          headers=login(client, user))
        if user in allowed:
            assert resp.status_code == 200, (user, resp.json)
        else:
            assert resp.status_code == 403 and resp.json["code"] in ("role_not_allowed", "outside_scope"), user
    assert client.get(path).status_code == 401


def test_a_regional_viewer_reads_the_province_s_records_only_where_the_province_is_in_their_region(reads,
                                                                                                  monkeypatch):
    client, _, accounts = reads
    accounts.add("far", "password-far", "viewer", "region:R99")  # no school of the province there
    far = login(client, "far")
    for path in ("/api/committees", "/api/research", "/api/trainings/summary", "/api/committees/C1"):
        resp = client.get(path, headers=far)
        assert resp.status_code == 403 and resp.json["code"] == "outside_scope", path
    assert client.get("/api/practices", headers=far).json == []
    assert client.get("/api/renewal", headers=far).json["assets"] == []


def test_school_lists_follow_the_scope(reads):
    client, services, _ = reads
    director, regional = login(client, "dir1"), login(client, "viewr")
    assert [p["practice_id"] for p in client.get("/api/practices", headers=director).json] == ["G1"]
    assert services.calls[-1] == ("resources", "good_practices", ("S1",))
    assert client.get("/api/practices?school_code=S2", headers=director).json["code"] == "outside_scope"
    assert [p["practice_id"] for p in client.get("/api/practices", headers=regional).json] == ["G1"]
    assert client.get("/api/practices?school_code=S9", headers=regional).status_code == 404  # as unknown as S404
    coord = client.get("/api/practices", headers=login(client, "coord")).json
    assert [p["practice_id"] for p in coord] == ["G1", "G9"]
    # A workshop is seen by those of its schools, each seeing only their schools in it.
    for auth in (director, regional):
        shown = client.get("/api/workshops", headers=auth).json
        assert [(w["workshop_id"], w["school_codes"], w["participants"]) for w in shown] == [("W1", ["S1"], 30)]
    assert [w["school_codes"] for w in client.get("/api/workshops", headers=login(client, "view")).json] == [
        ["S1", "S9"], ["S9"]]


def test_a_certification_names_each_participant_and_shows_a_director_only_their_school_s_staff(reads):
    client, _, _ = reads
    coord = client.get("/api/trainings/T1/certification", headers=login(client, "coord")).json
    assert [(p["staff_id"], p["name"], p["school_code"], p["eligible"]) for p in coord["participants"]] == [
        ("E1", "Amal Idrissi", "S1", True), ("E9", "Omar Alaoui", "S9", False), ("I1", "Nadia Bennani", None, True)]
    assert coord["required_percent"] == 80 and coord["participants"][0]["certificate_no"] == "OED-2025-2026-0001"
    for user in ("dir1", "viewr"):
        mine = client.get("/api/trainings/T1/certification", headers=login(client, user)).json
        assert [p["staff_id"] for p in mine["participants"]] == ["E1"], user
    unknown = client.get("/api/trainings/T404/certification", headers=login(client, "coord"))
    assert unknown.status_code == 404 and unknown.json["code"] == "unknown_training"


def test_unknown_committees_and_calendars_are_404_and_a_bad_year_is_400(reads):
    client, _, _ = reads
    auth = login(client, "coord")
    assert client.get("/api/committees/C404", headers=auth).json["code"] == "unknown_committee"
    missing = client.get("/api/calendar?school_year=2019-2020", headers=auth)
    assert missing.status_code == 404 and missing.json["code"] == "unknown_calendar"
    for path in ("/api/calendar", "/api/trainings/summary"):
        bad = client.get(path + "?school_year=2025-2027", headers=auth)
        assert bad.status_code == 400 and "school_year" in bad.json["errors"], path
    assert client.get("/api/practices?x=1", headers=auth).json["errors"] == {"x": ["Unknown field."]}


def test_the_school_year_asked_by_default_is_the_current_one(reads):
    client, services, _ = reads
    client.get("/api/trainings/summary", headers=login(client, "coord"))
    assert services.calls[-1] == ("training", "annual_summary", (queries.current_school_year(),))


def test_repair_times_over_all_by_supplier_and_by_kind_within_the_reader_s_scope(reads):
    client, services, _ = reads
    times = client.get("/api/faults/repair-time", headers=login(client, "coord")).json
    assert (times["faults"], times["mean_days"]) == (2, 2.5)
    assert [(r["supplier"], r["mean_days"]) for r in times["by_supplier"]] == [("Maroc Info", 2.5), (None, 3.0)]
    assert [(r["kind"], r["faults"]) for r in times["by_kind"]] == [("laptop", 2), (None, 1)]
    asked = [c[2] for c in services.calls if c[1] == "mean_time_to_repair"]
    assert asked == [(None, None, None), (None, "supplier", None), (None, "kind", None)]

    def asked_by(user, query=""):
        services.calls.clear()
        assert client.get("/api/faults/repair-time" + query, headers=login(client, user)).status_code == 200
        return [c[2] for c in services.calls if c[1] == "mean_time_to_repair"]

    assert asked_by("dir1") == [("S1", by, None) for by in (None, "supplier", "kind")]
    assert asked_by("viewr") == [(None, by, ["S1", "S2"]) for by in (None, "supplier", "kind")]
    assert asked_by("viewr", "?school_code=S2") == [("S2", by, None) for by in (None, "supplier", "kind")]
    assert client.get("/api/faults/repair-time?school_code=S2", headers=login(client, "dir1")).status_code == 403


def test_the_renewal_plan_ranks_the_readers_equipment_with_its_rule(reads):
    client, _, _ = reads
    plan = client.get("/api/renewal", headers=login(client, "coord")).json
    assert plan["rule"] == {"age": 2, "fault": 3, "down": 1, "ended": 2}
    assert [(a["serial"], a["faults_12m"]) for a in plan["assets"]] == [("SN-0", 1), ("SN-2", 0), ("SN-1", 0)]
    assert [s["school_code"] for s in plan["schools"]] == ["S1", "S2", "S9"]
    # A regional viewer: their region's equipment, and faults at other regions' schools not counted.
    regional = client.get("/api/renewal", headers=login(client, "viewr")).json
    assert [(a["serial"], a["faults_12m"]) for a in regional["assets"]] == [("SN-0", 0), ("SN-2", 0)]


def test_the_renewal_page_is_the_api_s_plan_for_the_same_roles(site):  # noqa: F811
    client, services = site
    sign_in(client, "coord")
    page = client.get("/renewal?lang=fr")
    assert page.status_code == 200 and "LT-77" in page.get_data(as_text=True)
    assert ("maintenance", "faults_since", (365,)) in services.calls
    client.get("/logout")
    sign_in(client, "tech")
    refused = client.get("/renewal?lang=fr")
    assert refused.status_code == 403 and "LT-77" not in refused.get_data(as_text=True)
