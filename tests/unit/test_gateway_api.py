"""The gateway's HTTP API over a fake service layer: roles, scopes, validation and problem details."""
import json
import time

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.gateway.accounts import Accounts, issue_token, read_token
from services.gateway.api import COMMANDS, Api
from shared.errors import CommandRejected, ConcurrencyError, InvalidCommand

KEY = b"k" * 32
SCHOOLS = {"S1": {"school_code": "S1", "region_code": "R11"}, "S2": {"school_code": "S2", "region_code": "R11"},
           "S9": {"school_code": "S9", "region_code": "R03"}}


class FakeServices:
    def __init__(self):
        self.calls = []
        self.raise_next = None

    def __call__(self, service, method, *args):
        """Every call is kept; `raise_next`, when set, is what the next call raises instead of answering."""
        self.calls.append((service, method, args))
        if self.raise_next:
            exc, self.raise_next = self.raise_next, None
            raise exc
        return self.answer(service, method, *args)

    def answer(self, service, method, *args):
        if method == "school":
            if args[0] not in SCHOOLS:
                raise CommandRejected("unknown_school", f"School {args[0]} is not registered.")
            return SCHOOLS[args[0]]
        if method == "schools":
            return list(SCHOOLS.values())
        if method == "health":
            return {"service": service, "status": "ok"}
        if method == "indicators":
            return {"scope": args[0], "period": args[1], "as_of": "x", "positions": {}, "indicators": []}
        if method == "open_faults":
            return [{"fault_id": "F1", "school_code": "S1", "asset_id": "A1"},
                    {"fault_id": "F9", "school_code": "S9", "asset_id": "A9"}]
        if method == "open_transfers":
            return [{"transfer_id": "T1", "from_school": "S9", "to_school": "S2"},
                    {"transfer_id": "T2", "from_school": "S9", "to_school": "S9"}]
        if method == "transfer":
            return {"transfer_id": args[0], "from_school": "S9", "to_school": "S9" if args[0] == "T2" else "S2"}
        if method in ("fault", "training", "session"):
            return None
        if method == "asset":
            return {"asset": {"asset_id": "A1", "school_code": "S1"}, "timeline": []}
        if method == "assets":
            return {"total": 0, "page": 1, "per_page": 0, "items": []}
        if len(args) == 2 and isinstance(args[1], dict) and "actor" in args[1]:
            return [{"event_type": method, "actor": args[1]["actor"]}]
        return []


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Still argon2, with small costs so the tests stay quick."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("services.gateway.accounts._hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                                            parallelism=1))


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    for name, role, scope in [("coord", "coordinator", None), ("infra", "infrastructure", None),
                              ("tech", "technician", None), ("dir1", "school_director", "school:S1"),
                              ("view", "viewer", "all"), ("viewr", "viewer", "region:R11"),
                              ("train", "training", None), ("res", "resources", None)]:
        accounts.add(name, "password-" + name, role, scope)
    services = FakeServices()
    api = Api(services, accounts, KEY)

    def app(environ, start_response):
        return api.handle(Request(environ))(environ, start_response)

    return Client(app), services, accounts


def login(client, name):
    resp = client.post("/api/login", json={"username": name, "password": "password-" + name})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {"Authorization": "Bearer " + resp.json["token"]}


def test_health_and_openapi_are_public(world):
    client, _, _ = world
    health = client.get("/api/health")
    assert health.status_code == 200 and health.json == {"status": "ok"}  # up or down, no more, for anyone
    health = client.get("/api/health", headers=login(client, "view"))
    assert set(health.json["services"]) == {"inventory", "maintenance", "resources", "training", "reporting"}
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for route in COMMANDS:
        op = spec["paths"][f"/api/{route.service}/{route.name}"]["post"]
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(route.schema.__name__)
    declare = spec["components"]["schemas"]["DeclareFault"]
    assert set(declare["required"]) == {"asset_id", "school_code", "symptom"}
    assert "/api/indicators" in spec["paths"] and "/api/reports/download" in spec["paths"]


def test_an_academys_health_asks_only_what_runs_there(world, monkeypatch):
    client, _, _ = world
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    health = client.get("/api/health", headers=login(client, "view"))
    assert set(health.json["services"]) == {"reporting"}  # no province service runs at an academy


def test_login_gives_an_expiring_signed_token(world):
    client, _, accounts = world
    resp = client.post("/api/login", json={"username": "coord", "password": "password-coord"})
    assert resp.status_code == 200
    assert resp.json["role"] == "coordinator" and resp.json["scope"] == "province:OED"
    assert read_token(resp.json["token"], KEY)["user"] == "coord"
    assert read_token(resp.json["token"], b"other" * 8) is None
    assert read_token(resp.json["token"], KEY, now=time.time() + 9 * 3600) is None
    assert accounts.get("coord")["password_hash"].startswith("$argon2")


@pytest.mark.parametrize("body", [{"username": "coord", "password": "wrong"}, {"username": "nobody", "password": "x"}])
def test_wrong_credentials_are_401(world, body):
    client, _, _ = world
    resp = client.post("/api/login", json=body)
    assert resp.status_code == 401 and resp.content_type == "application/problem+json"


def test_login_body_is_validated(world):
    client, _, _ = world
    resp = client.post("/api/login", json={"username": "coord"})
    assert resp.status_code == 400 and "password" in resp.json["errors"]


def test_no_token_expired_token_and_forged_token_are_401(world):
    client, services, _ = world
    assert client.get("/api/schools").status_code == 401
    assert client.post("/api/maintenance/declare_fault", json={}).status_code == 401
    old, _ = issue_token({"user": "coord", "role": "coordinator", "scope": "province:OED"}, KEY,
                         now=time.time() - 9 * 3600)
    assert client.get("/api/schools", headers={"Authorization": "Bearer " + old}).status_code == 401
    forged, _ = issue_token({"user": "coord", "role": "coordinator", "scope": "province:OED"}, b"x" * 32)
    assert client.get("/api/schools", headers={"Authorization": "Bearer " + forged}).status_code == 401
    assert services.calls == []


def test_a_disabled_account_is_refused_at_once(world):
    client, _, accounts = world
    auth = login(client, "infra")
    accounts.disable("infra")
    assert client.get("/api/schools", headers=auth).status_code == 401
    assert client.post("/api/login", json={"username": "infra", "password": "password-infra"}).status_code == 401
    accounts.reset_password("infra", "a-new-password")
    assert client.post("/api/login", json={"username": "infra", "password": "a-new-password"}).status_code == 200


FAULT = {"asset_id": "A1", "school_code": "S1", "symptom": "ne démarre pas"}


def test_a_command_carries_the_actor_to_the_service(world):
    client, services, _ = world
    resp = client.post("/api/maintenance/declare_fault", json=FAULT, headers=login(client, "dir1"))
    assert resp.status_code == 201
    assert resp.json["events"][0]["actor"] == {"user": "dir1", "role": "school_director"}
    service, method, (body, meta) = services.calls[-1]
    assert (service, method, body) == ("maintenance", "declare_fault", FAULT)
    assert meta["correlation_id"]


@pytest.mark.parametrize("user,path,body,code", [
    ("view", "/api/maintenance/declare_fault", FAULT, "read_only"),
    ("viewr", "/api/inventory/register_school", {}, "read_only"),
    ("dir1", "/api/maintenance/declare_fault", dict(FAULT, school_code="S2"), "outside_scope"),
    ("dir1", "/api/resources/report_dysfunction", {"school_code": "S2", "description": "x"}, "outside_scope"),
    ("dir1", "/api/inventory/confirm_installation", {"asset_id": "A1", "school_code": "S2"}, "outside_scope"),
    ("dir1", "/api/inventory/assign_equipment", {"asset_id": "A1", "school_code": "S1"}, "role_not_allowed"),
    ("tech", "/api/maintenance/declare_fault", FAULT, "role_not_allowed"),
    ("infra", "/api/inventory/approve_transfer", {"transfer_id": "T1"}, "role_not_allowed"),
    ("infra", "/api/training/plan_training", {}, "role_not_allowed"),
    ("train", "/api/resources/receive_resource", {}, "role_not_allowed"),
    ("res", "/api/maintenance/record_repair", {"fault_id": "F1", "action": "x"}, "role_not_allowed"),
])
def test_each_refusal_is_403_with_a_code_and_nothing_is_sent(world, user, path, body, code):
    client, services, _ = world
    auth = login(client, user)
    resp = client.post(path, json=body, headers=auth)
    assert resp.status_code == 403, resp.json
    assert resp.json["code"] == code and resp.content_type == "application/problem+json"
    assert not [c for c in services.calls if c[1] not in ("school", "schools")]


@pytest.mark.parametrize("user,path,body", [
    ("coord", "/api/inventory/approve_transfer", {"transfer_id": "T1"}),
    ("tech", "/api/maintenance/record_repair", {"fault_id": "F1", "action": "carte mère changée"}),
    ("dir1", "/api/resources/record_resource_usage", {
        "school_code": "S1", "resource_id": "R1", "period_start": "2025-10-01", "period_end": "2025-10-31",
        "uses": 3, "teachers": 2}),
    ("train", "/api/training/complete_session", {"session_id": "X1"}),
])
def test_allowed_commands_reach_the_service(world, user, path, body):
    client, services, _ = world
    resp = client.post(path, json=body, headers=login(client, user))
    assert resp.status_code == 201, resp.json
    assert services.calls[-1][1] == path.rsplit("/", 1)[1]


def test_bad_input_is_400_naming_the_fields(world):
    client, services, _ = world
    auth = login(client, "infra")
    resp = client.post("/api/maintenance/declare_fault", json={"asset_id": "bad id!", "colour": "red"}, headers=auth)
    assert resp.status_code == 400
    assert set(resp.json["errors"]) == {"asset_id", "school_code", "symptom", "colour"}
    for raw in (b"not json", b"[1, 2]", b'"text"', b"\xff\xfe"):
        resp = client.post("/api/maintenance/declare_fault", data=raw, headers=auth,
                           content_type="application/json")
        assert resp.status_code == 400 and resp.json["errors"]["_schema"]
    assert services.calls == []


def test_a_malformed_nested_part_is_400_not_a_crash(world):
    client, services, _ = world
    resp = client.post("/api/inventory/record_usage_visit", headers=login(client, "infra"),
                       json={"school_code": "S1", "observations": [[{}], {}]})
    assert resp.status_code == 400 and resp.json["errors"]
    assert services.calls == []


@pytest.mark.parametrize("command,parts", [("record_usage_visit", "observations"),
                                           ("complete_inventory_audit", "findings")])
@pytest.mark.parametrize("value", [596093, "text", {"serial": "SN-1"}, True])
def test_a_list_of_parts_that_is_not_a_list_is_400_naming_it(world, command, parts, value):
    client, services, _ = world
    resp = client.post(f"/api/inventory/{command}", headers=login(client, "infra"),
                       json={"school_code": "S1", "occasion": "annual", parts: value})
    assert resp.status_code == 400, resp.json
    assert parts in resp.json["errors"]
    assert services.calls == []


@pytest.mark.parametrize("exc,status,code", [
    (CommandRejected("fault_already_open", "Asset A1 already has an open fault."), 409, "fault_already_open"),
    (ConcurrencyError("fault:F1", 2, 3), 409, "concurrent_change"),
    (InvalidCommand({"occurred_at": ["Must not be in the future."]}), 400, None),
])
def test_service_refusals_become_problems(world, exc, status, code):
    client, services, _ = world
    auth = login(client, "infra")
    services.raise_next = exc
    resp = client.post("/api/maintenance/declare_fault", json=FAULT, headers=auth)
    assert resp.status_code == status and resp.json.get("code") == code
    if status == 400:
        assert resp.json["errors"] == {"occurred_at": ["Must not be in the future."]}


def test_unknown_things_are_404(world):
    client, services, _ = world
    auth = login(client, "coord")
    assert client.get("/api/nothing", headers=auth).status_code == 404
    assert client.post("/api/maintenance/launch_rocket", json={}, headers=auth).status_code == 404
    assert client.get("/api/faults/F404", headers=auth).status_code == 404
    assert client.get("/api/trainings/T404", headers=auth).status_code == 404
    resp = client.get("/api/schools/S404", headers=auth)
    assert resp.status_code == 404 and resp.json["code"] == "unknown_school"
    assert client.delete("/api/schools", headers=auth).status_code == 405


def test_a_service_that_does_not_answer_is_504(world):
    client, services, _ = world
    auth = login(client, "coord")

    class GatewayTimeout(Exception):
        pass

    services.raise_next = GatewayTimeout("maintenance did not answer")
    assert client.get("/api/faults", headers=auth).status_code == 504


def test_indicators_follow_the_readers_scope(world):
    client, _, _ = world
    q = "/api/indicators?scope={}&period=2025-2026"
    assert client.get(q.format("province:OED"), headers=login(client, "coord")).status_code == 200
    view = login(client, "view")
    assert client.get(q.format("all"), headers=view).json["scope"] == "all"
    regional = login(client, "viewr")
    assert client.get(q.format("region:R11"), headers=regional).status_code == 200
    assert client.get(q.format("school:S1"), headers=regional).status_code == 200
    assert client.get(q.format("school:S9"), headers=regional).json["code"] == "outside_scope"
    assert client.get(q.format("region:R03"), headers=regional).status_code == 403
    director = login(client, "dir1")
    assert client.get(q.format("school:S1"), headers=director).status_code == 200
    assert client.get(q.format("school:S2"), headers=director).status_code == 403
    assert client.get(q.format("province:OED"), headers=director).status_code == 403
    bad = client.get("/api/indicators?scope=planet:earth&period=soon", headers=view)
    assert bad.status_code == 400 and set(bad.json["errors"]) == {"scope", "period"}


def test_school_reads_follow_the_scope(world):
    client, services, _ = world
    director = login(client, "dir1")
    assert client.get("/api/schools/S2", headers=director).json["code"] == "outside_scope"
    assert [s["school_code"] for s in client.get("/api/schools", headers=director).json] == ["S1"]
    assert client.get("/api/faults?school_code=S2", headers=director).status_code == 403
    client.get("/api/faults", headers=director)
    assert [c for c in services.calls if c[1] == "open_faults"][-1] == ("maintenance", "open_faults", ("S1",))
    regional = login(client, "viewr")
    assert {s["school_code"] for s in client.get("/api/schools", headers=regional).json} == {"S1", "S2"}
    assert client.get("/api/schools/S9", headers=regional).status_code == 404  # as unknown as S404
    assert client.get("/api/schools/S1", headers=regional).status_code == 200


def test_asset_by_serial_needs_a_serial_or_id(world):
    client, services, _ = world
    auth = login(client, "coord")
    assert client.get("/api/assets", headers=auth).status_code == 400
    found = client.get("/api/assets?serial=SN-1", headers=auth)
    assert found.status_code == 200 and found.json["faults"] == []
    assert ("inventory", "asset", (None, "SN-1")) in services.calls
    assert client.get("/api/assets?serial=SN-1&x=1", headers=auth).json["errors"] == {"x": ["Unknown field."]}


def test_accounts_refuse_bad_roles_scopes_and_passwords(world):
    from services.gateway.accounts import AccountError

    _, _, accounts = world
    for args in [("x1", "password1", "janitor", None), ("x2", "password1", "school_director", None),
                 ("x3", "password1", "viewer", "province:OED"), ("x4", "short", "coordinator", None),
                 ("coord", "password1", "coordinator", None), ("bad name", "password1", "coordinator", None),
                 ("x5", "password1", "technician", "province:XYZ")]:
        with pytest.raises(AccountError):
            accounts.add(*args)
    with pytest.raises(AccountError):
        accounts.disable("nobody")


def test_genie_user_commands(tmp_path, monkeypatch, capsys):
    import io

    from genie.cli import main

    monkeypatch.setenv("GENIE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL_GATEWAY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("first-password\n"))
    main(["user", "add", "amina", "--role", "school_director", "--scope", "school:S1", "--password-stdin"])
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    assert accounts.authenticate("amina", "first-password")["scope"] == "school:S1"
    monkeypatch.setattr("sys.stdin", io.StringIO("second-password\n"))
    main(["user", "reset-password", "amina", "--password-stdin"])
    assert accounts.authenticate("amina", "first-password") is None
    assert accounts.authenticate("amina", "second-password")
    main(["user", "disable", "amina"])
    assert accounts.authenticate("amina", "second-password") is None
    with pytest.raises(SystemExit):
        main(["user", "add", "xy", "--role", "viewer", "--scope", "mars", "--password-stdin"])
    assert "viewer" in capsys.readouterr().err


def test_the_contract_indicators_shape_passes_through(world):
    client, _, _ = world
    body = client.get("/api/indicators?scope=all&period=2025-2026-S1", headers=login(client, "view")).json
    assert set(body) == {"scope", "period", "as_of", "positions", "indicators"}
    assert json.dumps(body)


ROLES_BY_NAME = {"coord": "coordinator", "infra": "infrastructure", "tech": "technician", "dir1": "school_director",
                 "view": "viewer", "train": "training", "res": "resources"}


@pytest.mark.parametrize("route", COMMANDS, ids=lambda r: f"{r.service}/{r.name}")
def test_every_command_refuses_every_role_it_does_not_name(world, route):
    client, services, _ = world
    for user, role in ROLES_BY_NAME.items():
        resp = client.post(f"/api/{route.service}/{route.name}", json={}, headers=login(client, user))
        if role == "coordinator" or role in route.roles:
            # Allowed: the empty body is refused by the command's own schema, naming its required fields.
            assert resp.status_code == 400, (user, resp.json)
            required = {n for n, f in route.schema().fields.items() if f.required}
            assert required <= set(resp.json["errors"]), (user, resp.json)
        else:
            assert resp.status_code == 403, (user, resp.json)
            assert resp.json["code"] == ("read_only" if role == "viewer" else "role_not_allowed")
    assert services.calls == []


@pytest.mark.parametrize("path", ["/api/me", "/api/schools", "/api/schools/S1", "/api/assets?asset_id=A1",
                                  "/api/faults", "/api/faults/F1", "/api/transfers", "/api/transfers/T1",
                                  "/api/audits", "/api/resources", "/api/dysfunctions", "/api/trainings",
                                  "/api/trainings/T1", "/api/sessions/X1", "/api/indicators?scope=all&period=2025-2026",
                                  "/api/breakdown?scope=all&period=2025-2026", "/api/reports"])
def test_every_query_answers_json_or_a_problem(world, path):
    client, _, _ = world
    resp = client.get(path, headers=login(client, "coord"))
    assert resp.status_code in (200, 404), resp.get_data(as_text=True)
    assert resp.content_type in ("application/json", "application/problem+json")
    assert client.get(path).status_code == 401


def test_accounts_on_sqlite_and_postgresql(database):
    accounts = Accounts(database)
    try:
        accounts.add("fatima", "a-long-password", "coordinator")
        assert accounts.authenticate("fatima", "a-long-password")["role"] == "coordinator"
        assert accounts.authenticate("fatima", "wrong") is None
    finally:
        from services.gateway.accounts import metadata

        metadata.drop_all(accounts.engine)
        accounts.engine.dispose()


def test_a_regional_viewers_lists_hold_only_their_region(world):
    client, _, _ = world
    regional, national = login(client, "viewr"), login(client, "view")
    assert [f["fault_id"] for f in client.get("/api/faults", headers=regional).json] == ["F1"]
    assert [f["fault_id"] for f in client.get("/api/faults", headers=national).json] == ["F1", "F9"]
    assert [t["transfer_id"] for t in client.get("/api/transfers", headers=regional).json] == ["T1"]
    assert client.get("/api/transfers/T1", headers=regional).status_code == 200
    assert client.get("/api/transfers/T2", headers=regional).json["code"] == "outside_scope"


def test_a_broker_out_of_reach_is_a_503_problem_not_a_500():
    from kombu.exceptions import OperationalError

    from services.gateway.api import failure

    for exc in (OperationalError("[Errno 111] Connection refused"), ConnectionRefusedError(111, "refused")):
        response = failure(exc)
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"


class KnownSerials(FakeServices):
    """Inventory knows two serials."""

    SERIALS = {"SN-1": "A1", "SN-2": "A2"}

    def __call__(self, service, method, *args):
        if method == "asset_ids_of_serials":
            self.calls.append((service, method, args))
            return {s: self.SERIALS.get(s) for s in args[0]}
        return super().__call__(service, method, *args)


@pytest.fixture
def serials(world):
    client, _, accounts = world
    services = KnownSerials()
    api = Api(services, accounts, KEY)
    return Client(lambda environ, start: api.handle(Request(environ))(environ, start)), services


def sent(services, command):
    return [args[0] for _, method, args in services.calls if method == command]


@pytest.mark.parametrize("command,body,expected", [
    ("maintenance/declare_fault", {"serial": "SN-1", "school_code": "S1", "symptom": "Noir"},
     {"asset_id": "A1", "school_code": "S1", "symptom": "Noir"}),
    ("inventory/assign_equipment", {"serial": " SN-2 ", "school_code": "S2"}, {"asset_id": "A2", "school_code": "S2"}),
    ("inventory/confirm_installation", {"serial": "SN-1", "school_code": "S1"}, {"asset_id": "A1", "school_code": "S1"}),
    ("inventory/decommission_equipment", {"serial": "SN-2", "reason": "Cassé"}, {"asset_id": "A2", "reason": "Cassé"}),
    ("inventory/propose_transfer", {"serials": ["SN-1", "SN-2"], "from_school": "S1", "to_school": "S2",
                                    "reason": "Inutilisé", "report": "R"},
     {"asset_ids": ["A1", "A2"], "from_school": "S1", "to_school": "S2", "reason": "Inutilisé", "report": "R"}),
    ("inventory/record_usage_visit", {"school_code": "S1", "observations": [
        {"serial": "SN-1", "status": "in_use"}, {"asset_id": "A2", "status": "unused"}]},
     {"school_code": "S1", "observations": [{"asset_id": "A1", "status": "in_use"},
                                            {"asset_id": "A2", "status": "unused"}]}),
    ("inventory/complete_inventory_audit", {"school_code": "S1", "occasion": "annual", "findings": [
        {"serial": "SN-2", "status": "missing"}], "unexpected_serials": []},
     {"school_code": "S1", "occasion": "annual", "findings": [{"asset_id": "A2", "status": "missing"}],
      "unexpected_serials": []}),
])
def test_a_serial_stands_for_an_asset_id_in_every_command_naming_equipment(serials, command, body, expected):
    client, services = serials
    resp = client.post(f"/api/{command}", json=body, headers=login(client, "coord"))
    assert resp.status_code == 201, resp.json
    assert sent(services, command.split("/")[1]) == [expected]


def test_an_unknown_serial_is_a_400_naming_it_where_it_was_given_and_nothing_is_sent(serials):
    client, services = serials
    auth = login(client, "coord")
    resp = client.post("/api/maintenance/declare_fault", headers=auth,
                       json={"serial": "SN-404", "school_code": "S1", "symptom": "Noir"})
    assert resp.status_code == 400 and resp.json["errors"] == {"serial": ["No asset has serial SN-404."]}
    resp = client.post("/api/inventory/record_usage_visit", headers=auth, json={"school_code": "S1", "observations": [
        {"serial": "SN-1", "status": "in_use"}, {"serial": "SN-9", "status": "unused"}]})
    assert resp.status_code == 400 and resp.json["errors"] == {"observations": {"1": {"serial": [
        "No asset has serial SN-9."]}}}
    resp = client.post("/api/inventory/propose_transfer", headers=auth, json={
        "serials": ["SN-1", "SN-8", "SN-9"], "from_school": "S1", "to_school": "S2", "reason": "x", "report": "R"})
    assert resp.status_code == 400 and resp.json["errors"] == {"serials": ["No asset has serial SN-8, SN-9."]}
    assert not [c for c in services.calls if c[1] in ("declare_fault", "record_usage_visit", "propose_transfer")]
