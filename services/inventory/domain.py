"""Inventory's rules, as pure functions: no broker, no database.

Two aggregates so far: a school (`school:<code>`) and an asset (`asset:<id>`).
`evolve(state, event) -> state` folds a stream; each command function takes
the current state and returns the events to record or raises CommandRejected.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from shared.errors import CommandRejected
from shared.events import Event


def school_stream(code: str) -> str:
    return f"school:{code}"


def asset_stream(asset_id: str) -> str:
    return f"asset:{asset_id}"


# ---------------------------------------------------------------- school

@dataclass(frozen=True)
class School:
    code: str
    registered: bool = False


def evolve_school(state: School, envelope: dict) -> School:
    if envelope["event_type"] == "school_registered":
        return replace(state, registered=True)
    return state


def register_school(state: School, cmd: dict, province_code: str) -> list[Event]:
    if state.registered:
        raise CommandRejected("school_already_registered", f"School {state.code} is already registered.")
    data = {k: cmd[k] for k in ("school_code", "name_ar", "name_fr", "cycle", "setting", "commune",
                                "region_code")}
    data["province_code"] = province_code
    return [Event("school_registered", data)]


# ---------------------------------------------------------------- asset

@dataclass(frozen=True)
class Asset:
    asset_id: str
    received: bool = False
    serial: str | None = None
    school_code: str | None = None
    decommissioned: bool = False


def evolve_asset(state: Asset, envelope: dict) -> Asset:
    kind, data = envelope["event_type"], envelope["data"]
    if kind == "equipment_received":
        return replace(state, received=True, serial=data["serial"])
    if kind == "equipment_assigned":
        return replace(state, school_code=data["school_code"])
    if kind == "equipment_decommissioned":
        return replace(state, decommissioned=True)
    return state


def receive_equipment(state: Asset, item: dict, delivery: dict, serial_owner: str | None) -> list[Event]:
    """Record one delivered item. `serial_owner` is the asset already holding its serial, if any."""
    if state.received:
        raise CommandRejected("asset_already_received", f"Asset {state.asset_id} is already received.")
    if serial_owner is not None:
        raise CommandRejected("serial_already_known",
                              f"Serial {item['serial']} is already asset {serial_owner}.")
    return [Event("equipment_received", {
        "asset_id": state.asset_id, "kind": item["kind"], "serial": item["serial"], "model": item["model"],
        "supplier": delivery["supplier"], "delivery_ref": delivery["delivery_ref"],
        "warranty_months": item["warranty_months"], "bundle": item["bundle"],
    })]


def assign_equipment(state: Asset, school: School) -> list[Event]:
    if not state.received:
        raise CommandRejected("unknown_asset", f"Asset {state.asset_id} was never received.")
    if state.decommissioned:
        raise CommandRejected("asset_decommissioned", f"Asset {state.asset_id} is decommissioned.")
    if not school.registered:
        raise CommandRejected("unknown_school", f"School {school.code} is not registered.")
    if state.school_code is not None:
        raise CommandRejected("asset_already_assigned",
                              f"Asset {state.asset_id} is at {state.school_code}; moving it is a transfer.")
    return [Event("equipment_assigned", {"asset_id": state.asset_id, "school_code": school.code})]
