"""The gateway in front of the real services, over RabbitMQ: what a client of the HTTP API sees."""
import csv
import io
import re
import socket

import pytest
import requests

from services.gateway.accounts import Accounts
from services.gateway.service import GatewayService
from services.inventory.service import InventoryService
from services.maintenance.service import MaintenanceService
from services.reporting.service import ReportingService
from services.resources.service import ResourcesService
from services.training.service import TrainingService
from services.gateway.api import current_school_year
from shared import config
from shared.catalogue import registry
from tests.helpers import caught_up, wait_for

USERS = [("fatima", "coordinator", None), ("youssef", "infrastructure", None), ("amina", "school_director",
         "school:OED001"), ("karim", "technician", None), ("nadia", "viewer", "region:DOE")]
SCHOOLS = [{"school_code": "OED001", "name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda", "cycle": "primary",
            "setting": "urban", "commune": "Dakhla", "region_code": "DOE"},
           {"school_code": "OED002", "name_ar": "ثانوية الداخلة", "name_fr": "Lycée Dakhla", "cycle": "secondary",
            "setting": "rural", "commune": "Bir Anzarane", "region_code": "DOE"}]


YEAR = current_school_year()  # the commands below happen now


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cheap_argon2(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr("services.gateway.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                                            parallelism=1))


def start_system(runner_factory, rabbit_config):
    """Every service and the gateway on the test's vhost; the gateway's base URL."""
    accounts = Accounts(config.database_url("gateway"))
    for name, role, scope in USERS:
        accounts.add(name, f"secret-{name}", role, scope)
    port = free_port()
    runner = runner_factory(dict(rabbit_config, max_workers=10, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"),
                            InventoryService, MaintenanceService, ResourcesService, TrainingService,
                            ReportingService, GatewayService)
    runner.start()
    return f"http://127.0.0.1:{port}"


class Client:
    def __init__(self, base, user=None):
        self.base, self.session = base, requests.Session()
        if user:
            resp = self.session.post(base + "/api/login", json={"username": user, "password": f"secret-{user}"})
            assert resp.status_code == 200, resp.text
            self.session.headers["Authorization"] = "Bearer " + resp.json()["token"]

    def post(self, path, body):
        return self.session.post(self.base + path, json=body, timeout=30)

    def get(self, path, **params):
        return self.session.get(self.base + path, params=params, timeout=30)


def start_with_schools(runner_factory, rabbit_config, monkeypatch, user, schools=SCHOOLS, **given):
    """The system started (password hashing made cheap) and `schools` registered through the API by `user`, each
    with the `given` fields (its date, say): the gateway's base URL, and `user`'s client."""
    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    client = Client(base, user)
    for school in schools:
        answer = client.post("/api/inventory/register_school", dict(school, **given))
        assert answer.status_code == 201, answer.text
    return base, client


@pytest.fixture
def system(genie_env, runner_factory, rabbit_config, monkeypatch):
    cheap_argon2(monkeypatch)
    return start_system(runner_factory, rabbit_config)


def test_the_api_end_to_end_with_roles(system, rpc):
    coord, infra, director = Client(system, "fatima"), Client(system, "youssef"), Client(system, "amina")
    tech, viewer, anonymous = Client(system, "karim"), Client(system, "nadia"), Client(system)

    assert anonymous.get("/api/health").json() == {"status": "ok"}  # up or down, nothing more without a token
    health = viewer.get("/api/health").json()
    assert set(health["services"]) == {"inventory", "maintenance", "resources", "training", "reporting"}
    assert all(s["status"] == "ok" for s in health["services"].values()), health

    for school in SCHOOLS:
        assert infra.post("/api/inventory/register_school", school).status_code == 201
    delivery = infra.post("/api/inventory/receive_delivery", {
        "supplier": "Maroc Info", "delivery_ref": "BL-2025-17", "occurred_at": "2025-10-01T09:00:00+01:00",
        "items": [{"kind": "laptop", "serial": "LT-77", "warranty_months": 24, "bundle": "vmm"}]})
    assert delivery.status_code == 201
    asset_id = delivery.json()["events"][0]["data"]["asset_id"]
    assert infra.post("/api/inventory/assign_equipment",
                      {"asset_id": asset_id, "school_code": "OED001"}).status_code == 201

    # Maintenance learns of the asset from inventory's events; then the director can declare.
    fault = {"asset_id": asset_id, "school_code": "OED001", "symptom": "الحاسوب لا يشتغل"}
    declared = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(
        director.post("/api/maintenance/declare_fault", fault)))
    event = declared.json()["events"][0]
    assert event["actor"] == {"user": "amina", "role": "school_director"}

    # Refusals, each with its status and code, and nothing recorded by them.
    assert director.post("/api/maintenance/declare_fault", dict(fault, school_code="OED002")).json()["code"] \
        == "outside_scope"
    assert viewer.post("/api/maintenance/declare_fault", fault).json()["code"] == "read_only"
    assert tech.post("/api/maintenance/declare_fault", fault).json()["code"] == "role_not_allowed"
    assert anonymous.post("/api/maintenance/declare_fault", fault).status_code == 401
    again = infra.post("/api/maintenance/declare_fault", fault)
    assert again.status_code == 409 and again.json()["code"]
    bad = infra.post("/api/maintenance/declare_fault", {"asset_id": asset_id, "symptom": ""})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"school_code", "symptom"}

    log = rpc.maintenance.events_since(0, 5000)
    assert [e["event_type"] for e in log][:1] == ["fault_declared"]
    assert log[0]["actor"] == {"user": "amina", "role": "school_director"}
    registry.read(log[0])
    for env in rpc.inventory.events_since(0, 5000):
        registry.read(env)
        assert env["actor"] == {"user": "youssef", "role": "infrastructure"}

    # The technician repairs and closes it; the school page shows it then no longer.
    fault_id = event["data"]["fault_id"]
    page = director.get("/api/schools/OED001").json()
    assert [f["fault_id"] for f in page["faults"]] == [fault_id]
    assert [a["serial"] for a in page["equipment"]] == ["LT-77"]
    assert tech.post("/api/maintenance/record_repair", {"fault_id": fault_id, "action": "RAM"}).status_code == 201
    assert tech.post("/api/maintenance/close_fault", {"fault_id": fault_id, "resolution": "repaired"}) \
        .status_code == 201
    assert director.get("/api/schools/OED001").json()["faults"] == []
    future = infra.post("/api/maintenance/declare_fault", dict(fault, occurred_at="2999-01-01T00:00:00+00:00"))
    assert future.status_code == 400 and "occurred_at" in future.json()["errors"]
    assert director.get("/api/schools/OED002").status_code == 403
    assert coord.get("/api/schools/NOPE").status_code == 404
    assert coord.get(f"/api/faults/{fault_id}").json()["fault_id"] == fault_id

    asset = viewer.get("/api/assets", serial="LT-77").json()
    assert [f["fault_id"] for f in asset["faults"]] == [fault_id]
    assert coord.get("/api/assets", serial="NONE").status_code == 404

    # Every command was answered: reporting has read every log up to where it ends now.
    logs = {s: getattr(rpc, s).health()["last_position"] for s in config.SOURCES}
    caught_up(lambda: rpc.reporting.health()["positions"], logs)
    health = viewer.get("/api/health").json()
    reporting = [p for p in health["projections"] if p["service"] == "reporting"][0]
    assert reporting["positions"]["maintenance"] == 3 and reporting["lag"]["maintenance"] == 0
    assert reporting["stalled"] == {}

    # Indicators as in the contract, read by scope.
    answer = wait_for(lambda: (lambda r: r if r["positions"].get("maintenance") == 3 else None)(
        viewer.get("/api/indicators", scope="region:DOE", period=YEAR).json()))
    assert set(answer) >= {"scope", "period", "as_of", "positions", "indicators"}
    by_id = {i["id"]: i for i in answer["indicators"]}
    assert by_id["INF01"]["value"] == 1 and by_id["MNT01"]["value"] == 0
    assert viewer.get("/api/indicators", scope="region:XYZ", period=YEAR).status_code == 403
    assert director.get("/api/indicators", scope="school:OED001", period=YEAR).status_code == 200
    # A scope that names nothing is not a page of zeros; a period that cannot be is bad input, everywhere.
    unknown = coord.get("/api/indicators", scope="school:NOPE", period=YEAR)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_scope"
    for path in ("/api/indicators", "/api/breakdown", "/api/reports/download", "/api/indicators/compare"):
        bad = coord.get(path, scope="province:OED", period="0000-0001", **{"with": YEAR})
        assert bad.status_code == 400 and "period" in bad.json()["errors"], path
    # As of the day before the delivery: nothing was there yet.
    first = int(YEAR[:4])
    before = coord.get("/api/indicators", scope="province:OED", period=YEAR, as_of=f"{first}-09-30").json()
    assert {i["id"]: i["value"] for i in before["indicators"]}["INF01"] == 0
    assert before["as_of"] == f"{first}-10-01T00:00:00+01:00"
    assert coord.get("/api/indicators", scope="province:OED", period=YEAR,
                     as_of=f"{first - 1}-01-01").status_code == 400
    communes = coord.get("/api/breakdown", scope="province:OED", period=YEAR, by="commune").json()
    assert {r["commune"]: r["schools"] for r in communes["rows"]} == {"Dakhla": 1, "Bir Anzarane": 1}
    inf01 = {r["commune"]: next(i["value"] for i in r["indicators"] if i["id"] == "INF01") for r in communes["rows"]}
    assert inf01 == {"Dakhla": 1, "Bir Anzarane": 0}
    compared = coord.get("/api/indicators/compare", scope="province:OED", period=YEAR,
                         **{"with": f"{first - 1}-{first}"}).json()
    inf01 = next(i for i in compared["indicators"] if i["id"] == "INF01")
    assert (inf01["value"], inf01["with"]["value"], inf01["difference"]) == (1, 0, 1)
    definitions = coord.get("/api/indicators/definitions").json()
    assert definitions[1]["id"] == "INF02" and definitions[1]["unit_label"]["fr"] == "élèves par ordinateur"

    download = coord.get("/api/reports/download", scope="province:OED", period=YEAR, format="csv")
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert any(r["indicator"] == "INF01" and r["value"] in ("1", "1.0") for r in rows)
    xlsx = coord.get("/api/reports/download", scope="province:OED", period=YEAR)
    assert xlsx.content[:2] == b"PK"

    odd = coord.get("/api/trainings/a%0Ab")  # even a line break in the path gets a problem, not HTML
    assert odd.status_code == 404 and odd.headers["Content-Type"] == "application/problem+json"
    assert anonymous.session.options(system + "/api/health").status_code == 405

    spec = anonymous.get("/api/openapi.json").json()
    assert "/api/maintenance/declare_fault" in spec["paths"]


def test_a_service_down_is_said_not_hidden(genie_env, runner_factory, rabbit_config, monkeypatch):
    cheap_argon2(monkeypatch)
    monkeypatch.setenv("GATEWAY_RPC_TIMEOUT", "1")
    accounts = Accounts(config.database_url("gateway"))
    accounts.add("fatima", "secret-fatima", "coordinator")
    port = free_port()
    runner_factory(dict(rabbit_config, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}"), GatewayService).start()
    base = f"http://127.0.0.1:{port}"
    assert requests.get(base + "/api/health", timeout=30).json() == {"status": "degraded"}
    coord = Client(base, "fatima")
    health = coord.get("/api/health").json()
    assert {s["status"] for s in health["services"].values()} == {"unreachable"}
    down = coord.get("/api/faults")
    assert down.status_code == 503 and down.headers["Content-Type"] == "application/problem+json"


def test_the_real_gateway_sends_its_security_headers_and_replays_a_retried_command(system, rpc):
    infra, anonymous = Client(system, "youssef"), Client(system)
    page, token = anonymous.get("/login"), anonymous.post("/api/login", {"username": "youssef",
                                                                         "password": "secret-youssef"})
    for resp in (page, token, infra.get("/api/me")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Cache-Control"] == "no-store"
        assert re.fullmatch(r"app;dur=\d+\.\d", resp.headers["Server-Timing"])  # the time spent at the server
    assert infra.post("/api/inventory/register_school", SCHOOLS[0]).status_code == 201
    link = {"school_code": "OED001", "status": "connected", "link": "adsl", "bandwidth_mbps": 20}
    retried = [infra.session.post(system + "/api/inventory/record_connectivity", json=link, timeout=30,
                                  headers={"Idempotency-Key": "link-OED001-1"}) for _ in range(2)]
    assert [r.status_code for r in retried] == [201, 201] and retried[1].json() == retried[0].json()
    recorded = [e for e in rpc.inventory.events_since(0, 100) if e["event_type"] == "connectivity_recorded"]
    assert len(recorded) == 1


def conforms(spec: dict, schema: dict, answer) -> list[str]:
    """Where `answer` breaks `schema` of the published description (OpenAPI 3.0's `nullable` read as JSON
    Schema's null)."""
    import jsonschema_rs

    def plain(node):
        if isinstance(node, list):
            return [plain(n) for n in node]
        if not isinstance(node, dict):
            return node
        node = {k: plain(v) for k, v in node.items() if not k.startswith("x-")}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node

    root = {"components": plain(spec["components"]), "allOf": [plain(schema)]}
    return [str(e) for e in jsonschema_rs.Draft7Validator(root).iter_errors(answer)]


def test_the_reads_of_every_axis_on_the_real_services_answer_their_description(system):
    """Committees and minutes, practices, workshops, research, the calendar, a certification, the annual
    summary, repair times and the renewal plan: what a client of /api/openapi.json gets, read by role."""
    from datetime import date, timedelta

    coord, director, tech, viewer = (Client(system, u) for u in ("fatima", "amina", "karim", "nadia"))
    day = date.today() - timedelta(days=30)
    day -= timedelta(days=1) if (day.month, day.day) == (8, 31) else timedelta(0)  # a session of two days
    year = current_school_year(day)

    def at(days, hour=9):
        return f"{day + timedelta(days=days)}T{hour:02d}:00:00+01:00"

    def ok(path, body):
        resp = coord.post(path, dict(body))
        assert resp.status_code == 201, (path, resp.text)
        return resp.json()

    def eventually(path, body):  # a service that learns of schools or assets from inventory's events
        return wait_for(lambda: (lambda r: r.json() if r.status_code == 201 else None)(coord.post(path, body)))

    for school in SCHOOLS:
        ok("/api/inventory/register_school", dict(school, occurred_at=at(-60)))
    delivery = ok("/api/inventory/receive_delivery", {
        "supplier": "Maroc Info", "delivery_ref": "BL-7", "occurred_at": at(-20), "items": [
            {"kind": "laptop", "serial": "LT-1", "warranty_months": 24},
            {"kind": "projector", "serial": "PJ-1", "warranty_months": 12}]})
    ids = [e["data"]["asset_id"] for e in delivery["events"]]
    for asset_id in ids:
        ok("/api/inventory/assign_equipment", {"asset_id": asset_id, "school_code": "OED001", "occurred_at": at(-19)})
    for asset_id, days in zip(ids, (2, 4)):  # the laptop repaired in 2 days, the projector in 4
        declared = eventually("/api/maintenance/declare_fault", {"asset_id": asset_id, "school_code": "OED001",
                                                                 "symptom": "en panne", "occurred_at": at(-10)})
        fault_id = declared["events"][0]["data"]["fault_id"]
        ok("/api/maintenance/record_repair", {"fault_id": fault_id, "action": "réparé", "occurred_at": at(-10 + days)})
        ok("/api/maintenance/close_fault", {"fault_id": fault_id, "resolution": "repaired",
                                            "occurred_at": at(-10 + days, 9)})

    ok("/api/resources/start_production_project", {"project_id": "P1", "title": "Atlas", "subject": "Histoire",
                                                   "members": ["Amal", "Omar"], "occurred_at": at(-12)})
    ok("/api/resources/submit_resource", {"resource_id": "R2", "project_id": "P1", "title": "Atlas local",
                                          "occurred_at": at(-11)})
    ok("/api/resources/hold_validation_committee", {
        "committee_id": "C1", "members": ["Fatima", "Hassan"], "occurred_at": at(-10),
        "decisions": [{"resource_id": "R2", "decision": "revision", "remarks": "Sources à citer"}]})
    eventually("/api/resources/record_good_practice", {"practice_id": "G1", "school_code": "OED001",
                                                       "teacher": "Amal", "description": "Quiz en ligne",
                                                       "occurred_at": at(-9)})
    eventually("/api/resources/hold_awareness_workshop", {"workshop_id": "W1", "school_codes": ["OED001", "OED002"],
                                                          "participants": 25, "topic": "Ressources",
                                                          "occurred_at": at(-9)})
    ok("/api/resources/record_local_research", {"research_id": "L1", "title": "Tablettes", "findings": "Peu",
                                                "recommendations": "Former", "occurred_at": at(-8)})

    ok("/api/training/load_school_calendar", {"school_year": year, "periods": [
        {"kind": "exam", "name": "Examen local", "starts_on": str(day), "ends_on": str(day)}]})
    ok("/api/training/plan_training", {"training_id": "T1", "title": "TICE", "modality": "certifying",
                                       "audience": "teachers", "planned_participants": 2, "school_year": year,
                                       "occurred_at": at(-5)})
    ok("/api/training/schedule_session", {"session_id": "SE1", "training_id": "T1", "starts_on": str(day),
                                          "ends_on": str(day + timedelta(days=1)), "hours": 12, "venue": "CRMEF",
                                          "calendar_override_reason": "Seule semaine du formateur",
                                          "occurred_at": at(-4)})
    ok("/api/training/invite_participants", {"session_id": "SE1", "occurred_at": at(-3), "participants": [
        {"staff_id": "E1", "name": "Amal Idrissi", "role": "teacher", "school_code": "OED001"},
        {"staff_id": "E2", "name": "Omar Alaoui", "role": "teacher", "school_code": "OED002"}]})
    for n, e2 in enumerate(("present", "absent")):
        ok("/api/training/record_attendance", {"session_id": "SE1", "day": str(day + timedelta(days=n)),
                                               "occurred_at": at(n, 17), "attendance": [
                                                   {"staff_id": "E1", "status": "present"},
                                                   {"staff_id": "E2", "status": e2}]})
    ok("/api/training/complete_session", {"session_id": "SE1", "occurred_at": at(1, 18)})
    ok("/api/training/award_certificates", {"training_id": "T1", "occurred_at": at(2)})

    spec = Client(system).get("/api/openapi.json").json()

    def read(client, path, **params):
        resp = client.get(path, **params)
        assert resp.status_code == 200, (path, resp.text)
        described = min(((p.count("{"), ops["get"]) for p, ops in spec["paths"].items()  # /faults/overdue, not
                         if "get" in ops and re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", p), path)),  # /faults/{id}
                        key=lambda found: found[0])[1]
        assert conforms(spec, described["responses"]["200"]["content"]["application/json"]["schema"],
                        resp.json()) == [], path
        return resp.json()

    times = read(coord, "/api/faults/repair-time")
    assert (times["faults"], times["mean_days"]) == (2, 3.0)
    assert [(r["supplier"], r["mean_days"]) for r in times["by_supplier"]] == [("Maroc Info", 3.0)]
    assert [(r["kind"], r["mean_days"]) for r in times["by_kind"]] == [("laptop", 2.0), ("projector", 4.0)]
    assert read(director, "/api/faults/repair-time")["faults"] == 2
    assert read(coord, "/api/faults/repair-time", school_code="OED002")["faults"] == 0

    plan = read(coord, "/api/renewal")
    assert {a["serial"]: a["faults_12m"] for a in plan["assets"]} == {"LT-1": 1, "PJ-1": 1}
    assert [s["school_code"] for s in plan["schools"]] == ["OED001"]
    assert tech.get("/api/renewal").json()["code"] == "role_not_allowed"

    assert read(coord, "/api/committees") == [{"committee_id": "C1", "held_at": at(-10)}]
    minutes = read(viewer, "/api/committees/C1")
    assert minutes["members"] == ["Fatima", "Hassan"] and minutes["summary"]["revision"] == 1
    assert minutes["decisions"][0]["title"] == "Atlas local"
    assert tech.get("/api/committees/C1").json()["code"] == "role_not_allowed"
    assert coord.get("/api/committees/NOPE").status_code == 404
    assert [p["practice_id"] for p in read(director, "/api/practices")] == ["G1"]
    assert [w["school_codes"] for w in read(director, "/api/workshops")] == [["OED001"]]
    assert [w["school_codes"] for w in read(coord, "/api/workshops")] == [["OED001", "OED002"]]
    assert [r["research_id"] for r in read(viewer, "/api/research")] == ["L1"]

    calendar = read(director, "/api/calendar", school_year=year)
    assert [p["name"] for p in calendar["periods"]] == ["Examen local"]
    session = read(coord, "/api/sessions/SE1")
    assert session["calendar_override"]["reason"] == "Seule semaine du formateur"
    assert read(coord, "/api/trainings/T1")["certificates"][0]["staff_id"] == "E1"
    status = read(coord, "/api/trainings/T1/certification")
    assert [(p["staff_id"], p["name"], p["eligible"], p["rate"]) for p in status["participants"]] == [
        ("E1", "Amal Idrissi", True, 100.0), ("E2", "Omar Alaoui", False, 50.0)]
    assert status["participants"][0]["certificate_no"]
    assert [p["staff_id"] for p in read(director, "/api/trainings/T1/certification")["participants"]] == ["E1"]
    summary = read(viewer, "/api/trainings/summary", school_year=year)
    assert (summary["trainings"]["planned"], summary["people"]["trained"], summary["certifications"]["awarded"]) \
        == (1, 2, 1)
    assert tech.get("/api/trainings/summary").json()["code"] == "role_not_allowed"
