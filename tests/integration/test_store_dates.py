"""Facts and time, on SQLite and PostgreSQL: the store refuses a fact dated before the latest one of an ordered
stream (an asset, a transfer, a work, a fault, a dysfunction), and before the first one of a founded stream (a
school, a resource, a training: their history may be entered late but not before they began); a school's census
is of a school year not over before the school was registered."""
import base64
from datetime import datetime, timedelta, timezone

import pytest

from shared.errors import CommandRejected, InvalidCommand
from shared.events import Context, Event
from tests.helpers import refused, wait_for

CASA = timezone(timedelta(hours=1))


@pytest.fixture
def store(store):
    store.ordered_streams = ("asset:",)
    store.founded_streams = ("school:",)
    return store


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


def test_resources_and_training_say_theirs_too():
    from services.resources.service import ResourcesService
    from services.training.service import TrainingService

    assert {"dysfunction:", "committee:", "workshop:", "project:", "practice:", "research:"} <= \
        set(ResourcesService.ordered_streams)
    assert set(ResourcesService.founded_streams) == {"resource:", "usage:"}
    assert TrainingService.founded_streams == ("training:",)


def test_resources_refuses_a_dysfunction_resolved_before_it_was_reported_and_a_resource_sent_before_it_came(
        run_services, rpc):
    from services.inventory.service import InventoryService
    from services.resources.service import ResourcesService
    from tests.integration.test_inventory_service import S1

    run_services(InventoryService, ResourcesService)
    meta = {"actor": {"user": "salma", "role": "resources"}}
    rpc.inventory.register_school(dict(S1, occurred_at="2025-09-01T08:00:00+01:00"), meta)
    wait_for(lambda: rpc.resources.known_schools())
    rpc.resources.report_dysfunction({"dysfunction_id": "DYS-1", "school_code": "OED001", "description": "Hors ligne",
                                      "occurred_at": "2025-11-03T09:00:00+01:00"}, meta)
    refused("dated_before_last_fact", rpc.resources.resolve_dysfunction, {
        "dysfunction_id": "DYS-1", "resolution": "Réinstallé", "occurred_at": "2025-11-01T09:00:00+01:00"}, meta)
    rpc.resources.receive_resource({"resource_id": "R-1", "title": "Fractions", "subject": "mathématiques",
                                    "levels": ["CE5"], "format": "video", "origin": "directorate",
                                    "occurred_at": "2025-10-01T09:00:00+01:00"}, meta)
    send = {"resource_id": "R-1", "school_codes": ["OED001"], "channel": "usb"}
    refused("dated_before_first_fact", rpc.resources.distribute_resource,
            dict(send, occurred_at="2025-09-20T09:00:00+01:00"), meta)
    # its distributions may be entered late, in any order, once it came in
    rpc.resources.distribute_resource(dict(send, occurred_at="2025-11-20T09:00:00+01:00"), meta)
    rpc.resources.distribute_resource(dict(send, occurred_at="2025-10-15T09:00:00+01:00"), meta)
    assert [e["event_type"] for e in rpc.resources.events_since(0)][-2:] == ["resource_distributed"] * 2


def test_training_refuses_a_session_scheduled_before_its_training_was_planned(run_services, rpc):
    from services.training.service import TrainingService

    run_services(TrainingService)
    meta = {"actor": {"user": "karima", "role": "training"}}
    rpc.training.plan_training({"training_id": "TICE", "title": "TICE", "modality": "in_person",
                                "audience": "teachers", "planned_participants": 10, "school_year": "2025-2026",
                                "occurred_at": "2025-09-20T09:00:00+01:00"}, meta)
    session = {"training_id": "TICE", "starts_on": "2025-11-10", "ends_on": "2025-11-11", "hours": 12.0,
               "venue": "Dakhla", "calendar_override_reason": "Calendrier pas encore chargé"}
    refused("dated_before_first_fact", rpc.training.schedule_session,
            dict(session, session_id="S1", occurred_at="2025-09-01T09:00:00+01:00"), meta)
    # two sessions of one training: the second may be entered dated before the first
    rpc.training.schedule_session(dict(session, session_id="S2", occurred_at="2025-10-05T09:00:00+01:00"), meta)
    rpc.training.schedule_session(dict(session, session_id="S1", occurred_at="2025-10-01T09:00:00+01:00"), meta)


def test_a_census_of_a_school_year_over_before_the_school_was_registered_is_refused(run_services, rpc):
    from services.inventory.service import InventoryService
    from tests.integration.test_inventory_service import S1

    run_services(InventoryService)
    meta = {"actor": {"user": "youssef", "role": "infrastructure"}}
    rpc.inventory.register_school(dict(S1, occurred_at="2025-09-01T08:00:00+01:00"), meta)
    census = {"school_code": "OED001", "pupils": 300, "teachers": 12}
    refused("census_before_registration", rpc.inventory.record_census, dict(census, school_year="2024-2025"), meta)
    # the school year it was registered in is its own, whenever its census is entered
    rpc.inventory.record_census(dict(census, school_year="2025-2026"), meta)
    assert [c["school_year"] for c in rpc.inventory.school("OED001")["censuses"]] == ["2025-2026"]
    # a list of schools registered today with a census of a year already over: the line says why
    listing = ("school_code,name_ar,name_fr,cycle,setting,commune,region_code,school_year,pupils,teachers\n"
               "OED009,مدرسة,École,primary,rural,Dakhla,DOE,2001-2002,120,6\n")
    with pytest.raises(InvalidCommand) as exc:
        rpc.inventory.import_schools({"content_base64": base64.b64encode(listing.encode()).decode(),
                                      "occurred_at": "2025-09-01T08:00:00+01:00"}, meta)
    assert "before the school was registered" in exc.value.errors["lines"]["2"]["school_year"][0]
