"""The accounts page in a real headless Chromium, on a phone: a refusal said only beside its field, low in the
list of accounts, is brought into view with the focus on the field, in French and in Arabic. Screenshots go to
test-artifacts/.

The gateway runs here over the page tests' services; the browser runs in a child process, away from the eventlet
hub.
"""
import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.browser import ARTIFACTS, chromium, needs_chromium, run_in_child
from tests.helpers import gateway_site
from tests.unit.test_gateway_api import KEY
from tests.unit.test_gateway_web import PEOPLE, Services

SAID = {"fr": "Au moins 8 caractères.", "ar": "8 أحرف على الأقل."}


def drive(base: str) -> None:
    with chromium() as browser:
        for lang in ("fr", "ar"):
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            page.set_default_timeout(30_000)
            page.goto(f"{base}/lang/{lang}?next=/login")
            page.fill("#u", "coord")
            page.fill("#p", "password-coord")
            page.click("button[type=submit]")
            page.wait_for_url(base + "/")
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
    server = make_server("127.0.0.1", 0, site.application)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_in_child("tests.e2e.test_browser_accounts", "drive", f"http://127.0.0.1:{server.server_port}",
                     log="browser-accounts.log", timeout=120)
    finally:
        server.shutdown()
