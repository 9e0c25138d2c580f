"""The accounts page in a real headless Chromium, on a phone: a refusal said only beside its field, low in the
list of accounts, is brought into view with the focus on the field, in French and in Arabic. Screenshots go to
test-artifacts/.

The gateway runs here over the page tests' services; the browser runs in a child process, away from the eventlet
hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, on_a_phone
from tests.helpers import gateway_site
from tests.unit.test_gateway_api import KEY
from tests.unit.test_gateway_web import PEOPLE, Services

SAID = {"fr": "Au moins 8 caractères.", "ar": "8 أحرف على الأقل."}


def drive(base: str) -> None:
    with chromium() as browser:
        for lang in ("fr", "ar"):
            page = on_a_phone(browser, base, "coord", lang)
            page.goto(base + "/accounts")
            page.fill("#reset-tech", "short")
            page.locator("#account-tech form[action='/forms/accounts/reset'] button").click()
            page.wait_for_url(base + "/forms/accounts/reset")
            assert page.locator("#err-password").inner_text() == SAID[lang]
            assert page.evaluate("document.activeElement.id") == "reset-tech"
            box = page.locator("#err-password").bounding_box()
            assert 0 <= box["y"] and box["y"] + box["height"] <= 844, box  # in view, not below the fold
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(ARTIFACTS / f"accounts-reset-refused-{lang}-phone.png"))
            page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_refused_password_reset_low_in_the_list_is_brought_into_view(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    site = gateway_site(tmp_path, Services(), PEOPLE, KEY)
    drive_served(site.application, "tests.e2e.test_browser_accounts", "browser-accounts.log")
