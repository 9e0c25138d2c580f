"""The scope search of the indicator pages in a real headless Chromium: a ministry reader types a region's or a
province's name as a keyboard gives it, without its accents or its hamza seat, and finds it, in French and in
Arabic, on a phone. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services (four provinces of three regions, names from the shipped
list); the browser runs in a child process, away from the eventlet hub.
"""
import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.browser import ARTIFACTS, chromium, needs_chromium, run_in_child
from tests.helpers import gateway_site
from tests.unit.test_gateway_api import KEY
from tests.unit.test_gateway_territory_pages import PEOPLE, Country

TYPED = [
    ("fr", "beni", ["Région Béni Mellal-Khénifra (BMK)", "Direction provinciale Béni Mellal (BML)"]),
    ("fr", "sale", ["Région Rabat-Salé-Kénitra (RSK)", "Direction provinciale Salé (SAL)"]),
    ("fr", "Salé", ["Région Rabat-Salé-Kénitra (RSK)", "Direction provinciale Salé (SAL)"]),
    ("ar", "اوسرد", ["المديرية الإقليمية أوسرد (AUS)"]),
    ("ar", "OED", ["المديرية الإقليمية وادي الذهب (OED)"]),
]

SHOWN = "() => [...document.querySelectorAll('#f-scope option')].filter(o => !o.hidden).map(o => o.textContent)"


def drive(base: str) -> None:
    with chromium() as browser:
        for lang in ("fr", "ar"):
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            page.set_default_timeout(30_000)
            page.goto(f"{base}/lang/{lang}?next=/login")
            page.fill("#u", "nation")
            page.fill("#p", "password-nation")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/dashboard")
            page.goto(f"{base}/dashboard?scope=all&period=2025-2026")
            for typed_lang, typed, found in TYPED:
                if typed_lang != lang:
                    continue
                page.fill("#f-scope-search", typed)
                assert page.evaluate(SHOWN) == found, (lang, typed, page.evaluate(SHOWN))
                page.screenshot(path=str(ARTIFACTS / f"scope-search-{lang}-{typed}.png"))
            page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_scope_is_found_by_its_name_typed_without_accents_or_hamza(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    monkeypatch.setenv("GENIE_TIER", "national")
    monkeypatch.setenv("GENIE_UPSTREAMS", "DLO=amqp://guest:guest@127.0.0.1:5672/dlo")
    site = gateway_site(tmp_path, Country(), PEOPLE, KEY)
    server = make_server("127.0.0.1", 0, site.application)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_in_child("tests.e2e.test_browser_scope_search", "drive", f"http://127.0.0.1:{server.server_port}",
                     log="browser-scope-search.log", timeout=120)
    finally:
        server.shutdown()
