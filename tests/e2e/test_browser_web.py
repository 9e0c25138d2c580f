"""The web application in a real headless Chromium: Arabic first, French on request, a fault declared from a
phone and seen on the school page. Screenshots go to test-artifacts/.

The browser is driven from a child process: Playwright's own event loop and the eventlet hub of the
services under test must not share one thread.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, needs_chromium, run_in_child, sign_in


def drive(base: str, asset_id: str) -> None:
    """What a school director, an infrastructure member, the coordinator and a viewer do in the browser;
    raises AssertionError on anything unexpected."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # what the page waits for may come late on a busy machine, not never
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # a phone
        page.set_default_timeout(30_000)
        page.goto(base + "/")
        expect(page).to_have_url(base + "/login?next=/")
        assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
        page.fill("#u", "amina")
        page.fill("#p", "wrong-password")
        page.click("button[type=submit]")
        expect(page.locator("[role=alert]")).to_contain_text("غير صحيحة")
        page.fill("#u", "amina")
        page.fill("#p", "secret-amina")
        page.click("button[type=submit]")

        expect(page.locator("h1")).to_have_text("عملي")  # a director's home: their school's work
        assert page.get_attribute("html", "dir") == "rtl"
        expect(page.locator(".queue-item").first).to_contain_text("2")  # LT-77 and PJ-5 in service
        page.screenshot(path=str(ARTIFACTS / "home-director-ar-phone.png"), full_page=True)
        page.goto(base + "/dashboard")
        expect(page.locator("tr[data-indicator=INF01] .value")).to_have_text("2")
        assert page.locator("tr[data-indicator] svg.spark").count() >= 20

        page.click("#lang-switch")
        expect(page.locator("h1")).to_have_text("Indicateurs")
        assert page.get_attribute("html", "dir") == "ltr" and page.get_attribute("html", "lang") == "fr"
        expect(page.locator("section h2").first).to_have_text("Infrastructure et équipements")

        # A fault, in French now, naming the laptop by its serial among the school's equipment.
        page.goto(base + "/forms/maintenance/declare_fault")
        form = page.locator("form[data-command='maintenance/declare_fault']")
        expect(form.locator("#f-school_code")).to_have_value("École Al Wahda")  # hers, by its name, not to choose
        expect(form.locator("#f-school_code")).to_have_attribute("readonly", "")
        form.locator("[name=serial]").fill("NOPE-404")
        form.locator("button[type=submit]").click()
        expect(page.locator("#err-serial")).to_have_text("Aucun matériel n'a ce numéro de série.")
        expect(page.locator("#err-symptom")).to_have_text("Obligatoire.")
        page.screenshot(path=str(ARTIFACTS / "form-fault-errors-fr-phone.png"), full_page=True)
        form = page.locator("form[data-command='maintenance/declare_fault']")
        form.locator("[name=serial]").fill("LT-77")
        form.locator("[name=symptom]").fill("L'écran reste noir")
        form.locator("button[type=submit]").click()
        expect(page.locator("#fault")).to_contain_text("L'écran reste noir")
        expect(page.locator(".notice.ok")).to_contain_text("Panne déclarée")
        page.screenshot(path=str(ARTIFACTS / "fault-declared-fr-phone.png"), full_page=True)

        page.goto(base + "/schools/OED001")
        expect(page.locator("#faults")).to_contain_text("L'écran reste noir")
        expect(page.locator("#equipment")).to_contain_text("LT-77")
        page.locator("#equipment a", has_text="LT-77").first.click()  # the serial: the asset's history in words
        expect(page.locator("#asset .timeline")).to_contain_text("Affecté à École Al Wahda (OED001)")

        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("#asset h3").first).to_have_text("المسار")
        page.goto(base + "/schools/OED002")
        expect(page.locator("h1")).to_have_text("غير مسموح")

        # The technician, on a phone in Arabic, picks the fault by its laptop's serial and records the repair.
        tech = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        tech.set_default_timeout(30_000)
        sign_in(tech, base, "karim", "/forms/maintenance/record_repair")
        repair = tech.locator("form[data-command='maintenance/record_repair']")
        expect(tech.locator("#dl-faults option[value='LT-77']")).to_have_count(1)
        repair.locator("[name=fault_id]").fill("lt-77")
        expect(tech.locator("#warranty-fault_id")).to_have_text("تحت الضمان")  # said as the serial is typed
        repair.locator("[name=action]").fill("تغيير الشاشة")
        expect(repair.locator("#hint-cost_mad")).to_contain_text("مجاني")  # under warranty: no cost to give
        repair.locator("button[type=submit]").click()
        expect(tech.locator(".notice.ok")).to_contain_text("تسجيل إصلاح")
        expect(tech.locator("#fault")).to_contain_text("تغيير الشاشة")
        expect(tech.locator("#repair-cost")).to_have_count(0)  # free under warranty: no cost of 0 said
        expect(tech.locator("#fault .timeline")).to_contain_text("L'écran reste noir")
        assert tech.locator("#fault .timeline bdi").first.inner_text() == "L'écran reste noir"
        assert tech.evaluate("document.documentElement.scrollWidth") <= 390
        tech.screenshot(path=str(ARTIFACTS / "fault-repaired-ar-phone.png"), full_page=True)

        # The infrastructure member receives a delivery file: refused line by line, then received.
        infra = browser.new_page(viewport={"width": 1280, "height": 900})
        infra.set_default_timeout(30_000)
        sign_in(infra, base, "youssef", "/forms/inventory/import_delivery")
        upload = infra.locator("#form-upload")
        upload.locator("[name=supplier]").fill("Maroc Info")
        upload.locator("[name=delivery_ref]").fill("BL-2026-03")
        bad = "serial,kind,warranty_months\nPC-1,desktop,24\nPC-2,toaster,24\nPC-3,laptop,-1\n"
        upload.locator("[name=file]").set_input_files(
            {"name": "bl.csv", "mimeType": "text/csv", "buffer": bad.encode()})
        upload.locator("button[type=submit]").click()
        expect(infra.locator("#form-errors li[data-line='3']")).to_contain_text("النوع")
        expect(infra.locator("#form-errors li[data-line='4']")).to_contain_text("الضمان")
        assert infra.locator("#form-errors li[data-line='2']").count() == 0
        expect(infra.locator("#form-errors li").first).to_contain_text("السطر 3")
        infra.screenshot(path=str(ARTIFACTS / "delivery-file-errors-ar.png"), full_page=True)
        good = "serial,kind,warranty_months\nPC-1,desktop,24\nPC-2,printer,24\nPC-3,laptop,12\n"
        upload = infra.locator("#form-upload")
        upload.locator("[name=supplier]").fill("Maroc Info")
        upload.locator("[name=delivery_ref]").fill("BL-2026-03")
        upload.locator("[name=file]").set_input_files(
            {"name": "bl.csv", "mimeType": "text/csv", "buffer": good.encode()})
        upload.locator("button[type=submit]").click()
        expect(infra.locator("h1")).to_have_text("محضر استلام التجهيزات")
        expect(infra.locator("table")).to_contain_text("PC-3")
        infra.screenshot(path=str(ARTIFACTS / "delivery-record-ar.png"), full_page=True)

        # The coordinator picks the open transfer from their work queue and approves it.
        coord = browser.new_page(viewport={"width": 1280, "height": 900})
        coord.set_default_timeout(30_000)
        sign_in(coord, base, "fatima")
        coord.click("a[href='/transfers?status=proposed']")
        coord.click("a[href='/transfers/TR-1']")
        coord.click("a[href^='/forms/inventory/approve_transfer']")
        approve = coord.locator("form[data-command='inventory/approve_transfer']")
        expect(approve.locator("[name=transfer_id]")).to_have_value("TR-1")
        approve.locator("button[type=submit]").click()
        expect(coord.locator(".notice.ok")).to_contain_text("الموافقة على التحويل")
        coord.screenshot(path=str(ARTIFACTS / "transfer-approved-ar.png"), full_page=True)

        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.set_default_timeout(30_000)
        sign_in(desk, base, "nadia")
        expect(desk.locator("h1")).to_have_text("المؤشرات")  # a viewer's home: the indicators
        assert desk.locator("[data-command]").count() == 0 and desk.locator("a[href^='/forms/']").count() == 0
        desk.screenshot(path=str(ARTIFACTS / "dashboard-ar-viewer-laptop.png"), full_page=True)


@pytest.mark.e2e
@needs_chromium
def test_a_school_director_in_the_browser(genie_env, runner_factory, rabbit_config, monkeypatch, rpc):
    from tests.helpers import caught_up, wait_for
    from tests.integration.test_gateway_http import start_with_schools

    base, infra = start_with_schools(runner_factory, rabbit_config, monkeypatch, "youssef")
    delivery = infra.post("/api/inventory/receive_delivery", {
        "supplier": "Maroc Info", "delivery_ref": "BL-9",
        "items": [{"kind": "laptop", "serial": "LT-77", "warranty_months": 24, "bundle": "vmm"}]})
    asset_id = delivery.json()["events"][0]["data"]["asset_id"]
    assert infra.post("/api/inventory/assign_equipment", {"asset_id": asset_id, "school_code": "OED001"}) \
        .status_code == 201
    second = infra.post("/api/inventory/receive_delivery", {
        "supplier": "Maroc Info", "delivery_ref": "BL-10",
        "items": [{"kind": "projector", "serial": "PJ-5", "warranty_months": 24}]}).json()["events"][0]
    assert infra.post("/api/inventory/assign_equipment", {"asset_id": second["data"]["asset_id"],
                                                          "school_code": "OED001"}).status_code == 201
    assert infra.post("/api/inventory/record_usage_visit", {"school_code": "OED001", "observations": [
        {"asset_id": second["data"]["asset_id"], "status": "unused"}]}).status_code == 201
    proposed = infra.post("/api/inventory/propose_transfer", {
        "transfer_id": "TR-1", "asset_ids": [second["data"]["asset_id"]], "from_school": "OED001",
        "to_school": "OED002", "reason": "غير مستعمل", "report": "تقرير الزيارة"})
    assert proposed.status_code == 201, proposed.text
    wait_for(lambda: (rpc.maintenance.asset(asset_id) or {}).get("school_code") == "OED001")
    caught_up(lambda: rpc.maintenance.health()["equipment_view"]["positions"], {"inventory": 8})
    caught_up(lambda: rpc.reporting.health()["positions"], {"inventory": 8})

    # generous: the browser is slow on a busy machine
    run_in_child("tests.e2e.test_browser_web", "drive", base, asset_id, log="browser.log", timeout=300)
    events = rpc.maintenance.events_since(0, 10)
    assert [(e["event_type"], e["actor"]["user"]) for e in events] == [("fault_declared", "amina"),
                                                                        ("repair_completed", "karim")]
    approved = [e for e in rpc.inventory.events_since(0, 100) if e["event_type"] == "transfer_approved"]
    assert [(e["data"]["transfer_id"], e["actor"]) for e in approved] == [
        ("TR-1", {"user": "fatima", "role": "coordinator"})]
    received = [e for e in rpc.inventory.events_since(0, 100) if e["data"].get("delivery_ref") == "BL-2026-03"]
    assert sorted(e["data"]["serial"] for e in received) == ["PC-1", "PC-2", "PC-3"]
    assert {e["actor"]["user"] for e in received} == {"youssef"}
