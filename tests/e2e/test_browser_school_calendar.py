"""The school calendar beside the session form in a real headless Chromium, on a phone: the seven days of each
month side by side, none hidden past the edge, in Arabic and in French. Screenshots go to test-artifacts/.

The gateway runs here over the page tests' services (a training, its school calendar with an exam week); the
browser runs in a child process, away from the eventlet hub.
"""
import pytest

from tests.e2e.browser import ARTIFACTS, chromium, drive_served, needs_chromium, on_a_phone
from tests.unit.test_gateway_axes import axes  # noqa: F401
from tests.unit.test_gateway_web import site  # noqa: F401

# Each month's table: how wide it is, and how wide the box that holds it (it scrolls past that).
WIDTHS = "() => [...document.querySelectorAll('table.month')].map(t => [t.scrollWidth, t.parentElement.clientWidth])"


def drive(base: str) -> None:
    with chromium() as browser:
        for lang, monday in (("ar", "إثنين"), ("fr", "lu")):
            page = on_a_phone(browser, base, "trn", lang)
            page.goto(f"{base}/forms/training/schedule_session?training_id=T1&month=2026-01")
            widths = page.evaluate(WIDTHS)
            assert len(widths) == 2 and all(table <= box for table, box in widths), (lang, widths)
            first = page.locator("#month-2026-01 thead th").first
            assert first.inner_text().strip() == monday, (lang, first.inner_text())
            page.screenshot(path=str(ARTIFACTS / f"school-calendar-{lang}-phone.png"), full_page=True)
            page.close()


@pytest.mark.e2e
@needs_chromium
def test_a_months_seven_days_fit_a_phone_beside_the_session_form(axes):  # noqa: F811
    client, _ = axes
    drive_served(client.application, "tests.e2e.test_browser_school_calendar", "browser-school-calendar.log")
