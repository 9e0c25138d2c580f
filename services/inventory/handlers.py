"""Inventory's commands, one function each: load, ask the domain, record. `uow` is the command's
unit of work, an `application.Inventory` (its transaction, the views, the asset histories)."""
from __future__ import annotations

from shared.commands import command, new_id

from . import domain, schemas
from .application import Inventory


def _states(loaded: dict) -> dict:
    return {key: one.state for key, one in loaded.items()}


# ---- schools

@command(schemas.RegisterSchool)
def register_school(cmd, uow: Inventory):
    school = uow.school(cmd["school_code"])
    return uow.record(school, domain.register_school(school.state, cmd, uow.store.province_code))


@command(schemas.UpdateSchool)
def update_school(cmd, uow: Inventory):
    """Change a school's description: it is registered again, in full. Nothing if nothing changes."""
    school = uow.school(cmd["school_code"])
    return uow.record(school, domain.update_school(school.state, cmd, uow.store.province_code))


@command(schemas.RecordCensus)
def record_census(cmd, uow: Inventory):
    school = uow.school(cmd["school_code"])
    return uow.record(school, domain.record_census(school.state, cmd["school_year"], cmd["pupils"], cmd["teachers"]))


@command(schemas.ImportSchools)
def import_schools(cmd, uow: Inventory):
    """A list of schools (with their census, if given): all registered, or the file refused by line."""
    return uow.import_schools(cmd, uow.ctx, cmd.get("read"))


@command(schemas.RecordConnectivity)
def record_connectivity(cmd, uow: Inventory):
    school = uow.school(cmd["school_code"])
    return uow.record(school, domain.record_connectivity(school.state, cmd["status"], cmd["link"],
                                                         cmd["bandwidth_mbps"]))


@command(schemas.RecordFiltering)
def record_filtering(cmd, uow: Inventory):
    school = uow.school(cmd["school_code"])
    return uow.record(school, domain.record_filtering(school.state, cmd["active"]))


@command(schemas.RecordInfrastructureWork)
def record_infrastructure_work(cmd, uow: Inventory):
    work = uow.work(cmd["work_id"] or new_id())
    school = uow.school(cmd["school_code"])
    return uow.record(work, domain.record_infrastructure_work(work.state, school.state, cmd["kind"], cmd["status"],
                                                              uow.at))


# ---- reception and distribution

@command(schemas.ReceiveDelivery)
def receive_delivery(cmd, uow: Inventory):
    """Receive every item of a delivery, or none of them."""
    return uow.receive_delivery(cmd, uow.ctx)


@command(schemas.ImportDelivery)
def import_delivery(cmd, uow: Inventory):
    """A supplier's delivery list (CSV or XLSX, base64): every line received, or the file refused by line."""
    return uow.import_delivery(cmd, uow.ctx, cmd.get("read"))


@command(schemas.AssignEquipment)
def assign_equipment(cmd, uow: Inventory):
    school = uow.school(cmd["school_code"])
    asset = uow.asset(cmd["asset_id"])
    return uow.record(asset, domain.assign_equipment(asset.state, school.state, uow.at))


@command(schemas.ConfirmInstallation)
def confirm_installation(cmd, uow: Inventory):
    asset = uow.asset(cmd["asset_id"])
    return uow.record(asset, domain.confirm_installation(asset.state, cmd["school_code"], uow.at))


@command(schemas.DecommissionEquipment)
def decommission_equipment(cmd, uow: Inventory):
    asset = uow.asset(cmd["asset_id"])
    return uow.record(asset, domain.decommission_equipment(asset.state, cmd["reason"], uow.at))


# ---- use

@command(schemas.RecordUsageVisit)
def record_usage_visit(cmd, uow: Inventory):
    visit_id = cmd["visit_id"] or new_id()
    stream = domain.visit_stream(visit_id)
    school = uow.school(cmd["school_code"])
    assets = uow.assets([o["asset_id"] for o in cmd["observations"]])
    events = domain.record_usage_visit(not uow.is_new(stream), visit_id, school.state, cmd["observations"],
                                       _states(assets), cmd["notes"])
    return uow.record_new(stream, events)


# ---- transfers

@command(schemas.ProposeTransfer)
def propose_transfer(cmd, uow: Inventory):
    transfer = uow.transfer(cmd["transfer_id"] or new_id())
    assets = uow.assets(cmd["asset_ids"])
    events = domain.propose_transfer(transfer.state, _states(assets), uow.school(cmd["from_school"]).state,
                                     uow.school(cmd["to_school"]).state, cmd["reason"], cmd["report"], uow.at)
    return uow.record(transfer, events)


@command(schemas.ApproveTransfer)
def approve_transfer(cmd, uow: Inventory):
    """Coordinator only: the actor's role comes from `meta.actor.role`."""
    transfer = uow.transfer(cmd["transfer_id"])
    return uow.record(transfer, domain.approve_transfer(transfer.state, uow.ctx.actor, uow.at))


@command(schemas.RejectTransfer)
def reject_transfer(cmd, uow: Inventory):
    transfer = uow.transfer(cmd["transfer_id"])
    return uow.record(transfer, domain.reject_transfer(transfer.state, uow.ctx.actor, cmd["reason"], uow.at))


@command(schemas.CompleteTransfer)
def complete_transfer(cmd, uow: Inventory):
    transfer = uow.transfer(cmd["transfer_id"])
    assets = uow.assets(transfer.state.asset_ids)
    return uow.record(transfer, domain.complete_transfer(transfer.state, _states(assets), uow.at))


# ---- inventory audits

@command(schemas.CompleteInventoryAudit)
def complete_inventory_audit(cmd, uow: Inventory):
    audit_id = cmd["audit_id"] or new_id()
    stream = domain.audit_stream(audit_id)
    school = uow.school(cmd["school_code"])
    expected = uow.assets(uow.views.asset_ids_in_service_at(uow.conn, cmd["school_code"]))
    owners = uow.views.serial_owners(uow.conn, cmd["unexpected_serials"])
    events = domain.complete_inventory_audit(
        not uow.is_new(stream), audit_id, school.state, cmd["occasion"], cmd["findings"], cmd["unexpected_serials"],
        _states(expected), {key: row["asset_id"] for key, row in owners.items()})
    return uow.record_new(stream, events)
