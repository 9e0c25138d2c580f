"""Maintenance's rules without broker or database: each one accepted and refused."""
from datetime import date, datetime

import pytest

from shared.calendar import add_months, is_under_warranty, warranty_ends_on
from services.maintenance import domain
from services.maintenance.domain import AssetRecord, Fault
from shared.catalogue import registry
from shared.errors import CommandRejected, InvalidCommand
from tests.helpers import refused


def at(text):
    return datetime.fromisoformat(text)


RECEIVED = at("2025-10-01T09:00:00+01:00")
LAPTOP = AssetRecord(asset_id="A1", kind="laptop", supplier="Maroc Info", received_at=RECEIVED,
                     warranty_months=24, school_code="OED001")
DECLARED = at("2026-03-02T10:00:00+01:00")


def envelope(event_type, data, occurred_at):
    return {"event_type": event_type, "data": data, "occurred_at": occurred_at.isoformat()}


def fold(*events):
    state = Fault("F1")
    for e in events:
        state = domain.evolve_fault(state, envelope(e.type, e.data, e.occurred_at))
    return state


def declare(asset=LAPTOP, when=DECLARED, open_fault=None, school="OED001", state=None):
    cmd = domain.DeclareFault(asset.asset_id if asset else "A1", school, "Does not boot")
    return domain.declare_fault(state or Fault("F1"), asset, open_fault, cmd, when)


def repair(action, cost_mad=None):
    return domain.RecordRepair("F1", action, cost_mad)


def replacing(serial, new_kind=None):
    return domain.ReplaceEquipment("F1", serial, new_kind)


def open_fault(asset=LAPTOP, when=DECLARED):
    return fold(*declare(asset, when))


def valid(events, source="maintenance"):
    for e in events:
        registry.check_new(source, e)  # every event matches the published catalogue
    return events


OUT_OF_WARRANTY = AssetRecord(asset_id="A2", kind="desktop", supplier="Sahara PC",
                              received_at=at("2020-01-15T09:00:00+01:00"), warranty_months=12,
                              school_code="OED001")


# ---------------------------------------------------------------- warranty dates

def test_months_are_calendar_months_and_the_31st_becomes_the_last_day_of_a_short_month():
    assert add_months(date(2025, 10, 1), 24) == date(2027, 10, 1)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2025, 3, 15), 0) == date(2025, 3, 15)


def test_a_24_month_warranty_from_1_october_2025_covers_up_to_30_september_2027():
    assert warranty_ends_on(RECEIVED, 24) == date(2027, 10, 1)
    covered = lambda text: is_under_warranty(RECEIVED, 24, at(text))  # noqa: E731
    assert covered("2027-09-30T00:00:00+01:00")  # the day before expiry, all day
    assert covered("2027-09-30T23:59:59+01:00")
    assert not covered("2027-10-01T00:00:00+01:00")  # the expiry day is not covered
    assert not covered("2027-10-02T10:00:00+01:00")  # nor the day after


def test_dates_are_read_in_casablanca_time_whatever_the_offset_given():
    # 23:30 UTC on 30 September is already 1 October in Casablanca (UTC+1 in autumn).
    assert not is_under_warranty(RECEIVED, 24, at("2027-09-30T23:30:00+00:00"))
    assert is_under_warranty(RECEIVED, 24, at("2027-09-30T22:30:00+00:00"))
    # Received at 23:30 UTC on 30 September: received on 1 October locally.
    assert warranty_ends_on(at("2025-09-30T23:30:00+00:00"), 12) == date(2026, 10, 1)


def test_no_warranty_months_means_no_warranty_even_on_the_day_of_reception():
    assert not is_under_warranty(RECEIVED, 0, RECEIVED)
    assert is_under_warranty(RECEIVED, 1, RECEIVED)


# ---------------------------------------------------------------- declare

def test_a_fault_on_an_asset_in_service_at_the_school_is_declared_under_warranty():
    [event] = valid(declare())
    assert event.type == "fault_declared"
    assert event.data == {"fault_id": "F1", "asset_id": "A1", "school_code": "OED001",
                          "symptom": "Does not boot", "under_warranty": True}
    assert event.occurred_at == DECLARED


@pytest.mark.parametrize("when,under", [
    ("2027-09-30T16:00:00+01:00", True),  # day before expiry
    ("2027-10-01T08:00:00+01:00", False),  # expiry day
    ("2027-10-02T08:00:00+01:00", False),  # day after expiry
])
def test_under_warranty_is_decided_by_the_date_of_the_fault(when, under):
    assert declare(when=at(when))[0].data["under_warranty"] is under


def test_a_fault_is_refused_on_an_asset_maintenance_does_not_know():
    refused("unknown_asset", declare, None)


def test_a_fault_is_refused_on_a_decommissioned_or_unassigned_asset():
    from dataclasses import replace
    refused("asset_not_in_service", declare, replace(LAPTOP, decommissioned=True))
    refused("asset_not_in_service", declare, replace(LAPTOP, school_code=None))


def test_a_fault_is_refused_on_an_asset_already_replaced():
    from dataclasses import replace
    exc = refused("asset_replaced", declare, replace(LAPTOP, replaced_by="A9"))
    assert "A9" in exc.message


def test_a_school_declares_faults_only_on_its_own_equipment():
    exc = refused("asset_not_at_school", declare, LAPTOP, DECLARED, None, "OED002")
    assert "OED002" in exc.message


def test_a_fault_cannot_predate_the_reception_of_the_asset():
    refused("fault_before_reception", declare, LAPTOP, at("2025-10-01T08:59:00+01:00"))
    assert declare(when=RECEIVED)[0].data["under_warranty"] is True


def test_a_second_open_fault_on_the_same_asset_is_refused_naming_the_open_one():
    exc = refused("fault_already_open", declare, LAPTOP, DECLARED, "F0")
    assert "F0" in exc.message


def test_the_same_fault_id_cannot_be_declared_twice():
    refused("fault_already_declared", declare, LAPTOP, DECLARED, None, "OED001", open_fault())


# ---------------------------------------------------------------- warranty claim

CLAIM = domain.FileWarrantyClaim("F1", claim_ref="MI-2026-044")
LATER = at("2026-03-03T10:00:00+01:00")


def test_a_warranty_claim_goes_to_the_asset_s_supplier():
    [event] = valid(domain.file_warranty_claim(open_fault(), LAPTOP, CLAIM, LATER))
    assert event.data == {"fault_id": "F1", "supplier": "Maroc Info", "claim_ref": "MI-2026-044"}
    assert event.occurred_at == LATER


def test_no_warranty_claim_for_a_fault_out_of_warranty():
    state = open_fault(OUT_OF_WARRANTY)
    assert state.under_warranty is False
    refused("not_under_warranty", domain.file_warranty_claim, state, OUT_OF_WARRANTY, CLAIM, LATER)


def test_a_warranty_claim_is_filed_once():
    state = fold(*declare(), *domain.file_warranty_claim(open_fault(), LAPTOP, CLAIM, LATER))
    assert state.claim_ref == "MI-2026-044"
    refused("warranty_claim_already_filed", domain.file_warranty_claim, state, LAPTOP, CLAIM, LATER)


def test_a_warranty_claim_needs_a_declared_open_unresolved_fault_and_a_date_after_declaration():
    refused("unknown_fault", domain.file_warranty_claim, Fault("F1"), LAPTOP, CLAIM, LATER)
    state = open_fault()
    refused("before_declaration", domain.file_warranty_claim, state, LAPTOP, CLAIM,
            at("2026-03-01T10:00:00+01:00"))
    repaired = fold(*declare(), *domain.record_repair(state, repair("New disk"), LATER))
    refused("fault_already_resolved", domain.file_warranty_claim, repaired, LAPTOP, CLAIM, LATER)
    cancelled = fold(*declare(), *domain.cancel_fault(state, LATER))
    refused("fault_already_closed", domain.file_warranty_claim, cancelled, LAPTOP, CLAIM, LATER)


# ---------------------------------------------------------------- repair

def test_a_repair_under_warranty_costs_nothing():
    for cmd in (repair("Motherboard changed"), repair("Motherboard changed", 0)):
        [event] = valid(domain.record_repair(open_fault(), cmd, LATER))
        assert event.data == {"fault_id": "F1", "action": "Motherboard changed", "under_warranty": True,
                              "cost_mad": 0.0}


def test_a_repair_under_warranty_with_a_cost_is_refused():
    refused("warranty_repair_not_free", domain.record_repair, open_fault(), repair("x", 350), LATER)


def test_a_repair_out_of_warranty_states_its_cost():
    state = open_fault(OUT_OF_WARRANTY)
    with pytest.raises(InvalidCommand) as exc:
        domain.record_repair(state, repair("New power supply"), LATER)
    assert "cost_mad" in exc.value.errors
    [event] = valid(domain.record_repair(state, repair("New power supply", 420.5), LATER))
    assert event.data == {"fault_id": "F1", "action": "New power supply", "under_warranty": False,
                          "cost_mad": 420.5}


def test_a_fault_has_one_outcome_a_repair_or_a_replacement():
    state = open_fault()
    repaired = fold(*declare(), *domain.record_repair(state, repair("x"), LATER))
    refused("fault_already_resolved", domain.record_repair, repaired, repair("again"), LATER)
    refused("fault_already_resolved", domain.replace_equipment, repaired, LAPTOP, replacing("N1"), "A9",
            None, False, LATER)
    replaced = fold(*declare(), *domain.replace_equipment(state, LAPTOP, replacing("N1"), "A9", None, False,
                                                          LATER))
    refused("fault_already_resolved", domain.record_repair, replaced, repair("x"), LATER)


def test_a_repair_needs_an_open_fault_and_a_date_after_declaration():
    refused("unknown_fault", domain.record_repair, Fault("F1"), repair("x"), LATER)
    refused("before_declaration", domain.record_repair, open_fault(), repair("x"), RECEIVED)


# ---------------------------------------------------------------- replace

def test_a_replacement_names_the_new_asset_and_keeps_the_kind_unless_told():
    [event] = valid(domain.replace_equipment(open_fault(), LAPTOP, replacing("LT-NEW"), "A9", None, False, LATER))
    assert event.data == {"fault_id": "F1", "old_asset_id": "A1", "new_asset_id": "A9", "new_serial": "LT-NEW",
                          "new_kind": "laptop"}
    [event] = domain.replace_equipment(open_fault(), LAPTOP, replacing("T1", "tablet"), "A9",
                                       None, False, LATER)
    assert event.data["new_kind"] == "tablet"


def test_a_replacement_serial_must_be_new():
    exc = refused("serial_already_known", domain.replace_equipment, open_fault(), LAPTOP, replacing("LT-1"),
                  "A9", "A5", False, LATER)
    assert "A5" in exc.message


def test_a_replacement_asset_id_must_be_new():
    refused("asset_already_known", domain.replace_equipment, open_fault(), LAPTOP, replacing("N"), "A5",
            None, True, LATER)
    refused("asset_already_known", domain.replace_equipment, open_fault(), LAPTOP, replacing("N"), "A1",
            None, False, LATER)


def test_a_replacement_of_an_asset_of_unknown_kind_must_say_the_kind():
    with pytest.raises(InvalidCommand) as exc:
        domain.replace_equipment(open_fault(), None, replacing("N"), "A9", None, False, LATER)
    assert "new_kind" in exc.value.errors


def test_a_replacement_needs_an_open_fault():
    refused("unknown_fault", domain.replace_equipment, Fault("F1"), LAPTOP, replacing("N"), "A9", None, False,
            LATER)
    closed = fold(*declare(), *domain.cancel_fault(open_fault(), LATER))
    refused("fault_already_closed", domain.replace_equipment, closed, LAPTOP, replacing("N"), "A9", None,
            False, LATER)


# ---------------------------------------------------------------- close and cancel

def test_close_as_repaired_needs_a_repair_and_as_replaced_a_replacement():
    state = open_fault()
    refused("no_repair_recorded", domain.close_fault, state, "repaired", LATER)
    refused("no_replacement_recorded", domain.close_fault, state, "replaced", LATER)
    repaired = fold(*declare(), *domain.record_repair(state, repair("x"), LATER))
    [event] = valid(domain.close_fault(repaired, "repaired", LATER))
    assert event.data == {"fault_id": "F1", "resolution": "repaired"}
    refused("no_replacement_recorded", domain.close_fault, repaired, "replaced", LATER)


def test_not_reproducible_only_without_a_repair_or_replacement():
    [event] = valid(domain.close_fault(open_fault(), "not_reproducible", LATER))
    assert event.data["resolution"] == "not_reproducible"
    repaired = fold(*declare(), *domain.record_repair(open_fault(), repair("x"), LATER))
    refused("resolution_contradicts_record", domain.close_fault, repaired, "not_reproducible", LATER)


def test_a_fault_is_closed_never_twice():
    closing = domain.close_fault(open_fault(), "not_reproducible", LATER)
    state = fold(*declare(), *closing)
    assert state.status == "closed"
    exc = refused("fault_already_closed", domain.close_fault, state, "not_reproducible", LATER)
    assert "not_reproducible" in exc.message
    refused("fault_already_closed", domain.cancel_fault, state, LATER)


def test_a_close_cannot_predate_the_declaration():
    refused("before_declaration", domain.close_fault, open_fault(), "not_reproducible",
            at("2026-03-02T09:59:59+01:00"))
    refused("unknown_fault", domain.close_fault, Fault("F1"), "not_reproducible", LATER)


def test_cancel_closes_a_fault_without_outcome_as_cancelled():
    [event] = valid(domain.cancel_fault(open_fault(), LATER))
    assert (event.type, event.data) == ("fault_closed", {"fault_id": "F1", "resolution": "cancelled"})
    replaced = fold(*declare(), *domain.replace_equipment(open_fault(), LAPTOP, replacing("N"), "A9", None,
                                                          False, LATER))
    refused("resolution_contradicts_record", domain.cancel_fault, replaced, LATER)
    refused("unknown_fault", domain.cancel_fault, Fault("F1"), LATER)


def test_the_whole_life_of_a_fault_folds_back_into_its_state():
    state = open_fault()
    claim = domain.file_warranty_claim(state, LAPTOP, CLAIM, LATER)
    state = fold(*declare(), *claim)
    replacement = domain.replace_equipment(state, LAPTOP, replacing("N"), "A9", None, False, LATER)
    state = fold(*declare(), *claim, *replacement)
    closing = domain.close_fault(state, "replaced", LATER)
    state = fold(*declare(), *claim, *replacement, *closing)
    assert (state.asset_id, state.school_code, state.under_warranty, state.declared_at) == (
        "A1", "OED001", True, DECLARED)
    assert (state.claim_ref, state.replaced_by, state.resolution, state.status) == (
        "MI-2026-044", "A9", "replaced", "closed")
    assert LAPTOP.in_service and not OUT_OF_WARRANTY.decommissioned
