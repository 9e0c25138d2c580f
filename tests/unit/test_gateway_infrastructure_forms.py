"""The infrastructure team's forms as a person fills them: schools named as people know them, refusals said
beside the line and field they are about, in the page's language."""
import re

import pytest

from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import answering, page_as
from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import ASSETS, SCHOOLS, Services, commands_sent, csrf_of, site  # noqa: F401  (fixture)


def test_a_school_typed_by_its_french_or_arabic_name_is_the_school_meant(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/record_connectivity?lang=fr")
    resp = client.post("/forms/inventory/record_connectivity?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "ecole al  amal", "status": "connected", "link": "fiber",
        "bandwidth_mbps": "20"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1] == ("inventory", "record_connectivity", {
        "school_code": "S1", "status": "connected", "link": "fiber", "bandwidth_mbps": 20.0})
    page = client.get("/forms/inventory/assign_equipment").get_data(as_text=True)
    resp = client.post("/forms/inventory/assign_equipment", data={
        "csrf": csrf_of(page), "serial-1": "PJ-5", "school-1": "إعدادية النور"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1] == ("inventory", "assign_equipment", {"asset_id": "A2", "school_code": "S2"})


def test_a_name_no_school_has_is_said_beside_its_field_and_nothing_is_recorded(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/record_filtering?lang=fr")
    resp = client.post("/forms/inventory/record_filtering?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "École Al Amel", "active": "on"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert ('<p class="field-err" id="err-school_code">Aucun établissement n&#39;a ce nom ou ce code : '
            'choisissez-le dans la liste.</p>') in page
    page = client.get("/forms/inventory/assign_equipment").get_data(as_text=True)
    resp = client.post("/forms/inventory/assign_equipment", data={
        "csrf": csrf_of(page), "serial-1": "PJ-5", "school-1": "مدرسة النور"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert '<p class="field-err" id="err-school-1">لا توجد مؤسسة بهذا الاسم أو الرمز: اخترها من القائمة.</p>' in page
    assert '<a href="#f-school-1">المؤسسة — PJ-5</a>' in page
    assert not commands_sent(services)


def test_a_table_of_assignments_refused_half_way_keeps_each_school_beside_its_own_item(site, monkeypatch):
    client, services = site
    stock = [dict(ASSETS[1], asset_id=f"B{n}", serial=f"LT-40{n}", delivery_ref="BL-12") for n in (1, 2, 3)]

    def assign(body, meta):
        if body["school_code"] == "S9":
            raise CommandRejected("unknown_school", "School S9 is not registered.")
        stock[:] = [a for a in stock if a["asset_id"] != body["asset_id"]]
        return [{"event_type": "equipment_assigned", "data": body}]

    answering(monkeypatch, Services, {
        "assets": lambda query: {"total": len(stock), "page": 1, "per_page": 0, "items": [dict(a) for a in stock]},
        "asset_ids_of_serials": lambda serials: {s: "B" + s[-1] for s in serials},
        "assign_equipment": assign})
    page = page_as(client, "infra", "/forms/inventory/assign_equipment?delivery_ref=BL-12&lang=fr")
    resp = client.post("/forms/inventory/assign_equipment?delivery_ref=BL-12&lang=fr", data={
        "csrf": csrf_of(page), "serial-1": "LT-401", "school-1": "S1", "serial-2": "LT-402", "school-2": "S9",
        "serial-3": "LT-403", "school-3": "S2"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "1 sur 3 enregistrés ; ensuite : voir les champs signalés." in page
    assert '<a href="#f-school-1">Établissement — LT-402</a>' in page
    # LT-401 is assigned and gone; LT-402 keeps its school and its refusal, LT-403 its school.
    assert [(serial, school) for serial, school in re.findall(
        r'name="serial-\d+" value="([^"]+)".*?name="school-\d+"[^>]*value="([^"]*)"', page, re.S)] == [
        ("LT-402", "S9"), ("LT-403", "S2")]
    assert '<p class="field-err" id="err-school-1">Établissement introuvable.</p>' in page
    assert 'name="delivery_ref" list="dl-deliveries" autocomplete="off" value="BL-12"' in page


def test_a_delivery_typed_line_by_line_says_each_refusal_at_the_line_shown(site, monkeypatch):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/receive_delivery?lang=fr")
    lines = {"csrf": csrf_of(page), "supplier": "Maroc Info", "delivery_ref": "BL-41",
             "serial-1": "LT-901", "kind-1": "laptop", "warranty_months-1": "-3",
             "serial-3": "LT-902", "kind-3": "", "warranty_months-3": "24"}
    page = client.post("/forms/inventory/receive_delivery?lang=fr", data=lines).get_data(as_text=True)
    # The second line was left blank: the third is still the third.
    assert '<a href="#f-warranty_months-1">LT-901 — Garantie (mois)</a>' in page
    assert '<a href="#f-kind-3">LT-902 — Type</a>' in page

    def receive(body, meta):
        serials = [i["serial"] for i in body["items"]]
        if len(set(serials)) < len(serials):
            raise InvalidCommand({"items": {"1": {"serial": ["Serial LT-901 is repeated: see item 1."]}}})
        raise CommandRejected("serial_already_known", "Item 2: Serial LT-77 is already asset A1.")

    answering(monkeypatch, Services, {"receive_delivery": receive})
    page = client.get("/forms/inventory/receive_delivery?lang=fr").get_data(as_text=True)
    same = dict(lines, csrf=csrf_of(page), **{"warranty_months-1": "24", "kind-3": "laptop", "serial-3": "LT-901"})
    page = client.post("/forms/inventory/receive_delivery?lang=fr", data=same).get_data(as_text=True)
    assert '<a href="#f-serial-3">Ligne 3 — Numéro de série</a>\u00a0: Indiqué plus d&#39;une fois.' in page
    page = client.get("/forms/inventory/receive_delivery?lang=fr").get_data(as_text=True)
    known = dict(same, csrf=csrf_of(page), **{"serial-3": "LT-77"})
    page = client.post("/forms/inventory/receive_delivery?lang=fr", data=known).get_data(as_text=True)
    assert '<p class="field-err" id="err-serial-3">Ce numéro de série est déjà connu.</p>' in page
    assert '<a href="#f-serial-3">Ligne 3 — Numéro de série</a>' in page
    assert 'id="err-serial-1"' not in page


def test_the_school_to_go_through_is_picked_by_its_name_or_said_to_be_unknown_beside_the_picker(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/record_usage_visit?school_code=Ecole+Al+Amal&lang=fr")
    assert 'value="LT-77"' in page
    assert '<input type="hidden" name="school_code" value="S1">' in page
    page = client.get("/forms/inventory/record_usage_visit?school_code=مدرسة+المستقبل").get_data(as_text=True)
    assert 'value="مدرسة المستقبل"' in page and 'aria-invalid="true" aria-describedby="err-pick-school"' in page
    assert '<p class="field-err" id="err-pick-school">لا توجد مؤسسة بهذا الاسم أو الرمز: اخترها من القائمة.</p>' in page


def test_a_transfer_offers_only_the_equipment_a_visit_found_unused(site, monkeypatch):
    client, services = site
    at_school = [dict(ASSETS[0]), dict(ASSETS[0], asset_id="A3", serial="LT-78", status="unused")]
    answering(monkeypatch, Services, {
        "assets": lambda query: {"total": 2, "page": 1, "per_page": 0, "items": [dict(a) for a in at_school]}})
    page = page_as(client, "infra", "/forms/inventory/propose_transfer?from_school=S1&lang=fr")
    assert 'name="serials" value="LT-78"' in page and 'name="serials" value="LT-77"' not in page
    at_school.pop()
    page = client.get("/forms/inventory/propose_transfer?from_school=S1&lang=fr").get_data(as_text=True)
    assert ("Aucun matériel de cet établissement n'a été trouvé inutilisé lors de sa dernière visite : seul un "
            "tel matériel peut être transféré. <a href=\"/forms/inventory/record_usage_visit?school_code=S1\">"
            "Enregistrer une visite de suivi</a>") in page
    assert 'name="to_school"' not in page and "Proposer le transfert</button>" not in page  # nothing to fill in vain


def test_a_transfer_to_the_school_it_leaves_is_said_beside_the_school_to_receive_it(site, monkeypatch):
    client, services = site

    def propose(body, meta):
        raise CommandRejected("same_school", "A transfer moves equipment to another school.")

    unused = dict(ASSETS[0], status="unused")
    answering(monkeypatch, Services, {
        "propose_transfer": propose,
        "assets": lambda query: {"total": 1, "page": 1, "per_page": 0, "items": [dict(unused)]}})
    page = page_as(client, "infra", "/forms/inventory/propose_transfer?from_school=S1&lang=fr")
    resp = client.post("/forms/inventory/propose_transfer?from_school=S1&lang=fr", data={
        "csrf": csrf_of(page), "from_school": "S1", "serials": "LT-77", "to_school": "École Al Amal",
        "reason": "Inutilisé", "report": "Visite du 12 novembre"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert '<p class="field-err" id="err-to_school">Les deux établissements sont les mêmes.</p>' in page


WORKS = [{"work_id": "7f3c9a2e-5d41-4c1b-9b0a-2f6e8d1c4a77", "school_code": "S1", "kind": "cabling",
          "status": "planned", "updated_at": "2026-11-03T10:00:00+01:00"},
         {"work_id": "0b1d", "school_code": "S2", "kind": "electrical", "status": "done",
          "updated_at": "2026-10-01T10:00:00+01:00"}]


def test_a_schools_page_says_what_was_recorded_there_and_leads_to_its_works(site, monkeypatch):
    client, services = site
    school = dict(SCHOOLS[0], connectivity="connected", link="4g", bandwidth_mbps=12.5,
                  connectivity_at="2026-12-01T10:00:00+01:00", filtering_active=False,
                  filtering_at="2026-12-02T10:00:00+01:00",
                  censuses=[{"school_year": "2025-2026", "pupils": 322, "teachers": 13},
                            {"school_year": "2026-2027", "pupils": 412, "teachers": 17}],
                  infrastructure_works=[WORKS[0]], equipment_in_service=2)
    held = [dict(ASSETS[0], observation="unused"), dict(ASSETS[0], asset_id="A3", serial="LT-78", installed=False,
                                                        observation="in_use")]
    for a in held:
        del a["status"]  # inventory's school_equipment says what was observed, not the register's status
    answering(monkeypatch, Services, {
        "school": lambda code: dict(school), "school_equipment": lambda code: [dict(a) for a in held],
        "usage_visits": lambda code: [{"visit_id": "V1", "school_code": "S1", "occurred_at": "2026-12-03T10:00:00+01:00",
                                       "notes": "Salle fermée", "observations": [
                                           {"asset_id": "A1", "status": "unused"}, {"asset_id": "A3", "status": "in_use"},
                                           {"asset_id": "A4", "status": "in_use"}]}]})
    page = page_as(client, "infra", "/schools/S1?lang=fr")
    assert '<td data-label="État">Inutilisé à la dernière visite</td>' in page
    assert '<td data-label="État">Affecté</td>' in page
    assert ("3 décembre 2026 — 3 articles observés\u00a0: Utilisé 2 · Inutilisé 1 · <bdi>Salle fermée</bdi>"
            in page)
    assert "Connecté · 4G · 12,5 Mbit/s · 1 décembre 2026" in page
    assert "Filtrage inactif · 2 décembre 2026" in page
    assert re.search(r'<td data-label="Année scolaire">2026-2027</td><td data-label="Élèves">412</td>'
                     r'<td data-label="Enseignants">17</td></tr><tr><td data-label="Année scolaire">2025-2026</td>', page)
    assert ('<td data-label="Type">Câblage réseau</td><td data-label="État">Prévus</td>'
            '<td data-label="Depuis le">3 novembre 2026</td>') in page
    assert ('<a href="/forms/inventory/record_infrastructure_work?work_id=7f3c9a2e-5d41-4c1b-9b0a-2f6e8d1c4a77&amp;'
            'school_code=S1">Faire avancer</a>') in page
    assert '/forms/inventory/record_filtering?school_code=S1' in page


def test_works_are_followed_up_by_picking_them_by_school_and_kind_never_by_a_reference(site, monkeypatch):
    client, services = site
    answering(monkeypatch, Services, {"infrastructure_works": lambda code: [dict(w) for w in WORKS]})
    page = page_as(client, "infra", "/forms/inventory/record_infrastructure_work?lang=fr&work_id=" + WORKS[0]["work_id"])
    assert ('<option value="7f3c9a2e-5d41-4c1b-9b0a-2f6e8d1c4a77" selected>École Al Amal · Câblage réseau · Prévus · '
            '3 novembre 2026</option>') in page
    assert 'value="0b1d"' not in page  # done: nothing more to follow
    resp = client.post("/forms/inventory/record_infrastructure_work?lang=fr", data={
        "csrf": csrf_of(page), "work_id": WORKS[0]["work_id"], "school_code": "", "kind": "electrical",
        "status": "in_progress"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1] == ("inventory", "record_infrastructure_work", {
        "work_id": WORKS[0]["work_id"], "school_code": "S1", "kind": "cabling", "status": "in_progress"})


def test_an_open_transfer_is_picked_by_its_schools_items_and_reason_never_typed_by_its_id(site):
    client, services = site
    page = page_as(client, "coord", "/forms/inventory/approve_transfer?lang=fr")
    assert ('<select id="f-transfer_id" name="transfer_id" required aria-required="true">\n  <option value="">—</option>\n'
            '<option value="TR-9">École Al Amal → Collège Annour · 1 article · &lt;unused&gt; · 2 janvier 2026</option>'
            ) in page
    assert 'list="dl-transfers' not in page


def test_a_transfer_report_gives_a_generated_reference_as_short_as_the_list_does(site, monkeypatch):
    client, services = site
    long_id = "46f0ad95-3271-4070-a7d6-9688fcd06a32"
    answering(monkeypatch, Services, {"transfer": lambda transfer_id: {
        "transfer_id": long_id, "status": "proposed", "asset_ids": ["A1"], "from_school": "S1", "to_school": "S2",
        "reason": "Inutilisé", "report": "Visite", "proposed_at": "2026-12-06T09:00:00+01:00",
        "proposed_by": "youssef", "approved_by": None, "decided_at": None, "rejection_reason": None,
        "completed_at": None}})
    page = page_as(client, "infra", f"/transfers/{long_id}?lang=fr")
    assert "<dt>Transfert</dt><dd><bdi>46f0ad95</bdi></dd>" in page
    assert ">" + long_id + "<" not in page


def test_a_transfer_report_sets_what_was_typed_in_its_own_direction(site, monkeypatch):
    """A report typed in French on an Arabic page keeps its full stop at its end, not before its first word."""
    client, services = site
    answering(monkeypatch, Services, {"transfer": lambda transfer_id: {
        "transfer_id": "TR-9", "status": "rejected", "asset_ids": ["A1"], "from_school": "S1", "to_school": "S2",
        "reason": "Inutilisé.", "report": "Salle fermée.", "proposed_at": "2026-12-06T09:00:00+01:00",
        "proposed_by": "youssef", "approved_by": None, "decided_at": "2026-12-07T09:00:00+01:00",
        "rejection_reason": "Pas de salle.", "completed_at": None}})
    page = page_as(client, "infra", "/transfers/TR-9")
    assert '<p dir="auto">Inutilisé.</p>' in page and '<p dir="auto">Pas de salle.</p>' in page
    assert '<p class="report" dir="auto">Salle fermée.</p>' in page


def test_an_unexpected_serial_the_school_holds_is_said_beside_the_unexpected_serials(site, monkeypatch):
    client, services = site

    def audit(body, meta):
        raise CommandRejected("serial_expected_here", "LT-77 is on record here: give its finding.")

    answering(monkeypatch, Services, {"complete_inventory_audit": audit})
    page = page_as(client, "infra", "/forms/inventory/complete_inventory_audit?school_code=S1&lang=fr")
    resp = client.post("/forms/inventory/complete_inventory_audit?school_code=S1&lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "occasion": "annual", "serial-1": "LT-77",
        "finding-1": "present", "unexpected_serials": "LT-77"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert ('<p class="field-err" id="err-unexpected_serials">Ce numéro de série est inscrit dans cet établissement : '
            'donnez plutôt son constat.</p>') in page


def _asset_answer(**changes):
    return lambda asset_id=None, serial=None: {"asset": dict(ASSETS[0], **changes), "timeline": []}


def test_an_items_page_offers_what_may_still_be_recorded_about_it(site, monkeypatch):
    client, services = site
    answering(monkeypatch, Services, {"asset": _asset_answer(in_service=False, status="decommissioned")})
    page = page_as(client, "infra", "/assets?serial=LT-77&lang=fr")
    assert 'href="/forms/' not in page  # decommissioned: no fault, visit or second decommissioning to offer
    answering(monkeypatch, Services, {"asset": _asset_answer(school_code=None, installed=False, status="in_stock")})
    page = client.get("/assets?serial=LT-77&lang=fr").get_data(as_text=True)
    assert '<a class="button" href="/forms/inventory/decommission_equipment?serial=LT-77">Réformer un matériel</a>' in page
    unused = dict(ASSETS[0], status="unused")
    answering(monkeypatch, Services, {
        "asset": _asset_answer(), "assets": lambda query: {"total": 1, "page": 1, "per_page": 0, "items": [unused]}})
    page = client.get("/assets?serial=LT-77&lang=fr").get_data(as_text=True)
    assert ('<a class="button" href="/forms/inventory/propose_transfer?from_school=S1&amp;serial=LT-77">'
            'Proposer un transfert</a>') in page


def test_an_item_received_as_a_replacement_says_so_rather_than_an_internal_note(site, monkeypatch):
    client, services = site
    answering(monkeypatch, Services, {"deliveries": lambda *args: [
        {"delivery_ref": "replacement:F-002", "supplier": "Maroc Info", "received_at": "2025-03-08T09:00:00+01:00",
         "items": 1, "assigned": 1, "installed": 0, "kinds": {"laptop": 1}}]})
    page = page_as(client, "infra", "/deliveries?lang=fr")
    assert '<a href="/deliveries/replacement%3AF-002">Remplacement après une panne</a>' in page
    assert "replacement:F-002<" not in page
    answering(monkeypatch, Services, {"asset": _asset_answer(delivery_ref="replacement:F-002")})
    page = client.get("/assets?serial=LT-77&lang=fr").get_data(as_text=True)
    assert '<dd><a href="/faults/F-002">Remplacement après une panne</a> · Maroc Info</dd>' in page


def test_a_lists_school_filter_takes_the_schools_name(site):
    client, services = site
    page = page_as(client, "infra", "/equipment?school_code=Ecole+Al+Amal&lang=fr")
    assert "1 article" in page and '<bdi dir="ltr">LT-77</bdi></a>' in page and "Lettres, chiffres" not in page
    page = client.get("/transfers?from_school=مدرسة+النور&lang=fr").get_data(as_text=True)
    assert "Aucun établissement n&#39;a ce nom ou ce code : choisissez-le dans la liste." in page


def test_a_school_is_registered_in_a_region_picked_by_its_name_the_provinces_own_first(site, monkeypatch):
    client, services = site
    answering(monkeypatch, Services, {"schools": lambda *args: [dict(s, region_code="DOE") for s in SCHOOLS]})
    page = page_as(client, "infra", "/forms/inventory/register_school?lang=fr")
    assert '<option value="DOE" selected>Dakhla-Oued Ed-Dahab</option>' in page  # the code its schools carry
    assert 'value="DLO"' not in page and '<option value="SMA">Souss-Massa</option>' in page
    assert '<label for="f-region_code">Région</label>' in page
    page = client.get("/forms/inventory/update_school?lang=fr").get_data(as_text=True)
    assert '<option value="DOE">Dakhla-Oued Ed-Dahab</option>' in page  # an update changes nothing unless asked


def test_a_delivery_and_a_visit_are_dated_the_day_they_happened(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/receive_delivery?lang=fr")
    assert '<label for="f-l-occurred_at">Reçu le <span class="opt">(facultatif)</span></label>' in page
    resp = client.post("/forms/inventory/receive_delivery?lang=fr", data={
        "csrf": csrf_of(page), "supplier": "Maroc Info", "delivery_ref": "BL-77", "occurred_at": "2026-11-20",
        "serial-1": "LT-501", "kind-1": "laptop", "warranty_months-1": "24"})
    assert resp.status_code == 303
    sent = commands_sent(services)[-1][2]
    assert (sent["delivery_ref"], sent["occurred_at"]) == ("BL-77", "2026-11-20T12:00:00+01:00")
    page = client.get("/forms/inventory/record_usage_visit?school_code=S1&lang=fr").get_data(as_text=True)
    resp = client.post("/forms/inventory/record_usage_visit?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "serial-1": "LT-77", "status-1": "in_use",
        "occurred_at": "2026-11-27"})
    assert resp.status_code == 303
    assert commands_sent(services)[-1][2]["occurred_at"] == "2026-11-27T12:00:00+01:00"


def test_a_delivery_typed_by_lines_says_a_missing_supplier_beside_its_own_field(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/receive_delivery?lang=fr")
    page = client.post("/forms/inventory/receive_delivery?lang=fr", data={
        "csrf": csrf_of(page), "supplier": "", "delivery_ref": "BL-78",
        "serial-1": "LT-502", "kind-1": "laptop", "warranty_months-1": "24"}).get_data(as_text=True)
    assert '<a href="#f-l-supplier">Fournisseur</a>' in page
    assert ('<input id="f-l-supplier" name="supplier" required value="" aria-invalid="true" '
            'aria-describedby="err-l-supplier"><p class="field-err" id="err-l-supplier">Obligatoire.</p>') in page


def test_a_school_for_every_ticked_item_that_names_no_school_is_said_where_it_was_typed(site):
    client, services = site
    page = page_as(client, "infra", "/forms/inventory/assign_equipment?lang=fr")
    page = client.post("/forms/inventory/assign_equipment?lang=fr", data={
        "csrf": csrf_of(page), "school_all": "École Al Amel", "serial-1": "PJ-5", "pick-1": "on",
        "school-1": ""}).get_data(as_text=True)
    assert ('<p class="field-err" id="err-school_all">Aucun établissement n&#39;a ce nom ou ce code : '
            'choisissez-le dans la liste.</p>') in page
    assert 'id="err-school-1"' not in page


@pytest.mark.parametrize("lang,said", [("fr", "Date attendue sous la forme jj/mm/aaaa."),
                                       ("ar", "أدخل التاريخ على شكل يوم/شهر/سنة.")])
def test_a_delivery_is_dated_by_a_day_typed_day_first_and_one_that_is_none_is_said_beside_it(site, lang, said):
    client, services = site
    page = page_as(client, "infra", f"/forms/inventory/receive_delivery?lang={lang}")
    lines = {"csrf": csrf_of(page), "supplier": "Maroc Info", "delivery_ref": "BL-78", "serial-1": "LT-502",
             "kind-1": "laptop", "warranty_months-1": "24"}
    sent = len(commands_sent(services))
    refused = client.post(f"/forms/inventory/receive_delivery?lang={lang}", data=dict(lines, occurred_at="demain"))
    page = refused.get_data(as_text=True)
    # Beside the field of the form by lines, not of the form by file that has a field of the same name.
    assert refused.status_code == 400 and f'<p class="field-err" id="err-l-occurred_at">{said}</p>' in page
    assert 'id="err-occurred_at"' not in page and 'name="occurred_at" value="demain"' in page
    assert len(commands_sent(services)) == sent
    resp = client.post(f"/forms/inventory/receive_delivery?lang={lang}", data=dict(lines, occurred_at="20/11/2026"))
    assert resp.status_code == 303
    assert commands_sent(services)[-1][2]["occurred_at"] == "2026-11-20T12:00:00+01:00"
