"""A delivery received from a file, in a real headless Chromium whose own language is English, in Arabic and French,
at a desktop's width (1366) and a phone's (390): the day field asks for the day as it is written here (jj/mm/aaaa,
يوم/شهر/سنة) and 05/12/2026 is recorded as 5 December, said so on the delivery's page; 31/02/2026 is refused beside
its field in the page's language; the file is picked with a button and a line in the page's language, from the
keyboard too, and no English word of the browser shows. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services, which keep the deliveries received; the browser runs in a child
process, away from the eventlet hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, signed_in_at
from tests.helpers import answering
from tests.unit.test_gateway_web import Services, site  # noqa: F401

WORDS = {"ar": {"placeholder": "يوم/شهر/سنة", "choose": "اختيار ملف", "none": "لم يتم اختيار أي ملف",
                "refused": "هذا اليوم غير موجود في التقويم.", "received": "5 دجنبر 2026"},
         "fr": {"placeholder": "jj/mm/aaaa", "choose": "Choisir un fichier", "none": "Aucun fichier choisi",
                "refused": "Ce jour n'existe pas dans le calendrier.", "received": "5 décembre 2026"}}
# What the browser says in its own language, which the page must not show.
ENGLISH = ("Choose File", "No file chosen", "mm/dd/yyyy", "dd/mm/yyyy")
# The form by file as a reader sees it: its day field, its file control, and how far the page reaches past the window.
SEEN = """() => {
  const form = document.querySelector('#form-upload'), day = form.querySelector('#f-occurred_at');
  const native = form.querySelector('input[type=file]'), button = form.querySelector('.file-button');
  const shown = e => e && !e.hidden && e.getBoundingClientRect().width > 1;
  return {language: navigator.language, type: day.type, placeholder: day.placeholder,
          placeholders: [...document.querySelectorAll('main input[placeholder]')].map(i => i.placeholder),
          value: day.value, refusal: day.parentElement.querySelector('.field-err')?.innerText || null,
          button: shown(button) ? button.innerText : null, chosen: form.querySelector('.file-name').innerText,
          nativeShown: shown(native), text: document.querySelector('main').innerText,
          wider: document.documentElement.scrollWidth - window.innerWidth};
}"""
CSV = b"serial,kind,model,warranty_months\nLT-901,laptop,X1,24\n"


def drive(base: str) -> None:
    with chromium() as browser:
        for lang, words in WORDS.items():
            for width in (1366, 390):
                page = signed_in_at(browser, base, "infra", lang, width)
                page.goto(f"{base}/forms/inventory/import_delivery")
                seen = page.evaluate(SEEN)
                assert seen["language"].startswith("en"), seen["language"]  # the browser's own language is English
                assert (seen["type"], seen["placeholder"], seen["button"], seen["chosen"], seen["nativeShown"]) == (
                    "text", words["placeholder"], words["choose"], words["none"], False), (lang, width, seen)
                assert seen["wider"] <= 0, (lang, width, seen["wider"])
                # The file is reached from the keyboard: from the day field, the next stop is the file control.
                page.focus("#form-upload #f-occurred_at")
                page.keyboard.press("Tab")
                assert page.evaluate("document.activeElement.id") == "f-file"
                assert page.evaluate("getComputedStyle(document.querySelector('#form-upload .file-button'))"
                                     ".outlineStyle") == "solid"  # the button it hides behind shows the focus
                ref = f"BL-{lang}-{width}"
                form = page.locator("#form-upload")
                form.locator("[name=supplier]").fill("Maroc Info")
                form.locator("[name=delivery_ref]").fill(ref)
                form.locator("[name=occurred_at]").fill("31/02/2026")
                form.locator("[name=file]").set_input_files(
                    {"name": "livraison.csv", "mimeType": "text/csv", "buffer": CSV})
                seen = page.evaluate(SEEN)
                assert seen["chosen"] == "livraison.csv", (lang, width, seen["chosen"])
                assert not [w for w in ENGLISH if w in seen["text"] or w in seen["placeholders"]], (lang, seen)
                page.screenshot(path=str(ARTIFACTS / f"days-files-form-{lang}-{width}.png"), full_page=True)
                form.locator("button[type=submit]").click()
                page.wait_for_selector("#form-upload #err-occurred_at")
                seen = page.evaluate(SEEN)
                assert (seen["refusal"], seen["value"]) == (words["refused"], "31/02/2026"), (lang, width, seen)
                assert (seen["button"], seen["chosen"]) == (words["choose"], words["none"]), (lang, width, seen)
                page.screenshot(path=str(ARTIFACTS / f"days-files-refused-{lang}-{width}.png"), full_page=True)
                form.locator("[name=occurred_at]").fill("05/12/2026")
                form.locator("[name=file]").set_input_files(
                    {"name": "livraison.csv", "mimeType": "text/csv", "buffer": CSV})
                form.locator("button[type=submit]").click()
                page.wait_for_url(f"**/deliveries/{ref}?**")
                received = page.locator("dl.facts div").nth(2).locator("dd").inner_text()
                assert received == words["received"], (lang, width, received)
                page.screenshot(path=str(ARTIFACTS / f"days-files-received-{lang}-{width}.png"), full_page=True)
                page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_day_typed_day_first_and_a_file_picked_in_the_pages_language_in_an_english_browser(site, monkeypatch):  # noqa: F811
    client, _ = site
    received = []

    def receive(body, meta):
        received.append(body)
        return [{"event_type": "equipment_received", "actor": meta["actor"], "data": dict(body)}]

    answering(monkeypatch, Services, {
        "import_delivery": receive,
        "deliveries": lambda: [{"delivery_ref": b["delivery_ref"], "supplier": b["supplier"],
                                "received_at": b["occurred_at"], "items": 1, "assigned": 0, "installed": 0,
                                "kinds": {"laptop": 1}} for b in received]})
    drive_served(client.application, "tests.e2e.test_browser_days_and_files", "browser-days-and-files.log",
                 timeout=300)
    # Each of the four pages sent one delivery, received on 5 December, at noon in Morocco; none on 31 February.
    assert [b["occurred_at"] for b in received] == ["2026-12-05T12:00:00+01:00"] * 4
