"""The register of equipment (services/inventory/register.py): each asset's status and warranty state, its
filters (school, commune, supplier, warranty running / ending / ended, age), its search, its orders and pages."""
from datetime import date

import pytest

from services.inventory.register import register, status_of

TODAY = date(2026, 6, 15)
SCHOOLS = {"S1": {"school_code": "S1", "commune": "Dakhla", "name_ar": "أ", "name_fr": "A"},
           "S2": {"school_code": "S2", "commune": "Bir Gandouz", "name_ar": "ب", "name_fr": "B"}}


def asset(asset_id, serial, received, months, school=None, kind="laptop", supplier="Maroc Info", model="X1",
          installed=False, in_service=True, observation=None):
    return {"asset_id": asset_id, "serial": serial, "kind": kind, "model": model, "bundle": "none",
            "supplier": supplier, "delivery_ref": "BL-1", "received_at": f"{received}T09:00:00+01:00",
            "warranty_months": months, "school_code": school, "installed": installed, "in_service": in_service,
            "transfer_id": None, "observation": observation}


ASSETS = [
    # Received 2 years 5 months ago with 36 months: running until 2027-01-10.
    asset("A1", "lt-03", "2024-01-10", 36, "S1", installed=True),
    # Its 24 months end on 2026-07-20: within 60 days.
    asset("A2", "LT-01", "2024-07-20", 24, "S2", supplier="Sahara PC"),
    # Four years old, its 12 months long ended.
    asset("A3", "PJ-02", "2022-05-02", 12, "S1", kind="projector", model="EB-X", observation="unused"),
    # In stock, this year's.
    asset("A4", "TB-9", "2026-05-01", 24, kind="tablet", supplier="Sahara PC", model="Tab 10"),
    # Ends exactly today: ended (the warranty's end is the first day not covered).
    asset("A5", "PC-7", "2025-06-15", 12, "S2", kind="desktop", in_service=False),
]


def ids(page):
    return [a["asset_id"] for a in page["items"]]


def test_each_assets_status_warranty_state_commune_and_age_are_said():
    rows = {a["asset_id"]: a for a in register(ASSETS, SCHOOLS, {"per_page": 0}, TODAY)["items"]}
    assert [(rows[a]["status"], rows[a]["warranty"], rows[a]["warranty_ends_on"], rows[a]["age_years"])
            for a in ("A1", "A2", "A3", "A4", "A5")] == [
        ("installed", "running", "2027-01-10", 2), ("assigned", "ending", "2026-07-20", 1),
        ("unused", "ended", "2023-05-02", 4), ("in_stock", "running", "2028-05-01", 0),
        ("decommissioned", "ended", "2026-06-15", 1)]
    assert (rows["A1"]["commune"], rows["A1"]["school_name_fr"], rows["A4"]["commune"]) == ("Dakhla", "A", None)
    assert status_of(dict(ASSETS[1], observation="broken")) == "broken"


@pytest.mark.parametrize("query,expected", [
    ({"warranty": "running"}, ["A1", "A4"]),
    ({"warranty": "ending"}, ["A2"]),
    ({"warranty": "ended"}, ["A5", "A3"]),
    ({"commune": "Dakhla"}, ["A1", "A3"]),
    ({"commune": "Bir Gandouz", "status": "assigned"}, ["A2"]),
    ({"supplier": "Sahara PC"}, ["A2", "A4"]),
    ({"age_min": 2}, ["A1", "A3"]),
    ({"age_max": 1}, ["A2", "A5", "A4"]),
    ({"age_min": 1, "age_max": 2}, ["A2", "A1", "A5"]),
    ({"kind": "projector"}, ["A3"]),
    ({"school_code": "S2"}, ["A2", "A5"]),
    ({"school_codes": ["S1"]}, ["A1", "A3"]),  # a scope's schools: nothing in stock
    ({"status": "in_stock"}, ["A4"]),
    ({"q": "lt-0"}, ["A2", "A1"]),  # serials whatever their case, in their order
    ({"q": "eb-x"}, ["A3"]),  # or the model
    ({"supplier": "Nobody"}, []),
])
def test_the_registers_filters(query, expected):
    assert ids(register(ASSETS, SCHOOLS, {"per_page": 0, **query}, TODAY)) == expected


@pytest.mark.parametrize("sort,expected", [
    ("serial", ["A2", "A1", "A5", "A3", "A4"]),
    ("kind", ["A5", "A2", "A1", "A3", "A4"]),
    ("school", ["A4", "A1", "A3", "A2", "A5"]),
    ("received", ["A3", "A1", "A2", "A5", "A4"]),
    ("warranty", ["A3", "A5", "A2", "A1", "A4"]),
])
def test_the_registers_orders_each_way(sort, expected):
    assert ids(register(ASSETS, SCHOOLS, {"per_page": 0, "sort": sort}, TODAY)) == expected
    assert ids(register(ASSETS, SCHOOLS, {"per_page": 0, "sort": sort, "desc": True}, TODAY)) == expected[::-1]


def test_the_register_is_paged_and_says_its_total():
    first = register(ASSETS, SCHOOLS, {"per_page": 2}, TODAY)
    assert (first["total"], first["page"], first["per_page"], ids(first)) == (5, 1, 2, ["A2", "A1"])
    last = register(ASSETS, SCHOOLS, {"per_page": 2, "page": 3}, TODAY)
    assert (last["total"], ids(last)) == (5, ["A4"])
    assert ids(register(ASSETS, SCHOOLS, {"per_page": 2, "page": 4}, TODAY)) == []
    filtered = register(ASSETS, SCHOOLS, {"per_page": 1, "warranty": "ended"}, TODAY)
    assert (filtered["total"], ids(filtered)) == (2, ["A5"])  # the total is the filtered list's
    assert len(register(ASSETS, SCHOOLS, {}, TODAY)["items"]) == 5  # 50 a page unless asked
