"""The web pages over a fake service layer: language and direction, sign-in, what each role sees."""
from datetime import date

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.gateway.accounts import Accounts
from services.gateway.api import Api
from services.gateway.web import Web, semesters, sparkline
from tests.unit.test_gateway_api import KEY, FakeServices, cheap_hashing  # noqa: F401  (fixture)

INDICATORS = [{"id": i, "value": v, "numerator": v, "denominator": None}
              for i, v in [("INF01", 12), ("MNT01", 3), ("RES01", None), ("TRN01", 2)]]


class Services(FakeServices):
    def __call__(self, service, method, *args):
        if method == "open_transfers":
            return [{"transfer_id": "TR-9", "from_school": "S1", "to_school": "S2", "reason": "<unused>"}]
        if method == "indicators":
            self.calls.append((service, method, args))
            return {"scope": args[0], "period": args[1], "as_of": "2026-01-31T23:59:59+01:00", "positions": {},
                    "indicators": INDICATORS}
        return super().__call__(service, method, *args)


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    accounts.add("coord", "password-coord", "coordinator")
    accounts.add("view", "password-view", "viewer", "all")
    accounts.add("dir1", "password-dir1", "school_director", "school:S1")
    services = Services()
    api = Api(services, accounts, KEY)

    def app(environ, start_response):
        request = Request(environ)
        handler = api if request.path.startswith("/api/") else Web(api)
        return handler.handle(request)(environ, start_response)

    return Client(app), services


def sign_in(client, name, next_="/"):
    resp = client.post(f"/login?next={next_}", data={"username": name, "password": f"password-{name}"})
    assert resp.status_code == 303 and resp.headers["Location"] == next_
    return resp


def test_arabic_by_default_right_to_left_and_french_on_request(site):
    client, _ = site
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
    switched = client.get("/lang/fr?next=/login")
    assert switched.status_code == 303 and switched.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page and "Connexion" in page
    assert '<html lang="ar" dir="rtl">' in client.get("/login?lang=ar").get_data(as_text=True)


def test_pages_need_a_signed_in_user(site):
    client, _ = site
    resp = client.get("/schools/S1")
    assert resp.status_code == 303 and resp.headers["Location"] == "/login?next=/schools/S1"
    bad = client.post("/login", data={"username": "coord", "password": "nope"})
    assert bad.status_code == 401 and 'role="alert"' in bad.get_data(as_text=True)


def test_no_redirect_away_from_the_site(site):
    client, _ = site
    sign_in(client, "coord", "/")
    resp = client.post("/login?next=//evil.example/x", data={"username": "coord", "password": "password-coord"})
    assert resp.headers["Location"] == "/"
    assert client.get("/lang/fr?next=https://evil.example").headers["Location"] == "/"


def test_dashboard_by_axis_with_a_trend(site):
    client, services = site
    sign_in(client, "coord")
    page = client.get("/?period=2025-2026").get_data(as_text=True)
    assert "البنية التحتية والتجهيزات" in page and "الموارد الرقمية" in page and "التكوين" in page
    assert 'data-indicator="INF01"' in page and '<td class="value">12</td>' in page
    assert page.count('<svg class="spark"') == len(INDICATORS)
    asked = [args for service, method, args in services.calls if method == "indicators"]
    assert ("province:OED", "2025-2026") in asked and ("province:OED", "2024-2025-S1") in asked


def test_semesters_of_the_trend_are_those_begun():
    assert semesters("2025-2026", date(2025, 10, 1)) == ["2024-2025-S1", "2024-2025-S2", "2025-2026-S1"]
    assert semesters("2025-2026", date(2026, 6, 1)) == ["2024-2025-S1", "2024-2025-S2", "2025-2026-S1",
                                                        "2025-2026-S2"]


def test_sparkline_is_inline_svg_with_a_title_per_bar():
    svg = sparkline([1, None, 4], ["a", "b", "c"])
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and "<title>b: —</title>" in svg


def test_a_director_sees_their_school_only_and_the_forms_of_their_role(site):
    client, _ = site
    sign_in(client, "dir1")
    assert client.get("/schools/S2").status_code == 403
    assert client.get("/schools/S1").status_code == 200
    work = client.get("/work").get_data(as_text=True)
    assert 'id="form-declare"' in work and 'value="S1"' in work
    assert 'id="form-approve"' not in work and 'id="form-upload"' not in work


def test_a_viewer_gets_no_forms(site):
    client, _ = site
    sign_in(client, "view")
    page = client.get("/work").get_data(as_text=True)
    assert "<form class=\"cmd\"" not in page and "/api/reports/download" in page
    assert 'href="/work"' not in client.get("/").get_data(as_text=True)


def test_the_coordinator_has_every_daily_form(site):
    client, _ = site
    sign_in(client, "coord")
    page = client.get("/work").get_data(as_text=True)
    for form in ("upload", "assign", "visit", "declare", "propose", "approve", "plan", "attendance"):
        assert f'id="form-{form}"' in page


def test_the_cookie_writes_only_from_our_pages(site):
    client, services = site
    sign_in(client, "coord")
    body = {"transfer_id": "T1"}
    assert client.post("/api/inventory/approve_transfer", json=body).status_code == 401
    resp = client.post("/api/inventory/approve_transfer", json=body, headers={"X-Genie-Form": "1"})
    assert resp.status_code == 201
    assert client.get("/api/me").json["user"] == "coord"  # reads with the cookie need no header


def test_the_coordinator_picks_an_open_transfer_to_approve(site):
    client, _ = site
    sign_in(client, "coord")
    page = client.get("/work").get_data(as_text=True)
    assert 'data-fill="approve:transfer_id" data-value="TR-9"' in page
    assert "&lt;unused&gt;" in page and "<unused>" not in page  # what users typed is escaped
