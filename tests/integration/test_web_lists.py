"""The equipment and maintenance lists on the real services, over RabbitMQ, as a coordinator and a technician
use them in the browser: the filters and the exports that keep them, the mean time to repair by supplier and by
kind, who recorded each step of a fault, and the warranty of the item picked to declare a fault."""
import csv
import html
import io
import re
from datetime import date

import requests

from tests.helpers import wait_for
from tests.integration.test_gateway_http import SCHOOLS, Client, system  # noqa: F401  (fixture)

TODAY = date.today().isoformat()


class Browser:
    """A signed-in web session, in French."""

    def __init__(self, base, user):
        self.base, self.session = base, requests.Session()
        resp = self.session.post(base + "/login", data={"username": user, "password": f"secret-{user}"},
                                 allow_redirects=False, timeout=30)
        assert resp.status_code == 303, resp.text

    def page(self, path) -> str:
        resp = self.session.get(self.base + path + ("&" if "?" in path else "?") + "lang=fr", timeout=30)
        assert resp.status_code == 200, resp.text[:3000]
        return html.unescape(resp.text)

    def export(self, page, fmt="csv") -> list[list[str]]:
        link = re.search(rf'href="(/api/[^"]*/export\?[^"]*format={fmt}[^"]*)"', page).group(1)
        resp = self.session.get(self.base + link, timeout=30)
        assert resp.status_code == 200, resp.text
        return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))


def created(resp):
    assert resp.status_code == 201, resp.text
    return resp.json()["events"]


def test_lists_and_a_faults_story_on_the_real_services(system):  # noqa: F811
    infra, coord, tech = Client(system, "youssef"), Client(system, "fatima"), Client(system, "karim")
    for school in SCHOOLS:
        created(infra.post("/api/inventory/register_school", school))
    created(infra.post("/api/inventory/receive_delivery", {
        "supplier": "Maroc Info", "delivery_ref": "BL-1", "occurred_at": "2025-10-01T09:00:00+01:00",
        "items": [{"kind": "laptop", "serial": s, "warranty_months": 24, "bundle": "vmm"} for s in ("LT-1", "LT-2")]}))
    created(infra.post("/api/inventory/receive_delivery", {
        "supplier": "Sahara PC", "delivery_ref": "BL-2", "items": [
            {"kind": "projector", "serial": s, "warranty_months": 12, "bundle": "none"} for s in ("PJ-1", "PJ-2")]}))
    for serial, school in (("LT-1", "OED001"), ("LT-2", "OED002"), ("PJ-1", "OED002")):
        created(infra.post("/api/inventory/assign_equipment", {"serial": serial, "school_code": school}))
    created(infra.post("/api/inventory/record_usage_visit", {"school_code": "OED002", "observations": [
        {"serial": "LT-2", "status": "unused"}, {"serial": "PJ-1", "status": "in_use"}]}))
    [proposed] = created(infra.post("/api/inventory/propose_transfer", {
        "serials": ["LT-2"], "from_school": "OED002", "to_school": "OED001", "reason": "Inutilisé", "report": "R"}))
    transfer = proposed["data"]["transfer_id"]
    created(coord.post("/api/inventory/approve_transfer", {"transfer_id": transfer}))
    created(infra.post("/api/inventory/complete_transfer", {"transfer_id": transfer}))
    created(infra.post("/api/inventory/complete_inventory_audit", {
        "school_code": "OED001", "occasion": "annual", "unexpected_serials": ["XX-9"],
        "findings": [{"serial": "LT-1", "status": "present"}, {"serial": "LT-2", "status": "damaged"}]}))
    created(infra.post("/api/inventory/complete_inventory_audit", {
        "school_code": "OED002", "occasion": "spot", "unexpected_serials": [],
        "findings": [{"serial": "PJ-1", "status": "present"}]}))

    # Two faults repaired and closed, one left open; maintenance hears of the equipment over the bus.
    def declare(serial, school):
        body = {"serial": serial, "school_code": school, "symptom": f"{serial} en panne"}
        resp = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(
            infra.post("/api/maintenance/declare_fault", body)))
        return resp.json()["events"][0]["data"]["fault_id"]

    laptop = declare("LT-1", "OED001")
    created(tech.post("/api/maintenance/file_warranty_claim", {"fault_id": laptop, "claim_ref": "MI-1"}))
    created(tech.post("/api/maintenance/record_repair", {"fault_id": laptop, "action": "Écran changé"}))
    created(coord.post("/api/maintenance/close_fault", {"fault_id": laptop, "resolution": "repaired"}))
    projector = declare("PJ-1", "OED002")
    created(tech.post("/api/maintenance/file_warranty_claim", {"fault_id": projector, "claim_ref": "SP-1"}))
    created(tech.post("/api/maintenance/record_repair", {"fault_id": projector, "action": "Lampe"}))
    created(tech.post("/api/maintenance/close_fault", {"fault_id": projector, "resolution": "repaired"}))
    declare("LT-2", "OED001")

    web = Browser(system, "fatima")
    # Deliveries: fully assigned or not, by supplier and dates; the export is the list shown.
    page = web.page("/deliveries?open=0")
    assert [r[0] for r in web.export(page)[1:]] == ["BL-1"]
    assert [r[0] for r in web.export(web.page(f"/deliveries?open=1&since={TODAY}"))[1:]] == ["BL-2"]
    assert [r[0] for r in web.export(web.page("/deliveries?supplier=Maroc+Info&until=2025-12-31"))[1:]] == ["BL-1"]
    # Audits: with discrepancies (a damaged item and an unexpected serial), by commune.
    rows = web.export(web.page("/audits?discrepancies=1"))
    assert [r[1] for r in rows[1:]] == ["OED001"] and rows[0][:2] == ["Inventaire", "Code de l'établissement"]
    assert [r[1] for r in web.export(web.page("/audits?commune=Bir+Anzarane"))[1:]] == ["OED002"]
    assert [r[1] for r in web.export(web.page("/audits?discrepancies=0&school_code=OED001"))[1:]] == []
    # Transfers: completed, from one school to the other, today.
    page = web.page(f"/transfers?status=completed&from_school=OED002&since={TODAY}")
    assert [(r[0], r[1], r[2], r[3]) for r in web.export(page)[1:]] == [(transfer, "Réalisé", "OED002", "OED001")]
    assert web.export(web.page("/transfers?status=completed&to_school=OED002"))[1:] == []
    # The open faults' export names the item by serial, kind and model.
    rows = web.export(web.page("/faults"))
    assert [r[2:4] for r in rows[1:]] == [["LT-2", "Ordinateur portable"]]

    # The mean time to repair by supplier and by kind of equipment.
    page = web.page("/faults")
    section = page[page.index('id="repair-time"'):]
    supplier = section[section.index('id="repair-time-supplier"'):section.index('id="repair-time-kind"')]
    assert re.findall(r'<tr data-group="([^"]*)">', supplier) == ["Maroc Info", "Sahara PC"]
    kind = section[section.index('id="repair-time-kind"'):]
    assert re.findall(r'<tr data-group="([^"]*)">', kind) == ["laptop", "projector"]
    assert "Ordinateur portable" in kind and "Vidéoprojecteur" in kind

    # Who recorded each step of a fault, on its page and in the item's history.
    story = web.page(f"/faults/{laptop}")
    story = story[story.index('<ol class="timeline">'):]
    assert re.findall(r"— (\w+) \(", story) == ["youssef", "karim", "karim", "fatima"]
    history = web.page("/assets?serial=LT-1")
    history = history[history.index("Panne déclarée : LT-1 en panne"):]
    assert re.search(r"^[^<]*</span> <span class=\"muted\">— youssef \(Axe infrastructure et équipements\)", history)
    assert "— karim (Technicien)" in history and "— fatima (Coordinateur provincial)" in history

    # Declaring a fault says whether the item picked is under warranty, and until when.
    page = web.page("/forms/maintenance/declare_fault?school_code=OED001&serial=LT-1")
    assert 'aria-live="polite">Sous garantie, fin le 1 octobre 2027</p>' in page
