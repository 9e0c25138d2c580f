"""Inventory's rules, as pure functions: no broker, no database.

Aggregates and their streams:
- a school, `school:<code>`: registration (an update records it again, complete),
  censuses, connectivity and filtering;
- an asset, `asset:<id>`: reception, assignment, installation, decommissioning.
  Its state also folds the other events that name it (transfers, usage
  observations), so its rules see its whole life;
- a transfer `transfer:<id>`, a usage visit `visit:<id>`, an inventory audit
  `audit:<id>`, an infrastructure work `work:<id>`.

`evolve_x(state, envelope) -> state` folds a history; each command function
takes the states it needs and returns the events to record, or raises
CommandRejected with a stable code.

Time. A fact in an asset's or a transfer's life may be dated in the past, but
never before the latest fact already recorded for it: that keeps the log's
order and the world's order the same for every asset, so the equipment of a
school at any date is well defined. Observations (visits, audits) may be
dated freely; "latest" is the greatest `occurred_at`, ties broken by position.

Warranty. The reception date is the Africa/Casablanca date of
`equipment_received`; the warranty ends on that date plus `warranty_months`
calendar months (the 31st becomes the last day of a shorter month), the first
day not covered. This is the rule maintenance applies to `under_warranty`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, make_dataclass, replace
from datetime import date, datetime
from typing import Iterable

from shared.calendar import local_date, warranty_ends_on
from shared.commands import typed_parts
from shared.errors import CommandRejected
from shared.events import Event, stream

SCHOOL_FIELDS = ("name_ar", "name_fr", "cycle", "setting", "commune", "region_code")
COORDINATOR = "coordinator"
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
OPEN_TRANSFER = ("proposed", "approved")
WORK_STATUSES = ("planned", "in_progress", "done")


school_stream = stream("school")
asset_stream = stream("asset")
transfer_stream = stream("transfer")
visit_stream = stream("visit")
audit_stream = stream("audit")
work_stream = stream("work")


def occurred(envelope: dict) -> datetime:
    return datetime.fromisoformat(envelope["occurred_at"])


def serial_key(serial: str) -> str:
    """Serials are compared without case or surrounding spaces: `ab-12 ` is `AB-12`."""
    return serial.strip().upper()


def _not_before(at: datetime, last: datetime | None, what: str) -> None:
    if last is not None and at < last:
        raise CommandRejected("dated_before_last_fact",
                              f"The latest fact recorded for {what} is dated {last.isoformat()}; "
                              f"this one cannot be dated before it ({at.isoformat()}).")


def _names(ids) -> str:
    return ", ".join(sorted(ids))


# ---------------------------------------------------------------- the commands, as the rules read them
# Made from the checked fields of `schemas.py`; when the fact happened comes with the command's context.

def _school_command(name: str, doc: str, optional: bool) -> type:
    """A command naming a school by its code, with each of its details (SCHOOL_FIELDS): required, or None by
    default where `optional`. The rules read the details by those names."""
    details = [(k, str | None, field(default=None)) if optional else (k, str) for k in SCHOOL_FIELDS]
    made = make_dataclass(name, [("school_code", str), *details], frozen=True, namespace={"__doc__": doc})
    made.__module__ = __name__
    return made


RegisterSchool = _school_command("RegisterSchool", "A new school and all its details.", optional=False)
UpdateSchool = _school_command("UpdateSchool", "The fields to change; None: as registered.", optional=True)


@dataclass(frozen=True)
class RecordCensus:
    school_code: str
    school_year: str
    pupils: int
    teachers: int


@dataclass(frozen=True)
class ImportSchools:
    content_base64: str
    format: str = "csv"  # or xlsx


@dataclass(frozen=True)
class RecordConnectivity:
    school_code: str
    status: str
    link: str
    bandwidth_mbps: float


@dataclass(frozen=True)
class RecordFiltering:
    school_code: str
    active: bool


@dataclass(frozen=True)
class RecordInfrastructureWork:
    school_code: str
    kind: str
    status: str
    work_id: str | None = None  # None: a new work


@dataclass(frozen=True)
class DeliveryItem:
    kind: str
    serial: str
    warranty_months: int
    asset_id: str | None = None  # None: a new id
    model: str = ""
    bundle: str = "none"


@dataclass(frozen=True)
class ReceiveDelivery:
    supplier: str
    delivery_ref: str
    items: tuple[DeliveryItem, ...]

    def __post_init__(self):
        typed_parts(self, "items", DeliveryItem)


@dataclass(frozen=True)
class ImportDelivery:
    """A supplier's list of items, as a file (its lines are read into `DeliveryItem`s)."""
    supplier: str
    delivery_ref: str
    content_base64: str
    format: str = "csv"  # or xlsx


@dataclass(frozen=True)
class AssignEquipment:
    asset_id: str
    school_code: str


@dataclass(frozen=True)
class ConfirmInstallation:
    asset_id: str
    school_code: str


@dataclass(frozen=True)
class DecommissionEquipment:
    asset_id: str
    reason: str


@dataclass(frozen=True)
class Observation:
    asset_id: str
    status: str  # in_use, unused, broken, missing


@dataclass(frozen=True)
class RecordUsageVisit:
    school_code: str
    observations: tuple[Observation, ...]
    notes: str = ""
    visit_id: str | None = None  # None: a new visit

    def __post_init__(self):
        typed_parts(self, "observations", Observation)


@dataclass(frozen=True)
class ProposeTransfer:
    asset_ids: list[str]
    from_school: str
    to_school: str
    reason: str
    report: str
    transfer_id: str | None = None  # None: a new transfer


@dataclass(frozen=True)
class ApproveTransfer:
    transfer_id: str


@dataclass(frozen=True)
class RejectTransfer:
    transfer_id: str
    reason: str


@dataclass(frozen=True)
class CompleteTransfer:
    transfer_id: str


@dataclass(frozen=True)
class Finding:
    asset_id: str
    status: str  # present, missing, damaged


@dataclass(frozen=True)
class CompleteInventoryAudit:
    school_code: str
    occasion: str
    findings: tuple[Finding, ...]
    unexpected_serials: list[str] = field(default_factory=list)
    audit_id: str | None = None  # None: a new audit

    def __post_init__(self):
        typed_parts(self, "findings", Finding)


@dataclass(frozen=True)
class ResolveReplacement:
    """The coordinator's word on a replacement inventory could not apply: what was done about it."""
    fault_id: str
    note: str


# ---------------------------------------------------------------- school

@dataclass(frozen=True)
class School:
    code: str
    registered: bool = False
    details: dict = field(default_factory=dict)  # SCHOOL_FIELDS as last registered
    registered_on: date | None = None  # the day of its first registration, in Morocco


def evolve_school(state: School, envelope: dict) -> School:
    if envelope["event_type"] == "school_registered":
        d = envelope["data"]
        return replace(state, registered=True, details={k: d[k] for k in SCHOOL_FIELDS},
                       registered_on=state.registered_on or local_date(occurred(envelope)))
    return state


def _registered(school: School) -> None:
    if not school.registered:
        raise CommandRejected("unknown_school", f"School {school.code} is not registered.")


def register_school(state: School, cmd: RegisterSchool, province_code: str) -> list[Event]:
    if state.registered:
        raise CommandRejected("school_already_registered", f"School {state.code} is already registered.")
    data = {"school_code": state.code, **{k: getattr(cmd, k) for k in SCHOOL_FIELDS}, "province_code": province_code}
    return [Event("school_registered", data)]


def update_school(state: School, changes: UpdateSchool, province_code: str) -> list[Event]:
    """The school's description, registered again in full; nothing if nothing changes."""
    _registered(state)
    details = dict(state.details)
    details.update({k: getattr(changes, k) for k in SCHOOL_FIELDS if getattr(changes, k) is not None})
    if details == state.details:
        return []
    return [Event("school_registered", {"school_code": state.code, **details, "province_code": province_code})]


def school_year_ends_on(school_year: str) -> date:
    """`2024-2025` ends on 31 August 2025 (a school year runs from 1 September)."""
    return date(int(school_year[:4]) + 1, 8, 31)


def record_census(state: School, school_year: str, pupils: int, teachers: int) -> list[Event]:
    _registered(state)
    # A school's figures start with its registration: no census of a school year already over by then.
    if state.registered_on is not None and school_year_ends_on(school_year) < state.registered_on:
        raise CommandRejected("census_before_registration",
                              f"School year {school_year} ended on {school_year_ends_on(school_year).isoformat()}, "
                              f"before the school was registered ({state.code}, on {state.registered_on.isoformat()}).")
    return [Event("school_census_recorded", {"school_code": state.code, "school_year": school_year,
                                             "pupils": pupils, "teachers": teachers})]


def record_connectivity(state: School, status: str, link: str, bandwidth_mbps: float) -> list[Event]:
    _registered(state)
    return [Event("connectivity_recorded", {"school_code": state.code, "status": status, "link": link,
                                            "bandwidth_mbps": bandwidth_mbps})]


def record_filtering(state: School, active: bool) -> list[Event]:
    _registered(state)
    return [Event("filtering_recorded", {"school_code": state.code, "active": active})]


# ---------------------------------------------------------------- asset

@dataclass(frozen=True)
class Asset:
    asset_id: str
    received: bool = False
    serial: str | None = None
    kind: str | None = None
    model: str = ""
    supplier: str | None = None
    delivery_ref: str | None = None
    warranty_months: int = 0
    bundle: str = "none"
    received_at: datetime | None = None
    school_code: str | None = None
    installed: bool = False
    decommissioned: bool = False
    decommission_reason: str | None = None
    transfer_id: str | None = None  # the open transfer it is part of
    transfer_to: str | None = None
    observation: str | None = None  # its latest usage observation
    observed: tuple | None = None  # (occurred_at, position) of that observation
    last_at: datetime | None = None  # the latest fact of its life (observations aside)

    @property
    def in_service(self) -> bool:
        return self.received and self.school_code is not None and not self.decommissioned


def evolve_asset(state: Asset, envelope: dict) -> Asset:
    kind, d = envelope["event_type"], envelope["data"]
    at = occurred(envelope)
    if kind == "equipment_received":
        return replace(state, received=True, serial=d["serial"], kind=d["kind"], model=d["model"],
                       supplier=d["supplier"], delivery_ref=d["delivery_ref"],
                       warranty_months=d["warranty_months"], bundle=d["bundle"], received_at=at, last_at=at)
    if kind == "equipment_assigned":
        return replace(state, school_code=d["school_code"], installed=False, last_at=at)
    if kind == "equipment_installed":
        return replace(state, installed=True, last_at=at)
    if kind == "equipment_decommissioned":
        return replace(state, decommissioned=True, decommission_reason=d["reason"], last_at=at)
    if kind == "transfer_proposed" and state.asset_id in d["asset_ids"]:
        return replace(state, transfer_id=d["transfer_id"], transfer_to=d["to_school"], last_at=at)
    if kind == "transfer_approved" and d["transfer_id"] == state.transfer_id:
        return replace(state, last_at=at)
    if kind == "transfer_rejected" and d["transfer_id"] == state.transfer_id:
        return replace(state, transfer_id=None, transfer_to=None, last_at=at)
    if kind == "transfer_completed" and d["transfer_id"] == state.transfer_id:
        return replace(state, school_code=state.transfer_to, installed=False, transfer_id=None,
                       transfer_to=None, last_at=at)
    if kind == "usage_visit_recorded":
        for obs in d["observations"]:
            if obs["asset_id"] == state.asset_id:
                key = (at, envelope["position"])
                if state.observed is None or key > state.observed:
                    return replace(state, observation=obs["status"], observed=key)
    return state


def _received(asset: Asset) -> None:
    if not asset.received:
        raise CommandRejected("unknown_asset", f"Asset {asset.asset_id} was never received.")


def _in_service(asset: Asset) -> None:
    _received(asset)
    if asset.decommissioned:
        raise CommandRejected("asset_decommissioned", f"Asset {asset.asset_id} is decommissioned.")


def receive_equipment(state: Asset, item: DeliveryItem, delivery: ReceiveDelivery | ImportDelivery,
                      serial_owner: str | None) -> list[Event]:
    """Record one delivered item. `serial_owner` is the asset already holding its serial, if any."""
    if state.received:
        raise CommandRejected("asset_already_received", f"Asset {state.asset_id} is already received.")
    if serial_owner is not None:
        raise CommandRejected("serial_already_known",
                              f"Serial {item.serial} is already asset {serial_owner}.")
    return [Event("equipment_received", {
        "asset_id": state.asset_id, "kind": item.kind, "serial": item.serial.strip(),
        "model": item.model or "", "supplier": delivery.supplier,
        "delivery_ref": delivery.delivery_ref, "warranty_months": item.warranty_months,
        "bundle": item.bundle or "none",
    })]


def delivery_problems(items: list[tuple[str, str | None]], serial_owners: dict[str, str], received_ids: set[str],
                      labels: list[str] | None = None) -> dict[int, dict[str, list[str]]]:
    """Every item of a delivery that cannot be received, by its index, and why.

    `items` are the (serial, asset id or None) of each item; `serial_owners`
    maps the key of each serial already known in the province to its asset;
    `received_ids` are the items' asset ids already received; `labels` name
    the items for a person ("line 12"), item 1, 2 … by default.
    """
    labels = labels or [f"item {i + 1}" for i in range(len(items))]
    problems: dict[int, dict[str, list[str]]] = {}
    first_serial: dict[str, int] = {}
    first_id: dict[str, int] = {}

    def problem(i, name, message):
        problems.setdefault(i, {}).setdefault(name, []).append(message)

    for i, (serial, asset_id) in enumerate(items):
        key = serial_key(serial)
        if key in serial_owners:
            problem(i, "serial", f"Serial {serial.strip()} is already asset {serial_owners[key]}.")
        elif key in first_serial:
            problem(i, "serial", f"Serial {serial.strip()} is repeated: see {labels[first_serial[key]]}.")
        else:
            first_serial[key] = i
        if asset_id:
            if asset_id in received_ids:
                problem(i, "asset_id", f"Asset {asset_id} is already received.")
            elif asset_id in first_id:
                problem(i, "asset_id", f"Asset {asset_id} is repeated: see {labels[first_id[asset_id]]}.")
            else:
                first_id[asset_id] = i
    return problems


def assign_equipment(state: Asset, school: School, at: datetime) -> list[Event]:
    _in_service(state)
    _registered(school)
    if state.school_code is not None:
        raise CommandRejected("asset_already_assigned",
                              f"Asset {state.asset_id} is at {state.school_code}; moving it is a transfer.")
    _not_before(at, state.last_at, f"asset {state.asset_id}")
    return [Event("equipment_assigned", {"asset_id": state.asset_id, "school_code": school.code})]


def confirm_installation(state: Asset, school_code: str, at: datetime) -> list[Event]:
    """Installation is confirmed only at the asset's own school."""
    _in_service(state)
    if state.school_code != school_code:
        where = f"at {state.school_code}" if state.school_code else "not assigned to any school"
        raise CommandRejected("asset_not_at_school",
                              f"Asset {state.asset_id} is {where}, not at {school_code}.")
    if state.installed:
        raise CommandRejected("already_installed",
                              f"Asset {state.asset_id} is already installed at {school_code}.")
    _not_before(at, state.last_at, f"asset {state.asset_id}")
    return [Event("equipment_installed", {"asset_id": state.asset_id, "school_code": school_code})]


def decommission_equipment(state: Asset, reason: str, at: datetime) -> list[Event]:
    _received(state)
    if state.decommissioned:
        raise CommandRejected("already_decommissioned", f"Asset {state.asset_id} is already decommissioned.")
    _not_before(at, state.last_at, f"asset {state.asset_id}")
    return [Event("equipment_decommissioned", {"asset_id": state.asset_id, "reason": reason})]


def _at_school(assets: dict[str, Asset], school_code: str) -> None:
    """Every asset is known, in service and at `school_code`; name all those that are not."""
    unknown = [a for a, s in assets.items() if not s.received]
    if unknown:
        raise CommandRejected("unknown_asset", f"Never received: {_names(unknown)}.")
    elsewhere = [a for a, s in assets.items() if s.decommissioned or s.school_code != school_code]
    if elsewhere:
        raise CommandRejected("asset_not_at_school",
                              f"Not in service at {school_code}: " + ", ".join(
                                  f"{a} ({_whereabouts(assets[a])})" for a in sorted(elsewhere)) + ".")


def _whereabouts(asset: Asset) -> str:
    if asset.decommissioned:
        return "decommissioned"
    return f"at {asset.school_code}" if asset.school_code else "not assigned"


# ---------------------------------------------------------------- usage visits

def record_usage_visit(visit_recorded: bool, visit_id: str, school: School, observations: Iterable[Observation],
                       assets: dict[str, Asset], notes: str) -> list[Event]:
    """Observations only for assets in service at the visited school."""
    if visit_recorded:
        raise CommandRejected("visit_already_recorded", f"Visit {visit_id} is already recorded.")
    _registered(school)
    _at_school(assets, school.code)
    return [Event("usage_visit_recorded", {
        "visit_id": visit_id, "school_code": school.code,
        "observations": [{"asset_id": o.asset_id, "status": o.status} for o in observations],
        "notes": notes})]


# ---------------------------------------------------------------- transfers

@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    status: str | None = None  # proposed, approved, rejected, completed
    asset_ids: tuple = ()
    from_school: str | None = None
    to_school: str | None = None
    last_at: datetime | None = None


def evolve_transfer(state: Transfer, envelope: dict) -> Transfer:
    kind, d = envelope["event_type"], envelope["data"]
    at = occurred(envelope)
    if kind == "transfer_proposed":
        return replace(state, status="proposed", asset_ids=tuple(d["asset_ids"]), from_school=d["from_school"],
                       to_school=d["to_school"], last_at=at)
    statuses = {"transfer_approved": "approved", "transfer_rejected": "rejected",
                "transfer_completed": "completed"}
    if kind in statuses:
        return replace(state, status=statuses[kind], last_at=at)
    return state


def _coordinator(actor: dict, action: str) -> None:
    if actor.get("role") != COORDINATOR:
        raise CommandRejected("coordinator_only",
                              f"Only the provincial coordinator may {action} a transfer "
                              f"({actor.get('user')} is {actor.get('role')}).")


def _known_transfer(state: Transfer) -> None:
    if state.status is None:
        raise CommandRejected("unknown_transfer", f"Transfer {state.transfer_id} was never proposed.")


def propose_transfer(state: Transfer, assets: dict[str, Asset], from_school: School, to_school: School,
                     reason: str, report: str, at: datetime) -> list[Event]:
    """Equipment unused at its school may move to one that commits to use it, after a report."""
    if state.status is not None:
        raise CommandRejected("transfer_already_exists", f"Transfer {state.transfer_id} already exists.")
    if not report.strip():
        raise CommandRejected("report_required", "A transfer needs the report that justifies it.")
    if from_school.code == to_school.code:
        raise CommandRejected("same_school", "A transfer moves equipment to another school.")
    _registered(from_school)
    _registered(to_school)
    _at_school(assets, from_school.code)
    busy = {a: s.transfer_id for a, s in assets.items() if s.transfer_id is not None}
    if busy:
        raise CommandRejected("asset_in_open_transfer", "Already in an open transfer: " + ", ".join(
            f"{a} ({t})" for a, t in sorted(busy.items())) + ".")
    used = {a: s.observation for a, s in assets.items() if s.observation != "unused"}
    if used:
        raise CommandRejected("not_observed_unused",
                              "A transfer moves equipment last observed unused; not so for: " + ", ".join(
                                  f"{a} ({o or 'never observed'})" for a, o in sorted(used.items())) + ".")
    for a, s in sorted(assets.items()):
        _not_before(at, s.last_at, f"asset {a}")
    return [Event("transfer_proposed", {
        "transfer_id": state.transfer_id, "asset_ids": list(assets), "from_school": from_school.code,
        "to_school": to_school.code, "reason": reason, "report": report})]


def approve_transfer(state: Transfer, actor: dict, at: datetime) -> list[Event]:
    _coordinator(actor, "approve")
    _known_transfer(state)
    if state.status != "proposed":
        raise CommandRejected("transfer_not_proposed",
                              f"Transfer {state.transfer_id} is {state.status}; only a proposed one is approved.")
    _not_before(at, state.last_at, f"transfer {state.transfer_id}")
    return [Event("transfer_approved", {"transfer_id": state.transfer_id, "approved_by": actor["user"]})]


def reject_transfer(state: Transfer, actor: dict, reason: str, at: datetime) -> list[Event]:
    _coordinator(actor, "reject")
    _known_transfer(state)
    if state.status not in OPEN_TRANSFER:
        raise CommandRejected("transfer_closed", f"Transfer {state.transfer_id} is already {state.status}.")
    _not_before(at, state.last_at, f"transfer {state.transfer_id}")
    return [Event("transfer_rejected", {"transfer_id": state.transfer_id, "reason": reason})]


def complete_transfer(state: Transfer, assets: dict[str, Asset], at: datetime) -> list[Event]:
    """The equipment has moved: approved transfers only, and none of it decommissioned meanwhile."""
    _known_transfer(state)
    if state.status != "approved":
        raise CommandRejected("transfer_not_approved",
                              f"Transfer {state.transfer_id} is {state.status}; only an approved one is completed.")
    gone = [a for a, s in assets.items() if s.decommissioned]
    if gone:
        raise CommandRejected("asset_decommissioned",
                              f"Decommissioned since the proposal: {_names(gone)}; reject the transfer instead.")
    _not_before(at, state.last_at, f"transfer {state.transfer_id}")
    for a, s in sorted(assets.items()):
        _not_before(at, s.last_at, f"asset {a}")
    return [Event("transfer_completed", {"transfer_id": state.transfer_id})]


# ---------------------------------------------------------------- inventory audits

def complete_inventory_audit(audit_recorded: bool, audit_id: str, school: School, occasion: str,
                             findings: Iterable[Finding], unexpected_serials: list[str],
                             expected: dict[str, Asset], serial_owners: dict[str, str]) -> list[Event]:
    """An audit gives a status to every asset expected at the school, and lists what it found besides.

    `expected` are the assets in service at the school; `serial_owners` maps the
    key of each unexpected serial already known in the province to its asset.
    """
    if audit_recorded:
        raise CommandRejected("audit_already_recorded", f"Audit {audit_id} is already recorded.")
    _registered(school)
    listed = {f.asset_id for f in findings}
    strangers = listed - set(expected)
    if strangers:
        raise CommandRejected("asset_not_expected_here",
                              f"Not expected at {school.code}: {_names(strangers)}; "
                              "list the serials of equipment found there but not on record as unexpected.")
    missing = set(expected) - listed
    if missing:
        raise CommandRejected("findings_incomplete",
                              f"Every asset expected at {school.code} needs a finding; none for: {_names(missing)}.")
    ours = {s: serial_owners[serial_key(s)] for s in unexpected_serials
            if serial_owners.get(serial_key(s)) in expected}
    if ours:
        raise CommandRejected("serial_expected_here", "Expected at this school, so give them a finding: " + ", ".join(
            f"{s} (asset {a})" for s, a in sorted(ours.items())) + ".")
    return [Event("inventory_audit_completed", {
        "audit_id": audit_id, "school_code": school.code, "occasion": occasion,
        "findings": [{"asset_id": f.asset_id, "status": f.status} for f in findings],
        "unexpected_serials": [s.strip() for s in unexpected_serials]})]


def conformity_report(findings: list[dict], unexpected_serials: list[str], kinds: dict[str, str]) -> dict:
    """Expected, present, missing, damaged and unexpected, in all and by kind of equipment."""
    def count(rows):
        statuses = [r["status"] for r in rows]
        return {"expected": len(statuses), "present": statuses.count("present"),
                "missing": statuses.count("missing"), "damaged": statuses.count("damaged")}

    by_kind = {}
    for kind in sorted({kinds.get(f["asset_id"], "other") for f in findings}):
        by_kind[kind] = count([f for f in findings if kinds.get(f["asset_id"], "other") == kind])
    total = count(findings)
    total["unexpected"] = len(unexpected_serials)
    total["conformity_rate"] = (round(total["present"] / total["expected"] * 100, 1)
                                if total["expected"] else None)
    return {**total, "by_kind": by_kind,
            "missing_assets": sorted(f["asset_id"] for f in findings if f["status"] == "missing"),
            "damaged_assets": sorted(f["asset_id"] for f in findings if f["status"] == "damaged")}


# ---------------------------------------------------------------- infrastructure works

@dataclass(frozen=True)
class Work:
    work_id: str
    school_code: str | None = None
    kind: str | None = None
    status: str | None = None
    last_at: datetime | None = None


def evolve_work(state: Work, envelope: dict) -> Work:
    if envelope["event_type"] == "infrastructure_work_recorded":
        d = envelope["data"]
        return replace(state, school_code=d["school_code"], kind=d["kind"], status=d["status"],
                       last_at=occurred(envelope))
    return state


def record_infrastructure_work(state: Work, school: School, kind: str, status: str,
                               at: datetime) -> list[Event]:
    """A work is followed from planned to done, at one school, of one kind; it never goes back."""
    _registered(school)
    if state.status is not None:
        if school.code != state.school_code:
            raise CommandRejected("work_at_other_school", f"Work {state.work_id} is at {state.school_code}.")
        if kind != state.kind:
            raise CommandRejected("work_kind_changed", f"Work {state.work_id} is {state.kind} work.")
        if WORK_STATUSES.index(status) <= WORK_STATUSES.index(state.status):
            raise CommandRejected("work_status_not_forward",
                                  f"Work {state.work_id} is already {state.status}.")
        _not_before(at, state.last_at, f"work {state.work_id}")
    return [Event("infrastructure_work_recorded", {"work_id": state.work_id, "school_code": school.code,
                                                   "kind": kind, "status": status})]


# ---------------------------------------------------------------- reaction to maintenance

# Why a replacement could not be applied here: the records of inventory and maintenance stay apart until the
# coordinator settles it.
NOT_APPLIED = ("new_asset_unfit", "old_asset_unknown", "new_serial_is_another_asset", "new_asset_decommissioned",
               "old_asset_not_assigned", "new_asset_at_another_school")


def react_to_replacement(replacement: dict, at: datetime, old: Asset, new: Asset,
                         new_serial_owner: str | None) -> tuple[list[tuple[str, Event]], str]:
    """What `equipment_replaced` means here: (stream, event) pairs to record, and why.

    The old asset is decommissioned (reason `replaced`); the new one is received
    if unknown, from the old one's supplier with its bundle, and assigned to the
    old one's school. Whatever is already so is not recorded again, so the same
    replacement told twice changes nothing.
    """
    plan: list[tuple[str, Event]] = []
    if old.asset_id == new.asset_id:
        return plan, "same_asset"
    if not (_CODE.match(new.asset_id) and 0 < len(replacement["new_serial"].strip()) <= 100):
        return plan, "new_asset_unfit"
    if not old.received:
        return plan, "old_asset_unknown"
    if not old.decommissioned:
        plan.append((asset_stream(old.asset_id), Event(
            "equipment_decommissioned", {"asset_id": old.asset_id, "reason": "replaced"},
            max(at, old.last_at or at))))
    new_at = max(at, new.last_at or at)
    if not new.received:
        if new_serial_owner is not None and new_serial_owner != new.asset_id:
            return plan, "new_serial_is_another_asset"
        plan.append((asset_stream(new.asset_id), Event("equipment_received", {
            "asset_id": new.asset_id, "kind": replacement["new_kind"], "serial": replacement["new_serial"].strip(),
            "model": old.model if replacement["new_kind"] == old.kind else "",
            "supplier": old.supplier, "delivery_ref": f"replacement:{replacement['fault_id']}",
            "warranty_months": old.warranty_months, "bundle": old.bundle}, new_at)))
    elif new.decommissioned:
        return plan, "new_asset_decommissioned"
    if old.school_code is None:
        return plan, "old_asset_not_assigned"
    if new.school_code is None:
        plan.append((asset_stream(new.asset_id), Event(
            "equipment_assigned", {"asset_id": new.asset_id, "school_code": old.school_code}, new_at)))
    elif new.school_code != old.school_code:
        return plan, "new_asset_at_another_school"
    return plan, "applied" if plan else "already_applied"


def resolve_replacement(waiting: dict | None, cmd: ResolveReplacement, actor: dict, at: datetime) -> dict:
    """The coordinator's word on a fault's latest replacement that could not apply here: the row kept beside the
    log. `waiting` is that replacement as the reaction kept it (its outcome; who resolved it, and when, if
    anyone did), or None."""
    if waiting is None:
        raise CommandRejected("nothing_to_resolve", f"Fault {cmd.fault_id} has no replacement waiting for a decision.")
    if waiting["resolved_at"] is not None:
        raise CommandRejected("already_resolved", f"The replacement of fault {cmd.fault_id} was resolved by "
                              f"{waiting['resolved_by']} on {waiting['resolved_at']}.")
    return {"fault_id": cmd.fault_id, "outcome": waiting["outcome"], "note": cmd.note,
            "resolved_by": actor.get("user", ""), "resolved_at": at.isoformat()}


# ---------------------------------------------------------------- warranty

def warranty_status(asset: Asset, at: datetime) -> dict:
    _received(asset)
    ends_on = warranty_ends_on(asset.received_at, asset.warranty_months)
    today = local_date(at)
    return {"asset_id": asset.asset_id, "serial": asset.serial, "supplier": asset.supplier,
            "received_on": local_date(asset.received_at).isoformat(), "warranty_months": asset.warranty_months,
            "ends_on": ends_on.isoformat(), "on": today.isoformat(), "under_warranty": today < ends_on,
            "days_left": max((ends_on - today).days, 0)}
