"""The lists of the equipment and maintenance axes over fake services: their filters, their exports (the
file holds what the page shows, its headings in the page's language), the printed documents, the labels'
QR codes, the files to fill in, and the fault's story with who recorded each step."""
import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import segno
from openpyxl import load_workbook
from services.inventory.register import register
from tests.helpers import answering, gateway_site
from tests.unit.test_gateway_api import KEY, cheap_hashing, login  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import ASSETS, SCHOOLS, Services, commands_sent, csrf_of, sign_in

TODAY = date.today()
NOW = datetime.now(timezone.utc)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).astimezone(timezone(timedelta(hours=1))).isoformat(timespec="seconds")


PROJECTOR = dict(ASSETS[1], asset_id="A3", serial="PJ-8", model="EB-X", supplier="Sahara PC", delivery_ref="BL-7",
                 school_code="S2", status="installed", installed=True, commune="Ville", warranty="ended",
                 warranty_ends_on="2025-10-03")
DELIVERIES = [
    {"delivery_ref": "BL-9", "supplier": "Maroc Info", "received_at": "2025-10-03T09:00:00+01:00", "items": 2,
     "assigned": 1, "installed": 1, "kinds": {"laptop": 1, "projector": 1}},
    {"delivery_ref": "BL-7", "supplier": "Sahara PC", "received_at": "2024-09-20T09:00:00+01:00", "items": 1,
     "assigned": 1, "installed": 1, "kinds": {"projector": 1}}]
AUDITS = [
    {"audit_id": "AU-1", "school_code": "S1", "occasion": "annual", "occurred_at": "2025-11-10T10:00:00+01:00",
     "audited_by": "youssef", "findings": [{"asset_id": "A1", "status": "missing"}], "unexpected_serials": []},
    {"audit_id": "AU-2", "school_code": "S2", "occasion": "spot", "occurred_at": ago(0), "audited_by": "amina",
     "findings": [{"asset_id": "A3", "status": "present"}], "unexpected_serials": []}]
TRANSFERS = [
    {"transfer_id": "TR-9", "status": "proposed", "asset_ids": ["A1"], "from_school": "S1", "to_school": "S2",
     "reason": "Unused", "report": "r", "proposed_at": "2026-01-02T09:00:00+01:00", "proposed_by": "youssef"},
    {"transfer_id": "TR-8", "status": "completed", "asset_ids": ["A3"], "from_school": "S2", "to_school": "S1",
     "reason": "Needed", "report": "r", "proposed_at": "2025-11-05T09:00:00+01:00", "proposed_by": "youssef"},
    {"transfer_id": "TR-7", "status": "completed", "asset_ids": ["A3"], "from_school": "S1", "to_school": "S2",
     "reason": "Back", "report": "r", "proposed_at": "2025-10-01T09:00:00+01:00", "proposed_by": "youssef"}]
OPEN = {"status": "open", "repair_action": None, "repair_cost_mad": None, "repaired_at": None, "new_asset_id": None,
        "new_serial": None, "replaced_at": None, "resolution": None, "closed_at": None}
FAULTS = [
    dict(OPEN, fault_id="F1", asset_id="A1", school_code="S1", symptom="Écran noir", under_warranty=True,
         declared_at=ago(40), supplier="Maroc Info", claim_ref="MI-77", claimed_at=ago(39)),
    dict(OPEN, fault_id="F2", asset_id="A3", school_code="S2", symptom="Lampe grillée", under_warranty=False,
         declared_at=ago(3), supplier=None, claim_ref=None, claimed_at=None)]

STEPS = [{"event_type": "fault_declared", "occurred_at": ago(40), "actor": {"user": "dir1", "role": "school_director"}},
         {"event_type": "warranty_claim_filed", "occurred_at": ago(39), "actor": {"user": "tech", "role": "technician"}}]


class Lists(Services):
    """Two deliveries, two audits, three transfers, two open faults, three assets."""

    def __call__(self, service, method, *args):
        if method == "asset" and PROJECTOR["serial"] in args:
            return {"asset": dict(PROJECTOR), "timeline": []}
        if method in ("deliveries", "audit_reports", "audit_report", "transfers", "open_transfers", "open_faults",
                      "overdue_faults", "last_visits", "assets", "warranty_expiring", "faults_since", "fault",
                      "fault_history", "mean_time_to_repair", "transfer"):
            self.calls.append((service, method, args))
            return getattr(self, method)(*args)
        return super().__call__(service, method, *args)

    def deliveries(self):
        return [dict(d) for d in DELIVERIES]

    def audit_reports(self, school=None):
        return [dict(a) for a in AUDITS if school in (None, a["school_code"])]

    def audit_report(self, audit_id):
        found = next(dict(a) for a in AUDITS if a["audit_id"] == audit_id)
        # Found at S1: a projector on record at S2, and a serial the register does not know.
        return dict(found, unexpected_serials=[
            {"serial": "PJ-8", "known_as": "A3", "kind": "projector", "on_record_at": "S2"},
            {"serial": "ZZ-404", "known_as": None, "kind": None, "on_record_at": None}])

    def transfers(self, school=None):
        return [dict(t) for t in TRANSFERS if school in (None, t["from_school"], t["to_school"])]

    def transfer(self, transfer_id):
        return next(dict(t, approved_by=None, decided_at=None, rejection_reason=None, completed_at=None)
                    for t in TRANSFERS if t["transfer_id"] == transfer_id)

    def open_transfers(self, school=None):
        return [t for t in self.transfers(school) if t["status"] in ("proposed", "approved")]

    def open_faults(self, school=None):
        return [dict(f) for f in FAULTS if school in (None, f["school_code"])]

    def overdue_faults(self, school, days):
        return [dict(f, days_open=round((NOW - datetime.fromisoformat(f["declared_at"])).total_seconds() / 86400, 1))
                for f in self.open_faults(school) if datetime.fromisoformat(f["declared_at"]) < NOW - timedelta(days)]

    def fault(self, fault_id):
        found = [dict(f, steps=STEPS) for f in FAULTS if f["fault_id"] == fault_id]
        return found[0] if found else None

    def fault_history(self, asset_id):
        return [dict(f, steps=STEPS) for f in FAULTS if f["asset_id"] == asset_id]

    def mean_time_to_repair(self, school=None, by=None, codes=None):
        return {None: {"faults": 4, "total_days": 15.0, "mean_days": 3.8},
                "supplier": [{"supplier": "Maroc Info", "faults": 3, "total_days": 12.0, "mean_days": 4.0},
                             {"supplier": None, "faults": 1, "total_days": 3.0, "mean_days": 3.0}],
                "kind": [{"kind": "laptop", "faults": 1, "total_days": 1.5, "mean_days": 1.5},
                         {"kind": "projector", "faults": 3, "total_days": 13.5, "mean_days": 4.5}]}[by]

    def faults_since(self, days):
        return self.open_faults()

    def last_visits(self):
        return {"S2": ago(1)}

    def warranty_expiring(self, school, days):
        return [{"asset_id": "A1", "school_code": "S1", "kind": "laptop", "serial": "LT-77", "supplier": "Maroc Info",
                 "received_on": "2025-01-03", "warranty_months": 24, "warranty_ends_on": "2027-01-03",
                 "last_covered_day": "2027-01-02", "days_left": 28, "open_fault_id": "F1"}]

    def assets(self, query):
        rows = [a for a in ASSETS + [PROJECTOR] if all(a.get(k) == v for k, v in query.items()
                                                       if k in ("school_code", "status", "kind", "delivery_ref"))]
        return {"total": len(rows), "page": 1, "per_page": query.get("per_page", 50), "items": rows}


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Lists()
    people = [("coord", "coordinator", None), ("infra", "infrastructure", None), ("tech", "technician", None),
              ("dir1", "school_director", "school:S1")]
    return gateway_site(tmp_path, services, people, KEY), services


def page_of(client, url) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return resp.get_data(as_text=True)


def body_of(page: str) -> str:
    return page[page.index("<tbody>"):page.index("</tbody>")]


def exports_of(page: str) -> dict:
    """The page's export links by format."""
    links = [html.unescape(h) for h in re.findall(r'href="(/api/[^"]*/export\?[^"]*)"', page)]
    return {re.search(r"format=(\w+)", h).group(1): h for h in links}


def csv_rows(client, url) -> list[list[str]]:
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "text/csv", resp.get_data(as_text=True)
    return list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


def xlsx_rows(client, url) -> list[list]:
    resp = client.get(url)
    assert resp.status_code == 200 and resp.data[:2] == b"PK", resp.get_data(as_text=True)[:500]
    sheet = load_workbook(io.BytesIO(resp.data)).active
    return [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]


# ---------------------------------------------------------------- filters that the export keeps


def test_deliveries_by_supplier_dates_and_assignment_and_the_export_is_the_list_shown(site):
    client, _ = site
    sign_in(client, "coord")
    assert "BL-7" not in body_of(page_of(client, "/deliveries?open=1"))  # the home's link still works
    page = page_of(client, "/deliveries?lang=fr&supplier=Sahara+PC&open=0&until=2025-06-30")
    assert "BL-7" in body_of(page) and "BL-9" not in body_of(page)
    assert '<option value="0" selected>Entièrement affectée</option>' in page
    assert 'id="until" name="until" value="30/06/2025"' in page  # the day shown as it is written here
    links = exports_of(page)
    assert "supplier=Sahara+PC" in links["csv"] and "open=0" in links["csv"] and "until=2025-06-30" in links["csv"]
    rows = csv_rows(client, links["csv"])
    assert rows[0][:3] == ["Bon de livraison", "Fournisseur", "Reçu le"]
    assert [r[0] for r in rows[1:]] == ["BL-7"]
    assert "BL-9" in body_of(page_of(client, "/deliveries?since=2025-01-01"))
    assert "BL-7" not in body_of(page_of(client, "/deliveries?since=2025-01-01"))


def test_a_bad_date_is_said_at_its_filter_and_the_rest_of_the_list_shown(site):
    client, _ = site
    sign_in(client, "coord")
    page = page_of(client, "/deliveries?lang=fr&since=yesterday&supplier=Maroc+Info")
    assert 'id="err-since"' in page and "BL-9" in body_of(page) and "BL-7" not in body_of(page)


def test_a_list_is_filtered_from_a_day_typed_day_first_shown_back_so_and_its_export_keeps_it(site):
    client, _ = site
    sign_in(client, "coord")
    page = page_of(client, "/deliveries?lang=fr&since=01/09/2025")
    assert "BL-9" in body_of(page) and "BL-7" not in body_of(page)
    assert 'id="since" name="since" value="01/09/2025" placeholder="jj/mm/aaaa">' in page
    assert "since=2025-09-01" in exports_of(page)["csv"]
    # 31 September is no day: said beside its field in the page's language, kept there as typed, the list whole.
    page = page_of(client, "/deliveries?lang=ar&since=31/09/2025")
    assert '<p class="field-err" id="err-since">هذا اليوم غير موجود في التقويم.</p>' in page
    assert 'value="31/09/2025" placeholder="يوم/شهر/سنة" aria-invalid="true"' in page
    assert "BL-9" in body_of(page) and "BL-7" in body_of(page)


def test_an_audit_names_the_kind_of_an_unexpected_serial_the_register_knows(site):
    """A serial found where it was not expected is said with its kind when it is on record elsewhere: the
    coordinator sees a projector of another school, not a dash."""
    client, _ = site
    sign_in(client, "coord")
    rows = page_of(client, "/audits/AU-1?lang=fr").split('id="discrepancies"')[1].split("</tbody>")[0]
    known = next(r for r in rows.split("<tr>") if "PJ-8" in r)
    unknown = next(r for r in rows.split("<tr>") if "ZZ-404" in r)
    assert ">Vidéoprojecteur<" in known and "/schools/S2" in known
    assert 'data-label="Type">—<' in unknown and "Absent du registre" in unknown


def test_audits_by_school_commune_dates_and_discrepancies_and_their_export(site):
    client, _ = site
    sign_in(client, "coord")
    assert "AU-1" not in page_of(client, "/audits?commune=Ville") and "AU-2" in page_of(client, "/audits?commune=Ville")
    assert "AU-2" not in page_of(client, "/audits?school_code=S1")
    assert "AU-1" not in page_of(client, f"/audits?since={TODAY.isoformat()}")
    page = page_of(client, "/audits?discrepancies=1&until=2025-12-31")
    assert "/audits/AU-1" in page and "/audits/AU-2" not in page
    links = exports_of(page)
    assert "discrepancies=1" in links["xlsx"] and "until=2025-12-31" in links["xlsx"]
    rows = xlsx_rows(client, links["xlsx"])  # in the page's language, Arabic
    assert rows[0][:3] == ["الجرد", "رمز المؤسسة", "المناسبة"] and [r[0] for r in rows[1:]] == ["AU-1"]
    assert rows[1][2] == "جرد سنوي"


def test_transfers_by_status_sides_and_dates_and_their_export(site):
    client, _ = site
    sign_in(client, "coord")
    page = page_of(client, "/transfers?lang=fr&status=completed&from_school=S2")
    assert "/transfers/TR-8" in page and "/transfers/TR-7" not in page
    assert "/transfers/TR-7" in page_of(client, "/transfers?status=completed&to_school=S2")
    page = page_of(client, "/transfers?lang=fr&status=completed&since=2025-10-15&until=2025-11-30")
    assert "/transfers/TR-8" in page and "/transfers/TR-7" not in page
    rows = csv_rows(client, exports_of(page)["csv"])
    assert rows[0][:2] == ["Transfert", "État"] and [(r[0], r[1]) for r in rows[1:]] == [("TR-8", "Réalisé")]


def test_a_generated_transfer_id_is_shortened_in_the_list_and_one_a_person_gave_shown_whole(site, monkeypatch):
    client, _ = site
    generated = "0b7e5f2c-9d41-4c7e-8a53-1f2e3d4c5b6a"
    monkeypatch.setattr(f"{__name__}.TRANSFERS", [dict(TRANSFERS[0], transfer_id=generated),
                                                  dict(TRANSFERS[1], transfer_id="T-2025-001", status="proposed")])
    sign_in(client, "coord")
    page = body_of(page_of(client, "/transfers?lang=fr"))
    assert f'<a href="/transfers/{generated}"><bdi>0b7e5f2c</bdi></a>' in page
    assert '<a href="/transfers/T-2025-001"><bdi>T-2025-001</bdi></a>' in page


def test_the_schools_export_keeps_the_work_queues_filters(site):
    client, _ = site
    sign_in(client, "coord")
    page = page_of(client, "/schools?visit=none&lang=fr")  # S2 was visited yesterday
    assert "/schools/S1" in body_of(page) and "/schools/S2" not in body_of(page)
    rows = csv_rows(client, exports_of(page)["csv"])
    assert rows[0][:3] == ["Code de l'établissement", "Nom en arabe", "Nom en français"]
    assert [r[0] for r in rows[1:]] == ["S1"]
    page = page_of(client, "/schools?audit=due")  # S2 was audited today
    assert "audit=due" in exports_of(page)["xlsx"]
    assert [r[0] for r in xlsx_rows(client, exports_of(page)["xlsx"])[1:]] == ["S1"]


def test_the_faults_export_names_equipment_by_serial_kind_and_model(site):
    client, _ = site
    sign_in(client, "tech")
    page = page_of(client, "/faults?lang=fr&school_code=S2")
    rows = csv_rows(client, exports_of(page)["csv"])
    head = rows[0]
    assert "Équipement" not in head and head[2:5] == ["Numéro de série", "Type", "Modèle"]
    assert rows[1][:5] == ["F2", "S2", "PJ-8", "Vidéoprojecteur", "EB-X"] and len(rows) == 2


# ---------------------------------------------------------------- who recorded each step of a fault


def test_a_faults_page_and_its_assets_history_say_who_recorded_each_step(site):
    client, _ = site
    sign_in(client, "tech")
    page = html.unescape(page_of(client, "/faults/F1?lang=fr"))
    history = page[page.index('<ol class="timeline">'):]
    declared = history[history.index("Panne déclarée : Écran noir"):]
    assert declared.index("dir1 (Directeur d'établissement)") < declared.index("Réclamation MI-77")
    assert "tech (Technicien)" in history[history.index("Réclamation MI-77"):]
    sign_in(client, "coord")
    page = html.unescape(page_of(client, "/assets?serial=LT-77&lang=fr"))
    story = page[page.index("Panne déclarée : Écran noir"):]
    assert story.index("— dir1 (Directeur d'établissement)") < story.index("Réclamation MI-77")
    assert "— tech (Technicien)" in story


def test_an_ended_warranty_is_said_ended_on_its_day_not_running_until_it(site):
    """A fault declared after the warranty's end, and the item's own page, say when the warranty ended: "out of
    warranty, until 3 October 2025" read as if it still ran."""
    client, _ = site
    sign_in(client, "tech")
    for url in ("/faults/F2?lang=fr", "/assets?serial=PJ-8&lang=fr"):
        page = html.unescape(page_of(client, url))
        warranty = page[page.index("<dt>Garantie</dt>"):]
        warranty = warranty[:warranty.index("</dd>")]
        assert "Garantie terminée le 3 octobre 2025" in warranty and "jusqu'au" not in warranty, (url, warranty)
    page = html.unescape(page_of(client, "/faults/F1?lang=fr"))  # declared under warranty: until its end
    assert "Sous garantie — jusqu'au" in page


def test_a_repairs_cost_is_not_said_optional_when_the_warranty_decides(site):
    """The cost is needed out of warranty and left empty under it: "(optional)" beside it told the technician of an
    out-of-warranty repair the opposite of the hint below it."""
    client, _ = site
    sign_in(client, "tech")
    page = html.unescape(page_of(client, "/forms/maintenance/record_repair?fault_id=F2&lang=fr"))
    label = page[page.index('<label for="f-cost_mad">'):]
    label = label[:label.index("</label>")]
    assert "facultatif" not in label and "Obligatoire hors garantie" in page
    page = html.unescape(page_of(client, "/forms/maintenance/replace_equipment?fault_id=F2&lang=fr"))
    assert '<label for="f-new_kind">Type du nouveau matériel <span class="opt">(facultatif)</span></label>' in page


# ---------------------------------------------------------------- declaring a fault: the warranty of the pick


def test_declaring_a_fault_says_whether_the_picked_item_is_under_warranty_and_until_when(site):
    client, services = site
    sign_in(client, "coord")
    page = html.unescape(page_of(client, "/forms/maintenance/declare_fault?lang=fr&school_code=S1&serial=LT-77"))
    # In the list to pick from, and beside the pick (the page says it without its script).
    assert '<option value="LT-77" data-warranty="Sous garantie, fin le 3 octobre 2027">Ordinateur portable · X1 · ' \
           'Sous garantie, fin le 3 octobre 2027</option>' in page
    assert re.search(r'<p class="hint warranty-note" id="warranty-serial" data-for="f-serial" aria-live="polite">'
                     r'Sous garantie, fin le 3 octobre 2027</p>', page)
    page = page_of(client, "/forms/maintenance/declare_fault?school_code=S2&serial=PJ-8")
    assert 'aria-live="polite">انتهى الضمان في 3 أكتوبر 2025</p>' in page
    # A refused form keeps saying it.
    resp = client.post("/forms/maintenance/declare_fault?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S2", "serial": "PJ-8", "symptom": ""})
    assert resp.status_code == 400 and "Garantie terminée le 3 octobre 2025</p>" in resp.get_data(as_text=True)
    # Other forms' lists of equipment stay short.
    visit = page_of(client, "/forms/maintenance/file_warranty_claim")
    assets = visit[visit.index('<datalist id="dl-assets"'):]
    assert "data-warranty" not in assets[:assets.index("</datalist>")] and 'id="warranty-serial"' not in visit


# ---------------------------------------------------------------- mean time to repair


def test_the_faults_page_shows_the_mean_time_to_repair_by_supplier_and_by_kind(site):
    client, services = site
    sign_in(client, "tech")
    page = page_of(client, "/faults?lang=fr")
    section = page[page.index('id="repair-time"'):]
    by_supplier = section[section.index('id="repair-time-supplier"'):section.index('id="repair-time-kind"')]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", by_supplier[by_supplier.index("<tbody>"):], re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    assert cells == [["Maroc Info", "3", "4"], ["Non connu", "1", "3"], ["Ensemble", "4", "3,8"]]
    by_kind = section[section.index('id="repair-time-kind"'):]
    assert re.search(r"<th[^>]*>Ordinateur portable</th>\s*<td[^>]*>1</td><td[^>]*>1,5</td>", by_kind)
    assert re.search(r"<th[^>]*>Vidéoprojecteur</th>\s*<td[^>]*>3</td><td[^>]*>4,5</td>", by_kind)
    client.get("/logout")
    sign_in(client, "dir1")  # a school director reads their school's
    page_of(client, "/faults")
    asked = [args for _, method, args in services.calls if method == "mean_time_to_repair"]
    assert asked[-3:] == [("S1", None, None), ("S1", "supplier", None), ("S1", "kind", None)]


# ---------------------------------------------------------------- every list as a file, as its page shows it

FILES = [  # (page, its headings and first line in French, a heading and a value in Arabic)
    ("/equipment?kind=laptop",
     ["Numéro de série", "Type", "Modèle", "Dotation", "Code de l'établissement", "Commune", "État", "Fournisseur",
      "Bon de livraison", "Reçu le", "Fin de garantie", "Garantie"],
     ["LT-77", "Ordinateur portable", "X1", "Mallette multimédia (VMM)", "S1", "Oued", "Installé", "Maroc Info",
      "BL-9", "2025-10-03", "2027-10-03", "Sous garantie"], ("الرقم التسلسلي", "مثبت")),
    ("/schools?q=Amal",
     ["Code de l'établissement", "Nom en arabe", "Nom en français", "Commune", "Cycle", "Milieu", "Connexion",
      "Code de la région"],
     ["S1", "مدرسة الأمل", "École Al Amal", "Oued", "Primaire", "Rural", "", "R11"], ("رمز المؤسسة", "ابتدائي")),
    ("/deliveries?supplier=Maroc+Info",
     ["Bon de livraison", "Fournisseur", "Reçu le", "Articles", "Affecté", "Installé"],
     ["BL-9", "Maroc Info", "2025-10-03T09:00:00+01:00", "2", "1", "1"], ("وصل التسليم", "BL-9")),
    ("/transfers?status=proposed",
     ["Transfert", "État", "De l'établissement", "Vers l'établissement", "Motif", "Proposé le"],
     ["TR-9", "Proposé", "S1", "S2", "Unused", "2026-01-02T09:00:00+01:00"], ("التحويل", "مقترح")),
    ("/audits?school_code=S1",
     ["Inventaire", "Code de l'établissement", "Occasion", "Date", "Réalisé par"],
     ["AU-1", "S1", "Inventaire annuel", "2025-11-10T10:00:00+01:00", "youssef"], ("الجرد", "جرد سنوي")),
    ("/faults?warranty=under",
     ["Panne", "Code de l'établissement", "Numéro de série", "Type", "Modèle", "Symptôme", "Déclarée le",
      "Sous garantie", "Fournisseur", "Référence de la réclamation"],
     ["F1", "S1", "LT-77", "Ordinateur portable", "X1", "Écran noir", FAULTS[0]["declared_at"], "Oui", "Maroc Info",
      "MI-77"], ("العطل", "نعم")),
    ("/warranties",
     ["Numéro de série", "Type", "Code de l'établissement", "Fournisseur", "Fin de garantie", "Jours restants"],
     ["LT-77", "Ordinateur portable", "S1", "Maroc Info", "2027-01-03", "28"], ("الرقم التسلسلي", "حاسوب محمول")),
]


@pytest.mark.parametrize("url,head,first,arabic", FILES, ids=[f[0].split("?")[0] for f in FILES])
def test_each_list_exports_what_its_page_shows_in_the_pages_language(site, url, head, first, arabic):
    client, _ = site
    sign_in(client, "coord")
    links = exports_of(page_of(client, url + "&lang=fr" if "?" in url else url + "?lang=fr"))
    rows = csv_rows(client, links["csv"])
    assert rows[0] == head and rows[1] == first and len(rows) == 2
    links = exports_of(page_of(client, url))  # Arabic, the default
    rows = xlsx_rows(client, links["xlsx"])
    assert rows[0][0] == arabic[0] and arabic[1] in rows[1] and len(rows) == 2
    assert [str(v) for v in rows[1][:1]] == first[:1]


def test_the_renewal_plan_as_a_workbook(site):
    client, _ = site
    sign_in(client, "coord")
    resp = client.get("/renewal.xlsx?lang=fr")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="renewal-plan-fr.xlsx"'
    rows = xlsx_rows(client, "/renewal.xlsx?lang=fr")
    assert rows[0] == ["Numéro de série", "Type", "Code de l'établissement", "Âge (ans)", "Pannes sur 12 mois",
                       "Jours hors service", "Garantie", "Score"]
    # The projector: a fault 3 days open and its warranty ended; the laptop: a fault open 40 days.
    assert rows[1] == ["PJ-8", "Vidéoprojecteur", "S2", 0, 1, 3, "Garantie terminée", 5.1]
    assert rows[2] == ["LT-77", "Ordinateur portable", "S1", 0, 1, 40, "Sous garantie", 4.3]
    assert [r[0] for r in rows[1:]] == ["PJ-8", "LT-77", "PJ-5"]
    sheet = load_workbook(io.BytesIO(client.get("/renewal.xlsx").data)).active
    assert sheet.sheet_view.rightToLeft and sheet["A1"].value == "الرقم التسلسلي"


# ---------------------------------------------------------------- the faults' filters


@pytest.mark.parametrize("query,shown", [
    ("", ["F1", "F2"]), ("claim=awaiting", ["F1"]), ("warranty=under", ["F1"]), ("warranty=out", ["F2"]),
    ("supplier=Maroc+Info", ["F1"]), ("kind=projector", ["F2"]), ("kind=laptop&warranty=out", []),
    ("older_than=15", ["F1"]), ("older_than=2", ["F1", "F2"]), ("school_code=S2", ["F2"]),
])
def test_the_fault_lists_filters(site, query, shown):
    client, _ = site
    sign_in(client, "tech")
    body = body_of(page_of(client, f"/faults?{query}"))
    assert re.findall(r'href="/faults/(F\d)"', body) == shown
    assert [f["fault_id"] for f in client.get(f"/api/faults?{query}").json] == shown  # the API reads the same


def test_faults_open_for_long_say_for_how_long_and_a_bad_filter_is_said_at_it(site):
    client, _ = site
    sign_in(client, "tech")
    body = body_of(page_of(client, "/faults?older_than=15&lang=fr"))
    assert "40 jours" in body
    page = page_of(client, "/faults?older_than=-1&kind=projector&lang=fr")
    assert 'id="err-older_than"' in page and re.findall(r'href="/faults/(F\d)"', body_of(page)) == ["F2"]


# ---------------------------------------------------------------- the warranties' filters

ENDING = [dict(asset_id=a, serial=serial, kind=kind, school_code=school, supplier=supplier, days_left=days,
               received_on="2025-01-03", warranty_months=24, warranty_ends_on="2027-01-03",
               last_covered_day="2027-01-02", open_fault_id=None)
          for a, serial, kind, school, supplier, days in [("A1", "LT-77", "laptop", "S1", "Maroc Info", 28),
                                                           ("A3", "PJ-8", "projector", "S2", "Sahara PC", 12),
                                                           ("A5", "LT-80", "laptop", "S2", "Maroc Info", 45)]]


@pytest.fixture
def ending(site, monkeypatch):
    """Three items whose warranty ends soon: a laptop at S1 and a projector and a laptop at S2, from two suppliers;
    maintenance answers for the school asked, as it does."""
    answering(monkeypatch, Lists, {"warranty_expiring": lambda school, days: [
        dict(r) for r in ENDING if school in (None, r["school_code"])]})
    client, _ = site
    sign_in(client, "coord")
    return client


def serials_of(page: str) -> list[str]:
    return re.findall(r'<bdi dir="ltr">([\w-]+)</bdi>', body_of(page))


@pytest.mark.parametrize("typed", ["S2", "Collège Annour", "college annour", "إعدادية النور", "Collège Annour (S2)"])
def test_the_warranties_of_one_school_named_by_its_code_or_its_name(ending, typed):
    page = page_of(ending, f"/warranties?lang=fr&school_code={typed}")
    assert serials_of(page) == ["PJ-8", "LT-80"] and "2 articles" in page
    # The field shows the school found, by its name with its code beside: what it shows finds it again.
    assert ('<input id="school_code" name="school_code" list="dl-schools" autocomplete="off" '
            'value="Collège Annour (S2)"') in page
    assert '<datalist id="dl-schools"><option value="S1">' in page and 'id="err-school_code"' not in page
    assert "school_code=S2" in exports_of(page)["csv"]


@pytest.mark.parametrize("lang,typed,said", [
    ("fr", "Lycée Inconnu", "Aucun établissement n&#39;a ce nom ou ce code : choisissez-le dans la liste."),
    ("fr", "S9", "Aucun établissement n&#39;a ce nom ou ce code : choisissez-le dans la liste."),
    ("ar", "ثانوية مجهولة", "لا توجد مؤسسة بهذا الاسم أو الرمز: اخترها من القائمة.")])
def test_a_school_no_warranty_list_knows_is_said_beside_its_field_in_the_pages_language(ending, lang, typed, said):
    page = page_of(ending, f"/warranties?lang={lang}&school_code={typed}&supplier=Maroc+Info")
    field = page[page.index('<input id="school_code"'):]
    # What was typed stays in the field, to be mended.
    assert field.startswith(f'<input id="school_code" name="school_code" list="dl-schools" autocomplete="off" '
                            f'value="{typed}"') and (
        f' aria-invalid="true" aria-describedby="err-school_code"><p class="field-err" id="err-school_code">{said}</p>'
        in field[:field.index("</div>")])
    assert serials_of(page) == ["LT-77", "LT-80"]  # the rest of the filters still apply
    assert "school_code" not in exports_of(page)["csv"]


@pytest.mark.parametrize("query,shown", [
    ("supplier=Maroc+Info", ["LT-77", "LT-80"]), ("supplier=Sahara+PC", ["PJ-8"]),
    ("kind=projector", ["PJ-8"]), ("school_code=S2&supplier=Maroc+Info", ["LT-80"]),
    ("school_code=S1&supplier=Sahara+PC", []), ("school_code=S2&kind=laptop&supplier=Maroc+Info", ["LT-80"]),
])
def test_the_warranty_lists_filters(ending, query, shown):
    assert serials_of(page_of(ending, f"/warranties?{query}")) == shown
    assert [r["serial"] for r in ending.get(f"/api/warranties/ending?{query}").json] == shown  # the API reads the same
    rows = csv_rows(ending, f"/api/warranties/ending/export?{query}&format=csv&lang=fr")  # its file the same
    assert [r[0] for r in rows[1:]] == shown


def test_the_suppliers_to_pick_are_those_of_the_warranties_ending(ending):
    page = page_of(ending, "/warranties?lang=fr&school_code=S1&supplier=Sahara+PC")
    picks = page[page.index('<select id="supplier"'):]
    assert re.findall(r"<option(?: selected)?>([^<]+)</option>", picks[:picks.index("</select>")]) == [
        "Maroc Info", "Sahara PC"]  # every supplier of the list, whichever school is asked
    assert "<option selected>Sahara PC</option>" in picks and "Rien à afficher." in body_of(page)
    assert "0 article" in page


def test_the_warranties_page_keeps_to_the_60_days_its_heading_says(ending, site):
    _, services = site
    page = page_of(ending, "/warranties?lang=fr&days=5&kind=laptop")
    assert "Garanties se terminant sous 60 jours</h1>" in page and "2 articles" in page
    assert [a for s, m, a in services.calls if m == "warranty_expiring"][-2:] == [(None, 60)] * 2
    assert "days" not in exports_of(page)["csv"]


def test_the_warranties_export_is_the_filtered_list_in_the_pages_language(ending):
    page = page_of(ending, "/warranties?lang=fr&school_code=Collège+Annour&supplier=Maroc+Info")
    links = exports_of(page)
    assert "school_code=S2" in links["csv"] and "supplier=Maroc+Info" in links["csv"]
    assert csv_rows(ending, links["csv"]) == [
        ["Numéro de série", "Type", "Code de l'établissement", "Fournisseur", "Fin de garantie", "Jours restants"],
        ["LT-80", "Ordinateur portable", "S2", "Maroc Info", "2027-01-03", "45"]]
    rows = xlsx_rows(ending, exports_of(page_of(ending, "/warranties?school_code=S2&kind=projector"))["xlsx"])
    assert rows[0][0] == "الرقم التسلسلي" and [r[:4] for r in rows[1:]] == [["PJ-8", "جهاز عرض", "S2", "Sahara PC"]]


# ---------------------------------------------------------------- printed things: labels, documents, files to fill in


def qr_modules(svg: str) -> list[list[bool]]:
    """The dark modules of a QR code drawn by segno as one SVG path (rows of `h` runs, relative moves)."""
    size = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r'transform="scale\((\d+)\)"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    x, y, dark = 0.0, 0.0, set()
    for op, args in re.findall(r"([Mmh])([-\d. ]+)", path):
        numbers = [float(n) for n in args.split()]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            dark.update((int(y), int(x) + i) for i in range(int(numbers[0])))
            x += numbers[0]
    border = min(c for _, c in dark)
    n = size // scale - 2 * border
    return [[(r + border, c + border) in dark for c in range(n)] for r in range(n)]


def test_each_label_has_a_qr_code_of_its_assets_page(site):
    client, _ = site
    sign_in(client, "infra")
    page = page_of(client, "/labels?lang=fr&school_code=S1")
    labels = re.findall(r'<div class="label">(.*?)</div>\s*</div>', page, re.S)
    assert len(labels) == 1 and "LT-77" in labels[0] and "École Al Amal" in labels[0]
    svg = re.search(r"<svg.*?</svg>", labels[0], re.S).group(0)
    wanted = "http://localhost/assets?serial=LT-77"
    assert any(qr_modules(svg) == [[bool(v) for v in row] for row in segno.make(wanted, error=level).matrix]
               for level in "lmqh")
    assert not any(qr_modules(svg) == [[bool(v) for v in row] for row in segno.make(other, error=level).matrix]
                   for level in "lmqh" for other in ("http://localhost/assets?serial=PJ-8", "LT-77"))
    assert len(re.findall(r'<div class="label">', page_of(client, "/labels"))) == 3  # every item in service



def test_the_labels_of_a_school_named_on_its_page_say_whose_and_a_school_not_found_prints_none(site):
    """From the school's page the coordinator prints its labels; the sheet names the school. A school typed by a
    name no school has prints nothing and says why, instead of every label of the province."""
    client, _ = site
    sign_in(client, "coord")
    school = page_of(client, "/schools/S1?lang=fr")
    assert '<a id="school-labels" href="/labels?school_code=S1">Imprimer les étiquettes</a>' in school
    page = page_of(client, "/labels?lang=fr&school_code=ecole+al+amal")
    assert '<h2 id="labels-of" class="no-print">École Al Amal (S1)</h2>' in page
    assert len(re.findall(r'<div class="label">', page)) == 1
    wrong = page_of(client, "/labels?lang=ar&school_code=مدرسة+مجهولة")
    said = "المؤسسة: هذه المؤسسة غير موجودة."
    assert f'<div class="notice err" role="alert" tabindex="-1" id="form-errors"><p>{said}</p>' in wrong
    assert '<div class="label">' not in wrong and "data-print" not in wrong

def document(page: str) -> str:
    """A printed document's page: the unit's heading in both languages, a print button, the print stylesheet."""
    assert '<body class="document">' in page and 'href="/static/print.css" media="print"' in page
    # The province by its name (OED, the default PROVINCE_CODE), as its own documents head it
    assert "Direction provinciale <bdi>Oued Ed-Dahab</bdi>" in page
    assert "المديرية الإقليمية <bdi>وادي الذهب</bdi>" in page
    assert '<button type="button" data-print>' in page
    return html.unescape(page)


def test_the_transfer_report_is_a_printable_document_naming_its_items(site):
    client, _ = site
    sign_in(client, "coord")
    page = document(page_of(client, "/transfers/TR-9?lang=fr"))
    assert "<h1>Rapport de transfert</h1>" in page
    assert "École Al Amal" in page and "Collège Annour" in page and "Unused" in page
    items = page[page.index("<tbody>"):page.index("</tbody>")]
    assert '<bdi dir="ltr">LT-77</bdi>' in items and "Ordinateur portable" in items and "X1" in items
    assert "L'établissement cédant" in page[page.index('class="signatures"'):]
    assert 'href="/forms/inventory/approve_transfer?transfer_id=TR-9"' in page  # it is awaiting a decision


def test_the_delivery_reception_record_is_a_printable_document_of_every_item(site):
    client, _ = site
    sign_in(client, "coord")
    page = document(page_of(client, "/deliveries/BL-9?lang=fr"))
    assert "<h1>Procès-verbal de réception</h1>" in page and "Maroc Info" in page and "3 octobre 2025" in page
    items = page[page.index("<tbody>"):page.index("</tbody>")]
    assert re.findall(r'<bdi dir="ltr">([^<]+)</bdi>', items) == ["LT-77", "PJ-5"]
    assert "3 octobre 2027" in items and "École Al Amal" in items
    assert client.get("/deliveries/BL-404").status_code == 404


def test_the_files_to_fill_in_have_the_expected_columns_and_an_example(site):
    client, _ = site
    sign_in(client, "infra")
    rows = csv_rows(client, "/templates/assignment.csv")
    assert len(rows) == 2 and len(rows[0]) == 2 and rows[1] == ["SN-0001", "S0001"]
    rows = csv_rows(client, "/templates/delivery.csv?lang=fr")
    assert len(rows) == 2 and len(rows[0]) == 5 and rows[1][0] == "SN-0001"
    resp = client.get("/templates/delivery.xlsx")  # Arabic headings, right to left
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet.sheet_view.rightToLeft and [c.value for c in sheet[1]][:2] == ["الرقم التسلسلي", "النوع"]
    assert resp.headers["Content-Disposition"] == 'attachment; filename="delivery-ar.xlsx"'
    assert client.get("/templates/delivery.pdf").status_code == 404
    assert client.get("/templates/nothing.csv").status_code == 404


def test_equipment_is_assigned_from_the_downloaded_file_filled_in(site):
    client, services = site
    sign_in(client, "infra")
    sheet = load_workbook(io.BytesIO(client.get("/templates/assignment.xlsx?lang=fr").data))
    sheet.active.delete_rows(2)
    sheet.active.append(["LT-77", "S2"])
    sheet.active.append(["PJ-5", "S1 · École Al Amal"])
    filled = io.BytesIO()
    sheet.save(filled)
    page = page_of(client, "/forms/inventory/assign_equipment?lang=fr")
    resp = client.post("/forms/inventory/assign_equipment?lang=fr", data={
        "csrf": csrf_of(page), "file": (io.BytesIO(filled.getvalue()), "affectations.xlsx")},
        content_type="multipart/form-data")
    assert resp.status_code == 303 and "assigned=2" in resp.headers["Location"]
    assert [body for _, command, body in commands_sent(services) if command == "assign_equipment"] == [
        {"asset_id": "A1", "school_code": "S2"}, {"asset_id": "A2", "school_code": "S1"}]


def test_faults_are_named_by_serial_from_their_schools_equipment_only(site):
    """A province's whole register is a large read: the serials of a few faults come from their schools'."""
    client, services = site
    sign_in(client, "tech")
    found = client.get("/api/faults").json
    assert [(f["serial"], f["kind"], f["model"]) for f in found] == [("LT-77", "laptop", "X1"), ("PJ-8", "projector",
                                                                                               "EB-X")]
    asked = [args[0] for _, method, args in services.calls if method == "assets"]
    assert asked == [{"per_page": 0, "school_codes": ["S1", "S2"]}]


def test_faults_open_over_15_days_say_whole_days(site):
    client, services = site
    overdue = services.overdue_faults
    services.overdue_faults = lambda school, days: [dict(f, days_open=26.7) for f in overdue(school, days)]
    sign_in(client, "tech")
    for lang, days in (("fr", "jours"), ("ar", "يوما")):
        body = body_of(page_of(client, f"/faults?older_than=15&lang={lang}"))
        assert re.search(rf"· 26 {days}<", body), body
        assert not re.search(r"· \d+[,.٫]\d", body)  # never 26,7 days
