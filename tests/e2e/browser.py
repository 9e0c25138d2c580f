"""What the browser tests share: Debian's Chromium and its flags, where screenshots go, signing in, a fault declared
through its form, and the browser run in a child process (Playwright's own event loop and the eventlet hub of the
services under test must not share one thread)."""
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


@contextmanager
def chromium():
    """Debian's Chromium, headless, for the time of the block."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base, user, next_="/"):
    page.goto(base + "/login?next=" + next_)
    page.fill("#u", user)
    page.fill("#p", f"secret-{user}")
    page.click("button[type=submit]")


def signed_in(browser, base, user, lang):
    """A new page of a desktop's width in `lang`, `user` signed in and at their home."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60000)
    page.goto(f"{base}/lang/{lang}?next=/login")
    page.fill("#u", user)
    page.fill("#p", f"secret-{user}")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def on_a_phone(browser, base, user, lang, landing="/"):
    """A new page of a phone's width (390 x 844) in `lang`, `user` of the page tests' people (`password-<user>`)
    signed in and at `landing`."""
    return signed_in_at(browser, base, user, lang, 390, landing)


def signed_in_at(browser, base, user, lang, width, landing="/"):
    """A new page `width` pixels wide (a phone's below 600, 844 high) in `lang`, `user` of the page tests' people
    (`password-<user>`) signed in and at `landing`."""
    phone = width < 600
    page = browser.new_page(viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone)
    page.set_default_timeout(30_000)
    page.goto(f"{base}/lang/{lang}?next=/login")
    page.fill("#u", user)
    page.fill("#p", f"password-{user}")
    page.click("button[type=submit]")
    page.wait_for_url(base + landing)
    return page


def declare_fault(page, base, serial, symptom, query=""):
    """A fault declared through its form, naming the item by its serial; its id, from the fault's page it leads to."""
    page.goto(base + "/forms/maintenance/declare_fault" + query)
    form = page.locator("form[data-command='maintenance/declare_fault']")
    form.locator("[name=serial]").fill(serial)
    form.locator("[name=symptom]").fill(symptom)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/faults/**")
    return page.url.split("/faults/")[1].split("?")[0]


def run_in_child(module: str, function: str, *args, log: str, timeout: float):
    """`function(*args)` of `module` in a child process, its output in test-artifacts/`log`; the services under
    test keep answering meanwhile. It must end well, within `timeout` seconds."""
    import eventlet

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / log
    call = f"from {module} import {function}; {function}({', '.join(repr(a) for a in args)})"
    with open(path, "w") as out:
        child = subprocess.Popen([sys.executable, "-c", call], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while child.poll() is None and time.monotonic() < deadline:
            eventlet.sleep(0.2)
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, path.read_text()[-4000:]


def drive_served(application, module: str, log: str, timeout: float = 120) -> None:
    """`module.drive(base)` run in a child process against `application`, served here meanwhile (the page tests'
    gateway over their fake services)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, application)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_in_child(module, "drive", f"http://127.0.0.1:{server.server_port}", log=log, timeout=timeout)
    finally:
        server.shutdown()
