"""The gateway in front of the real services, over RabbitMQ: what a client of the HTTP API sees."""
import csv
import io
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
    assert infra.post("/api/inventory/register_school", SCHOOLS[0]).status_code == 201
    link = {"school_code": "OED001", "status": "connected", "link": "adsl", "bandwidth_mbps": 20}
    retried = [infra.session.post(system + "/api/inventory/record_connectivity", json=link, timeout=30,
                                  headers={"Idempotency-Key": "link-OED001-1"}) for _ in range(2)]
    assert [r.status_code for r in retried] == [201, 201] and retried[1].json() == retried[0].json()
    recorded = [e for e in rpc.inventory.events_since(0, 100) if e["event_type"] == "connectivity_recorded"]
    assert len(recorded) == 1
