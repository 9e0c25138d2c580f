"""Inventory's commands, validated before anything is decided; the runner makes each the domain's dataclass of
the same name."""
import base64
import binascii
from datetime import date

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from shared.catalogue import ASSET_KINDS, BUNDLES
from shared.commands import Command, Part
from shared.text import MULTILINE

from .domain import NOT_APPLIED  # noqa: F401  (why a replacement could not apply: said by the gateway)

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")
CYCLES = ("primary", "middle", "secondary")
SETTINGS = ("urban", "rural")
LINKS = ("adsl", "fiber", "3g", "4g", "satellite", "other")
MAX_FILE_BYTES = 20 * 1024 * 1024


def _text(max_len=300, **kw):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_len), **kw)


def _code(**kw):
    return fields.String(required=True, validate=CODE, **kw)


def _enum(values, **kw):
    return fields.String(required=True, validate=validate.OneOf(values), **kw)


FIRST_SCHOOL_YEAR = 2000  # no school's figures of this system go back further


def check_school_year(value: str) -> None:
    """`2025-2026`: two years, the second following the first, from 2000-2001 to the coming school year."""
    parts = value.split("-")
    if (len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts)
            or int(parts[1]) != int(parts[0]) + 1):
        raise ValidationError("Must be a school year like 2025-2026.")
    if not FIRST_SCHOOL_YEAR <= int(parts[0]) <= date.today().year:
        raise ValidationError(f"Must be a school year from {FIRST_SCHOOL_YEAR}-{FIRST_SCHOOL_YEAR + 1} "
                              f"to the coming one.")


def _no_repeats(values, what):
    seen = set()
    repeated = sorted({v for v in values if v in seen or seen.add(v)})
    if repeated:
        raise ValidationError(f"{what} listed more than once: {', '.join(repeated)}.")


# ---------------------------------------------------------------- schools

class RegisterSchool(Command):
    school_code = _code()
    name_ar = _text()
    name_fr = _text()
    cycle = _enum(CYCLES)
    setting = _enum(SETTINGS)
    commune = _text()
    region_code = _code()


class UpdateSchool(Command):
    school_code = _code()
    name_ar = fields.String(validate=validate.Length(min=1, max=300))
    name_fr = fields.String(validate=validate.Length(min=1, max=300))
    cycle = fields.String(validate=validate.OneOf(CYCLES))
    setting = fields.String(validate=validate.OneOf(SETTINGS))
    commune = fields.String(validate=validate.Length(min=1, max=300))
    region_code = fields.String(validate=CODE)

    @validates_schema
    def _something(self, data, **kw):
        if not set(data) - {"school_code", "occurred_at"}:
            raise ValidationError("Give at least one field to change.", "_schema")


class RecordCensus(Command):
    school_code = _code()
    school_year = fields.String(required=True, validate=check_school_year)
    pupils = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100_000))
    teachers = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000))


class ImportFile(Command):
    """A file sent over RPC: its bytes in base64, and whether it is CSV or XLSX."""

    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "xlsx")))
    content_base64 = fields.String(required=True)

    @validates("content_base64")
    def _decodable(self, value, **kw):
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Not base64.")
        if not raw:
            raise ValidationError("The file is empty.")
        if len(raw) > MAX_FILE_BYTES:
            raise ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")


class ImportSchools(ImportFile):
    pass


# ---------------------------------------------------------------- reception

class DeliveryItem(Part):
    asset_id = fields.String(load_default=None, validate=CODE)
    kind = _enum(ASSET_KINDS)
    serial = fields.String(required=True, validate=[validate.Length(min=1, max=100),
                                                    validate.Regexp(r"\S", error="Must not be blank.")])
    model = fields.String(load_default="", validate=validate.Length(max=200), metadata=MULTILINE)  # a designation
    warranty_months = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=240))
    bundle = fields.String(load_default="none", validate=validate.OneOf(BUNDLES))


class ReceiveDelivery(Command):
    supplier = _text()
    delivery_ref = _text()
    items = fields.List(fields.Nested(DeliveryItem), required=True,
                        validate=validate.Length(min=1, max=50_000))


class ImportDelivery(ImportFile):
    supplier = _text()
    delivery_ref = _text()


# ---------------------------------------------------------------- distribution and use

class AssignEquipment(Command):
    asset_id = _code()
    school_code = _code()


class ConfirmInstallation(Command):
    asset_id = _code()
    school_code = _code()


class Observation(Part):
    asset_id = _code()
    status = _enum(("in_use", "unused", "broken", "missing"))


class RecordUsageVisit(Command):
    visit_id = fields.String(load_default=None, validate=CODE)
    school_code = _code()
    observations = fields.List(fields.Nested(Observation), required=True, validate=validate.Length(max=2000))
    notes = fields.String(load_default="", validate=validate.Length(max=5000), metadata=MULTILINE)

    @validates("observations")
    def _once_each(self, value, **kw):
        # Entries that failed their own checks are reported by them, not here.
        _no_repeats([o["asset_id"] for o in value if isinstance(o, dict) and "asset_id" in o], "Asset")


class DecommissionEquipment(Command):
    asset_id = _code()
    reason = _text()


# ---------------------------------------------------------------- transfers

class ProposeTransfer(Command):
    transfer_id = fields.String(load_default=None, validate=CODE)
    asset_ids = fields.List(fields.String(validate=CODE), required=True, validate=validate.Length(min=1, max=500))
    from_school = _code()
    to_school = _code()
    reason = _text(1000, metadata=MULTILINE)
    report = _text(20_000, metadata=MULTILINE)

    @validates("asset_ids")
    def _once_each(self, value, **kw):
        _no_repeats(value, "Asset")


class ApproveTransfer(Command):
    transfer_id = _code()


class RejectTransfer(Command):
    transfer_id = _code()
    reason = _text(1000, metadata=MULTILINE)


class CompleteTransfer(Command):
    transfer_id = _code()


class ResolveReplacement(Command):
    """The coordinator's word on a replacement inventory could not apply: what was done about it."""
    fault_id = _code()
    note = _text(2000, metadata=MULTILINE)


# ---------------------------------------------------------------- inventory audits

class Finding(Part):
    asset_id = _code()
    status = _enum(("present", "missing", "damaged"))


class CompleteInventoryAudit(Command):
    audit_id = fields.String(load_default=None, validate=CODE)
    school_code = _code()
    occasion = _enum(("handover", "annual", "spot"))
    findings = fields.List(fields.Nested(Finding), required=True, validate=validate.Length(max=5000))
    unexpected_serials = fields.List(fields.String(validate=[validate.Length(min=1, max=100),
                                                             validate.Regexp(r"\S", error="Must not be blank.")]),
                                     load_default=list, validate=validate.Length(max=5000))

    @validates("findings")
    def _once_each(self, value, **kw):
        _no_repeats([f["asset_id"] for f in value if isinstance(f, dict) and "asset_id" in f], "Asset")

    @validates("unexpected_serials")
    def _serials_once(self, value, **kw):
        _no_repeats([v.strip().upper() for v in value], "Serial")


# ---------------------------------------------------------------- connectivity, filtering, works

class RecordConnectivity(Command):
    school_code = _code()
    status = _enum(("connected", "disconnected"))
    link = _enum(LINKS)
    bandwidth_mbps = fields.Float(required=True, validate=validate.Range(min=0, max=100_000))


class RecordFiltering(Command):
    school_code = _code()
    active = fields.Boolean(required=True, truthy={True}, falsy={False})


class RecordInfrastructureWork(Command):
    work_id = fields.String(load_default=None, validate=CODE)
    school_code = _code()
    kind = _enum(("electrical", "cabling", "room_fitting", "other"))
    status = _enum(("planned", "in_progress", "done"))


# ---------------------------------------------------------------- queries

ASSET_STATUSES = ("in_stock", "assigned", "installed", "unused", "broken", "decommissioned")
WARRANTY_STATES = ("running", "ending", "ended")
ASSET_SORTS = ("serial", "kind", "school", "received", "warranty")


class AssetRegisterQuery(Part):
    """The register of equipment: filters, search, order and page. `school_codes` limits it to a scope."""
    school_code = fields.String(load_default=None, validate=CODE)
    school_codes = fields.List(fields.String(validate=CODE), load_default=None)
    commune = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    kind = fields.String(load_default=None, validate=validate.OneOf(ASSET_KINDS))
    bundle = fields.String(load_default=None, validate=validate.OneOf(BUNDLES))
    status = fields.String(load_default=None, validate=validate.OneOf(ASSET_STATUSES))
    delivery_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    supplier = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    warranty = fields.String(load_default=None, validate=validate.OneOf(WARRANTY_STATES))
    age_min = fields.Integer(load_default=None, validate=validate.Range(min=0, max=50))
    age_max = fields.Integer(load_default=None, validate=validate.Range(min=0, max=50))
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    sort = fields.String(load_default="serial", validate=validate.OneOf(ASSET_SORTS))
    desc = fields.Boolean(load_default=False)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=0, max=500))  # 0: all
