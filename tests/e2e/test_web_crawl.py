"""Every page of the web application, for each role, in Arabic and in French, on a small demo province in
Debian's Chromium: no code shown raw, no message left untranslated, no serious or critical axe-core
violation, and nothing wider than a 390 px phone.

The browser runs in a child process (Playwright's loop and the services' eventlet hub must not share a
thread); it writes what it found to a JSON file that the test reads.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = 390
# Pages known to be wider than a phone, to be fixed: the indicators dashboard (also a viewer's home) and the
# delivery typed by lines. A new one fails the crawl; one fixed fails it too, until it is taken off this list.
KNOWN_WIDE = {("fatima", "/dashboard"), ("nadia", "/"), ("fatima", "/forms/inventory/receive_delivery"),
              ("fatima", "/forms/inventory/import_delivery")}


def raw_codes() -> list[str]:
    """The codes a page must say in words, matched as whole lowercase words; a code that is also a word of
    its own translations (the French "infrastructure") is left out."""
    from babel.messages.pofile import read_po

    from services.gateway import vocabulary
    from services.gateway.i18n import catalogue_path

    words = set()
    for lang in ("ar", "fr"):
        with catalogue_path(lang).open("rb") as fh:
            words.update(w for m in read_po(fh) if m.string for w in re.findall(r"[a-z_]+", m.string))
    codes = set()
    for name, table in vocabulary.VOCABULARIES.items():
        if name in ("field", "field_rule", "rule"):
            continue
        codes.update(c for c in table if re.fullmatch(r"[a-z][a-z0-9_]+", c) and len(c) > 2)
    return sorted(codes - words)


def untranslated(lang: str) -> list[str]:
    """English messages of several words whose translation differs: seen on a page, one was missed."""
    from babel.messages.pofile import read_po

    from services.gateway.i18n import catalogue_path

    with catalogue_path(lang).open("rb") as fh:
        catalogue = read_po(fh)
    return sorted({m.id for m in catalogue if m.id and m.string and m.string != m.id and "%" not in m.id
                   and len(m.id.split()) >= 2 and len(m.id) >= 12})


def crawl(base: str, plan_file: str, out_file: str) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    plan = json.loads(Path(plan_file).read_text())
    codes = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, raw_codes())) + r")(?![\w-])")
    english = {lang: untranslated(lang) for lang in ("ar", "fr")}
    axe, problems, seen = Axe(), [], 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for user, paths in plan.items():
                for lang in ("ar", "fr"):
                    context = browser.new_context(viewport={"width": PHONE, "height": 844}, is_mobile=True,
                                                  bypass_csp=True)
                    page = context.new_page()
                    page.set_default_timeout(20000)
                    page.goto(f"{base}/lang/{lang}?next=/login")
                    page.fill("#u", user)
                    page.fill("#p", f"secret-{user}")
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    for path in paths:
                        answer = page.goto(base + path)
                        seen += 1
                        where = f"{user} {lang} {path}"
                        if answer is None or answer.status != 200:
                            problems.append(f"{where}: status {answer and answer.status}")
                            continue
                        text = page.evaluate("document.body.innerText")
                        for found in sorted(set(codes.findall(text))):
                            problems.append(f"{where}: raw code {found!r}")
                        for message in english[lang]:
                            if message in text:
                                problems.append(f"{where}: untranslated {message!r}")
                        width = page.evaluate("document.documentElement.scrollWidth")
                        if width > PHONE:
                            problems.append(f"{where}: {width} px wide on a {PHONE} px phone")
                        if page.get_attribute("html", "lang") != lang:
                            problems.append(f"{where}: html lang is not {lang}")
                        results = axe.run(page)
                        for violation in results.response["violations"]:
                            if violation["impact"] in ("serious", "critical"):
                                nodes = "; ".join(n["target"][0] if n["target"] else "?"
                                                  for n in violation["nodes"][:3])
                                problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {nodes}")
                    page.screenshot(path=str(ARTIFACTS / f"crawl-{user}-{lang}-last.png"), full_page=True)
                    context.close()
        finally:
            browser.close()
    Path(out_file).write_text(json.dumps({"pages": seen, "problems": problems}, ensure_ascii=False, indent=1))


def plan_of(rpc, director: str) -> dict[str, list[str]]:
    """Every page, for each role that has it, with real things to show (the demo's first of each)."""
    schools = rpc.inventory.schools()
    school = director.partition(":")[2]
    other = next(s["school_code"] for s in schools if s["school_code"] != school)
    assets = rpc.inventory.assets({"school_code": school, "per_page": 0})["items"]
    serial = assets[0]["serial"]
    faults = rpc.maintenance.faults_since(3650)
    transfers = rpc.inventory.transfers(None)
    audits = rpc.inventory.audit_reports(None)
    deliveries = rpc.inventory.deliveries()
    from services.gateway.forms import FORMS

    lists = ["/", "/dashboard", "/equipment", "/equipment?status=installed&sort=kind", "/schools",
             f"/schools/{school}", f"/assets?serial={serial}", "/deliveries", f"/deliveries/{deliveries[0]['delivery_ref']}",
             "/transfers", "/transfers?status=completed", "/audits", "/faults", "/faults?older_than=15",
             "/warranties", "/renewal", f"/labels?school_code={school}", "/equipment?kind=toaster"]
    lists += [f"/transfers/{transfers[0]['transfer_id']}"] if transfers else []
    lists += [f"/audits/{audits[0]['audit_id']}"] if audits else []
    lists += [f"/faults/{faults[0]['fault_id']}"] if faults else []
    forms = [f"/forms/{f.path}?school_code={school}&from_school={other}" for f in FORMS]
    return {
        "fatima": lists + forms,
        # The other roles' own pages; the templates they share with the coordinator are crawled above.
        "karim": ["/", "/faults", "/forms/maintenance/record_repair"],
        "demo-director": ["/", f"/schools/{school}", "/forms/inventory/confirm_installation"],
        "nadia": ["/", "/equipment"],
    }


@pytest.mark.e2e
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_every_page_for_every_role_in_both_languages(genie_env, runner_factory, rabbit_config, monkeypatch, rpc,
                                                     tmp_path):
    import eventlet

    from genie.demo import DemoProvince, Seeder
    from services.gateway.accounts import Accounts
    from shared import config
    from tests.integration.test_gateway_http import cheap_argon2, start_system

    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    outcome = Seeder(rpc, DemoProvince(schools=4, assets_per_school=6), out=None).run()
    assert outcome.refused == []
    director = f"school:{rpc.inventory.schools()[0]['school_code']}"
    Accounts(config.database_url("gateway")).add("demo-director", "secret-demo-director", "school_director",
                                                 director)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_of(rpc, director)))
    found = tmp_path / "found.json"
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "crawl.log"
    with open(log, "w") as out:
        child = subprocess.Popen([sys.executable, "-c", "from tests.e2e.test_web_crawl import crawl; "
                                                        f"crawl({base!r}, {str(plan)!r}, {str(found)!r})"],
                                 cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 900
        while child.poll() is None and time.monotonic() < deadline:
            eventlet.sleep(0.2)  # the services under test keep answering meanwhile
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, log.read_text()[-4000:]
    result = json.loads(found.read_text())
    assert result["pages"] >= 90

    def known(problem):
        user, _, path = problem.split(":")[0].split(" ", 2)
        return "px wide" in problem and (user, path.split("?")[0]) in KNOWN_WIDE

    assert [p for p in result["problems"] if not known(p)] == [], "\n".join(result["problems"][:60])
    still = {(p.split(" ")[0], p.split(" ")[2].split("?")[0].rstrip(":")) for p in result["problems"] if known(p)}
    assert still == KNOWN_WIDE, f"fixed, take off KNOWN_WIDE: {sorted(KNOWN_WIDE - still)}"
