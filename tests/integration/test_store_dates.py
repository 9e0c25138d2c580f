"""Facts and time, on SQLite and PostgreSQL: the store refuses a fact dated before the latest one of an ordered
stream (an asset, a transfer, a work, a fault), and before the first one of a founded stream (a school, whose
history may be entered late but not before it was registered)."""
from datetime import datetime, timedelta, timezone

import pytest

from shared.catalogue import registry
from shared.db import make_engine
from shared.errors import CommandRejected
from shared.events import Context, Event
from shared.store import EventStore

CASA = timezone(timedelta(hours=1))


@pytest.fixture
def store(database):
    s = EventStore(make_engine(database), "inventory", "OED", registry)
    s.ordered_streams = ("asset:",)
    s.founded_streams = ("school:",)
    s.create_schema()
    yield s
    s.engine.dispose()


def connectivity(school="S1"):
    return Event("connectivity_recorded", {"school_code": school, "status": "connected", "link": "adsl",
                                           "bandwidth_mbps": 8.0})


def school(code="S1"):
    return Event("school_registered", {"school_code": code, "name_ar": "م", "name_fr": "É", "cycle": "primary",
                                       "setting": "rural", "commune": "Dakhla", "province_code": "OED",
                                       "region_code": "DOE"})


def test_a_school_fact_dated_before_the_school_is_refused_and_writes_nothing(store):
    registered = datetime(2025, 9, 1, 8, 0, tzinfo=CASA)
    with store.transaction() as tx:
        tx.append("school:S1", 0, [school()], Context(occurred_at=registered))
    with pytest.raises(CommandRejected) as exc:
        with store.transaction() as tx:
            tx.append("school:S1", 1, [connectivity()], Context(occurred_at=datetime(1900, 1, 1, tzinfo=CASA)))
    assert exc.value.code == "dated_before_first_fact" and "school:S1" in exc.value.message
    assert store.last_position() == 1
    # the same instant written at another offset is not before it; a later one is fine
    same = registered.astimezone(timezone.utc)
    with store.transaction() as tx:
        tx.append("school:S1", 1, [connectivity()], Context(occurred_at=same))
        tx.append("school:S1", 2, [connectivity()], Context(occurred_at=same + timedelta(days=3)))
    assert store.last_position() == 3


def test_a_school_s_history_may_be_filled_in_after_a_later_fact(store):
    with store.transaction() as tx:
        tx.append("school:S1", 0, [school()], Context(occurred_at=datetime(2024, 9, 1, tzinfo=CASA)))
        tx.append("school:S1", 1, [connectivity()], Context(occurred_at=datetime(2026, 11, 1, tzinfo=CASA)))
    # last year's connectivity, entered after this year's: between the registration and the latest fact
    with store.transaction() as tx:
        tx.append("school:S1", 2, [connectivity()], Context(occurred_at=datetime(2025, 10, 1, tzinfo=CASA)))
    assert store.last_position() == 3


def test_an_asset_fact_dated_before_its_latest_is_refused(store):
    received = Event("equipment_received", {"asset_id": "A1", "serial": "SN1", "kind": "laptop", "model": "M",
                                            "supplier": "Atlas", "delivery_ref": "BL1", "warranty_months": 24,
                                            "bundle": "none"})
    with store.transaction() as tx:
        tx.append("asset:A1", 0, [received], Context(occurred_at=datetime(2025, 10, 1, tzinfo=CASA)))
    assigned = Event("equipment_assigned", {"asset_id": "A1", "school_code": "S1"})
    with pytest.raises(CommandRejected) as exc:
        with store.transaction() as tx:
            tx.append("asset:A1", 1, [assigned], Context(occurred_at=datetime(2025, 9, 1, tzinfo=CASA)))
    assert exc.value.code == "dated_before_last_fact" and store.last_position() == 1


def test_other_streams_are_not_held_to_each_others_dates(store):
    with store.transaction() as tx:
        tx.append("school:S1", 0, [school()], Context(occurred_at=datetime(2025, 9, 1, tzinfo=CASA)))
        tx.append("school:S2", 0, [school("S2")], Context(occurred_at=datetime(2020, 9, 1, tzinfo=CASA)))
    assert store.last_position() == 2


def test_one_command_s_events_in_the_wrong_order_are_refused_too(store):
    later, earlier = datetime(2025, 10, 2, tzinfo=CASA), datetime(2025, 10, 1, tzinfo=CASA)
    with pytest.raises(CommandRejected):
        with store.transaction() as tx:
            tx.append("school:S1", 0, [Event("school_registered", school().data, later),
                                       Event("connectivity_recorded", connectivity().data, earlier)], Context())
    assert store.last_position() == 0


def test_the_services_say_which_of_their_streams_are_ordered():
    from services.inventory.service import InventoryService
    from services.maintenance.service import MaintenanceService

    assert {"asset:", "transfer:", "work:"} <= set(InventoryService.ordered_streams)
    assert InventoryService.founded_streams == ("school:",)
    assert MaintenanceService.ordered_streams == ("fault:",)


def test_a_connectivity_dated_before_the_school_is_refused_by_the_real_service(run_services, rpc):
    from services.inventory.service import InventoryService
    from tests.integration.test_inventory_service import S1

    run_services(InventoryService)
    meta = {"actor": {"user": "youssef", "role": "infrastructure"}}
    rpc.inventory.register_school(dict(S1, occurred_at="2025-09-01T08:00:00+01:00"), meta)
    with pytest.raises(CommandRejected) as exc:
        rpc.inventory.record_connectivity({"school_code": "OED001", "status": "connected", "link": "adsl",
                                           "bandwidth_mbps": 8, "occurred_at": "1900-01-01T00:00:00+00:00"}, meta)
    assert exc.value.code == "dated_before_first_fact"
