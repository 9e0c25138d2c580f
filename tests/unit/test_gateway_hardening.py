"""The gateway under hostile or clumsy use: sign-in floods, forged roles, redirects, revoked tokens, deep bodies,
retried commands, and what other schools' people a reader may see."""
import logging
import os
import stat
import time

import eventlet
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from services.gateway.accounts import Accounts, issue_token, read_token
from services.gateway.api import Api
from services.gateway.headers import protect
from services.gateway.idempotency import KEEP_SECONDS, Remembered
from services.gateway.throttle import LoginThrottle
from services.gateway.web import Web, _safe_next
from tests.helpers import ticks_during
from tests.unit.test_gateway_api import KEY, FakeServices, cheap_hashing, login  # noqa: F401  (fixture)

SESSION = {"session_id": "X1", "training_id": "T1", "participants": [
    {"staff_id": "P1", "name": "Amina", "school_code": "S1"},
    {"staff_id": "P2", "name": "Karim", "school_code": "S2"},
    {"staff_id": "P9", "name": "Nadia", "school_code": "S9"}]}


class Services(FakeServices):
    def __call__(self, service, method, *args):
        if method == "session":
            self.calls.append((service, method, args))
            return {**SESSION, "participants": [dict(p) for p in SESSION["participants"]]}
        return super().__call__(service, method, *args)


def make_site(tmp_path, throttle=None):
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    for name, role, scope in [("coord", "coordinator", None), ("infra", "infrastructure", None),
                              ("tech", "technician", None), ("dir1", "school_director", "school:S1"),
                              ("viewr", "viewer", "region:R11"), ("view", "viewer", "all")]:
        accounts.add(name, "password-" + name, role, scope)
    services = Services()
    api = Api(services, accounts, KEY, throttle)

    def app(environ, start_response):
        request = Request(environ)
        handler = api if request.path.startswith("/api/") else Web(api)
        return protect(request, handler.handle(request))(environ, start_response)

    return Client(app), services, accounts


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    return make_site(tmp_path)


def wrong(client, name, address="10.0.0.1"):
    return client.post("/api/login", json={"username": name, "password": "not-it"},
                       environ_base={"REMOTE_ADDR": address})


# ---- 1. sign-in floods

def test_failed_sign_ins_slow_down_then_stop_with_retry_after(site, caplog):
    client, _, _ = site
    assert [wrong(client, "coord").status_code for _ in range(3)] == [401, 401, 401]
    with caplog.at_level(logging.WARNING, logger="services.gateway.throttle"):
        stopped = wrong(client, "coord")
    assert stopped.status_code == 429 and stopped.json["code"] == "too_many_failures"
    assert 1 <= int(stopped.headers["Retry-After"]) <= 60
    assert any(r.levelno == logging.WARNING and "coord" in r.getMessage() for r in caplog.records)
    # Even the right password waits: otherwise guessing would go on at full speed.
    right = client.post("/api/login", json={"username": "coord", "password": "password-coord"},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert right.status_code == 429
    # Another account from another address is not held up by this one.
    assert login(client, "infra")


def test_one_address_trying_many_accounts_is_stopped_too(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    client, _, _ = make_site(tmp_path, LoginThrottle(address_limits="5/minute"))
    answers = [wrong(client, f"user{i}", "10.9.9.9").status_code for i in range(6)]
    assert answers == [401] * 5 + [429]
    assert wrong(client, "user99", "10.1.1.1").status_code == 401  # other addresses go on


def test_the_sign_in_page_is_throttled_the_same_way(site):
    client, _, _ = site
    for _ in range(3):
        assert client.post("/login", data={"username": "coord", "password": "x"}).status_code == 401
    page = client.post("/login", data={"username": "coord", "password": "x"})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert 'role="alert"' in page.get_data(as_text=True)


def test_a_success_forgets_the_accounts_earlier_failures(site):
    client, _, _ = site
    wrong(client, "coord"), wrong(client, "coord")
    assert login(client, "coord")
    assert [wrong(client, "coord").status_code for _ in range(3)] == [401, 401, 401]


def test_password_checks_leave_the_event_loop_free(tmp_path):
    """With argon2's real costs, other green threads keep running while a password is checked."""
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    from argon2 import PasswordHasher

    import services.gateway.accounts as module

    module._hasher = PasswordHasher()  # the production costs, restored by the autouse fixture
    accounts.add("coord", "password-coord", "coordinator", None)
    wrong, during_wrong = ticks_during(accounts.authenticate, "coord", "wrong-password")
    unknown, during_unknown = ticks_during(accounts.authenticate, "nobody", "wrong-password")
    assert wrong is None and unknown is None
    assert during_wrong >= 3 and during_unknown >= 3, (during_wrong, during_unknown)


# ---- 4. the secret, the databases, and the role from the account

def test_var_the_secret_and_the_databases_are_for_their_owner_only(tmp_path, monkeypatch):
    from services.gateway.accounts import secret
    from shared.config import database_url

    var = tmp_path / "var"
    monkeypatch.setenv("GENIE_VAR_DIR", str(var))
    monkeypatch.delenv("GATEWAY_SECRET", raising=False)
    monkeypatch.delenv("DATABASE_URL_GATEWAY", raising=False)
    key = secret()
    assert len(key) >= 32 and secret() == key
    Accounts(database_url("gateway")).add("coord", "password-coord", "coordinator")
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(var) == 0o700
    assert mode(var / "gateway.secret") == 0o600 and mode(var / "gateway.db") == 0o600
    for journal in var.glob("gateway.db-*"):
        assert mode(journal) == 0o600
    # What an older install left open is closed on the next start.
    os.chmod(var, 0o755), os.chmod(var / "gateway.secret", 0o644), os.chmod(var / "gateway.db", 0o644)
    assert secret() == key
    database_url("gateway")
    assert (mode(var), mode(var / "gateway.secret"), mode(var / "gateway.db")) == (0o700, 0o600, 0o600)


def test_a_token_claiming_another_role_or_scope_gets_the_accounts_own(site):
    client, services, accounts = site
    tech = read_token(login(client, "tech")["Authorization"][7:], KEY)
    forged, _ = issue_token({**tech, "role": "coordinator"}, KEY)
    auth = {"Authorization": "Bearer " + forged}
    assert client.get("/api/me", headers=auth).json["role"] == "technician"
    refused = client.post("/api/inventory/approve_transfer", json={"transfer_id": "T1"}, headers=auth)
    assert refused.status_code == 403 and refused.json["code"] == "role_not_allowed"
    director = read_token(login(client, "dir1")["Authorization"][7:], KEY)
    widened, _ = issue_token({**director, "scope": "school:S2"}, KEY)
    resp = client.get("/api/schools/S2", headers={"Authorization": "Bearer " + widened})
    assert resp.status_code == 403 and resp.json["code"] == "outside_scope"
    assert not [c for c in services.calls if c[1] in ("approve_transfer", "school_equipment")]


# ---- 5. redirects stay on the site

@pytest.mark.parametrize("target", ["/\\evil.example", "/%5Cevil.example", "/%5cevil.example", "/\t/evil.example",
                                    "/%09/evil.example", "//evil.example", "/%2F/evil.example", "https://evil.example",
                                    "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:x=1", "/x\x00", "java\nscript:x",
                                    "/\x85x", "", None, "evil.example", "/%5C%5Cevil.example"])
def test_a_next_that_would_leave_the_site_goes_home(target):
    assert _safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/", "/schools/S1", "/assets?serial=SN-1", "/login?next=/schools/S1",
                                    "/schools/%D8%A7"])
def test_a_path_of_the_site_is_kept(target):
    assert _safe_next(target) == target


def test_redirects_on_the_pages_never_leave_the_site(site):
    client, _, _ = site
    for query in ("next=/%5Cevil.example", "next=/%09/evil.example", "next=/%0D%0ALocation:%20//evil"):
        resp = client.get("/lang/fr?" + query)
        assert resp.status_code == 303 and resp.headers["Location"] == "/", query
    resp = client.post("/login?next=/%5Cevil.example", data={"username": "coord", "password": "password-coord"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


# ---- 9. revoked tokens

def test_a_disable_or_a_new_password_revokes_earlier_tokens(site):
    client, _, accounts = site
    old = login(client, "infra")
    accounts.disable("infra")
    accounts.reset_password("infra", "a-new-password")  # enabled again, with a new password
    assert client.get("/api/me", headers=old).status_code == 401
    fresh = client.post("/api/login", json={"username": "infra", "password": "a-new-password"})
    new = {"Authorization": "Bearer " + fresh.json["token"]}
    assert client.get("/api/me", headers=new).status_code == 200
    accounts.reset_password("infra", "another-password")
    assert client.get("/api/me", headers=new).status_code == 401


def test_accounts_made_before_revocation_get_its_column(tmp_path):
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE accounts (username VARCHAR(80) PRIMARY KEY, password_hash VARCHAR(200) "
                          "NOT NULL, role VARCHAR(40) NOT NULL, scope VARCHAR(80) NOT NULL, disabled BOOLEAN NOT "
                          "NULL, created_at VARCHAR(40) NOT NULL)"))
    engine.dispose()
    accounts = Accounts(url)
    accounts.add("coord", "password-coord", "coordinator")
    assert accounts.authenticate("coord", "password-coord")["role"] == "coordinator"


# ---- 10. bad input is a 4xx everywhere

def test_a_deeply_nested_body_is_a_400_not_a_crash(site):
    client, services, _ = site
    deep = b"[" * 100_000
    for path, headers in (("/api/login", {}), ("/api/maintenance/declare_fault", login(client, "infra"))):
        resp = client.post(path, data=deep, content_type="application/json", headers=headers)
        assert resp.status_code == 400, (path, resp.get_data(as_text=True)[:200])
        assert resp.json["errors"]["_schema"]
    assert services.calls == []


@pytest.mark.parametrize("period", ["0000-0001", "0000-0001-S1", "1899-1900", "2025-2027"])
def test_a_period_no_calendar_holds_is_a_400(site, period):
    client, services, _ = site
    auth = login(client, "coord")
    for path in ("/api/indicators", "/api/breakdown", "/api/reports/download"):
        resp = client.get(f"{path}?scope=province:OED&period={period}", headers=auth)
        assert resp.status_code == 400 and "period" in resp.json["errors"], (path, resp.status_code)
    assert client.get(f"/api/trainings?school_year={period[:9]}", headers=auth).status_code == 400
    client.post("/login", data={"username": "coord", "password": "password-coord"})
    assert client.get(f"/dashboard?period={period}").status_code == 400
    assert not [c for c in services.calls if c[1] in ("indicators", "breakdown", "issue_report", "trainings")]


# ---- 11. headers

def test_every_answer_carries_the_security_headers(site):
    client, _, _ = site
    auth = login(client, "coord")
    page = client.get("/login")
    api = client.get("/api/me", headers=auth)
    token = client.post("/api/login", json={"username": "coord", "password": "password-coord"})
    for resp in (page, api, token, client.get("/api/nothing")):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"]
        assert resp.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "no-store" not in client.get("/app.js").headers.get("Cache-Control", "")


def test_the_cookie_is_secure_when_served_over_https(site, monkeypatch):
    client, _, _ = site
    plain = client.post("/login", data={"username": "coord", "password": "password-coord"})
    assert "Secure" not in plain.headers["Set-Cookie"] and "HttpOnly" in plain.headers["Set-Cookie"]
    monkeypatch.setenv("GATEWAY_HTTPS", "1")
    secure = client.post("/login", data={"username": "coord", "password": "password-coord"})
    assert "Secure" in secure.headers["Set-Cookie"]


def test_protect_keeps_what_an_answer_set_itself():
    request = Request.from_values("/api/reports/download")
    resp = protect(request, Response("x", headers={"Cache-Control": "private"}))
    assert resp.headers["Cache-Control"] == "private" and resp.headers["X-Frame-Options"] == "DENY"


# ---- 13. retried commands

VISIT = {"school_code": "S1", "observations": [{"asset_id": "A1", "status": "in_use"}]}


def test_a_retry_with_the_same_key_gets_the_first_answer_and_records_nothing(site):
    client, services, _ = site
    auth = {**login(client, "infra"), "Idempotency-Key": "visit-2025-10-01-a"}
    first = client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth)
    again = client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert [c[1] for c in services.calls].count("record_usage_visit") == 1
    other = client.post("/api/inventory/record_usage_visit", json=dict(VISIT, notes="autre"), headers=auth)
    assert other.status_code == 409 and other.json["code"] == "idempotency_key_reused"
    elsewhere = client.post("/api/inventory/record_connectivity", json=VISIT, headers=auth)
    assert elsewhere.status_code in (400, 409)  # another command: never the visit's answer
    assert [c[1] for c in services.calls].count("record_usage_visit") == 1


def test_a_refusal_is_remembered_and_a_failure_is_not(site):
    from shared.errors import CommandRejected

    client, services, _ = site
    auth = {**login(client, "infra"), "Idempotency-Key": "k-1"}
    services.raise_next = CommandRejected("unknown_asset", "No asset A1.")
    first = client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth)
    again = client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth)
    assert first.status_code == again.status_code == 409 and again.json == first.json
    auth["Idempotency-Key"] = "k-2"
    services.raise_next = ConnectionRefusedError(111, "refused")
    assert client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth).status_code == 503
    assert client.post("/api/inventory/record_usage_visit", json=VISIT, headers=auth).status_code == 201


def test_keys_are_per_user_and_checked(site):
    client, services, _ = site
    for user in ("infra", "coord"):
        resp = client.post("/api/inventory/record_usage_visit", json=VISIT,
                           headers={**login(client, user), "Idempotency-Key": "same"})
        assert resp.status_code == 201
    assert [c[1] for c in services.calls].count("record_usage_visit") == 2
    bad = client.post("/api/inventory/record_usage_visit", json=VISIT,
                      headers={**login(client, "infra"), "Idempotency-Key": "has space"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json["errors"]


def test_a_key_is_kept_a_day(database):
    from services.gateway.idempotency import metadata

    accounts = Accounts(database)
    try:
        remembered = Remembered(accounts.engine)
        now = time.time()
        assert remembered.claim("u", "k", "print-1", now) is None
        remembered.keep("u", "k", 201, "application/json", '{"events": []}')
        assert remembered.claim("u", "k", "print-1", now + KEEP_SECONDS - 60) == (
            201, {"mimetype": "application/json", "body": '{"events": []}'})
        assert remembered.claim("u", "k", "print-2", now + KEEP_SECONDS + 60) is None  # a day on: a new key
    finally:
        from services.gateway.accounts import metadata as account_tables

        metadata.drop_all(accounts.engine)
        account_tables.drop_all(accounts.engine)
        accounts.engine.dispose()


def test_a_form_sent_twice_is_recorded_once(site):
    """The pages' forms carry a key of their own: a double click or a retry after a lost answer lands on
    the first answer instead of recording again."""
    import re

    client, services, _ = site
    client.post("/login", data={"username": "coord", "password": "password-coord"})
    page = client.get("/forms/inventory/approve_transfer").get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf|idem)" value="([^"]+)"', page))
    assert set(fields) == {"csrf", "idem"}
    form = {**fields, "transfer_id": "T1"}
    first, again = client.post("/forms/inventory/approve_transfer", data=form), \
        client.post("/forms/inventory/approve_transfer", data=form)
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    assert [c[1] for c in services.calls].count("approve_transfer") == 1
    fresh = dict(re.findall(r'name="(csrf|idem)" value="([^"]+)"',
                            client.get("/forms/inventory/approve_transfer").get_data(as_text=True)))
    assert fresh["idem"] != fields["idem"]  # a new form is a new command


# ---- 16. other schools' people and regions

def test_a_session_shows_only_the_participants_of_the_readers_scope(site):
    client, _, _ = site
    staff = lambda user: [p["staff_id"] for p in client.get("/api/sessions/X1",  # noqa: E731
                                                            headers=login(client, user)).json["participants"]]
    assert staff("dir1") == ["P1"]
    assert staff("viewr") == ["P1", "P2"]
    assert staff("coord") == ["P1", "P2", "P9"] and staff("view") == ["P1", "P2", "P9"]


def test_a_regional_viewer_cannot_tell_another_regions_school_from_none(site):
    client, _, _ = site
    auth = login(client, "viewr")
    other, unknown = client.get("/api/schools/S9", headers=auth), client.get("/api/schools/S404", headers=auth)
    assert other.status_code == unknown.status_code == 404
    assert other.json["code"] == unknown.json["code"] == "unknown_school"
    assert other.json["detail"].replace("S9", "?") == unknown.json["detail"].replace("S404", "?")
    assert client.get("/api/faults?school_code=S9", headers=auth).status_code == 404
    assert client.get("/api/schools/S1", headers=auth).status_code == 200


def test_sign_ins_beyond_the_few_that_may_wait_are_told_to_come_back(site):
    client, _, accounts = site
    holders = [eventlet.spawn(accounts.checks.run, time.sleep, 0.5) for _ in range(accounts.checks.limit)]
    eventlet.sleep(0.05)
    busy = client.post("/api/login", json={"username": "coord", "password": "password-coord"})
    for holder in holders:
        holder.wait()
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1" and busy.json["code"] == "sign_in_busy"
    assert login(client, "coord")  # and when the checks are done, signing in works


# ---- 2. free text through the API

def test_a_control_character_in_a_command_is_a_400_naming_the_field(site):
    client, services, _ = site
    resp = client.post("/api/maintenance/declare_fault", headers=login(client, "infra"),
                       json={"asset_id": "A1", "school_code": "S1", "symptom": "ne démarre\x0b pas"})
    assert resp.status_code == 400 and "U+000B" in resp.json["errors"]["symptom"][0]
    assert not [c for c in services.calls if c[1] == "declare_fault"]


# ---- 7. a replacement inventory could not apply

class Waiting(Services):
    def __call__(self, service, method, *args):
        if method == "health" and service == "inventory":
            return {"service": service, "status": "ok", "replacements_to_resolve": 1}
        return super().__call__(service, method, *args)


def test_a_replacement_not_applied_is_said_in_health_and_only_the_coordinator_resolves_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    client, services, _ = make_site(tmp_path)
    services.__class__ = Waiting
    coord = login(client, "coord")
    assert client.get("/api/health", headers=coord).json["attention"] == {"inventory": {"replacements_to_resolve": 1}}
    body = {"fault_id": "F1", "note": "PJ-9 posé à la place; affecté."}
    refused = client.post("/api/inventory/resolve_replacement", json=body, headers=login(client, "infra"))
    assert refused.status_code == 403 and refused.json["code"] == "role_not_allowed"
    assert client.post("/api/inventory/resolve_replacement", json=body, headers=coord).status_code == 201
    assert [c for c in services.calls if c[1] == "resolve_replacement"][0][2][0] == body
