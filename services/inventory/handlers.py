"""Inventory's commands, one function each: load, ask the domain, record. `cmd` is the checked command, typed
as the domain reads it; `uow` is the command's unit of work, an `application.Inventory` (its transaction,
the views, the asset histories; the file of an import as `read`, when it was read aside; the replacements
inventory could not apply as `replacements`)."""
from __future__ import annotations

from shared.commands import command, new_id
from shared.events import now

from . import domain, schemas
from .application import Inventory


def _states(loaded: dict) -> dict:
    return {key: one.state for key, one in loaded.items()}


# ---- schools

@command(schemas.RegisterSchool, domain.RegisterSchool)
def register_school(cmd: domain.RegisterSchool, uow: Inventory):
    school = uow.school(cmd.school_code)
    return uow.record(school, domain.register_school(school.state, cmd, uow.store.province_code))


@command(schemas.UpdateSchool, domain.UpdateSchool)
def update_school(cmd: domain.UpdateSchool, uow: Inventory):
    """Change a school's description: it is registered again, in full. Nothing if nothing changes."""
    school = uow.school(cmd.school_code)
    return uow.record(school, domain.update_school(school.state, cmd, uow.store.province_code))


@command(schemas.RecordCensus, domain.RecordCensus)
def record_census(cmd: domain.RecordCensus, uow: Inventory):
    school = uow.school(cmd.school_code)
    return uow.record(school, domain.record_census(school.state, cmd.school_year, cmd.pupils, cmd.teachers))


@command(schemas.ImportSchools, domain.ImportSchools)
def import_schools(cmd: domain.ImportSchools, uow: Inventory):
    """A list of schools (with their census, if given): all registered, or the file refused by line."""
    return uow.import_schools(cmd, uow.ctx, uow.read)


@command(schemas.RecordConnectivity, domain.RecordConnectivity)
def record_connectivity(cmd: domain.RecordConnectivity, uow: Inventory):
    school = uow.school(cmd.school_code)
    return uow.record(school, domain.record_connectivity(school.state, cmd.status, cmd.link, cmd.bandwidth_mbps))


@command(schemas.RecordFiltering, domain.RecordFiltering)
def record_filtering(cmd: domain.RecordFiltering, uow: Inventory):
    school = uow.school(cmd.school_code)
    return uow.record(school, domain.record_filtering(school.state, cmd.active))


@command(schemas.RecordInfrastructureWork, domain.RecordInfrastructureWork)
def record_infrastructure_work(cmd: domain.RecordInfrastructureWork, uow: Inventory):
    work = uow.work(cmd.work_id or new_id())
    school = uow.school(cmd.school_code)
    return uow.record(work, domain.record_infrastructure_work(work.state, school.state, cmd.kind, cmd.status, uow.at))


# ---- reception and distribution

@command(schemas.ReceiveDelivery, domain.ReceiveDelivery)
def receive_delivery(cmd: domain.ReceiveDelivery, uow: Inventory):
    """Receive every item of a delivery, or none of them."""
    return uow.receive_delivery(cmd, uow.ctx)


@command(schemas.ImportDelivery, domain.ImportDelivery)
def import_delivery(cmd: domain.ImportDelivery, uow: Inventory):
    """A supplier's delivery list (CSV or XLSX, base64): every line received, or the file refused by line."""
    return uow.import_delivery(cmd, uow.ctx, uow.read)


@command(schemas.AssignEquipment, domain.AssignEquipment)
def assign_equipment(cmd: domain.AssignEquipment, uow: Inventory):
    school = uow.school(cmd.school_code)
    asset = uow.asset(cmd.asset_id)
    return uow.record(asset, domain.assign_equipment(asset.state, school.state, uow.at))


@command(schemas.ConfirmInstallation, domain.ConfirmInstallation)
def confirm_installation(cmd: domain.ConfirmInstallation, uow: Inventory):
    asset = uow.asset(cmd.asset_id)
    return uow.record(asset, domain.confirm_installation(asset.state, cmd.school_code, uow.at))


@command(schemas.DecommissionEquipment, domain.DecommissionEquipment)
def decommission_equipment(cmd: domain.DecommissionEquipment, uow: Inventory):
    asset = uow.asset(cmd.asset_id)
    return uow.record(asset, domain.decommission_equipment(asset.state, cmd.reason, uow.at))


# ---- use

@command(schemas.RecordUsageVisit, domain.RecordUsageVisit)
def record_usage_visit(cmd: domain.RecordUsageVisit, uow: Inventory):
    visit_id = cmd.visit_id or new_id()
    stream = domain.visit_stream(visit_id)
    school = uow.school(cmd.school_code)
    assets = uow.assets([o.asset_id for o in cmd.observations])
    events = domain.record_usage_visit(not uow.is_new(stream), visit_id, school.state, cmd.observations,
                                       _states(assets), cmd.notes)
    return uow.record_new(stream, events)


# ---- transfers

@command(schemas.ProposeTransfer, domain.ProposeTransfer)
def propose_transfer(cmd: domain.ProposeTransfer, uow: Inventory):
    transfer = uow.transfer(cmd.transfer_id or new_id())
    assets = uow.assets(cmd.asset_ids)
    events = domain.propose_transfer(transfer.state, _states(assets), uow.school(cmd.from_school).state,
                                     uow.school(cmd.to_school).state, cmd.reason, cmd.report, uow.at)
    return uow.record(transfer, events)


@command(schemas.ApproveTransfer, domain.ApproveTransfer)
def approve_transfer(cmd: domain.ApproveTransfer, uow: Inventory):
    """Coordinator only: the actor's role comes from `meta.actor.role`."""
    transfer = uow.transfer(cmd.transfer_id)
    return uow.record(transfer, domain.approve_transfer(transfer.state, uow.ctx.actor, uow.at))


@command(schemas.RejectTransfer, domain.RejectTransfer)
def reject_transfer(cmd: domain.RejectTransfer, uow: Inventory):
    transfer = uow.transfer(cmd.transfer_id)
    return uow.record(transfer, domain.reject_transfer(transfer.state, uow.ctx.actor, cmd.reason, uow.at))


@command(schemas.CompleteTransfer, domain.CompleteTransfer)
def complete_transfer(cmd: domain.CompleteTransfer, uow: Inventory):
    transfer = uow.transfer(cmd.transfer_id)
    assets = uow.assets(transfer.state.asset_ids)
    return uow.record(transfer, domain.complete_transfer(transfer.state, _states(assets), uow.at))


# ---- the replacements maintenance recorded that could not apply here

@command(schemas.ResolveReplacement, domain.ResolveReplacement)
def resolve_replacement(cmd: domain.ResolveReplacement, uow: Inventory):
    """The coordinator says what was done about a replacement inventory could not apply: kept beside the log,
    not in it."""
    waiting = uow.replacements.to_resolve(uow.conn, cmd.fault_id)
    row = domain.resolve_replacement(waiting[-1] if waiting else None, cmd, uow.ctx.actor, now())
    uow.replacements.resolve(uow.conn, row)
    return row


# ---- inventory audits

@command(schemas.CompleteInventoryAudit, domain.CompleteInventoryAudit)
def complete_inventory_audit(cmd: domain.CompleteInventoryAudit, uow: Inventory):
    audit_id = cmd.audit_id or new_id()
    stream = domain.audit_stream(audit_id)
    school = uow.school(cmd.school_code)
    expected = uow.assets(uow.views.asset_ids_in_service_at(uow.conn, cmd.school_code))
    owners = uow.views.serial_owners(uow.conn, cmd.unexpected_serials)
    events = domain.complete_inventory_audit(
        not uow.is_new(stream), audit_id, school.state, cmd.occasion, cmd.findings, cmd.unexpected_serials,
        _states(expected), {key: row["asset_id"] for key, row in owners.items()})
    return uow.record_new(stream, events)
