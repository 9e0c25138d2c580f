"""The infrastructure team's forms as a person fills them: schools named as people know them, refusals said
beside the line and field they are about, in the page's language."""
from tests.helpers import page_as
from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import commands_sent, csrf_of, site  # noqa: F401  (fixture)


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
