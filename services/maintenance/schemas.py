"""Maintenance's commands and query parameters, validated before anything is decided."""
from typing import Literal

from marshmallow import RAISE, Schema, fields, validate

from shared.answers import Answer, doc
from shared.catalogue import ASSET_KINDS
from shared.commands import Command
from shared.text import MULTILINE

from .domain import CLOSING_RESOLUTIONS

# Inventory's asset ids and school codes, and ours for faults (a UUID fits).
CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")


def _code(**kw):
    return fields.String(validate=CODE, **kw)


def _text(max_length=300, **kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kw)


class DeclareFault(Command):
    fault_id = _code(load_default=None)  # given by the caller to make a retry safe; else a new UUID
    asset_id = _code(required=True)
    school_code = _code(required=True)
    symptom = _text(2000, metadata=MULTILINE)


class FileWarrantyClaim(Command):
    fault_id = _code(required=True)
    claim_ref = _text(100)


class RecordRepair(Command):
    fault_id = _code(required=True)
    action = _text(2000, metadata=MULTILINE)
    cost_mad = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                            validate=validate.Range(min=0, max=10_000_000))


class ReplaceEquipment(Command):
    fault_id = _code(required=True)
    new_serial = _text(100)
    new_kind = fields.String(load_default=None, validate=validate.OneOf(ASSET_KINDS))  # default: the old kind
    new_asset_id = _code(load_default=None)  # default: a new UUID


class CloseFault(Command):
    fault_id = _code(required=True)
    resolution = fields.String(required=True, validate=validate.OneOf(
        CLOSING_RESOLUTIONS, error="Must be one of: {choices}; a fault is cancelled with cancel_fault."))


class CancelFault(Command):
    fault_id = _code(required=True)


class SchoolQuery(Schema):
    class Meta:
        unknown = RAISE

    school_code = _code(load_default=None, allow_none=True)  # none: the whole province
    as_of = fields.AwareDateTime(load_default=None, allow_none=True)  # none: now


class OverdueQuery(SchoolQuery):
    days = fields.Integer(load_default=15, strict=True, validate=validate.Range(min=0, max=3650))


class WarrantyExpiryQuery(SchoolQuery):
    days = fields.Integer(load_default=60, strict=True, validate=validate.Range(min=0, max=3650))


REPAIR_GROUPINGS = ("supplier", "kind")


class RepairTimeQuery(Schema):
    class Meta:
        unknown = RAISE

    school_code = _code(load_default=None, allow_none=True)  # none: every school given, or the province
    school_codes = fields.List(_code(), load_default=None, allow_none=True, validate=validate.Length(max=100_000))
    by = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REPAIR_GROUPINGS))


# ---------------------------------------------------------------- answers (what the queries return)

class RepairTime(Answer):
    """MNT02's rule: mean days from declaration to closing of the faults closed as repaired or replaced."""
    faults: int
    total_days: float
    mean_days: float | None = doc("None: no fault repaired")


class SupplierRepairTime(RepairTime):
    supplier: str | None = doc("Who delivered the equipment (None: not known here)")


class KindRepairTime(RepairTime):
    kind: Literal[*ASSET_KINDS] | None


class RepairTimes(RepairTime):
    """The mean time to repair over all, by supplier of the equipment and by kind of equipment."""
    by_supplier: list[SupplierRepairTime]
    by_kind: list[KindRepairTime]
