"""Maintenance's commands, one function each: load the fault, read the local view of the equipment,
ask the domain, record. `cmd` is the checked command, typed as the domain reads it; `uow` is the
command's unit of work (its transaction, the fault views as `views`, the equipment view as `assets`)."""
from __future__ import annotations

from shared.commands import UnitOfWork, command, new_id

from . import domain, schemas


def _fault(uow: UnitOfWork, fault_id: str):
    return uow.load(domain.fault_stream(fault_id), domain.evolve_fault, domain.Fault(fault_id))


def _asset(uow: UnitOfWork, asset_id: str):
    """The equipment as maintenance knows it, with a replacement it recorded itself."""
    return uow.assets.record(uow.conn, asset_id, replaced_by=uow.views.replacement_of(uow.conn, asset_id))


@command(schemas.DeclareFault, domain.DeclareFault)
def declare_fault(cmd: domain.DeclareFault, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id or new_id())
    open_fault = uow.views.open_fault_of(uow.conn, cmd.asset_id)
    return uow.record(fault, domain.declare_fault(fault.state, _asset(uow, cmd.asset_id), open_fault, cmd, uow.at))


@command(schemas.FileWarrantyClaim, domain.FileWarrantyClaim)
def file_warranty_claim(cmd: domain.FileWarrantyClaim, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id)
    asset = uow.assets.record(uow.conn, fault.state.asset_id) if fault.state.declared else None
    return uow.record(fault, domain.file_warranty_claim(fault.state, asset, cmd, uow.at))


@command(schemas.RecordRepair, domain.RecordRepair)
def record_repair(cmd: domain.RecordRepair, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id)
    return uow.record(fault, domain.record_repair(fault.state, cmd, uow.at))


@command(schemas.ReplaceEquipment, domain.ReplaceEquipment)
def replace_equipment(cmd: domain.ReplaceEquipment, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id)
    new_asset_id = cmd.new_asset_id or new_id()
    old = uow.assets.record(uow.conn, fault.state.asset_id) if fault.state.declared else None
    serial_owner = (uow.assets.asset_with_serial(uow.conn, cmd.new_serial)
                    or uow.views.replacement_with_serial(uow.conn, cmd.new_serial))
    taken = uow.assets.exists(uow.conn, new_asset_id) or uow.views.replacement_exists(uow.conn, new_asset_id)
    return uow.record(fault, domain.replace_equipment(fault.state, old, cmd, new_asset_id, serial_owner, taken,
                                                      uow.at))


@command(schemas.CloseFault, domain.CloseFault)
def close_fault(cmd: domain.CloseFault, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id)
    return uow.record(fault, domain.close_fault(fault.state, cmd.resolution, uow.at))


@command(schemas.CancelFault, domain.CancelFault)
def cancel_fault(cmd: domain.CancelFault, uow: UnitOfWork):
    fault = _fault(uow, cmd.fault_id)
    return uow.record(fault, domain.cancel_fault(fault.state, uow.at))
