"""Every page of the web application, for each role, in Arabic and in French, on a small demo province in
Debian's Chromium: no code shown raw, no message left untranslated, no serious or critical axe-core
violation, and nothing wider than a 390 px phone.

The coordinator, who may open everything, starts from every known page (`PAGES`: one of each route of the
gateway, every form); each other role from its home, an asset's page (where a label's QR code leads) and
the forms it may fill. Each follows the links it is shown, one page of each kind (a path's shape and its
query's names), so a page reached only by a link is crawled too, and a link to a page its reader may not
open is a fault. The known pages a role was not led to are asked without a browser: each answers or
refuses (403, 404), never fails, and the first refusal is read in both languages like a page.
`test_every_page_route_of_the_gateway_is_crawled` fails when the gateway routes a path `PAGES` does not name.

Every page is read for each role and language; axe-core, the slow part, runs once per kind of page and
language (the first role to open it), and on each role's home, where its menu is. One start of the system
and of the demo serves every role and language.

The browser runs in a child process (Playwright's loop and the services' eventlet hub must not share a
thread); it writes what it found to a JSON file that the test reads.
"""
import ast
import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.browser import ARTIFACTS, ROOT, chromium, needs_chromium, run_in_child

GATEWAY = ROOT / "services" / "gateway"
PHONE = 390

# Routes that are a page as they are; and one page of each other route the gateway serves, made from the
# demo's first things of each kind (see plan_of).
PLAIN = (
    "/", "/work", "/dashboard", "/pivot", "/schools", "/assets", "/equipment", "/faults", "/warranties",
    "/deliveries", "/transfers", "/audits", "/renewal", "/resources", "/dysfunctions", "/practices", "/research",
    "/workshops", "/trainings", "/trainings/summary", "/activity", "/accounts", "/password", "/replacements",
    "/reports",
)
PAGES = {
    **{route: route for route in PLAIN},
    "/schools/<code>": "/schools/{school}", "/assets?serial=": "/assets?serial={serial}",
    "/faults/<id>": "/faults/{fault}", "/deliveries/<ref>": "/deliveries/{delivery}",
    "/transfers/<id>": "/transfers/{transfer}", "/audits/<id>": "/audits/{audit}",
    "/labels": "/labels?school_code={school}", "/resources/<id>": "/resources/{resource}",
    "/committees/<id>": "/committees/{committee}", "/trainings/<id>": "/trainings/{training}",
    "/trainings/<id>/certificates/<staff>": "/trainings/{training}/certificates/{staff}",
    "/sessions/<id>": "/sessions/{session}", "/sessions/<id>?sheet=blank": "/sessions/{session}?sheet=blank",
    "/forms/<command>": None,  # every form, for each role that may fill it
}
# Routed paths that are not pages: files, the language switch, signing out, posts.
NOT_PAGES = {"/login", "/logout", "/lang/", "/static/", "/templates/", "/renewal.xlsx", "/convocation.csv",
             "/forms/accounts/", "/forms/accounts/password"}
# Links the crawl does not follow: files and what is not a page.
NOT_FOLLOWED = re.compile(r"^/(api|static|lang|logout|login|templates)(/|$)|\.(csv|xlsx|pdf|png|svg)$")
FILE_ARGS = {"format", "export"}
# The accounts of the crawl: one of each role (the director's school is the demo's first).
ROLES = {"fatima": ("coordinator", "province:OED"), "youssef": ("infrastructure", "province:OED"),
         "rachid": ("resources", "province:OED"), "salma": ("training", "province:OED"),
         "karim": ("technician", "province:OED"), "demo-director": ("school_director", "school:{school}"),
         "nadia": ("viewer", "region:DOE"), "nation": ("viewer", "all")}
# Codes that are also words of the demo's free texts, which pages show as typed ("serveur local").
FREE_TEXT_WORDS = {"local"}
MAX_PAGES = 150  # per role and language: a runaway of links fails instead of running for ever


def raw_codes() -> list[str]:
    """The codes a page must say in words, matched as whole lowercase words; a code that is also a word of
    its own translations (the French "infrastructure") is left out. Refusals and field names count when
    they are snake_case (`unknown_scope`, `school_code`): no word is written so."""
    from babel.messages.pofile import read_po

    from services.gateway import vocabulary
    from services.gateway.i18n import catalogue_path

    words = set()
    for lang in ("ar", "fr"):
        with catalogue_path(lang).open("rb") as fh:
            for m in read_po(fh):  # a count's message has a form of each plural category
                for form in (m.string if isinstance(m.string, (tuple, list)) else [m.string]):
                    words.update(re.findall(r"[a-z_]+", form or ""))
    codes = set()
    for name, table in vocabulary.VOCABULARIES.items():
        snake_only = name in ("field", "field_rule", "rule", "account_rule")
        codes.update(c for c in table if re.fullmatch(r"[a-z][a-z0-9_]+", c) and len(c) > 2
                     and (not snake_only or "_" in c))
    return sorted(codes - words - FREE_TEXT_WORDS)


def untranslated(lang: str) -> list[str]:
    """English messages of several words whose translation differs: seen on a page, one was missed."""
    from babel.messages.pofile import read_po

    from services.gateway.i18n import catalogue_path

    with catalogue_path(lang).open("rb") as fh:
        catalogue = read_po(fh)
    # A count's message (its id a pair) always carries its number: like any message with a value, left out.
    return sorted({m.id for m in catalogue if isinstance(m.id, str) and m.id and m.string and m.string != m.id
                   and "%" not in m.id and len(m.id.split()) >= 2 and len(m.id) >= 12})


def kind_of(url: str) -> str:
    """A page's kind: its path with the things it names left out, and its query's names. A form is a kind
    of its own."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    if segments[0] == "forms":
        return parts.path  # however it is filled in beforehand
    shape = "/" + "/".join(s if i == 0 or s in ("certificates", "summary") else "*" for i, s in enumerate(segments))
    names = sorted({k for k, v in parse_qsl(parts.query) if v})
    return shape + ("?" + "&".join(names) if names else "")


def followed(href: str | None) -> str | None:
    """The page a link opens, or None when it is a file, another site or not a page."""
    if not href:
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or NOT_FOLLOWED.search(parts.path):
        return None
    if FILE_ARGS & {k for k, _ in parse_qsl(parts.query)}:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


READ_PAGE = """() => ({
  text: document.body.innerText,
  width: document.documentElement.scrollWidth,
  lang: document.documentElement.lang,
  links: [...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download'))
           .map(a => a.getAttribute('href')),
})"""


def crawl(base: str, plan_file: str, out_file: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    plan = json.loads(Path(plan_file).read_text())
    codes = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, raw_codes())) + r")(?![\w-])")
    english = {lang: untranslated(lang) for lang in ("ar", "fr")}
    axe, problems, visits, checked, refusals = Axe(), [], [], set(), set()
    timing = {"axe": 0.0, "load": 0.0}

    def check(page, user, lang, url, status, why):
        where = f"{user} {lang} {url}"
        seen = page.evaluate(READ_PAGE)
        for found in sorted(set(codes.findall(seen["text"]))):
            problems.append(f"{where}: raw code {found!r}")
        for message in english[lang]:
            if message in seen["text"]:
                problems.append(f"{where}: untranslated {message!r}")
        if seen["width"] > PHONE:
            problems.append(f"{where}: {seen['width']} px wide on a {PHONE} px phone")
        if seen["lang"] != lang:
            problems.append(f"{where}: html lang is not {lang}")
        key = (kind_of(url) if status == 200 else status, lang)
        if why == "home" or key not in checked:
            checked.add(key)
            began = time.monotonic()
            for violation in axe.run(page, options={"resultTypes": ["violations"]}).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    nodes = "; ".join(n["target"][0] if n["target"] else "?" for n in violation["nodes"][:3])
                    problems.append(f"{where}: axe {violation['id']} ({violation['impact']}) at {nodes}")
            timing["axe"] += time.monotonic() - began
        return seen["links"]

    def on_a_phone(browser, lang):
        """A phone's context and its page at the sign-in page in `lang`."""
        context = browser.new_context(viewport={"width": PHONE, "height": 844}, is_mobile=True, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30000)
        page.goto(f"{base}/lang/{lang}?next=/login")
        return context, page

    started = time.monotonic()
    with chromium() as browser:
        for lang in ("ar", "fr"):
            context, page = on_a_phone(browser, lang)
            check(page, "-", lang, "/login", 200, "home")
            context.close()
        for user, plan_of_user in plan["users"].items():
            refused = []  # the refusals this account reads in both languages
            for lang in ("ar", "fr"):
                context, page = on_a_phone(browser, lang)
                page.fill("#u", user)
                page.fill("#p", f"secret-{user}")
                page.click("button[type=submit]")
                page.wait_for_load_state()
                seeds = plan_of_user["seeds"]
                queue = [(url, "home" if url == "/" else "known") for url in seeds]
                queue += [(url, "refused") for url in refused]
                kinds = {kind_of(url) for url in seeds}
                # The other known pages, asked without a browser (once): each answers or refuses in words,
                # and the first refusal of each kind is read in the browser too.
                for url in plan_of_user["probe"] if lang == "ar" else []:
                    status = context.request.get(base + url, max_redirects=0).status
                    visits.append({"user": user, "lang": lang, "url": url, "status": status, "why": "probe"})
                    if status not in (200, 403, 404):
                        problems.append(f"{user} {url}: status {status} (asked by its address)")
                    elif status != 200 and status not in refusals:
                        refusals.add(status)
                        refused.append(url)
                        queue.append((url, "refused"))
                while queue:
                    url, why = queue.pop(0)
                    began = time.monotonic()
                    answer = page.goto(base + url)
                    timing["load"] += time.monotonic() - began
                    status = answer.status if answer else None
                    visits.append({"user": user, "lang": lang, "url": url, "status": status, "why": why})
                    if status != 200 and not (why == "refused" and status in (403, 404)):
                        problems.append(f"{user} {lang} {url}: status {status} ({why})")
                        continue
                    for href in check(page, user, lang, url, status, why):
                        target = followed(href)
                        if target and kind_of(target) not in kinds:
                            kinds.add(kind_of(target))
                            queue.append((target, "link"))
                            if len(kinds) == MAX_PAGES:
                                problems.append(f"{user} {lang}: more than {MAX_PAGES} kinds of page; stopped")
                                queue.clear()
                                break
                page.screenshot(path=str(ARTIFACTS / f"crawl-{user}-{lang}-last.png"), full_page=True)
                context.close()
    Path(out_file).write_text(json.dumps({"visits": visits, "problems": problems,
                                          "seconds": round(time.monotonic() - started),
                                          "timing": {k: round(v) for k, v in timing.items()}},
                                         ensure_ascii=False, indent=1))


def things_of(rpc, school: str) -> dict:
    """The demo's first thing of each kind, for the known pages' addresses (the director's school first)."""
    schools = rpc.inventory.schools()
    trainings = [rpc.training.training(t["training_id"]) for t in rpc.training.trainings(None)]
    certified = next(t for t in trainings if t.get("certificates"))
    return {
        "school": school, "other": next(s["school_code"] for s in schools if s["school_code"] != school),
        "serial": rpc.inventory.assets({"school_code": school, "per_page": 0})["items"][0]["serial"],
        "fault": rpc.maintenance.faults_since(3650)[0]["fault_id"],
        "delivery": rpc.inventory.deliveries()[0]["delivery_ref"],
        "transfer": rpc.inventory.transfers(None)[0]["transfer_id"],
        "audit": rpc.inventory.audit_reports(None)[0]["audit_id"],
        "resource": rpc.resources.catalogue(None)[0]["resource_id"],
        "committee": rpc.resources.committees()[0]["committee_id"],
        "training": certified["training_id"], "staff": certified["certificates"][0]["staff_id"],
        "session": certified["sessions"][0]["session_id"],
    }


def known_pages(things: dict) -> dict[str, str]:
    return {name: url.format(**things) for name, url in PAGES.items() if url}


def pages_of(user: str, things: dict) -> list[str]:
    """An account's home, every known page, and every form its role may fill (a school given beforehand)."""
    from services.gateway.forms import FORMS
    from services.gateway.web import Web

    role, scope = ROLES[user]
    forms = [f"/forms/{f.path}?school_code={things['school']}&from_school={things['other']}" for f in FORMS
             if Web.may({"role": role, "scope": scope}, f.path)]
    return list(dict.fromkeys(["/", *known_pages(things).values(), *forms]))


def plan_of(rpc, director: str) -> dict:
    """For each account, the pages it starts from, with real things to show (the demo's first of each): the
    coordinator, who may open everything, every known page; the others their home, an asset's page (where a
    label's QR code leads) and their forms, and the known pages asked without a browser."""
    things = things_of(rpc, director.partition(":")[2])
    known = known_pages(things)
    users = {}
    for user, (role, _) in ROLES.items():
        everything = pages_of(user, things)
        if role == "coordinator":
            seeds = everything + ["/equipment?kind=toaster"]  # a filter refused next to itself
        else:
            seeds = ["/", known["/assets?serial="]] + [u for u in everything if u.startswith("/forms/")]
        probe = [u for u in everything if u not in seeds] + ["/no-such-page"]
        users[user] = {"seeds": seeds, "probe": probe}
    return {"users": users, "known": known}


def routed_paths() -> set[str]:
    """Every path the gateway's routing compares with: the literals of its route functions and tables."""
    found = set()
    for module in ("web.py", "pages.py", "people.py", "axes.py", "lists.py", "indicator_pages.py"):
        tree = ast.parse((GATEWAY / module).read_text())
        for node in ast.walk(tree):
            routing = (isinstance(node, ast.FunctionDef) and node.name in ("route", "handle")) or (
                isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("ROUTES", "ONE") for t in node.targets))
            if routing:
                found.update(c.value.split("?")[0] for c in ast.walk(node) if isinstance(c, ast.Constant)
                             and isinstance(c.value, str) and c.value.startswith("/"))
    return found


def test_every_page_route_of_the_gateway_is_crawled():
    """A new page needs its line in PAGES, or the crawl would never see it."""
    names = [n.split("?")[0] for n in PAGES]
    missing = sorted(path for path in routed_paths() - NOT_PAGES
                     if not any(n == path or (path.endswith("/") and path in n and not n.endswith(path))
                                for n in names))
    assert len(routed_paths()) > 30
    assert missing == [], f"routed but not crawled: add them to PAGES (or NOT_PAGES if not a page): {missing}"


@pytest.mark.e2e
@needs_chromium
def test_every_page_for_every_role_in_both_languages(genie_env, runner_factory, rabbit_config, monkeypatch, rpc,
                                                     tmp_path):
    from genie.demo import DemoProvince, Seeder
    from services.gateway.accounts import Accounts
    from shared import config
    from tests.integration.test_gateway_http import cheap_argon2, start_system

    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    outcome = Seeder(rpc, DemoProvince(schools=4, assets_per_school=6), out=None).run()
    assert outcome.refused == []
    director = f"school:{rpc.inventory.schools()[0]['school_code']}"
    accounts = Accounts(config.database_url("gateway"))
    for user, (role, scope) in ROLES.items():
        if accounts.get(user) is None:
            accounts.add(user, f"secret-{user}", role, director if role == "school_director" else scope)
    plan = plan_of(rpc, director)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    found = tmp_path / "found.json"
    run_in_child("tests.e2e.test_web_crawl", "crawl", base, str(plan_file), str(found), log="crawl.log",
                 timeout=1500)
    result = json.loads(found.read_text())
    print(f"crawled {len(result['visits'])} pages in {result['seconds']} s")
    assert result["problems"] == [], "\n".join(result["problems"][:80])
    # Every known page and every form opened in both languages, by at least one role.
    opened = {(v["url"], v["lang"]) for v in result["visits"] if v["status"] == 200 and v["why"] != "probe"}
    wanted = set(plan["known"].values()) | {u for mine in plan["users"].values() for u in mine["seeds"]
                                            if u.startswith("/forms/")}
    assert sorted(u for u in wanted for lang in ("ar", "fr") if (u, lang) not in opened) == []
    # Each role read its own pages in both languages, some only by following its links, and a refusal in words.
    for user in ROLES:
        for lang in ("ar", "fr"):
            mine = [v for v in result["visits"] if v["user"] == user and v["lang"] == lang and v["status"] == 200
                    and v["why"] != "probe"]
            assert len(mine) >= 8 and any(v["why"] == "link" for v in mine), (user, lang)
    assert {v["status"] for v in result["visits"] if v["why"] == "refused"} == {403, 404}
