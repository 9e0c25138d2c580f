"""The indicator pages in a real headless Chromium, in Arabic then French: pick a school year and its first
semester, compare with the year before, read the charts' values against the API, drill down to a commune, open
the pivot by school and export it. Screenshots go to test-artifacts/.

As in the other browser tests, the browser runs in a child process, away from the services' eventlet hub.
"""
import json

import pytest

from tests.e2e.browser import ARTIFACTS, chromium, needs_chromium, run_in_child, sign_in

# Two schools of the integration scenario, in two communes; the facts dated in two school years.
FIRST_YEAR, SECOND_YEAR = "2024-2025", "2025-2026"


# Where the first and the second year of a school year are drawn in an element's text (their left edges).
YEAR_LAID_OUT = """([selector, year]) => {
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(year);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at); range.setEnd(node, at + 4);
    const first = range.getBoundingClientRect().left;
    range.setStart(node, at + 5); range.setEnd(node, at + 9);
    return [first, range.getBoundingClientRect().left];
  }
  throw new Error(year + " not in " + selector);
}"""


def drive(base: str) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        sign_in(page, base, "fatima", "/dashboard")
        for lang in ("ar", "fr"):
            if lang == "fr":
                page.click("#lang-switch")
            assert page.get_attribute("html", "lang") == lang
            # Pick the school year, then its first semester, and the same semester a year before.
            page.select_option("#f-period", SECOND_YEAR)
            page.click("#indicator-filters button[type=submit]")
            expect(page.locator("#f-period")).to_have_value(SECOND_YEAR)
            page.select_option("#f-period", f"{SECOND_YEAR}-S1")
            page.select_option("#f-with", f"{FIRST_YEAR}-S1")
            page.click("#indicator-filters button[type=submit]")
            # The year compared with reads 2024-2025 in order, left to right, in the Arabic sentence too.
            for width in (1366, 390):
                page.set_viewport_size({"width": width, "height": 900})
                first, second = page.evaluate(YEAR_LAID_OUT, ["#as-of", FIRST_YEAR])
                assert first < second, (lang, width, first, second)
                page.screenshot(path=str(ARTIFACTS / f"indicators-year-{lang}-{width}.png"))
            page.set_viewport_size({"width": 1280, "height": 900})
            inf01 = page.locator("tr[data-indicator=INF01]")
            expect(inf01.locator(".value")).to_have_text("3")
            expect(inf01.locator(".with")).to_have_text("1")
            api = page.request.get(f"{base}/api/indicators/compare?scope=province:OED&period={SECOND_YEAR}-S1"
                                   f"&with={FIRST_YEAR}-S1").json()
            figures = {i["id"]: i for i in api["indicators"]}
            assert figures["INF01"]["value"] == 3 and figures["INF01"]["with"]["value"] == 1, figures["INF01"]
            assert inf01.get_attribute("data-state") == "value"
            assert "▲" in inf01.locator(".change").inner_text()
            assert inf01.locator(".unit").inner_text() == ("تجهيزات" if lang == "ar" else "équipements")
            no_data = page.locator("tr[data-indicator=INF08]")
            assert no_data.get_attribute("data-state") == "no_data"
            # The charts are drawn by the library and their values are the API's.
            page.wait_for_function("window.Chart !== undefined && document.querySelector('#chart-trend')"
                                   ".dataset.values !== undefined")
            page.select_option("#f-indicator", "INF01")
            periods = json.loads(page.locator("#chart-trend").get_attribute("data-labels"))
            drawn = json.loads(page.locator("#chart-trend").get_attribute("data-values"))
            assert periods[-1] == f"{SECOND_YEAR}-S1" and len(periods) == 6
            for period, value in zip(periods, drawn):
                got = page.request.get(f"{base}/api/indicators?scope=province:OED&period={period}").json()
                assert {i["id"]: i["value"] for i in got["indicators"]}["INF01"] == value, period
            bars = json.loads(page.locator("#chart-groups").get_attribute("data-values"))
            assert bars == sorted(bars, reverse=True) and sum(bars) == 3
            assert page.evaluate("Chart.getChart('chart-groups').options.scales.x.reverse") == (lang == "ar")
            page.screenshot(path=str(ARTIFACTS / f"indicators-dashboard-{lang}.png"), full_page=True)
            # Drill down to a commune: its schools in the pivot.
            page.click("#drill a:has-text('Dakhla')")
            expect(page.locator("#pivot tbody tr")).to_have_count(1)
            expect(page.locator("#pivot tbody tr").first).to_have_attribute("data-group", "OED001")
            # The pivot by school of the whole province, with its total, exported.
            page.go_back()
            page.click("#open-pivot")
            page.select_option("#f-by", "school")
            page.click("#pivot-filters button[type=submit]")
            expect(page.locator("#pivot tbody tr")).to_have_count(2)
            total = page.locator("#pivot tfoot td[data-value]").first.get_attribute("data-value")
            cells = [page.locator(f"#pivot tbody tr:nth-child({n}) td[data-value]").first.get_attribute(
                "data-value") for n in (1, 2)]
            assert sum(int(c or 0) for c in cells) == int(total) == 3
            page.screenshot(path=str(ARTIFACTS / f"indicators-pivot-{lang}.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#export-csv")
            text = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
            assert len(text) == 4 and text[1].split(",")[0].endswith("(OED001)"), text
            page.goto(base + "/dashboard")


@pytest.mark.e2e
@needs_chromium
def test_indicators_in_the_browser_in_both_languages(genie_env, runner_factory, rabbit_config, monkeypatch, rpc):
    from tests.helpers import caught_up
    from tests.integration.test_gateway_http import start_with_schools

    base, infra = start_with_schools(runner_factory, rabbit_config, monkeypatch, "youssef",
                                     occurred_at="2024-08-20T09:00:00+01:00")
    # One laptop at OED001 in the first year; two more in the second, one at each school.
    placed = [("OED001", "2024-10-01"), ("OED001", "2025-10-01"), ("OED002", "2025-10-02")]
    for n, (school, day) in enumerate(placed):
        delivery = infra.post("/api/inventory/receive_delivery", {
            "supplier": "Maroc Info", "delivery_ref": f"BL-{n}", "occurred_at": f"{day}T09:00:00+01:00",
            "items": [{"kind": "laptop", "serial": f"LT-{n}", "warranty_months": 24, "bundle": "vmm"}]})
        assert delivery.status_code == 201, delivery.text
        asset_id = delivery.json()["events"][0]["data"]["asset_id"]
        assigned = infra.post("/api/inventory/assign_equipment", {"asset_id": asset_id, "school_code": school,
                                                                   "occurred_at": f"{day}T10:00:00+01:00"})
        assert assigned.status_code == 201, assigned.text
    caught_up(lambda: rpc.reporting.health()["positions"], {"inventory": 2 + 2 * len(placed)})
    run_in_child("tests.e2e.test_browser_indicators", "drive", base, log="browser-indicators.log", timeout=180)
