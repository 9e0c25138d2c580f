"""A school's equipment on a phone, in a real headless Chromium: one line or two an item (its serial, kind,
model and status said in turn), not a card of four labelled lines, so that the director reaches the faults,
visits and connectivity below the list. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services; the browser runs in a child process, away from the
eventlet hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, on_a_phone
from tests.unit.test_gateway_web import site  # noqa: F401

# Each item's row of the equipment list: its height, and the height of a line of its text.
ROWS = """() => [...document.querySelectorAll('#equipment tbody tr')].map(r => [r.getBoundingClientRect().height,
                 parseFloat(getComputedStyle(r.querySelector('td')).lineHeight) || 24, r.innerText])"""


def drive(base: str) -> None:
    with chromium() as browser:
        for lang in ("ar", "fr"):
            page = on_a_phone(browser, base, "dir1", lang)
            page.goto(f"{base}/schools/S1")
            rows = page.evaluate(ROWS)
            assert rows, lang
            for height, line, text in rows:
                assert height <= 2.6 * line, (lang, height, line, text)  # a card of four labelled lines before
                assert "LT-77" in text and "X1" in text, (lang, text)
            page.screenshot(path=str(ARTIFACTS / f"school-equipment-{lang}-phone.png"), full_page=True)
            page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_schools_equipment_takes_a_line_or_two_an_item_on_a_phone(site):  # noqa: F811
    client, _ = site
    drive_served(client.application, "tests.e2e.test_browser_school_equipment", "browser-school-equipment.log")
