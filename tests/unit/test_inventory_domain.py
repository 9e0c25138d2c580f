"""Inventory's rules, pure: every rule accepted and refused, no broker, no database."""
from datetime import datetime, timedelta, timezone

import pytest

from services.inventory import domain as d
from shared.catalogue import registry
from shared.errors import CommandRejected
from tests.helpers import refused_message as rejected

MA = timezone(timedelta(hours=1))
T0 = datetime(2025, 10, 1, 9, 0, tzinfo=MA)
COORD = {"user": "fatima", "role": "coordinator"}
MEMBER = {"user": "omar", "role": "infrastructure"}
_position = [0]


def env(event_type, data, at=T0, stream="x"):
    _position[0] += 1
    return {"event_type": event_type, "data": data, "occurred_at": at.isoformat(), "position": _position[0],
            "stream_id": stream}


def day(n):
    return T0 + timedelta(days=n)


def valid(events):
    """Each event is as the contract's catalogue says."""
    for e in events:
        registry.check_new("inventory", e)
    return events


SCHOOL_CMD = {"name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda", "cycle": "primary", "setting": "urban",
              "commune": "Dakhla", "region_code": "DOE"}


def school(code="S1"):
    return d.evolve_school(d.School(code), env("school_registered", {"school_code": code, **SCHOOL_CMD,
                                                                      "province_code": "OED"}))


def fold(state, *envs, evolve=d.evolve_asset):
    for e in envs:
        state = evolve(state, e)
    return state


def received(asset_id="A1", at=T0, **over):
    data = {"asset_id": asset_id, "kind": "laptop", "serial": f"SN-{asset_id}", "model": "HP 250",
            "supplier": "Maroc Info", "delivery_ref": "BL-17", "warranty_months": 24, "bundle": "vmm", **over}
    return env("equipment_received", data, at)


def asset(asset_id="A1", school_code=None, observation=None, at=T0):
    """An asset received at T0, assigned to `school_code` a day later, last observed `observation`."""
    envs = [received(asset_id, at)]
    if school_code:
        envs.append(env("equipment_assigned", {"asset_id": asset_id, "school_code": school_code},
                        at + timedelta(days=1)))
    if observation:
        envs.append(env("usage_visit_recorded", {"visit_id": f"V-{asset_id}", "school_code": school_code,
                                                 "observations": [{"asset_id": asset_id, "status": observation}],
                                                 "notes": ""}, at + timedelta(days=2)))
    return fold(d.Asset(asset_id), *envs)


# ---------------------------------------------------------------- schools

def test_a_school_is_registered_once_with_the_deployment_s_province():
    events = valid(d.register_school(d.School("S1"), d.RegisterSchool("S1", **SCHOOL_CMD), "OED"))
    assert events[0].data == {"school_code": "S1", **SCHOOL_CMD, "province_code": "OED"}
    rejected("school_already_registered", d.register_school, school(), d.RegisterSchool("S1", **SCHOOL_CMD), "OED")


def test_updating_a_school_registers_it_again_in_full_and_only_if_something_changes():
    events = valid(d.update_school(school(), d.UpdateSchool("S1", name_fr="École Al Wahda 2"), "OED"))
    assert events[0].type == "school_registered"
    assert events[0].data == {"school_code": "S1", **SCHOOL_CMD, "name_fr": "École Al Wahda 2", "province_code": "OED"}
    assert d.update_school(school(), d.UpdateSchool("S1", name_fr="École Al Wahda"), "OED") == []
    rejected("unknown_school", d.update_school, d.School("S9"), d.UpdateSchool("S9", name_fr="X"), "OED")


def test_the_latest_registration_is_the_school_s_description():
    updated = d.evolve_school(school(), env("school_registered", {"school_code": "S1", **SCHOOL_CMD,
                                                                  "commune": "Bir Anzarane", "province_code": "OED"}))
    assert updated.details["commune"] == "Bir Anzarane"


def test_census_connectivity_and_filtering_need_a_registered_school():
    assert valid(d.record_census(school(), "2025-2026", 320, 14))[0].data["pupils"] == 320
    assert valid(d.record_connectivity(school(), "connected", "4g", 20.0))[0].data["link"] == "4g"
    assert valid(d.record_filtering(school(), False))[0].data == {"school_code": "S1", "active": False}
    unknown = d.School("S9")
    rejected("unknown_school", d.record_census, unknown, "2025-2026", 1, 1)
    rejected("unknown_school", d.record_connectivity, unknown, "connected", "adsl", 4.0)
    rejected("unknown_school", d.record_filtering, unknown, True)


def test_a_census_is_of_a_school_year_not_over_when_the_school_was_registered():
    registered = school()  # on 1 October 2025
    assert registered.registered_on.isoformat() == "2025-10-01"
    assert "2024-2025 ended on 2025-08-31" in rejected("census_before_registration", d.record_census, registered,
                                                       "2024-2025", 300, 12)
    assert valid(d.record_census(registered, "2025-2026", 300, 12))
    # registered again (an update) later: its first registration still counts
    again = d.evolve_school(registered, env("school_registered", {"school_code": "S1", **SCHOOL_CMD,
                                                                   "province_code": "OED"}, day(400)))
    assert again.registered_on.isoformat() == "2025-10-01"


# ---------------------------------------------------------------- reception

ITEM = d.DeliveryItem(kind="laptop", serial=" LT-1 ", model="HP", warranty_months=24, bundle="vmm")
DELIVERY = d.ReceiveDelivery(supplier="Maroc Info", delivery_ref="BL-17", items=(ITEM,))


def test_an_item_is_received_with_its_delivery_and_its_serial_trimmed():
    e = valid(d.receive_equipment(d.Asset("A1"), ITEM, DELIVERY, None))[0]
    assert e.data == {"asset_id": "A1", "kind": "laptop", "serial": "LT-1", "model": "HP", "supplier": "Maroc Info",
                      "delivery_ref": "BL-17", "warranty_months": 24, "bundle": "vmm"}


def test_an_asset_is_received_once_and_a_known_serial_is_refused_naming_its_asset():
    rejected("asset_already_received", d.receive_equipment, asset(), ITEM, DELIVERY, None)
    message = rejected("serial_already_known", d.receive_equipment, d.Asset("A2"), ITEM, DELIVERY, "A1")
    assert "A1" in message


def test_delivery_problems_name_every_bad_item_known_serials_repeats_and_received_ids():
    items = [("S-1", None), ("s-1 ", None), ("OLD", None), ("S-4", "A1"), ("S-5", "A9"), ("S-6", "A9"), ("S-7", None)]
    problems = d.delivery_problems(items, {"OLD": "A-old"}, {"A1"}, [f"line {n}" for n in range(2, 9)])
    assert problems == {
        1: {"serial": ["Serial s-1 is repeated: see line 2."]},
        2: {"serial": ["Serial OLD is already asset A-old."]},
        3: {"asset_id": ["Asset A1 is already received."]},
        5: {"asset_id": ["Asset A9 is repeated: see line 6."]},
    }
    assert d.delivery_problems(items[:1], {}, set()) == {}


# ---------------------------------------------------------------- assignment and installation

def test_an_asset_is_assigned_to_a_registered_school_once():
    events = valid(d.assign_equipment(asset(), school(), day(1)))
    assert events[0].data == {"asset_id": "A1", "school_code": "S1"}
    rejected("unknown_asset", d.assign_equipment, d.Asset("A9"), school(), day(1))
    rejected("unknown_school", d.assign_equipment, asset(), d.School("S9"), day(1))
    message = rejected("asset_already_assigned", d.assign_equipment, asset(school_code="S2"), school(), day(3))
    assert "transfer" in message
    gone = fold(asset(), env("equipment_decommissioned", {"asset_id": "A1", "reason": "stolen"}, day(1)))
    rejected("asset_decommissioned", d.assign_equipment, gone, school(), day(2))


def test_a_fact_cannot_be_dated_before_the_asset_s_latest_fact():
    rejected("dated_before_last_fact", d.assign_equipment, asset(), school(), T0 - timedelta(hours=1))
    assert d.assign_equipment(asset(), school(), T0)  # the same instant is not before


def test_installation_is_confirmed_only_at_the_asset_s_school_and_once():
    a = asset(school_code="S1")
    assert valid(d.confirm_installation(a, "S1", day(2)))[0].type == "equipment_installed"
    assert "S1" in rejected("asset_not_at_school", d.confirm_installation, a, "S2", day(2))
    assert "not assigned" in rejected("asset_not_at_school", d.confirm_installation, asset(), "S1", day(2))
    installed = fold(a, env("equipment_installed", {"asset_id": "A1", "school_code": "S1"}, day(2)))
    assert installed.installed
    rejected("already_installed", d.confirm_installation, installed, "S1", day(3))
    rejected("unknown_asset", d.confirm_installation, d.Asset("A9"), "S1", day(2))
    rejected("dated_before_last_fact", d.confirm_installation, a, "S1", T0)


def test_decommission_once_with_a_reason():
    events = valid(d.decommission_equipment(asset(school_code="S1"), "beyond repair", day(5)))
    assert events[0].data == {"asset_id": "A1", "reason": "beyond repair"}
    gone = fold(asset(school_code="S1"), events_env(events, day(5)))
    assert not gone.in_service and gone.decommission_reason == "beyond repair"
    rejected("already_decommissioned", d.decommission_equipment, gone, "again", day(6))
    rejected("unknown_asset", d.decommission_equipment, d.Asset("A9"), "x", day(6))
    rejected("dated_before_last_fact", d.decommission_equipment, asset(school_code="S1"), "x", T0)


def events_env(events, at):
    return env(events[0].type, events[0].data, at)


# ---------------------------------------------------------------- usage visits

def test_a_visit_observes_assets_at_that_school_only():
    assets = {"A1": asset("A1", "S1"), "A2": asset("A2", "S1")}
    obs = [{"asset_id": "A1", "status": "in_use"}, {"asset_id": "A2", "status": "unused"}]
    seen = [d.Observation(**o) for o in obs]
    events = valid(d.record_usage_visit(False, "V1", school(), seen, assets, "room locked"))
    assert events[0].data == {"visit_id": "V1", "school_code": "S1", "observations": obs, "notes": "room locked"}
    elsewhere = {"A1": asset("A1", "S1"), "A3": asset("A3", "S2")}
    message = rejected("asset_not_at_school", d.record_usage_visit, False, "V1", school(), seen, elsewhere, "")
    assert "A3 (at S2)" in message
    message = rejected("unknown_asset", d.record_usage_visit, False, "V1", school(), seen,
                       {"A1": asset("A1", "S1"), "A7": d.Asset("A7")}, "")
    assert "A7" in message
    rejected("visit_already_recorded", d.record_usage_visit, True, "V1", school(), seen, assets, "")
    rejected("unknown_school", d.record_usage_visit, False, "V1", d.School("S9"), [], {}, "")


def test_the_latest_observation_is_the_latest_occurred_at_whatever_the_order_recorded():
    a = asset("A1", "S1")
    late = env("usage_visit_recorded", {"visit_id": "V2", "school_code": "S1", "notes": "",
                                        "observations": [{"asset_id": "A1", "status": "unused"}]}, day(30))
    early = env("usage_visit_recorded", {"visit_id": "V3", "school_code": "S1", "notes": "",
                                         "observations": [{"asset_id": "A1", "status": "in_use"}]}, day(10))
    assert fold(a, late, early).observation == "unused"


# ---------------------------------------------------------------- transfers

def unused(asset_id, school_code="S1"):
    return asset(asset_id, school_code, "unused")


def propose(transfer=None, assets=None, from_school=None, to_school=None, report="Room closed since 2024.",
            at=None):
    return d.propose_transfer(transfer or d.Transfer("T1"), assets if assets is not None else {"A1": unused("A1")},
                              from_school or school("S1"), to_school or school("S2"), "not used", report,
                              at or day(10))


def test_unused_equipment_may_be_proposed_for_transfer_with_a_report():
    events = valid(propose(assets={"A1": unused("A1"), "A2": unused("A2")}))
    assert events[0].data == {"transfer_id": "T1", "asset_ids": ["A1", "A2"], "from_school": "S1", "to_school": "S2",
                              "reason": "not used", "report": "Room closed since 2024."}


def test_a_transfer_proposal_is_refused_by_each_rule():
    rejected("report_required", propose, None, None, None, None, "   ")
    rejected("same_school", propose, None, None, school("S1"), school("S1"))
    rejected("unknown_school", propose, None, None, None, d.School("S9"))
    rejected("unknown_asset", propose, None, {"A1": unused("A1"), "A8": d.Asset("A8")})
    elsewhere = {"A1": unused("A1"), "A3": unused("A3", "S3")}
    assert "A3 (at S3)" in rejected("asset_not_at_school", propose, None, elsewhere)
    in_transfer = fold(unused("A1"), env("transfer_proposed", {
        "transfer_id": "T0", "asset_ids": ["A1"], "from_school": "S1", "to_school": "S3", "reason": "r",
        "report": "r"}, day(5)))
    assert "A1 (T0)" in rejected("asset_in_open_transfer", propose, None, {"A1": in_transfer})
    message = rejected("not_observed_unused", propose, None,
                       {"A1": unused("A1"), "A2": asset("A2", "S1", "in_use"), "A3": asset("A3", "S1")})
    assert "A2 (in_use)" in message and "A3 (never observed)" in message
    proposed = fold(d.Transfer("T1"), env("transfer_proposed", valid(propose())[0].data, day(10)),
                    evolve=d.evolve_transfer)
    rejected("transfer_already_exists", propose, proposed)
    rejected("dated_before_last_fact", propose, None, None, None, None, "report", T0)


def test_a_rejected_transfer_frees_its_assets_for_another_one():
    rejected_ = fold(unused("A1"),
                     env("transfer_proposed", {"transfer_id": "T0", "asset_ids": ["A1"], "from_school": "S1",
                                               "to_school": "S3", "reason": "r", "report": "r"}, day(5)),
                     env("transfer_rejected", {"transfer_id": "T0", "reason": "S3 has no room"}, day(6)))
    assert rejected_.transfer_id is None
    assert propose(assets={"A1": rejected_})


def transfer(status="proposed"):
    t = fold(d.Transfer("T1"), env("transfer_proposed", {"transfer_id": "T1", "asset_ids": ["A1"], "from_school": "S1",
                                                         "to_school": "S2", "reason": "r", "report": "r"}, day(10)),
             evolve=d.evolve_transfer)
    if status in ("approved", "completed"):
        t = d.evolve_transfer(t, env("transfer_approved", {"transfer_id": "T1", "approved_by": "fatima"}, day(11)))
    if status == "rejected":
        t = d.evolve_transfer(t, env("transfer_rejected", {"transfer_id": "T1", "reason": "no"}, day(11)))
    if status == "completed":
        t = d.evolve_transfer(t, env("transfer_completed", {"transfer_id": "T1"}, day(12)))
    return t


def test_only_the_coordinator_approves_or_rejects_a_proposed_transfer():
    e = valid(d.approve_transfer(transfer(), COORD, day(11)))[0]
    assert e.data == {"transfer_id": "T1", "approved_by": "fatima"}
    assert "omar" in rejected("coordinator_only", d.approve_transfer, transfer(), MEMBER, day(11))
    rejected("coordinator_only", d.reject_transfer, transfer(), MEMBER, "no", day(11))
    assert valid(d.reject_transfer(transfer(), COORD, "S2 cannot use it", day(11)))[0].data["reason"]
    assert d.reject_transfer(transfer("approved"), COORD, "changed our mind", day(12))
    rejected("transfer_not_proposed", d.approve_transfer, transfer("approved"), COORD, day(12))
    rejected("transfer_not_proposed", d.approve_transfer, transfer("rejected"), COORD, day(12))
    rejected("transfer_closed", d.reject_transfer, transfer("completed"), COORD, "x", day(13))
    rejected("unknown_transfer", d.approve_transfer, d.Transfer("T9"), COORD, day(11))
    rejected("unknown_transfer", d.reject_transfer, d.Transfer("T9"), COORD, "x", day(11))
    rejected("dated_before_last_fact", d.approve_transfer, transfer(), COORD, day(9))


def test_only_an_approved_transfer_is_completed_and_its_assets_move():
    a = fold(unused("A1"), env("transfer_proposed", {"transfer_id": "T1", "asset_ids": ["A1"], "from_school": "S1",
                                                     "to_school": "S2", "reason": "r", "report": "r"}, day(10)))
    assert valid(d.complete_transfer(transfer("approved"), {"A1": a}, day(12)))[0].data == {"transfer_id": "T1"}
    rejected("transfer_not_approved", d.complete_transfer, transfer(), {"A1": a}, day(12))
    rejected("transfer_not_approved", d.complete_transfer, transfer("completed"), {"A1": a}, day(13))
    rejected("unknown_transfer", d.complete_transfer, d.Transfer("T9"), {}, day(12))
    gone = fold(a, env("equipment_decommissioned", {"asset_id": "A1", "reason": "stolen"}, day(11)))
    rejected("asset_decommissioned", d.complete_transfer, transfer("approved"), {"A1": gone}, day(12))
    rejected("dated_before_last_fact", d.complete_transfer, transfer("approved"), {"A1": a}, day(10))
    moved = fold(a, env("transfer_approved", {"transfer_id": "T1", "approved_by": "f"}, day(11)),
                 env("transfer_completed", {"transfer_id": "T1"}, day(12)))
    assert (moved.school_code, moved.transfer_id, moved.installed) == ("S2", None, False)
    assert moved.observation == "unused"  # what was seen stays in its history


def test_a_transfer_of_other_assets_does_not_move_this_one():
    a = asset("A1", "S1")
    other = fold(a, env("transfer_proposed", {"transfer_id": "T7", "asset_ids": ["A2"], "from_school": "S1",
                                              "to_school": "S2", "reason": "r", "report": "r"}, day(3)),
                 env("transfer_completed", {"transfer_id": "T7"}, day(4)))
    assert other.school_code == "S1"


# ---------------------------------------------------------------- inventory audits

def audit(findings, unexpected=(), expected=None, owners=None, recorded=False, s=None):
    expected = expected if expected is not None else {"A1": asset("A1", "S1"), "A2": asset("A2", "S1")}
    return d.complete_inventory_audit(recorded, "AU1", s or school(), "handover", [d.Finding(**f) for f in findings],
                                      list(unexpected), expected, owners or {})


def test_an_audit_gives_a_finding_for_every_expected_asset_and_lists_unexpected_serials():
    findings = [{"asset_id": "A1", "status": "present"}, {"asset_id": "A2", "status": "damaged"}]
    e = valid(audit(findings, [" XY-9 "], owners={"XY-9": "A5"}))[0]
    assert e.data == {"audit_id": "AU1", "school_code": "S1", "occasion": "handover", "findings": findings,
                      "unexpected_serials": ["XY-9"]}


def test_an_audit_is_refused_by_each_rule():
    ok = [{"asset_id": "A1", "status": "present"}, {"asset_id": "A2", "status": "missing"}]
    assert "A2" in rejected("findings_incomplete", audit, ok[:1])
    assert "A7" in rejected("asset_not_expected_here", audit, ok + [{"asset_id": "A7", "status": "present"}])
    assert "SN-A2 (asset A2)" in rejected("serial_expected_here", audit, ok, ["SN-A2"], None, {"SN-A2": "A2"})
    rejected("audit_already_recorded", audit, ok, (), None, None, True)
    rejected("unknown_school", audit, [], (), {}, None, False, d.School("S9"))


def test_the_conformity_report_counts_expected_present_missing_damaged_unexpected():
    findings = [{"asset_id": "A1", "status": "present"}, {"asset_id": "A2", "status": "missing"},
                {"asset_id": "A3", "status": "damaged"}, {"asset_id": "A4", "status": "present"}]
    report = d.conformity_report(findings, ["X1", "X2"], {"A1": "desktop", "A2": "desktop", "A3": "projector",
                                                          "A4": "desktop"})
    assert {k: report[k] for k in ("expected", "present", "missing", "damaged", "unexpected", "conformity_rate")} == \
        {"expected": 4, "present": 2, "missing": 1, "damaged": 1, "unexpected": 2, "conformity_rate": 50.0}
    assert report["by_kind"] == {"desktop": {"expected": 3, "present": 2, "missing": 1, "damaged": 0},
                                 "projector": {"expected": 1, "present": 0, "missing": 0, "damaged": 1}}
    assert report["missing_assets"] == ["A2"] and report["damaged_assets"] == ["A3"]
    assert d.conformity_report([], [], {})["conformity_rate"] is None


# ---------------------------------------------------------------- infrastructure works

def work(status="planned"):
    return d.evolve_work(d.Work("W1"), env("infrastructure_work_recorded", {
        "work_id": "W1", "school_code": "S1", "kind": "cabling", "status": status}, day(1)))


def test_a_work_goes_forward_at_one_school_and_of_one_kind():
    assert valid(d.record_infrastructure_work(d.Work("W1"), school(), "cabling", "planned", day(1)))
    assert d.record_infrastructure_work(work(), school(), "cabling", "done", day(2))[0].data["status"] == "done"
    rejected("work_status_not_forward", d.record_infrastructure_work, work("in_progress"), school(), "cabling",
             "planned", day(2))
    rejected("work_status_not_forward", d.record_infrastructure_work, work(), school(), "cabling", "planned", day(2))
    rejected("work_at_other_school", d.record_infrastructure_work, work(), school("S2"), "cabling", "done", day(2))
    rejected("work_kind_changed", d.record_infrastructure_work, work(), school(), "electrical", "done", day(2))
    rejected("unknown_school", d.record_infrastructure_work, d.Work("W2"), d.School("S9"), "other", "planned", day(1))
    rejected("dated_before_last_fact", d.record_infrastructure_work, work(), school(), "cabling", "done", T0)


# ---------------------------------------------------------------- the reaction to equipment_replaced

REPLACED = {"fault_id": "F1", "old_asset_id": "A1", "new_asset_id": "A1-new", "new_serial": "NEW-1",
            "new_kind": "laptop"}


def test_a_replacement_decommissions_the_old_receives_the_new_with_its_bundle_and_assigns_it():
    plan, outcome = d.react_to_replacement(REPLACED, day(20), asset("A1", "S1"), d.Asset("A1-new"), None)
    assert outcome == "applied"
    assert [(s, e.type) for s, e in plan] == [("asset:A1", "equipment_decommissioned"),
                                              ("asset:A1-new", "equipment_received"),
                                              ("asset:A1-new", "equipment_assigned")]
    valid([e for _, e in plan])
    assert plan[0][1].data == {"asset_id": "A1", "reason": "replaced"}
    assert plan[1][1].data == {"asset_id": "A1-new", "kind": "laptop", "serial": "NEW-1", "model": "HP 250",
                               "supplier": "Maroc Info", "delivery_ref": "replacement:F1", "warranty_months": 24,
                               "bundle": "vmm"}
    assert plan[2][1].data == {"asset_id": "A1-new", "school_code": "S1"}
    assert all(e.occurred_at == day(20) for _, e in plan)


def test_a_replacement_already_applied_records_nothing():
    old = fold(asset("A1", "S1"), env("equipment_decommissioned", {"asset_id": "A1", "reason": "replaced"}, day(20)))
    new = fold(d.Asset("A1-new"), received("A1-new", day(20)),
               env("equipment_assigned", {"asset_id": "A1-new", "school_code": "S1"}, day(20)))
    assert d.react_to_replacement(REPLACED, day(20), old, new, "A1-new") == ([], "already_applied")


def test_a_replacement_keeps_what_is_already_so_and_says_why_it_stops():
    # the new asset was received already (spare stock): only assigned
    spare = fold(d.Asset("A1-new"), received("A1-new", day(2)))
    plan, _ = d.react_to_replacement(REPLACED, day(20), asset("A1", "S1"), spare, "A1-new")
    assert [e.type for _, e in plan] == ["equipment_decommissioned", "equipment_assigned"]
    unknown = d.react_to_replacement(REPLACED, day(20), d.Asset("A1"), d.Asset("A1-new"), None)
    assert unknown == ([], "old_asset_unknown")
    plan, outcome = d.react_to_replacement(REPLACED, day(20), asset("A1", "S1"), d.Asset("A1-new"), "A7")
    assert outcome == "new_serial_is_another_asset" and [e.type for _, e in plan] == ["equipment_decommissioned"]
    plan, outcome = d.react_to_replacement(REPLACED, day(20), asset("A1"), d.Asset("A1-new"), None)
    assert outcome == "old_asset_not_assigned" and [e.type for _, e in plan] == ["equipment_decommissioned",
                                                                                 "equipment_received"]
    plan, outcome = d.react_to_replacement(REPLACED, day(20), asset("A1", "S1"), asset("A1-new", "S2"), None)
    assert outcome == "new_asset_at_another_school"
    assert d.react_to_replacement(dict(REPLACED, new_asset_id="A1"), day(20), asset("A1", "S1"), asset("A1", "S1"),
                                  None)[1] == "same_asset"
    assert d.react_to_replacement(REPLACED, day(20), asset("A1", "S1"), d.Asset("bad id!"), None)[1] == \
        "new_asset_unfit"


def test_a_replacement_dated_before_the_old_asset_s_latest_fact_is_recorded_at_that_fact():
    plan, _ = d.react_to_replacement(REPLACED, T0, asset("A1", "S1"), d.Asset("A1-new"), None)
    assert plan[0][1].occurred_at == day(1)  # its assignment


# ---------------------------------------------------------------- warranty

def test_warranty_runs_calendar_months_from_the_local_reception_date():
    a = fold(d.Asset("A1"), received("A1", datetime(2025, 10, 1, 9, tzinfo=MA), warranty_months=24))
    status = d.warranty_status(a, datetime(2027, 9, 30, 23, tzinfo=MA))
    assert (status["ends_on"], status["under_warranty"], status["days_left"]) == ("2027-10-01", True, 1)
    assert d.warranty_status(a, datetime(2027, 10, 1, 0, 30, tzinfo=MA))["under_warranty"] is False
    # received late on 30 January UTC, already the 31st in Morocco; the 31st becomes the last day of February
    late = fold(d.Asset("A2"), received("A2", datetime(2024, 1, 30, 23, 30, tzinfo=timezone.utc), warranty_months=1))
    assert d.warranty_status(late, T0)["received_on"] == "2024-01-31"
    assert d.warranty_status(late, T0)["ends_on"] == "2024-02-29"
    rejected("unknown_asset", d.warranty_status, d.Asset("A9"), T0)
