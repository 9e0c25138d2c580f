"""The log answers what a school had at any date; the read models are made again from it.

The service's own code runs here on a real store (SQLite, then PostgreSQL),
without the broker: nameko's `worker_factory` gives the service class its log.
"""
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select, text

from services.inventory.service import InventoryService
from services.inventory.views import InventoryViews
from shared.db import make_engine

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}


def at(day, hour=9):
    return f"{day}T{hour:02d}:00:00+01:00"


@pytest.fixture
def store(store):
    store.views = InventoryViews()
    store.views.create(store.engine)
    store.views_in_shape()  # as the service does at start
    return store


@pytest.fixture
def inventory(store):
    return worker_factory(InventoryService, log=store)


def school(code):
    return {"school_code": code, "name_ar": f"مدرسة {code}", "name_fr": f"École {code}", "cycle": "primary",
            "setting": "rural", "commune": "Dakhla", "region_code": "DOE"}


def delivery(ref, day, asset_ids, kind="desktop"):
    return {"supplier": "Maroc Info", "delivery_ref": ref, "occurred_at": at(day),
            "items": [{"asset_id": a, "kind": kind, "serial": f"SN-{a}", "warranty_months": 24, "bundle": "smm"}
                      for a in asset_ids]}


def assign(inv, asset_ids, code, day):
    for a in asset_ids:
        inv.assign_equipment({"asset_id": a, "school_code": code, "occurred_at": at(day)})


def two_years(inv):
    """Two school years of a province, some facts recorded long after they happened."""
    for code in ("S1", "S2", "S3"):
        inv.register_school(dict(school(code), occurred_at=at("2024-09-01")), COORDINATOR)
    inv.receive_delivery(delivery("BL-1", "2024-09-10", ["D1", "D2", "D3", "D4", "D5", "D6"]))
    assign(inv, ["D1", "D2", "D3", "D4"], "S1", "2024-09-20")
    assign(inv, ["D5", "D6"], "S2", "2024-10-01")
    inv.confirm_installation({"asset_id": "D1", "school_code": "S1", "occurred_at": at("2024-09-25")})
    inv.receive_delivery(delivery("BL-2", "2025-01-15", ["E1", "E2", "E3", "E4"], kind="laptop"))
    assign(inv, ["E1", "E2"], "S1", "2025-01-20")
    inv.record_usage_visit({"school_code": "S1", "occurred_at": at("2025-03-01"), "notes": "",
                            "observations": [{"asset_id": a, "status": "unused"} for a in ("D3", "D4")]})
    inv.propose_transfer({"transfer_id": "T1", "asset_ids": ["D3", "D4"], "from_school": "S1", "to_school": "S2",
                          "reason": "unused", "report": "Visit of 1 March.", "occurred_at": at("2025-03-10")})
    inv.approve_transfer({"transfer_id": "T1", "occurred_at": at("2025-03-12")}, COORDINATOR)
    inv.complete_transfer({"transfer_id": "T1", "occurred_at": at("2025-03-20", 14)})
    inv.decommission_equipment({"asset_id": "D1", "reason": "burnt", "occurred_at": at("2025-05-05")})
    # recorded now, happened in February: E3 went to S3
    assign(inv, ["E3"], "S3", "2025-02-01")
    inv.record_usage_visit({"school_code": "S2", "occurred_at": at("2025-04-01"), "notes": "",
                            "observations": [{"asset_id": "D5", "status": "unused"}]})
    inv.propose_transfer({"transfer_id": "T2", "asset_ids": ["D5"], "from_school": "S2", "to_school": "S3",
                          "reason": "unused", "report": "Visit of 1 April.", "occurred_at": at("2025-04-02")})
    inv.reject_transfer({"transfer_id": "T2", "reason": "S3 has no room", "occurred_at": at("2025-04-03")},
                        COORDINATOR)
    inv.assign_equipment({"asset_id": "E4", "school_code": "S2"})  # today
    inv.complete_inventory_audit({"audit_id": "AU1", "school_code": "S1", "occasion": "annual",
                                  "findings": [{"asset_id": a, "status": "present"} for a in ("D2", "E1", "E2")],
                                  "unexpected_serials": ["SN-D3"]})


def replay_cut(store, instant: datetime) -> dict[str, list[str]]:
    """Each school's equipment in a fresh read model fed only the log's events dated before `instant`."""
    engine = make_engine("sqlite://")
    views = InventoryViews()
    views.create(engine)
    events = [e for e in store.events_since(0, 5000) if datetime.fromisoformat(e["occurred_at"]) < instant]
    with engine.begin() as conn:
        views.apply_many(conn, events)
        found = {code: sorted(a["asset_id"] for a in views.assets_at(conn, code)) for code in ("S1", "S2", "S3")}
    engine.dispose()
    return found


def as_of(inv, code, when):
    return [a["asset_id"] for a in inv.school_equipment_as_of(code, when)["equipment"]]


def test_a_school_s_equipment_at_any_date_agrees_with_a_replay_cut_at_that_date(store, inventory):
    two_years(inventory)
    # What a coordinator knows happened, school by school.
    assert as_of(inventory, "S1", "2024-09-19") == []
    assert as_of(inventory, "S1", "2024-09-20") == ["D1", "D2", "D3", "D4"]
    assert as_of(inventory, "S1", "2025-03-19") == ["D1", "D2", "D3", "D4", "E1", "E2"]
    # "at T" is every fact dated before T: the move at 14:00 is not yet done at 14:00
    assert as_of(inventory, "S1", "2025-03-20T14:00:00+01:00") == ["D1", "D2", "D3", "D4", "E1", "E2"]
    assert as_of(inventory, "S1", "2025-03-20T14:00:01+01:00") == ["D1", "D2", "E1", "E2"]
    assert as_of(inventory, "S1", "2025-06-30") == ["D2", "E1", "E2"]
    assert as_of(inventory, "S2", "2025-06-30") == ["D3", "D4", "D5", "D6"]
    assert as_of(inventory, "S3", "2025-01-31") == []
    assert as_of(inventory, "S3", "2025-02-01") == ["E3"]
    assert as_of(inventory, "S3", "2025-06-30") == ["E3"]  # the rejected transfer moved nothing
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    assert as_of(inventory, "S2", now.isoformat()) == ["D3", "D4", "D5", "D6", "E4"]
    # and the same from a replay of the log cut at each date
    days = ["2024-09-10", "2024-09-19", "2024-09-20", "2024-10-01", "2025-01-20", "2025-02-01", "2025-03-12",
            "2025-03-19", "2025-03-20", "2025-04-03", "2025-05-04", "2025-05-05", "2025-06-30"]
    instants = [datetime.fromisoformat(d + "T00:00:00+01:00") + timedelta(days=1) for d in days]
    instants += [datetime.fromisoformat("2025-03-20T14:00:00+01:00"),
                 datetime.fromisoformat("2025-03-20T14:00:01+01:00"), now]
    for instant in instants:
        replayed = replay_cut(store, instant)
        for code in ("S1", "S2", "S3"):
            assert as_of(inventory, code, instant.isoformat()) == replayed[code], (code, instant)


def snapshot(store):
    views = store.views
    with store.engine.connect() as conn:
        return {t.name: sorted(tuple(str(v) for v in row) for row in conn.execute(select(t)))
                for t in views.metadata.sorted_tables}


def test_the_read_models_made_again_from_the_log_equal_the_live_ones(store, inventory):
    two_years(inventory)
    live = snapshot(store)
    assert len(live["assets"]) == 10 and len(live["asset_events"]) > 20
    assert inventory.rebuild() == {"applied": store.last_position()}
    assert snapshot(store) == live
    # read models of another shape (as before an upgrade) are made again at start-up
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE views_shape SET shape = 'before'"))
        conn.execute(store.views.assets.delete())
    assert store.views_in_shape() == store.last_position()
    assert snapshot(store) == live
    assert store.views_in_shape() is None  # once made, they are left as they are
