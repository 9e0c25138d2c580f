"""Maintenance's read models on a SQLite file, without broker: its view of the equipment
(through the core's projector, as in the service) and its fault lists."""
import uuid

import pytest

from services.maintenance.equipment import EquipmentView
from services.maintenance.views import FaultViews
from shared.catalogue import registry
from shared.db import make_engine
from shared.projector import Projector


def inventory_log(*events):
    """Envelopes of inventory's log: (event_type, data, occurred_at) in order."""
    log = []
    for i, (kind, data, when) in enumerate(events, start=1):
        log.append({"event_id": str(uuid.uuid4()), "event_type": kind, "schema_version": 1, "source": "inventory",
                    "position": i, "stream_id": "x", "stream_version": 1, "province_code": "OED",
                    "occurred_at": when, "recorded_at": when, "actor": {"user": "u", "role": "coordinator"},
                    "correlation_id": "c", "causation_id": None, "data": data})
    return log


def received(asset, serial, months=24, when="2025-10-01T09:00:00+01:00"):
    return ("equipment_received", {"asset_id": asset, "kind": "laptop", "serial": serial, "model": "X",
                                   "supplier": "Maroc Info", "delivery_ref": "BL-1", "warranty_months": months,
                                   "bundle": "vmm"}, when)


def assigned(asset, school, when="2025-10-02T09:00:00+01:00"):
    return ("equipment_assigned", {"asset_id": asset, "school_code": school}, when)


LOG = inventory_log(
    received("A1", "S-1"), received("A2", "S-2"), received("A3", "S-3"),
    assigned("A1", "OED001"), assigned("A2", "OED001"), assigned("A3", "OED001"),
    ("transfer_proposed", {"transfer_id": "T1", "asset_ids": ["A1", "A2"], "from_school": "OED001",
                           "to_school": "OED002", "reason": "unused", "report": "R-1"}, "2026-01-05T09:00:00+01:00"),
    ("transfer_proposed", {"transfer_id": "T2", "asset_ids": ["A3"], "from_school": "OED001",
                           "to_school": "OED003", "reason": "unused", "report": "R-2"}, "2026-01-05T09:00:00+01:00"),
    ("transfer_approved", {"transfer_id": "T1", "approved_by": "coordinator"}, "2026-01-06T09:00:00+01:00"),
    ("transfer_rejected", {"transfer_id": "T2", "reason": "needed"}, "2026-01-06T09:00:00+01:00"),
    ("transfer_completed", {"transfer_id": "T1"}, "2026-01-07T09:00:00+01:00"),
    ("transfer_completed", {"transfer_id": "T2"}, "2026-01-07T09:00:00+01:00"),  # rejected: moves nothing
    ("equipment_decommissioned", {"asset_id": "A2", "reason": "broken"}, "2026-02-01T09:00:00+01:00"),
)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'maintenance.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def projector(engine):
    view = EquipmentView()
    projector = Projector(view, engine, registry, lambda source, after, limit: LOG[after:after + limit],
                          retry_delays=())
    projector.setup()
    return projector


def record(projector, asset):
    with projector.engine.connect() as conn:
        return projector.projection.record(conn, asset)


def test_every_log_event_is_a_valid_inventory_event():
    for env in LOG:
        registry.read(env)


def test_the_view_follows_assignments_transfers_and_decommissioning(projector):
    assert projector.catch_up() == len(LOG)
    a1, a2, a3 = (record(projector, a) for a in ("A1", "A2", "A3"))
    assert (a1.school_code, a1.in_service, a1.supplier, a1.warranty_months) == ("OED002", True, "Maroc Info", 24)
    assert (a2.school_code, a2.decommissioned, a2.in_service) == ("OED002", True, False)
    assert (a3.school_code, a3.in_service) == ("OED001", True)  # its transfer was rejected
    assert record(projector, "A9") is None
    with projector.engine.connect() as conn:
        row = projector.projection.asset(conn, "A1")
        assert (row["received_on"], row["warranty_ends_on"]) == ("2025-10-01", "2027-10-01")
        assert projector.projection.asset_with_serial(conn, "S-3") == "A3"


def test_a_late_duplicate_does_not_undo_a_transfer(projector):
    for env in LOG[:6]:
        assert projector.handle(env) == "applied"
    # Everything after the assignments arrives with a gap: it is read back from the log first.
    assert projector.handle(LOG[10]) == "applied"
    assert record(projector, "A1").school_code == "OED002"
    assert projector.handle(LOG[3]) == "duplicate"  # A1's assignment to OED001, delivered again
    assert record(projector, "A1").school_code == "OED002"


def test_the_view_rebuilt_from_the_log_equals_the_live_one(projector):
    for env in LOG:
        projector.handle(env)
    live = [record(projector, a) for a in ("A1", "A2", "A3")]
    assert projector.rebuild() == len(LOG)
    assert [record(projector, a) for a in ("A1", "A2", "A3")] == live


def test_the_reception_date_is_the_casablanca_date(engine):
    log = inventory_log(received("A1", "S-1", 12, "2025-09-30T23:30:00+00:00"))
    projector = Projector(EquipmentView(), engine, registry, lambda s, a, n: log[a:a + n])
    projector.setup()
    projector.catch_up()
    with engine.connect() as conn:
        row = projector.projection.asset(conn, "A1")
    assert (row["received_on"], row["warranty_ends_on"]) == ("2025-10-01", "2026-10-01")


# ---------------------------------------------------------------- faults

def maintenance_log(*events):
    return [{"event_type": kind, "position": i, "occurred_at": when, "data": data}
            for i, (kind, data, when) in enumerate(events, start=1)]


@pytest.fixture
def faults(engine):
    views = FaultViews()
    views.create(engine)
    log = maintenance_log(
        ("fault_declared", {"fault_id": "F1", "asset_id": "A1", "school_code": "OED001", "symptom": "s",
                            "under_warranty": True}, "2026-01-01T10:00:00+01:00"),
        # The same instant written in another offset: 12 hours later.
        ("fault_closed", {"fault_id": "F1", "resolution": "repaired"}, "2026-01-01T21:00:00+00:00"),
        ("fault_declared", {"fault_id": "F2", "asset_id": "A2", "school_code": "OED002", "symptom": "s",
                            "under_warranty": False}, "2026-01-01T10:00:00+01:00"),
        ("fault_closed", {"fault_id": "F2", "resolution": "not_reproducible"}, "2026-01-30T10:00:00+01:00"),
        ("fault_declared", {"fault_id": "F3", "asset_id": "A3", "school_code": "OED002", "symptom": "s",
                            "under_warranty": False}, "2026-01-01T10:00:00+01:00"),
        ("fault_declared", {"fault_id": "F0", "asset_id": "A4", "school_code": "OED001", "symptom": "s",
                            "under_warranty": False}, "2026-01-01T10:00:00+01:00"),
    )
    with engine.begin() as conn:
        views.apply_many(conn, log)
    return views


def test_time_to_repair_counts_repaired_and_replaced_faults_only(engine, faults):
    with engine.connect() as conn:
        assert faults.time_to_repair(conn) == {"faults": 1, "total_days": 0.5, "mean_days": 0.5}
        assert faults.time_to_repair(conn, "OED002") == {"faults": 0, "total_days": 0.0, "mean_days": None}
        assert faults.fault(conn, "F1")["days_to_close"] == 0.5


def test_faults_declared_at_the_same_instant_are_listed_in_the_order_they_were_recorded(engine, faults):
    with engine.connect() as conn:
        assert [f["fault_id"] for f in faults.open_faults(conn)] == ["F3", "F0"]
        assert faults.open_fault_of(conn, "A4") == "F0"
        assert faults.open_fault_of(conn, "A1") is None
        assert faults.open_faults_of(conn, ["A4", "A1"]) == {"A4": "F0"}  # the warranty list's, in one query


def test_time_to_repair_by_supplier_and_by_kind_of_the_equipment(engine):
    def delivered(asset, kind, supplier):
        return ("equipment_received", {"asset_id": asset, "kind": kind, "serial": f"S-{asset}", "model": "X",
                                       "supplier": supplier, "delivery_ref": "BL-1", "warranty_months": 24,
                                       "bundle": "none"}, "2025-10-01T09:00:00+01:00")

    log = inventory_log(delivered("A1", "laptop", "Maroc Info"), delivered("A2", "laptop", "Atlas Tech"),
                        delivered("A3", "projector", "Maroc Info"))
    equipment = Projector(EquipmentView(), engine, registry, lambda s, a, n: log[a:a + n])
    equipment.setup()
    equipment.catch_up()
    views = FaultViews()
    views.create(engine)
    day = "2026-01-{:02d}T10:00:00+01:00".format
    events = []
    # A1 repaired in 2 days and again in 4; A2 in 1; A3 replaced in 6; A9 (never heard of) in 3; one not counted.
    for n, (asset, school, declared, closed, resolution) in enumerate([
            ("A1", "OED001", 1, 3, "repaired"), ("A1", "OED001", 10, 14, "repaired"),
            ("A2", "OED002", 1, 2, "repaired"), ("A3", "OED002", 1, 7, "replaced"),
            ("A9", "OED001", 1, 4, "repaired"), ("A2", "OED002", 5, 25, "not_reproducible")]):
        events += [("fault_declared", {"fault_id": f"F{n}", "asset_id": asset, "school_code": school, "symptom": "s",
                                       "under_warranty": True}, day(declared)),
                   ("fault_closed", {"fault_id": f"F{n}", "resolution": resolution}, day(closed))]
    with engine.begin() as conn:
        views.apply_many(conn, maintenance_log(*events))
    kind, supplier = equipment.projection.equipment.c.kind, equipment.projection.equipment.c.supplier
    with engine.connect() as conn:
        assert views.time_to_repair(conn) == {"faults": 5, "total_days": 16.0, "mean_days": 3.2}
        assert views.time_to_repair_by(conn, supplier) == [
            {"supplier": "Atlas Tech", "faults": 1, "total_days": 1.0, "mean_days": 1.0},
            {"supplier": "Maroc Info", "faults": 3, "total_days": 12.0, "mean_days": 4.0},
            {"supplier": None, "faults": 1, "total_days": 3.0, "mean_days": 3.0}]
        assert views.time_to_repair_by(conn, kind) == [
            {"kind": "laptop", "faults": 3, "total_days": 7.0, "mean_days": 2.3},
            {"kind": "projector", "faults": 1, "total_days": 6.0, "mean_days": 6.0},
            {"kind": None, "faults": 1, "total_days": 3.0, "mean_days": 3.0}]
        assert views.time_to_repair_by(conn, kind, school_codes=["OED002"]) == [
            {"kind": "laptop", "faults": 1, "total_days": 1.0, "mean_days": 1.0},
            {"kind": "projector", "faults": 1, "total_days": 6.0, "mean_days": 6.0}]
        assert views.time_to_repair(conn, school_codes=[]) == {"faults": 0, "total_days": 0.0, "mean_days": None}
