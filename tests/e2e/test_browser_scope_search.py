"""The scope search of the indicator pages in a real headless Chromium: a ministry reader types a region's or a
province's name as a keyboard gives it, without its accents or its hamza seat, and finds it, in French and in
Arabic, on a phone. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services (four provinces of three regions, names from the shipped
list); the browser runs in a child process, away from the eventlet hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, on_a_phone
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
            page = on_a_phone(browser, base, "nation", lang, "/dashboard")
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
    drive_served(site.application, "tests.e2e.test_browser_scope_search", "browser-scope-search.log")
