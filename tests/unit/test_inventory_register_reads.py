"""The register's rows read from the database: what SQL picks for a school, a scope or a status is exactly
what the register's own rule keeps, for every status an item can have."""
import pytest
from sqlalchemy import create_engine, insert

from services.inventory.register import status_of
from services.inventory.schemas import ASSET_STATUSES
from services.inventory.views import InventoryViews

ROWS = [  # (asset, school, installed, in service, last observation)
    ("A1", None, False, True, None), ("A2", "S1", False, True, None), ("A3", "S1", True, True, "in_use"),
    ("A4", "S1", True, True, "unused"), ("A5", "S2", True, True, "broken"), ("A6", "S2", False, False, None),
    ("A7", None, False, False, None), ("A8", "S2", False, True, "unused")]


@pytest.fixture
def read():
    views = InventoryViews()
    engine = create_engine("sqlite://")
    views.create(engine)
    with engine.begin() as conn:
        conn.execute(insert(views.assets), [
            {"asset_id": a, "serial": f"SN-{a}", "serial_key": f"SN-{a}", "kind": "laptop", "model": "X1",
             "bundle": "none", "supplier": "Maroc Info", "delivery_ref": "BL-1",
             "received_at": "2025-10-01T09:00:00+01:00", "warranty_months": 24, "school_code": school,
             "installed": installed, "in_service": in_service, "observation": seen}
            for a, school, installed, in_service, seen in ROWS])

    def read(**kw):
        with engine.connect() as conn:
            return sorted(r["asset_id"] for r in views.all_assets(conn, **kw))
    return read


def test_the_rows_read_for_a_status_or_schools_are_those_the_register_keeps(read):
    every = read()
    assert len(every) == len(ROWS)
    by_id = {a: {"school_code": s, "installed": i, "in_service": k, "observation": o} for a, s, i, k, o in ROWS}
    for status in ASSET_STATUSES:
        picked = read(status=status)
        assert [a for a in picked if status_of(by_id[a]) == status] == \
               [a for a in every if status_of(by_id[a]) == status], status
    assert read(status="in_stock") == ["A1"] and read(status="decommissioned") == ["A6", "A7"]
    assert read(school_codes=["S1"]) == ["A2", "A3", "A4"] and read(school_codes=[]) == []
