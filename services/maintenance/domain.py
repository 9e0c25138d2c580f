"""Maintenance's rules, as pure functions: no broker, no database.

One aggregate: a fault (`fault:<fault_id>`), from its declaration to its
closing. What maintenance knows of the equipment (school, supplier, reception,
warranty) comes from its local view of inventory's events and is handed to
the command functions as an `AssetRecord`.

Warranty. The reception date is the Africa/Casablanca calendar date of the
asset's `equipment_received`. The warranty ends on the reception date plus
`warranty_months` calendar months (the 31st becomes the last day of a shorter
month). That end date is the first day *not* covered: a fault is under
warranty when the local date of its `occurred_at` falls before it. Received
2025-10-01 with 24 months: covered up to 2027-09-30, not on 2027-10-01.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from shared.calendar import is_under_warranty
from shared.errors import CommandRejected, InvalidCommand
from shared.events import Event, stream

OPEN, CLOSED = "open", "closed"
# How a fault may be closed by `close_fault`; `cancelled` is `cancel_fault`'s.
CLOSING_RESOLUTIONS = ("repaired", "replaced", "not_reproducible")


fault_stream = stream("fault")


# ---------------------------------------------------------------- the equipment, as maintenance sees it

@dataclass(frozen=True)
class AssetRecord:
    asset_id: str
    kind: str
    supplier: str
    received_at: datetime
    warranty_months: int
    school_code: str | None = None
    decommissioned: bool = False
    replaced_by: str | None = None  # a replacement maintenance recorded, before inventory reacts

    @property
    def in_service(self) -> bool:
        return self.school_code is not None and not self.decommissioned and self.replaced_by is None


# ---------------------------------------------------------------- the commands, as the rules read them
# Made from the checked fields of `schemas.py`; when the fact happened comes with the command's context.

@dataclass(frozen=True)
class DeclareFault:
    asset_id: str
    school_code: str
    symptom: str
    fault_id: str | None = None  # given by the caller to make a retry safe; else a new one


@dataclass(frozen=True)
class OnAFault:
    """What every command after a fault's declaration names: the fault."""
    fault_id: str


@dataclass(frozen=True)
class FileWarrantyClaim(OnAFault):
    claim_ref: str


@dataclass(frozen=True)
class RecordRepair(OnAFault):
    action: str
    cost_mad: float | None = None


@dataclass(frozen=True)
class ReplaceEquipment(OnAFault):
    new_serial: str
    new_kind: str | None = None  # None: the old asset's kind
    new_asset_id: str | None = None  # None: a new id


@dataclass(frozen=True)
class CloseFault(OnAFault):
    resolution: str


@dataclass(frozen=True)
class CancelFault(OnAFault):
    pass


# ---------------------------------------------------------------- fault

@dataclass(frozen=True)
class Fault:
    fault_id: str
    declared: bool = False
    asset_id: str | None = None
    school_code: str | None = None
    under_warranty: bool = False
    declared_at: datetime | None = None
    claim_ref: str | None = None
    repaired: bool = False
    replaced_by: str | None = None
    resolution: str | None = None

    @property
    def status(self) -> str | None:
        if not self.declared:
            return None
        return OPEN if self.resolution is None else CLOSED

    @property
    def has_outcome(self) -> bool:
        return self.repaired or self.replaced_by is not None


def evolve_fault(state: Fault, envelope: dict) -> Fault:
    kind, data = envelope["event_type"], envelope["data"]
    if kind == "fault_declared":
        return replace(state, declared=True, asset_id=data["asset_id"], school_code=data["school_code"],
                       under_warranty=data["under_warranty"],
                       declared_at=datetime.fromisoformat(envelope["occurred_at"]))
    if kind == "warranty_claim_filed":
        return replace(state, claim_ref=data["claim_ref"])
    if kind == "repair_completed":
        return replace(state, repaired=True)
    if kind == "equipment_replaced":
        return replace(state, replaced_by=data["new_asset_id"])
    if kind == "fault_closed":
        return replace(state, resolution=data["resolution"])
    return state


def declare_fault(state: Fault, asset: AssetRecord | None, open_fault_id: str | None, cmd: DeclareFault,
                  at: datetime) -> list[Event]:
    """`open_fault_id`: the fault already open on this asset, if any."""
    asset_id, school = cmd.asset_id, cmd.school_code
    if state.declared:
        raise CommandRejected("fault_already_declared", f"Fault {state.fault_id} is already declared.")
    if asset is None:
        raise CommandRejected("unknown_asset", f"Asset {asset_id} is not known to maintenance.")
    if asset.replaced_by is not None:
        raise CommandRejected("asset_replaced", f"Asset {asset_id} was replaced by {asset.replaced_by}.")
    if asset.decommissioned:
        raise CommandRejected("asset_not_in_service", f"Asset {asset_id} is decommissioned.")
    if asset.school_code is None:
        raise CommandRejected("asset_not_in_service", f"Asset {asset_id} is not assigned to a school.")
    if asset.school_code != school:
        raise CommandRejected("asset_not_at_school", f"Asset {asset_id} is not at school {school}.")
    if at < asset.received_at:
        raise CommandRejected("fault_before_reception",
                              f"Asset {asset_id} was received on {asset.received_at.isoformat()}, "
                              f"after the fault's date.")
    if open_fault_id is not None:
        raise CommandRejected("fault_already_open",
                              f"Asset {asset_id} already has open fault {open_fault_id}.")
    return [Event("fault_declared", {
        "fault_id": state.fault_id, "asset_id": asset_id, "school_code": school, "symptom": cmd.symptom,
        "under_warranty": is_under_warranty(asset.received_at, asset.warranty_months, at),
    }, occurred_at=at)]


def _open(state: Fault, at: datetime) -> None:
    if not state.declared:
        raise CommandRejected("unknown_fault", f"Fault {state.fault_id} was never declared.")
    if state.resolution is not None:
        raise CommandRejected("fault_already_closed",
                              f"Fault {state.fault_id} is already closed ({state.resolution}).")
    if at < state.declared_at:
        raise CommandRejected("before_declaration",
                              f"Fault {state.fault_id} was declared on {state.declared_at.isoformat()}; "
                              f"nothing can happen to it before.")


def _without_outcome(state: Fault) -> None:
    if state.repaired:
        raise CommandRejected("fault_already_resolved", f"Fault {state.fault_id} already has a repair.")
    if state.replaced_by is not None:
        raise CommandRejected("fault_already_resolved",
                              f"Fault {state.fault_id}'s equipment was already replaced by {state.replaced_by}.")


def file_warranty_claim(state: Fault, asset: AssetRecord | None, cmd: FileWarrantyClaim, at: datetime) -> list[Event]:
    _open(state, at)
    _without_outcome(state)
    if not state.under_warranty:
        raise CommandRejected("not_under_warranty",
                              f"Fault {state.fault_id} was declared after asset {state.asset_id}'s warranty ended.")
    if state.claim_ref is not None:
        raise CommandRejected("warranty_claim_already_filed",
                              f"Fault {state.fault_id} already has warranty claim {state.claim_ref}.")
    if asset is None:
        raise CommandRejected("unknown_asset", f"Asset {state.asset_id} is not known to maintenance.")
    return [Event("warranty_claim_filed", {"fault_id": state.fault_id, "supplier": asset.supplier,
                                           "claim_ref": cmd.claim_ref}, occurred_at=at)]


def record_repair(state: Fault, cmd: RecordRepair, at: datetime) -> list[Event]:
    """Under warranty a repair costs nothing; otherwise its cost must be given."""
    _open(state, at)
    _without_outcome(state)
    cost = cmd.cost_mad
    if state.under_warranty:
        if cost:
            raise CommandRejected("warranty_repair_not_free",
                                  f"Fault {state.fault_id} is under warranty: the repair costs 0 MAD.")
        cost = 0.0
    elif cost is None:
        raise InvalidCommand({"cost_mad": ["Required: the fault is not under warranty."]})
    return [Event("repair_completed", {"fault_id": state.fault_id, "action": cmd.action,
                                       "under_warranty": state.under_warranty, "cost_mad": float(cost)},
                  occurred_at=at)]


def replace_equipment(state: Fault, old: AssetRecord | None, cmd: ReplaceEquipment, new_asset_id: str,
                      serial_owner: str | None, asset_id_taken: bool, at: datetime) -> list[Event]:
    """`serial_owner`: an asset (known or being replaced in) that already has the new serial."""
    _open(state, at)
    _without_outcome(state)
    if serial_owner is not None:
        raise CommandRejected("serial_already_known", f"Serial {cmd.new_serial} is already asset {serial_owner}.")
    if asset_id_taken or new_asset_id == state.asset_id:
        raise CommandRejected("asset_already_known", f"Asset {new_asset_id} already exists.")
    kind = cmd.new_kind or (old.kind if old is not None else None)
    if kind is None:
        raise InvalidCommand({"new_kind": [f"Required: asset {state.asset_id}'s kind is not known."]})
    return [Event("equipment_replaced", {"fault_id": state.fault_id, "old_asset_id": state.asset_id,
                                         "new_asset_id": new_asset_id, "new_serial": cmd.new_serial,
                                         "new_kind": kind}, occurred_at=at)]


def close_fault(state: Fault, resolution: str, at: datetime) -> list[Event]:
    _open(state, at)
    if resolution == "repaired" and not state.repaired:
        raise CommandRejected("no_repair_recorded", f"Fault {state.fault_id} has no repair recorded.")
    if resolution == "replaced" and state.replaced_by is None:
        raise CommandRejected("no_replacement_recorded", f"Fault {state.fault_id} has no replacement recorded.")
    if resolution == "not_reproducible" and state.has_outcome:
        raise CommandRejected("resolution_contradicts_record",
                              f"Fault {state.fault_id} was repaired or replaced: it was reproducible.")
    return [Event("fault_closed", {"fault_id": state.fault_id, "resolution": resolution}, occurred_at=at)]


def cancel_fault(state: Fault, at: datetime) -> list[Event]:
    _open(state, at)
    if state.has_outcome:
        raise CommandRejected("resolution_contradicts_record",
                              f"Fault {state.fault_id} was repaired or replaced: close it instead.")
    return [Event("fault_closed", {"fault_id": state.fault_id, "resolution": "cancelled"}, occurred_at=at)]
