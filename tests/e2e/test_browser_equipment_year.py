"""A coordinator's equipment year and a technician's faults, in the browser only, naming assets by serial,
in Arabic and then in French; after each step the state is checked through the API.

The browser runs in a child process (see test_browser_web.py); the API checks are made from it too, with a
token of the coordinator's.
"""
import time

import pytest

from tests.e2e.browser import ARTIFACTS, chromium, declare_fault, needs_chromium, run_in_child, signed_in

WORDS = {"ar": {"record": "محضر استلام التجهيزات", "missing": "مفقود", "under": "تحت الضمان",
                "closed": "مغلق"},
         "fr": {"record": "Procès-verbal de réception", "missing": "Manquant", "under": "Sous garantie",
                "closed": "Clôturée"}}


def year(base: str) -> None:
    import requests
    from playwright.sync_api import expect

    from tests.helpers import caught_up

    def api(path, **params):
        answer = requests.get(base + path, params=params, headers=auth, timeout=30)
        assert answer.status_code == 200, (path, answer.text[:300])
        return answer.json()

    def until(check, what, timeout=30):
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, what
            time.sleep(0.3)

    token = requests.post(base + "/api/login", json={"username": "fatima", "password": "secret-fatima"},
                          timeout=30).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    with chromium() as browser:
        for lang in ("ar", "fr"):
            w = WORDS[lang]
            tag = lang.upper()
            people = {user: signed_in(browser, base, user, lang) for user in ("fatima", "karim", "amina")}
            coord = people["fatima"]

            # A delivery of 30 items by file.
            ref = f"BL-{tag}-30"
            coord.goto(base + "/forms/inventory/import_delivery")
            lines = "serial,kind,warranty_months\n" + "".join(
                f"{tag}-{n:03d},{'laptop' if n % 2 else 'projector'},24\n" for n in range(1, 31))
            upload = coord.locator("#form-upload")
            upload.locator("[name=supplier]").fill("Maroc Info")
            upload.locator("[name=delivery_ref]").fill(ref)
            upload.locator("[name=file]").set_input_files(
                {"name": "bl.csv", "mimeType": "text/csv", "buffer": lines.encode()})
            upload.locator("button[type=submit]").click()
            coord.wait_for_url("**/deliveries/**")
            try:
                expect(coord.locator("h1")).to_have_text(w["record"])
            except AssertionError:
                coord.screenshot(path=str(ARTIFACTS / f"year-delivery-failed-{lang}.png"), full_page=True)
                raise
            assert api("/api/equipment", delivery_ref=ref, per_page=0)["total"] == 30

            # Split between three schools in one submit: ten each.
            coord.goto(f"{base}/forms/inventory/assign_equipment?delivery_ref={ref}")
            table = coord.locator("#form-assign")
            for n in range(1, 31):
                table.locator(f"[name=school-{n}]").fill(["OED001", "OED002", "OED003"][(n - 1) // 10])
            table.locator("button[type=submit]").click()
            expect(coord.locator(".notice.ok", has_text="30")).to_be_visible()
            for school in ("OED001", "OED002", "OED003"):
                assert api("/api/equipment", delivery_ref=ref, school_code=school, per_page=0)["total"] == 10

            # Installation at the first school.
            coord.goto(base + "/forms/inventory/confirm_installation?school_code=OED001")
            coord.locator("#form-install button[type=submit]").click()
            expect(coord.locator("#equipment")).to_be_visible()
            until(lambda: api("/api/equipment", delivery_ref=ref, school_code="OED001",
                              status="installed", per_page=0)["total"] == 10, "installed")

            # A visit that finds two items unused.
            coord.goto(base + "/forms/inventory/record_usage_visit?school_code=OED001")
            visit = coord.locator("#form-visit")
            unused = []
            for legend in visit.locator("fieldset").all():
                serial = legend.locator("input[type=hidden]").get_attribute("value")
                if serial.startswith(tag) and len(unused) < 2:
                    legend.locator("input[value=unused]").check()
                    unused.append(serial)
            visit.locator("button[type=submit]").click()
            expect(coord.locator(".notice.ok")).to_be_visible()
            found = api("/api/equipment", school_code="OED001", status="unused", q=tag, per_page=0)["items"]
            assert sorted(a["serial"] for a in found) == sorted(unused)

            # A transfer of those two, proposed, approved and completed.
            coord.goto(base + "/forms/inventory/propose_transfer?from_school=OED001")
            transfer = coord.locator("#form-transfer")
            for serial in unused:
                transfer.locator(f"input[name=serials][value='{serial}']").check()
            transfer.locator("[name=to_school]").fill("OED002")
            transfer.locator("[name=reason]").fill("Inutilisé" if lang == "fr" else "غير مستعمل")
            transfer.locator("[name=report]").fill("Rapport de visite" if lang == "fr" else "تقرير الزيارة")
            transfer.locator("button[type=submit]").click()
            coord.wait_for_url("**/transfers/**")
            transfer_id = coord.url.split("/transfers/")[1].split("?")[0]
            assert api(f"/api/transfers/{transfer_id}")["status"] == "proposed"
            coord.click("a[href^='/forms/inventory/approve_transfer']")
            coord.locator("form[data-command='inventory/approve_transfer'] button[type=submit]").click()
            coord.wait_for_url("**/transfers/**")
            assert api(f"/api/transfers/{transfer_id}")["status"] == "approved"
            coord.click("a[href^='/forms/inventory/complete_transfer']")
            coord.locator("form[data-command='inventory/complete_transfer'] button[type=submit]").click()
            coord.wait_for_url("**/transfers/**")
            assert api(f"/api/transfers/{transfer_id}")["status"] == "completed"
            assert {a["serial"] for a in api("/api/equipment", school_code="OED002", q=tag, per_page=0)["items"]} \
                >= set(unused)
            coord.screenshot(path=str(ARTIFACTS / f"year-transfer-report-{lang}.png"), full_page=True)

            # An audit at the third school: one item missing, one serial nobody expected; its report printed.
            coord.goto(base + "/forms/inventory/complete_inventory_audit?school_code=OED003")
            audit = coord.locator("#form-audit")
            first = audit.locator("fieldset").first
            missing = first.locator("input[type=hidden]").get_attribute("value")
            first.locator("input[value=missing]").check()
            audit.locator("[name=unexpected_serials]").fill(f"{tag}-STRANGER-1")
            audit.locator("button[type=submit]").click()
            coord.wait_for_url("**/audits/**")
            expect(coord.locator("#discrepancies")).to_contain_text(missing)
            expect(coord.locator("#discrepancies")).to_contain_text(f"{tag}-STRANGER-1")
            expect(coord.locator("#discrepancies")).to_contain_text(w["missing"])
            audit_id = coord.url.split("/audits/")[1].split("?")[0]
            report = api(f"/api/audits/{audit_id}")
            assert report["missing"] == 1 and [u["serial"] for u in report["unexpected_serials"]] == [
                f"{tag}-STRANGER-1"]
            coord.emulate_media(media="print")
            coord.pdf(path=str(ARTIFACTS / f"year-audit-report-{lang}.pdf"), format="A4")
            coord.screenshot(path=str(ARTIFACTS / f"year-audit-report-print-{lang}.png"), full_page=True)
            coord.emulate_media(media="screen")

            # A fault under warranty, declared by the coordinator, taken by the technician to its close.
            laptop = f"{tag}-005"  # still at the first school (001 and 002 left with the transfer)
            fault_id = declare_fault(coord, base, laptop, "L'écran reste noir" if lang == "fr" else "الشاشة سوداء",
                                     "?school_code=OED001")
            expect(coord.locator("#fault")).to_contain_text(w["under"])
            tech = people["karim"]
            tech.goto(base + "/")
            tech.locator("main a[href='/faults']").first.click()
            tech.click(f"a[href='/faults/{fault_id}']")
            for command, fill in (("file_warranty_claim", {"claim_ref": f"RMA-{tag}-1"}),
                                  ("record_repair", {"action": "Dalle remplacée"}),
                                  ("close_fault", {"resolution": "repaired"})):
                tech.click(f"a[href^='/forms/maintenance/{command}']")
                form = tech.locator(f"form[data-command='maintenance/{command}']")
                for name, value in fill.items():
                    field = form.locator(f"[name={name}]")
                    if field.evaluate("e => e.tagName") == "SELECT":
                        field.select_option(value)
                    else:
                        field.fill(value)
                form.locator("button[type=submit]").click()
                tech.wait_for_url(f"**/faults/{fault_id}?done=*")
            done = api(f"/api/faults/{fault_id}")
            assert (done["claim_ref"], done["status"], done["resolution"]) == (f"RMA-{tag}-1", "closed", "repaired")
            expect(tech.locator("#fault")).to_contain_text(w["closed"])

            # A school director's fault at their school; the technician replaces the item.
            director = people["amina"]
            other = f"{tag}-007"
            second = declare_fault(director, base, other, "Ne démarre plus" if lang == "fr" else "لا يشتغل")
            assert api(f"/api/faults/{second}")["school_code"] == "OED001"
            tech.goto(f"{base}/faults/{second}")
            tech.click("a[href^='/forms/maintenance/replace_equipment']")
            form = tech.locator("form[data-command='maintenance/replace_equipment']")
            form.locator("[name=new_serial]").fill(f"{tag}-NEW-1")
            form.locator("button[type=submit]").click()
            tech.wait_for_url(f"**/faults/{second}?done=*")
            # Inventory's reaction has read maintenance's log up to the replacement.
            replaced_at = api("/api/health")["services"]["maintenance"]["last_position"]
            caught_up(lambda: api("/api/health")["services"]["inventory"]["reactions"]["positions"],
                      {"maintenance": replaced_at})
            assert api("/api/equipment", q=f"{tag}-NEW-1", per_page=0)["total"] == 1, "replacement"
            assert api("/api/equipment", q=f"{tag}-NEW-1", per_page=0)["items"][0]["school_code"] == "OED001"
            tech.screenshot(path=str(ARTIFACTS / f"year-replacement-{lang}.png"), full_page=True)
            for page in people.values():
                page.close()


@pytest.mark.e2e
@needs_chromium
def test_an_equipment_year_in_the_browser_in_arabic_and_in_french(genie_env, runner_factory, rabbit_config,
                                                                  monkeypatch):
    from tests.integration.test_gateway_http import SCHOOLS, start_with_schools

    third = dict(SCHOOLS[0], school_code="OED003", name_ar="مدرسة الأمل", name_fr="École Al Amal")
    base, _ = start_with_schools(runner_factory, rabbit_config, monkeypatch, "youssef", [*SCHOOLS, third])
    run_in_child("tests.e2e.test_browser_equipment_year", "year", base, log="browser-year.log", timeout=600)
