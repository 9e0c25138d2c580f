"""The warranties ending soon narrowed to one school and one supplier, in a real headless Chromium, in Arabic and
French, at a desktop's width (1366) and a phone's (390): the filters keep what was asked and nothing scrolls
sideways, every row is of that school and supplier, a school no list knows is refused beside its field (what was
typed kept there), and the page says no code of the vocabulary nor an English word. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services, with the demo province's long names; the browser runs in a
child process, away from the eventlet hub.
"""
import re

import pytest

from genie.demo import SUPPLIERS
from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, signed_in_at
from tests.helpers import answering
from tests.unit.test_gateway_lists import Lists, site  # noqa: F401
from tests.unit.test_gateway_web import SCHOOLS

NAMES = {"S1": ("مدرسة المسيرة الخضراء الابتدائية", "École primaire Al Massira Al Khadra"),
         "S2": ("الثانوية الإعدادية عبد الكريم الخطابي", "Collège Abdelkrim El Khattabi")}
KINDS = ("laptop", "desktop", "tablet", "projector", "interactive_whiteboard")
ENDING = [{"asset_id": f"A{n}", "serial": f"OED-{kind[:2].upper()}-{n:04d}", "kind": kind, "school_code": f"S{n % 2 + 1}",
           "supplier": SUPPLIERS[n % 3], "days_left": n, "received_on": "2025-01-14", "warranty_months": 24,
           "warranty_ends_on": "2027-01-14", "last_covered_day": "2027-01-13", "open_fault_id": None}
          for n, kind in enumerate(KINDS * 6)]
ASKED = {"school": "S2", "supplier": SUPPLIERS[2]}
# What a page in each language must not say: the vocabulary's codes, and the English of the page's words.
NOT_SAID = re.compile(r"\b(laptop|desktop|tablet|projector|interactive_whiteboard|School|Kind|Supplier|All|Filters?|"
                      r"Export|items?|Days left|Warranty|Serial number|Nothing to show)\b")
# The page as a reader sees it: how far it reaches past the window, its rows' text, the school field and its refusal.
SEEN = """() => {
  const box = e => e && e.getBoundingClientRect(), field = document.querySelector('#school_code');
  return {wider: document.documentElement.scrollWidth - window.innerWidth,
          outside: [...document.querySelectorAll('.filters .field, .actions, table.cards tr')]
                     .filter(e => box(e).left < -1 || box(e).right > window.innerWidth + 1).length,
          rows: [...document.querySelectorAll('table.cards tbody tr')].map(r => r.innerText),
          value: field.value, picked: document.querySelector('#supplier').value,
          refusal: field.parentElement.querySelector('.field-err')?.innerText || null,
          text: document.querySelector('main').innerText};
}"""


def drive(base: str) -> None:
    mine = [r for r in ENDING if r["school_code"] == ASKED["school"] and r["supplier"] == ASKED["supplier"]]
    with chromium() as browser:
        for lang, index in (("ar", 0), ("fr", 1)):
            name = NAMES[ASKED["school"]][index]
            for width in (1366, 390):
                page = signed_in_at(browser, base, "coord", lang, width)
                page.goto(f"{base}/warranties?school_code={name}&supplier={ASKED['supplier']}")
                seen = page.evaluate(SEEN)
                assert seen["wider"] <= 0 and not seen["outside"], (lang, width, seen["wider"], seen["outside"])
                assert len(seen["rows"]) == len(mine) and all(ASKED["supplier"] in r and name in r
                                                              for r in seen["rows"]), (lang, width, seen["rows"])
                # The field shows the school found by the name typed, its code beside.
                assert (seen["value"], seen["picked"], seen["refusal"]) == (f"{name} ({ASKED['school']})",
                                                                           ASKED["supplier"], None)
                assert not NOT_SAID.search(seen["text"]), (lang, width, NOT_SAID.search(seen["text"]))
                page.screenshot(path=str(ARTIFACTS / f"warranties-filtered-{lang}-{width}.png"), full_page=True)
                unknown = 'ثانوية مجهولة' if lang == 'ar' else 'Lycée Inconnu'
                page.goto(f"{base}/warranties?school_code={unknown}")
                seen = page.evaluate(SEEN)
                assert seen["refusal"] and seen["wider"] <= 0 and not seen["outside"], (lang, width, seen)
                assert seen["value"] == unknown  # kept, to be mended
                assert not NOT_SAID.search(seen["text"]), (lang, width, NOT_SAID.search(seen["text"]))
                page.screenshot(path=str(ARTIFACTS / f"warranties-refused-{lang}-{width}.png"))
                page.close()


@pytest.mark.e2e
@needs_chromium
def test_the_warranties_of_one_school_and_supplier_fit_a_desktop_and_a_phone(site, monkeypatch):  # noqa: F811
    client, _ = site
    answering(monkeypatch, Lists, {
        "schools": lambda *_: [dict(s, name_ar=NAMES[s["school_code"]][0], name_fr=NAMES[s["school_code"]][1])
                               for s in SCHOOLS],
        "warranty_expiring": lambda school, days: [dict(r) for r in ENDING if school in (None, r["school_code"])]})
    drive_served(client.application, "tests.e2e.test_browser_warranties", "browser-warranties.log", timeout=300)
