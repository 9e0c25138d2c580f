"""Generated bad input for a sample of commands, through the gateway of a system under `genie up`: always a 400
(naming the field) or a 409 (with its code), never a 5xx, never an event written.

A valid body of each command is spoiled one way at a time: a field of the wrong type, a required field
missing, a field the command does not know, a nested item spoiled, a body that is no JSON object.
(The OpenAPI-driven run is tests/integration/test_gateway_schemathesis.py.)
"""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import SOURCES, events_of

pytestmark = pytest.mark.e2e

VALID = {
    "inventory/register_school": {
        "school_code": "BADS1", "name_ar": "مدرسة", "name_fr": "École", "cycle": "primary", "setting": "urban",
        "commune": "Dakhla", "region_code": "DOE"},
    "inventory/record_census": {"school_code": "BADS1", "school_year": "2025-2026", "pupils": 300, "teachers": 12},
    "inventory/receive_delivery": {"supplier": "Atlas", "delivery_ref": "BL-BAD", "items": [
        {"asset_id": "BADA1", "kind": "laptop", "serial": "BADSN1", "model": "M", "warranty_months": 24,
         "bundle": "none"}]},
    "inventory/propose_transfer": {"transfer_id": "BADT1", "asset_ids": ["BADA1"], "from_school": "BADS1",
                                   "to_school": "BADS2", "reason": "Effectifs", "report": "PV."},
    "maintenance/declare_fault": {"fault_id": "BADF1", "asset_id": "BADA1", "school_code": "BADS1",
                                  "symptom": "Écran noir"},
    "maintenance/close_fault": {"fault_id": "BADF1", "resolution": "repaired"},
    "resources/receive_resource": {"title": "Géométrie", "subject": "math", "levels": ["CE6"], "format": "video",
                                   "origin": "national"},
    "training/plan_training": {"title": "TICE", "modality": "in_person", "audience": "teachers",
                               "planned_participants": 20, "school_year": "2025-2026"},
}
# Values no field of these commands takes: an object where a scalar or list is expected, and so on.
WRONG = st.one_of(st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=3),
                  st.lists(st.dictionaries(st.text(max_size=3), st.booleans(), min_size=1), min_size=1, max_size=2))
UNKNOWN_KEY = st.text(min_size=1, max_size=20).filter(lambda k: not any(k in body for body in VALID.values()))
NOT_OBJECT = st.one_of(st.integers(), st.text(max_size=20), st.lists(st.integers(), max_size=3), st.none(),
                       st.booleans()).map(json.dumps)


@pytest.fixture(scope="module")
def system(genie_up):
    genie_up.add_user("coord", "coordinator", "province:OED")
    before = genie_up.last_positions()
    yield genie_up
    # Never an event written: every log ends where it began, and holds only what began it.
    assert genie_up.last_positions() == before
    assert all(len(events_of(genie_up, s)) == before[s] for s in SOURCES)


@st.composite
def spoiled(draw):
    """(command path, raw body, the field that is wrong or None for the whole body)."""
    path = draw(st.sampled_from(sorted(VALID)))
    body = json.loads(json.dumps(VALID[path]))
    how = draw(st.sampled_from(["wrong_type", "missing", "unknown", "nested", "not_object", "not_json"]))
    if how == "wrong_type":
        field = draw(st.sampled_from(sorted(body)))
        body[field] = draw(WRONG)
    elif how == "missing":
        field = draw(st.sampled_from(sorted(k for k in body if k not in ("fault_id", "transfer_id"))))
        del body[field]
    elif how == "unknown":
        field = draw(UNKNOWN_KEY)
        body[field] = draw(st.one_of(st.integers(), st.text(max_size=10)))
    elif how == "nested":
        lists = sorted(k for k, v in body.items() if isinstance(v, list))
        if not lists:
            field = draw(st.sampled_from(sorted(body)))
            body[field] = draw(WRONG)
        else:
            field = draw(st.sampled_from(lists))
            item = body[field][0]
            if isinstance(item, dict):
                key = draw(st.sampled_from(sorted(item)))
                item[key] = draw(WRONG)
            else:
                body[field] = [draw(WRONG)]
    elif how == "not_object":
        return path, draw(NOT_OBJECT).encode(), None
    else:
        raw = draw(st.binary(min_size=1, max_size=40).filter(lambda b: not _json_object(b)))
        return path, raw, None
    return path, json.dumps(body).encode(), field


def _json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except (ValueError, UnicodeDecodeError):
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(case=spoiled())
def test_bad_input_is_a_named_400_never_a_5xx_nor_an_event(system, case):
    path, raw, field = case
    r = system.post("coord", "/api/" + path, raw)
    assert r.status_code in (400, 409), (path, raw, r.status_code, r.text)
    problem = r.json()
    if r.status_code == 409:
        assert problem.get("code"), problem
        return
    errors = problem.get("errors")
    assert errors, problem
    if field is not None:
        assert field in errors or "_schema" in errors, (path, field, errors)


def test_the_valid_bodies_are_well_formed(system):
    """The spoiled bodies start from well-formed ones: those that need earlier facts are refused by a rule
    (409 with its code), not by their shape. (Sending the others would record them.)"""
    for path in ("inventory/propose_transfer", "maintenance/declare_fault", "maintenance/close_fault"):
        r = system.post("coord", "/api/" + path, VALID[path])
        assert r.status_code == 409, (path, r.text)
        assert r.json()["code"].startswith("unknown_"), r.text
