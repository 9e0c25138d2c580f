"""Long lists on a phone, in a real headless Chromium: a school's equipment and the warranties ending soon take
a line or two an item (its cells said in turn, a bare number with its name), not a card of a labelled line for
each cell, so that a director reaches the faults and visits below fifty items and a technician reads hundreds of
warranties. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services; the browser runs in a child process, away from the
eventlet hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, on_a_phone
from tests.unit.test_gateway_lists import site  # noqa: F401

# Each row of the page's list: its height, the height of a line of its text, and its text with the names said
# before its cells (a bare number's).
ROWS = """(list) => [...document.querySelectorAll(list + ' tbody tr')].map(r => [r.getBoundingClientRect().height,
                 parseFloat(getComputedStyle(r.querySelector('td')).lineHeight) || 24,
                 [...r.cells].map(c => getComputedStyle(c, '::before').content.replace(/^none$|^"|"$/g, '')
                                       + c.innerText).join(' ')])"""
# Page, who reads it, its list, what a row says, at most how many lines an item.
LISTS = [("/schools/S1", "dir1", "#equipment", {"ar": ["LT-77", "X1"], "fr": ["LT-77", "X1"]}, 2.6),
         ("/warranties", "tech", "table.cards", {"ar": ["LT-77", "Maroc Info", "الأيام المتبقية:\u00a028"],
                                                 "fr": ["LT-77", "Maroc Info", "Jours restants\u00a0:\u00a028"]}, 3.6)]


def drive(base: str) -> None:
    with chromium() as browser:
        for path, user, rows_of, says, most in LISTS:
            for lang in ("ar", "fr"):
                page = on_a_phone(browser, base, user, lang)
                page.goto(base + path)
                rows = page.evaluate(ROWS, rows_of)
                assert rows, (path, lang)
                for height, line, text in rows:
                    assert height <= most * line, (path, lang, height, line, text)  # a card: a line for each cell
                    assert all(word in text for word in says[lang]), (path, lang, text)
                name = path.strip("/").replace("/", "-")
                page.screenshot(path=str(ARTIFACTS / f"long-list-{name}-{lang}-phone.png"), full_page=True)
                page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_long_list_takes_a_line_or_two_an_item_on_a_phone(site):  # noqa: F811
    client, _ = site
    drive_served(client.application, "tests.e2e.test_browser_long_lists", "browser-long-lists.log")
