"""The web pages over a fake service layer: language and direction, sign-in, each role's work queue and
forms, errors said next to the field in the page's language, serial numbers instead of ids."""
import html
import re
from datetime import date

import pytest
from services.gateway.web import semesters, sparkline
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import commands_without_a_form, gateway_site, page_as, sign_in
from tests.unit.test_gateway_api import KEY, FakeServices, cheap_hashing  # noqa: F401  (fixture)

INDICATORS = [{"id": i, "value": v, "numerator": v, "denominator": None}
              for i, v in [("INF01", 12), ("MNT01", 3), ("RES01", None), ("TRN01", 2)]]
SCHOOLS = [{"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal", "cycle": "primary",
            "setting": "rural", "commune": "Oued", "region_code": "R11", "connectivity": None,
            "filtering_active": None},
           {"school_code": "S2", "name_ar": "إعدادية النور", "name_fr": "Collège Annour", "cycle": "middle",
            "setting": "urban", "commune": "Ville", "region_code": "R11", "connectivity": "connected",
            "filtering_active": True}]
WITH = {"INF01": {"value": 10, "numerator": 10, "denominator": None},
        "MNT01": {"value": 5, "numerator": 5, "denominator": None},
        "RES01": {"value": None, "numerator": 0, "denominator": 0}, "TRN01": {"value": 2, "numerator": 2,
                                                                              "denominator": None}}
DIFFERENCE = {"INF01": 2, "MNT01": -2, "RES01": None, "TRN01": 0}
ASSETS = [{"asset_id": "A1", "serial": "LT-77", "kind": "laptop", "model": "X1", "bundle": "vmm", "supplier": "Maroc Info",
           "delivery_ref": "BL-9", "received_at": "2025-10-03T09:00:00+01:00", "warranty_months": 24,
           "school_code": "S1", "installed": True, "in_service": True, "transfer_id": None, "status": "installed",
           "received_on": "2025-10-03", "warranty_ends_on": "2027-10-03", "warranty": "running", "age_years": 0,
           "commune": "Oued", "school_name_ar": "مدرسة الأمل", "school_name_fr": "École Al Amal",
           "last_observation": None},
          {"asset_id": "A2", "serial": "PJ-5", "kind": "projector", "model": "", "bundle": "none",
           "supplier": "Maroc Info", "delivery_ref": "BL-9", "received_at": "2025-10-03T09:00:00+01:00",
           "warranty_months": 12, "school_code": None, "installed": False, "in_service": True, "transfer_id": None,
           "status": "in_stock", "received_on": "2025-10-03", "warranty_ends_on": "2026-10-03",
           "warranty": "running", "age_years": 0, "commune": None, "school_name_ar": None, "school_name_fr": None,
           "last_observation": None}]
FAULT = {"fault_id": "F1", "asset_id": "A1", "school_code": "S1", "symptom": "<écran noir>", "under_warranty": True,
         "status": "open", "declared_at": "2026-01-05T10:00:00+01:00", "supplier": "Maroc Info", "claim_ref": None,
         "claimed_at": None, "repair_action": None, "repair_cost_mad": None, "repaired_at": None,
         "new_asset_id": None, "new_serial": None, "replaced_at": None, "resolution": None, "closed_at": None}


class Services(FakeServices):
    """A province of two schools, two assets, an open fault and a proposed transfer."""

    fault_replaced: dict = {}  # what a replacement of F1 set on the fault
    waiting: list = []  # inventory's replacements_to_resolve

    def answer(self, service, method, *args):
        if method == "replacements_to_resolve":
            return [dict(r) for r in self.waiting if args[0] in (None, r["fault_id"])]
        if method == "schools":
            return [dict(s) for s in SCHOOLS]
        if method == "school":
            found = [s for s in SCHOOLS if s["school_code"] == args[0]]
            if not found:
                raise CommandRejected("unknown_school", f"School {args[0]} is not registered.")
            return dict(found[0], censuses=[], infrastructure_works=[], equipment_in_service=1)
        if method == "school_equipment":
            return [a for a in ASSETS if a["school_code"] == args[0]]
        if method == "assets":
            query = args[0]
            rows = [a for a in ASSETS if all(a.get(k) == v for k, v in query.items()
                                             if k in ("school_code", "status", "kind", "delivery_ref"))]
            if query.get("school_codes") is not None:
                rows = [a for a in rows if a["school_code"] in query["school_codes"]]
            return {"total": len(rows), "page": 1, "per_page": query.get("per_page", 50), "items": rows}
        if method == "asset_ids_of_serials":
            known = {a["serial"]: a["asset_id"] for a in ASSETS}
            return {s: known.get(s) for s in args[0]}
        if method == "asset":
            found = [a for a in ASSETS if a["serial"] == args[1] or a["asset_id"] == args[0]]
            if not found:
                raise CommandRejected("unknown_asset", "No asset has serial X.")
            return {"asset": found[0], "timeline": [
                {"event_type": "equipment_received", "occurred_at": "2025-10-03T09:00:00+01:00",
                 "actor": {"user": "youssef", "role": "infrastructure"},
                 "data": {"asset_id": "A1", "serial": "LT-77", "delivery_ref": "BL-9", "supplier": "Maroc Info",
                          "warranty_months": 24, "kind": "laptop", "model": "X1", "bundle": "vmm"}},
                {"event_type": "equipment_assigned", "occurred_at": "2025-10-04T09:00:00+01:00",
                 "actor": {"user": "youssef", "role": "infrastructure"},
                 "data": {"asset_id": "A1", "school_code": "S1"}}]}
        if method in ("open_faults", "fault_history"):
            return [dict(FAULT)]
        if method == "fault":
            return dict(FAULT, **self.fault_replaced) if args[0] == "F1" else None
        if method in ("open_transfers", "transfers"):
            return [{"transfer_id": "TR-9", "status": "proposed", "asset_ids": ["A1"], "from_school": "S1",
                     "to_school": "S2", "reason": "<unused>", "report": "r", "proposed_at": "2026-01-02T09:00:00+01:00",
                     "proposed_by": "youssef"}]
        if method == "deliveries":
            return [{"delivery_ref": "BL-9", "supplier": "Maroc Info", "received_at": "2025-10-03T09:00:00+01:00",
                     "items": 2, "assigned": 1, "installed": 1, "kinds": {"laptop": 1, "projector": 1}}]
        if method == "last_visits":
            return {}
        if method in ("audit_reports", "usage_visits", "overdue_faults", "warranty_expiring"):
            return []
        if method == "school_resources":
            return []
        if method == "indicators":
            return {"scope": args[0], "period": args[1], "as_of": "2026-01-31T23:59:59+01:00", "positions": {},
                    "indicators": INDICATORS}
        if method == "compare":
            return {"scope": args[0], "period": args[1], "as_of": "2026-01-31T23:59:59+01:00", "with": args[2],
                    "with_as_of": "2025-01-31T23:59:59+01:00", "positions": {},
                    "indicators": [dict(i, **{"with": WITH[i["id"]], "difference": DIFFERENCE[i["id"]]})
                                   for i in INDICATORS]}
        if method == "breakdown":
            return {"scope": args[0], "period": args[1], "by": args[2], "as_of": "2026-01-31T23:59:59+01:00",
                    "positions": {}, "rows": [
                        {"commune": "Oued", "province_code": "OED", "schools": 1,
                         "indicators": [dict(INDICATORS[0], value=5, numerator=5)]},
                        {"commune": "Ville", "province_code": "AUS", "schools": 1,
                         "indicators": [dict(INDICATORS[0], value=7, numerator=7)]}]}
        if method == "school_years":
            return ["2025-2026", "2024-2025"]
        if len(args) == 2 and isinstance(args[1], dict) and "actor" in args[1]:
            return [{"event_type": method, "actor": args[1]["actor"], "data": dict(args[0])}]
        return []


PEOPLE = [("coord", "coordinator", None), ("infra", "infrastructure", None), ("tech", "technician", None),
          ("view", "viewer", "all"), ("dir1", "school_director", "school:S1")]


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Services()
    return gateway_site(tmp_path, services, PEOPLE, KEY), services


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)


def commands_sent(services):
    return [(s, m, a[0]) for s, m, a in services.calls if len(a) == 2 and isinstance(a[1], dict) and "actor" in a[1]]


def test_arabic_by_default_right_to_left_and_french_on_request(site):
    client, _ = site
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page
    switched = client.get("/lang/fr?next=/login")
    assert switched.status_code == 303 and switched.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page and "Connexion" in page
    assert '<html lang="ar" dir="rtl">' in client.get("/login?lang=ar").get_data(as_text=True)


def test_the_language_switch_says_its_language(site):
    client, _ = site
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<a id="lang-switch" href="/lang/fr\?next=[^"]*" lang="fr" hreflang="fr">Français</a>', page)
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page


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


def test_css_and_script_come_from_the_package(site):
    client, _ = site
    page = client.get("/login").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    css = client.get("/static/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and "header.top" in css.get_data(as_text=True)
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/../web.py").status_code == 404


def test_dashboard_by_axis_with_a_trend(site):
    client, services = site
    page = page_as(client, "coord", "/dashboard?period=2025-2026")
    assert "البنية التحتية والتجهيزات" in page and "الموارد الرقمية" in page and "التكوين" in page
    assert 'data-indicator="INF01"' in page and '<td class="value" data-label="القيمة">12</td>' in page
    assert page.count('<svg class="spark" role="img" aria-label="') == len(INDICATORS)
    asked = [args for service, method, args in services.calls if method == "indicators"]
    assert ("province:OED", "2025-2026") in asked and ("province:OED", "2024-2025-S1") in asked


def test_a_school_year_reads_in_order_in_arabic_and_as_it_is_in_french(site):
    """After Arabic words, "2024-2025" would be laid out "2025-2024": in Arabic each school year the dashboard
    says (the comparison's sentence, the periods to pick, which hold no markup) is isolated left to right."""
    client, _services = site
    lri, pdi = "\u2066", "\u2069"
    page = page_as(client, "coord", "/dashboard?lang=ar&period=2025-2026&with=2024-2025")
    said = page[page.index('id="as-of"'):]
    said = html.unescape(said[:said.index("</p>")])
    assert f'مقارنة مع <span class="whole">{lri}2024-2025{pdi}</span> في' in said
    assert f'<option value="2025-2026">السنة الدراسية {lri}2025-2026{pdi}</option>' in page
    assert f'<option value="2024-2025-S1">{lri}2024-2025{pdi}، الأسدس الأول</option>' in page
    assert f'<option value="2024-2025" selected>السنة الدراسية {lri}2024-2025{pdi}</option>' in page
    assert f'<td class="with" data-label="{lri}2024-2025{pdi}">10</td>' in page
    semester = page_as(client, "coord", "/dashboard?lang=ar&period=2025-2026-S1&with=2024-2025-S1")
    assert f'مقارنة مع <span class="whole">{lri}2024-2025{pdi}، الأسدس الأول</span>' in semester
    french = page_as(client, "coord", "/dashboard?lang=fr&period=2025-2026&with=2024-2025")
    assert lri not in french and pdi not in french
    assert 'comparé à <span class="whole">2024-2025</span>' in french
    assert '<option value="2025-2026">Année scolaire 2025-2026</option>' in french


def test_the_census_in_the_activity_log_says_its_school_year_in_order():
    from services.gateway.activity import say
    entry = {"event_type": "school_census_recorded", "actor": {"user": "infra", "role": "infrastructure"},
             "data": {"school_code": "S1", "school_year": "2024-2025", "pupils": 310, "teachers": 12},
             "schools": [{"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal"}]}
    assert "لموسم \u20662024-2025\u2069:" in say("ar", entry)
    assert say("fr", entry) == ("infra a enregistré le recensement de École Al Amal (S1) pour 2024-2025 : "
                                "310 élèves, 12 enseignants")


def test_the_dashboard_picks_says_units_compares_and_drills_down(site):
    client, services = site
    page = page_as(client, "coord", "/dashboard?lang=fr&period=2025-2026&with=2024-2025")
    # Scope and period are picked from lists, the day typed day first whatever the browser's language.
    assert '<select id="f-scope" name="scope">' in page and 'value="school:S1"' in page
    assert '<option value="2025-2026-S1">2025-2026, premier semestre</option>' in page
    assert 'inputmode="numeric" autocomplete="off" id="f-as_of" name="as_of" value="" placeholder="jj/mm/aaaa"' in page
    row = page[page.index('data-indicator="INF01"'):page.index('data-indicator="INF02"') if 'data-indicator="INF02"'
               in page else page.index('data-indicator="MNT01"')]
    assert '<td class="unit" data-label="Unité">équipements</td>' in row
    assert '<td class="with" data-label="2024-2025">10</td>' in row
    assert "▲" in row and "+2" in row and 'class="change better"' in row
    mnt = page[page.index('data-indicator="MNT01"'):]
    assert "▼" in mnt[:600] and 'class="change better"' in mnt[:600]  # fewer open faults is better
    res = page[page.index('data-indicator="RES01"'):]
    assert 'data-state="no_data"' in res[:100] and 'data-label="Valeur">Pas de données</td>' in res[:800]
    # Drill-down from the province to its communes' schools; reports for this very choice.
    assert '/pivot?scope=province%3AOED&amp;period=2025-2026&amp;by=school&amp;commune=Oued' in page
    assert '/api/reports/download?scope=province%3AOED&amp;period=2025-2026&amp;format=xlsx' in page
    asked = {m: a for s, m, a in services.calls if m in ("compare", "breakdown")}
    assert asked["compare"][:3] == ("province:OED", "2025-2026", "2024-2025") and asked["breakdown"][2] == "commune"


def test_the_pivot_has_totals_sorts_and_exports(site):
    client, services = site
    page = page_as(client, "coord", "/pivot?lang=fr&period=2025-2026&by=commune&sort=INF01&desc=1")
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    assert body.index('data-group="Ville"') < body.index('data-group="Oued"')  # 7 before 5
    assert '<tr class="total"><th scope="row">Ensemble du périmètre</th>' in page
    csv_text = client.get("/pivot?lang=fr&period=2025-2026&by=commune&format=csv").get_data().decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("commune,Établissements,INF01 Équipements en service")
    assert lines[1].startswith("Oued,1,5") and lines[-1].startswith("Ensemble du périmètre,,12")
    xlsx = client.get("/pivot?period=2025-2026&by=commune&format=xlsx")
    assert xlsx.data[:2] == b"PK" and xlsx.headers["Content-Disposition"].endswith('-commune.xlsx"')


def test_a_commune_is_picked_as_the_table_of_its_schools(site):
    """A commune is no scope of the indicators (CONTRACT §7): the picker offers it, and it opens the pivot of
    its schools beside the commune's own total."""
    client, _ = site
    page = page_as(client, "coord", "/dashboard?lang=fr&period=2025-2026")
    group = page[page.index('<optgroup label="Oued">'):]
    group = group[:group.index("</optgroup>")]
    assert '<option value="commune:OED:Oued">Tous les établissements de Oued, en tableau</option>' in group
    for where in ("/dashboard", "/pivot"):
        picked = client.get(f"{where}?scope=commune%3AOED%3AOued&period=2025-2026&as_of=2026-01-31")
        assert picked.status_code == 303
        assert picked.headers["Location"] == ("/pivot?scope=province%3AOED&period=2025-2026&as_of=2026-01-31"
                                              "&by=school&commune=Oued")


def test_semesters_of_the_trend_are_those_begun():
    assert semesters("2025-2026", date(2025, 10, 1)) == ["2024-2025-S1", "2024-2025-S2", "2025-2026-S1"]
    assert semesters("2025-2026", date(2026, 6, 1)) == ["2024-2025-S1", "2024-2025-S2", "2025-2026-S1",
                                                        "2025-2026-S2"]


def test_sparkline_is_inline_svg_with_a_name_and_a_title_per_bar():
    svg = sparkline([1, None, 4], ["a", "b", "c"], "Pannes")
    assert svg.startswith("<svg") and svg.count("<rect") == 3 and "<title>b: —</title>" in svg
    assert 'aria-label="Pannes — a: 1; b: —; c: 4"' in svg


def test_the_coordinators_home_is_a_work_queue_whose_counts_link_to_lists(site):
    client, _ = site
    page = page_as(client, "coord", "/")
    assert "تحويلات في انتظار القرار" in page and 'href="/transfers?status=proposed"' in page
    assert 'href="/equipment?status=in_stock"' in page and 'href="/deliveries?open=1"' in page
    assert 'href="/faults?claim=awaiting"' in page and 'href="/warranties"' in page


def test_the_technicians_home_is_their_faults_and_forms(site):
    client, _ = site
    page = page_as(client, "tech", "/")
    assert 'href="/faults?older_than=15"' in page and 'href="/transfers?status=proposed"' not in page
    for form in ("file_warranty_claim", "record_repair", "replace_equipment", "close_fault"):
        assert f'href="/forms/maintenance/{form}"' in page
    assert 'href="/forms/maintenance/cancel_fault"' not in page


def test_a_director_sees_their_school_only_and_the_forms_of_their_role(site):
    client, _ = site
    sign_in(client, "dir1")
    assert client.get("/schools/S2").status_code == 403
    assert client.get("/schools/S1").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert 'href="/forms/maintenance/declare_fault"' in home
    assert 'href="/forms/inventory/approve_transfer"' not in home
    assert client.get("/forms/inventory/approve_transfer").status_code == 403
    form = client.get("/forms/maintenance/declare_fault").get_data(as_text=True)
    assert 'data-command="maintenance/declare_fault"' in form and 'value="S1"' in form


def test_a_viewer_gets_no_forms(site):
    client, _ = site
    page = page_as(client, "view", "/")
    assert 'data-command=' not in page and 'href="/forms/' not in page
    assert client.get("/forms/maintenance/declare_fault").status_code == 403


def test_tables_and_selects_say_codes_in_words(site):
    client, _ = site
    page = page_as(client, "coord", "/equipment")
    assert "حاسوب محمول" in page and "جهاز عرض" in page and "في المخزن" in page
    text = re.sub(r"<[^>]+>", " ", page)
    for code in ("laptop", "in_stock", "installed", "projector", "running"):
        assert not re.search(rf"(?<![\w/=.-]){code}(?![\w-])", text), code
    schools = client.get("/schools?lang=fr").get_data(as_text=True)
    assert "Primaire" in schools and "Rural" in schools and "Non renseigné" in schools


def test_a_bad_query_string_gives_the_page_again_with_the_message_at_its_filter(site):
    client, _ = site
    sign_in(client, "coord")
    resp = client.get("/equipment?kind=toaster&lang=fr")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Registre du matériel" in page
    assert 'id="err-kind"' in page and "Choisissez une des valeurs proposées." in page


def test_a_form_names_the_asset_by_serial_and_the_api_gets_its_id(site):
    client, services = site
    page = page_as(client, "coord", "/forms/maintenance/declare_fault?school_code=S1")
    assert 'list="dl-assets"' in page and '<option value="LT-77" ' in page  # the school's assets to pick
    resp = client.post("/forms/maintenance/declare_fault", data={
        "csrf": csrf_of(page), "school_code": "S1 · École Al Amal", "serial": "LT-77", "symptom": "Écran noir"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/faults")
    assert commands_sent(services)[-1] == ("maintenance", "declare_fault",
                                           {"school_code": "S1", "asset_id": "A1", "symptom": "Écran noir"})


def test_a_refused_form_says_each_field_next_to_it_in_the_pages_language(site):
    client, services = site
    page = page_as(client, "coord", "/forms/maintenance/declare_fault")
    resp = client.post("/forms/maintenance/declare_fault", data={
        "csrf": csrf_of(page), "school_code": "S1", "serial": "NOPE-1", "symptom": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert re.search(r'id="f-serial"[^>]*aria-invalid="true"', page)
    assert '<p class="field-err" id="err-serial">لا يوجد عتاد بهذا الرقم التسلسلي.</p>' in page
    assert not commands_sent(services)
    page = client.get("/forms/maintenance/declare_fault?lang=fr").get_data(as_text=True)
    resp = client.post("/forms/maintenance/declare_fault?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "serial": "LT-77", "symptom": ""})
    page = resp.get_data(as_text=True)
    assert '<p class="field-err" id="err-symptom">Obligatoire.</p>' in page
    assert "Length must be" not in page and "symptom:" not in page


def test_a_business_rule_refusal_is_said_in_words(site):
    client, services = site
    page = page_as(client, "coord", "/forms/maintenance/declare_fault?lang=fr")
    services.raise_next = None
    original = services.__class__.__call__

    def refuse(self, service, method, *args):
        if method == "declare_fault":
            raise CommandRejected("fault_already_open", "Asset A1 already has an open fault.")
        return original(self, service, method, *args)

    services.__class__.__call__ = refuse
    try:
        resp = client.post("/forms/maintenance/declare_fault?lang=fr", data={
            "csrf": csrf_of(page), "school_code": "S1", "serial": "LT-77", "symptom": "Noir"})
    finally:
        services.__class__.__call__ = original
    assert resp.status_code == 400 and "Ce matériel a déjà une panne ouverte." in resp.get_data(as_text=True)


def test_a_form_post_needs_the_pages_token(site):
    client, services = site
    sign_in(client, "coord")
    resp = client.post("/forms/inventory/approve_transfer", data={"transfer_id": "TR-9"})
    assert resp.status_code == 403 and not commands_sent(services)


def test_a_visit_lists_the_schools_assets_and_records_them_in_one_submit(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/record_usage_visit?school_code=S1")
    assert 'data-command="inventory/record_usage_visit"' in page and 'value="LT-77"' in page
    resp = client.post("/forms/inventory/record_usage_visit", data={
        "csrf": csrf_of(page), "school_code": "S1", "serial-1": "LT-77", "status-1": "unused"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1][2] == {"school_code": "S1",
                                              "observations": [{"asset_id": "A1", "status": "unused"}]}


def test_the_file_import_refusal_is_said_line_by_line(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/receive_delivery")
    assert 'data-command="inventory/import_delivery"' in page and 'data-command="inventory/receive_delivery"' in page
    original = services.__class__.__call__

    def refuse(self, service, method, *args):
        if method == "import_delivery":
            raise InvalidCommand({"lines": {"3": {"kind": ["Must be one of: desktop, laptop."]}}})
        return original(self, service, method, *args)

    services.__class__.__call__ = refuse
    try:
        import io

        resp = client.post("/forms/inventory/import_delivery", data={
            "csrf": csrf_of(page), "supplier": "Maroc Info", "delivery_ref": "BL-1",
            "file": (io.BytesIO(b"serial,kind,warranty_months\nA,toaster,1\n"), "bl.csv")},
            content_type="multipart/form-data")
    finally:
        services.__class__.__call__ = original
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and '<li data-line="3">السطر 3 — النوع: اختر إحدى القيم المقترحة.</li>' in page


def test_what_users_typed_is_escaped(site):
    client, _ = site
    page = page_as(client, "coord", "/schools/S1")
    assert "&lt;écran noir&gt;" in page and "<écran noir>" not in page


def test_an_assets_history_is_said_in_words_with_who_recorded_it(site):
    client, _ = site
    page = page_as(client, "coord", "/assets?serial=LT-77&lang=fr")
    assert "Reçu par le bon de livraison BL-9 de Maroc Info (garantie 24 mois)" in page
    assert "Affecté à École Al Amal (S1)" in page and "youssef (Axe infrastructure et équipements)" in page
    assert "3 octobre 2025" in page


def test_the_cookie_writes_through_the_api_only_from_our_pages(site):
    client, services = site
    sign_in(client, "coord")
    body = {"transfer_id": "T1"}
    assert client.post("/api/inventory/approve_transfer", json=body).status_code == 401
    resp = client.post("/api/inventory/approve_transfer", json=body, headers={"X-Genie-Form": "1"})
    assert resp.status_code == 201
    assert client.get("/api/me").json["user"] == "coord"  # reads with the cookie need no header


def test_the_coordinator_picks_an_open_transfer_to_approve(site):
    client, _ = site
    page = page_as(client, "coord", "/forms/inventory/approve_transfer")
    assert ('<option value="TR-9">مدرسة الأمل ← إعدادية النور · وحدة واحدة · &lt;unused&gt; · 2 يناير 2026</option>'
            in page)
    assert "<unused>" not in page  # what users typed is escaped


ROLES = {"coordinator": "coord", "infrastructure": "infra", "technician": "tech", "school_director": "dir1"}


def test_every_inventory_and_maintenance_command_has_a_form_for_a_role_allowed(site):
    """Each command of /api/openapi.json is reachable from a form carrying its data-command, signed in as a
    role that may run it (the first such role of its description that is not the coordinator)."""
    client, _ = site
    wanted, missing = commands_without_a_form(client, ("inventory", "maintenance"), ROLES,
                                              "school_code=S1&from_school=S1")
    assert len(wanted) == 25  # with the settling of a replacement inventory could not apply
    assert not missing


# F1's laptop replaced by a new serial that a delivery had just given to another asset: inventory could not apply it.
REPLACED = {"new_asset_id": "A1-NEW", "new_serial": "SN-RACE", "replaced_at": "2026-01-20T10:00:00+01:00"}
RACE = {"event_id": "e-1", "fault_id": "F1", "old_asset_id": "A1", "new_asset_id": "A1-NEW",
        "outcome": "new_serial_is_another_asset", "recorded": "41", "handled_at": "2026-01-20T10:00:02+01:00",
        "note": None, "resolved_by": None, "resolved_at": None, "old_serial": "LT-77"}


@pytest.fixture
def raced(site):
    client, services = site
    services.fault_replaced, services.waiting = REPLACED, [RACE]
    return client, services


def test_a_replacement_inventory_could_not_apply_is_counted_listed_and_said_on_its_fault(raced):
    client, services = raced
    home = page_as(client, "coord", "/")
    entry = re.search(r'<a href="/replacements"><span class="count">([^<]+)</span> <span>([^<]+)</span>', home)
    assert entry and entry.group(1) == "1" and entry.group(2) != "Replacements inventory could not apply, to settle"
    page = client.get("/replacements?lang=fr").get_data(as_text=True)
    row = page[page.index('<tr data-fault="F1">'):]
    row = html.unescape(row[:row.index("</tr>")])
    assert "École Al Amal" in row and 'href="/assets?serial=LT-77"' in row and "SN-RACE" in row
    assert "Le nouveau numéro de série est déjà celui d'un autre matériel." in row and "20 janvier 2026" in row
    assert 'href="/forms/inventory/resolve_replacement?fault_id=F1"' in row
    fault = client.get("/faults/F1?lang=fr").get_data(as_text=True)
    notice = fault[fault.index('id="replacement-waiting"'):]
    assert notice.index("L'inventaire n'a pas encore appliqué ce remplacement") < notice.index("</div>")
    assert 'href="/forms/inventory/resolve_replacement?fault_id=F1"' in notice[:notice.index("</div>")]
    # the API's read, what the pages show
    [listed] = client.get("/api/replacements/waiting").json
    assert listed == {"fault_id": "F1", "school_code": "S1", "old_asset_id": "A1", "old_serial": "LT-77",
                      "new_asset_id": "A1-NEW", "new_serial": "SN-RACE", "reason": "new_serial_is_another_asset",
                      "since": "2026-01-20T10:00:02+01:00", "replaced_at": "2026-01-20T10:00:00+01:00"}


def test_the_coordinator_settles_a_replacement_picked_from_those_waiting(raced):
    client, services = raced
    page = page_as(client, "coord", "/forms/inventory/resolve_replacement?fault_id=F1")
    assert '<select id="f-fault_id" name="fault_id"' in page and 'type="text" id="f-fault_id"' not in page
    option = re.search(r'<option value="F1" selected>([^<]+)</option>', page)
    assert option and "مدرسة الأمل" in option.group(1) and "LT-77 → SN-RACE" in option.group(1)
    resp = client.post("/forms/inventory/resolve_replacement", data={
        "csrf": csrf_of(page), "fault_id": "F1", "note": "SN-RACE est le projecteur posé ; affecté à S1."})
    assert resp.status_code == 303 and resp.headers["Location"] == "/faults/F1?done=replacement_settled"
    assert commands_sent(services)[-1] == ("inventory", "resolve_replacement", {
        "fault_id": "F1", "note": "SN-RACE est le projecteur posé ; affecté à S1."})
    services.waiting = []  # settled: nothing to say any more, nothing to pick
    assert 'id="replacement-waiting"' not in client.get("/faults/F1").get_data(as_text=True)
    page = client.get("/forms/inventory/resolve_replacement?lang=fr").get_data(as_text=True)
    assert "Aucun remplacement n'attend d'être réglé." in page and "<select" not in page


def test_who_may_not_settle_reads_the_waiting_replacement_without_the_link(raced):
    client, _ = raced
    sign_in(client, "tech")
    assert 'href="/replacements"' not in client.get("/").get_data(as_text=True)
    fault = client.get("/faults/F1").get_data(as_text=True)
    assert 'id="replacement-waiting"' in fault and "resolve_replacement" not in fault
    client.get("/logout")
    listing = page_as(client, "view", "/replacements")
    assert '<tr data-fault="F1">' in listing and "resolve_replacement" not in listing


def test_an_academys_pages_are_its_provinces_figures_and_nothing_a_province_keeps(tmp_path, monkeypatch):
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    services = Services()
    client = gateway_site(tmp_path, services, [("amina", "viewer", "region:R11")], KEY)
    sign_in(client, "amina")
    assert client.get("/").headers["Location"] == "/dashboard"
    page = client.get("/dashboard?lang=fr")
    assert page.status_code == 200
    menu = re.search(r'<nav aria-label="[^"]*" class="menu">(.*?)</nav>', page.get_data(as_text=True), re.S).group(1)
    assert re.findall(r'href="([^"]+)"', menu) == ["/dashboard", "/activity"]
    assert ("reporting", "schools", ()) in services.calls  # the schools to pick from: reporting's, all provinces
    assert not [c for c in services.calls if c[0] == "inventory"]
    for path in ("/equipment", "/faults", "/trainings", "/schools/S1"):
        for lang, words in (("fr", "tenus par le système de chaque province"), ("ar", "نظام كل مديرية إقليمية")):
            refused = client.get(f"{path}?lang={lang}")
            assert refused.status_code == 404 and words in refused.get_data(as_text=True), (path, lang)


def test_the_deliveries_to_pick_from_say_their_supplier_and_number_of_items(site):
    client, _ = site
    page = page_as(client, "coord", "/equipment?lang=fr")
    assert '<option value="BL-9">Maroc Info · 2</option>' in page
    assert "built-in method" not in page


# ---------------------------------------------------------------- a technician names a fault by its item's serial


def test_a_technician_picks_a_fault_by_its_items_serial_never_by_an_id(site):
    client, services = site
    page = html.unescape(page_as(client, "tech", "/forms/maintenance/record_repair?lang=fr"))
    faults = page[page.index('<datalist id="dl-faults">'):]
    faults = faults[:faults.index("</datalist>")]
    assert '<option value="LT-77" data-warranty="Sous garantie">Ordinateur portable · <écran noir> · École Al Amal</option>' \
        in faults
    assert "F1" not in faults
    # Typed in any case, the serial is the fault: the service gets the fault's id.
    resp = client.post("/forms/maintenance/record_repair?lang=fr", data={
        "csrf": csrf_of(page), "fault_id": "lt-77", "action": "Écran changé"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/faults/F1?done=")
    assert commands_sent(services)[-1] == ("maintenance", "record_repair", {"fault_id": "F1", "action": "Écran changé"})


def test_a_fault_form_reached_from_the_faults_page_shows_its_serial(site):
    client, _ = site
    page = page_as(client, "tech", "/forms/maintenance/close_fault?fault_id=F1")
    assert re.search(r'id="f-fault_id" name="fault_id"[^>]* value="LT-77"', page)


def test_a_serial_without_an_open_fault_is_said_beside_the_field(site):
    client, services = site
    for lang, words in (("fr", "Aucune panne ouverte sur le matériel de ce numéro de série."),
                        ("ar", "لا يوجد عطل مفتوح على العتاد الذي يحمل هذا الرقم التسلسلي.")):
        page = page_as(client, "tech", f"/forms/maintenance/record_repair?lang={lang}")
        resp = client.post(f"/forms/maintenance/record_repair?lang={lang}", data={
            "csrf": csrf_of(page), "fault_id": "PJ-5", "action": "Lampe changée"})
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400
        assert f'<p class="field-err" id="err-fault_id">{words}</p>' in page
        assert re.search(r'id="f-fault_id"[^>]*aria-invalid="true"', page)
    assert not commands_sent(services)


def test_a_repair_out_of_warranty_asks_its_cost_in_words(site):
    client, services = site
    original = services.__class__.__call__

    def refuse(self, service, method, *args):
        if method == "record_repair":
            raise InvalidCommand({"cost_mad": ["Required: the fault is not under warranty."]})
        return original(self, service, method, *args)

    page = page_as(client, "tech", "/forms/maintenance/record_repair?lang=fr")
    assert "Obligatoire hors garantie ; vide sous garantie, la réparation étant gratuite." in html.unescape(page)  # said before sending
    services.__class__.__call__ = refuse
    try:
        resp = client.post("/forms/maintenance/record_repair?lang=fr", data={
            "csrf": csrf_of(page), "fault_id": "LT-77", "action": "Écran changé"})
    finally:
        services.__class__.__call__ = original
    page = html.unescape(resp.get_data(as_text=True))
    assert resp.status_code == 400 and "Non accepté" not in page
    assert ('<p class="field-err" id="err-cost_mad">Obligatoire : la panne n\'est pas sous garantie, '
            "sa réparation a donc un coût.</p>") in page
    assert "Coût (MAD)</a>\u00a0: Obligatoire" in page  # the summary's colon as French sets it


def test_a_directors_form_names_their_school_and_does_not_ask_it(site):
    client, services = site
    page = page_as(client, "dir1", "/forms/maintenance/declare_fault?lang=fr")
    assert '<input type="hidden" name="school_code" value="S1" data-picker="school">' in page
    assert re.search(r'<input type="text" id="f-school_code" readonly class="fixed" value="École Al Amal">', page)
    assert 'list="dl-schools"' not in page
    resp = client.post("/forms/maintenance/declare_fault?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "serial": "LT-77", "symptom": "Écran noir"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1] == ("maintenance", "declare_fault",
                                           {"school_code": "S1", "asset_id": "A1", "symptom": "Écran noir"})
    page = page_as(client, "dir1", "/forms/maintenance/declare_fault?lang=ar")
    assert 'readonly class="fixed" value="مدرسة الأمل"' in page


def test_an_arabic_history_sets_latin_references_apart(site):
    client, _ = site
    page = page_as(client, "coord", "/assets?serial=LT-77&lang=ar")
    assert '<bdi class="whole">BL-9</bdi>' in page and "<bdi>Maroc Info</bdi>" in page  # a reference on one line
    assert "<bdi>مدرسة الأمل (S1)</bdi>" in page
    page = page_as(client, "coord", "/faults/F1?lang=ar")
    assert "<bdi>&lt;écran noir&gt;</bdi>" in page  # set apart, and still escaped


def test_a_fault_says_its_items_supplier_and_the_cost_of_its_repair(site):
    client, services = site
    services.fault_replaced = {"supplier": None, "repair_action": "Écran", "repair_cost_mad": 350.5,
                               "repaired_at": "2026-01-07T10:00:00+01:00"}
    try:
        page = page_as(client, "tech", "/faults/F1?lang=fr")
    finally:
        services.fault_replaced = {}
    assert "<dt>Fournisseur</dt><dd>Maroc Info</dd>" in page
    assert '<div id="repair-cost"><dt>Coût (MAD)</dt><dd>350,5</dd></div>' in page


def test_a_schools_training_figures_say_the_colon_as_each_language_does(site):
    client, _ = site
    page = page_as(client, "coord", "/schools/S1?lang=fr")
    assert re.search("Personnels formés\u00a0: [^·]+ · Personnels certifiés\u00a0: ", page)
    page = page_as(client, "coord", "/schools/S1?lang=ar")
    assert re.search("[^\\s\u00a0]: [^·]+ · [^·]+[^\\s\u00a0]: ", page)


def test_a_directors_indicators_name_their_school_with_nothing_to_find(site):
    client, _ = site
    page = page_as(client, "dir1", "/dashboard?lang=fr")
    assert '<option value="school:S1" selected>École Al Amal (S1)</option>' in page
    assert 'id="f-scope-search"' not in page
    page = page_as(client, "coord", "/dashboard?lang=fr")
    assert 'id="f-scope-search"' in page  # a province has schools to find


def test_a_warranty_claim_offers_only_the_faults_under_warranty_not_yet_claimed(site):
    client, _ = site
    page = page_as(client, "tech", "/forms/maintenance/file_warranty_claim")
    assert '<option value="LT-77" ' in page  # F1: under warranty, no claim yet
    for changed in ({"under_warranty": False}, {"claim_ref": "MI-1"}):
        original = FAULT.copy()
        FAULT.update(changed)
        try:
            page = client.get("/forms/maintenance/file_warranty_claim").get_data(as_text=True)
        finally:
            FAULT.clear()
            FAULT.update(original)
        assert '<option value="LT-77" ' not in page, changed


def test_a_fault_picked_says_whether_it_is_under_warranty(site):
    client, _ = site
    page = html.unescape(page_as(client, "tech", "/forms/maintenance/record_repair?lang=fr&fault_id=F1"))
    assert '<option value="LT-77" data-warranty="Sous garantie">' in page  # for the page's script, as one picks
    assert 'data-for="f-fault_id" aria-live="polite">Sous garantie</p>' in page  # and without it, as given
