"""The published event catalogue (CONTRACT §2): one schema per event type.

Producers validate what they append against it; consumers validate what they
receive. A change of meaning needs a new schema_version and an upcaster here.
"""
from marshmallow import Schema, fields, validate

from .events import Registry

registry = Registry()


def _enum(*values, **kw):
    return fields.String(required=True, validate=validate.OneOf(values), **kw)


def _text(**kw):
    return fields.String(required=True, validate=validate.Length(min=1), **kw)


def _count(**kw):
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=0), **kw)


def _codes():
    return fields.List(_text(), required=True)


SCHOOL_YEAR = validate.Regexp(r"^\d{4}-\d{4}$", error="Must be a school year like 2025-2026.")
ASSET_KINDS = ("desktop", "laptop", "tablet", "projector", "interactive_whiteboard", "printer", "server",
               "router", "other")
BUNDLES = ("smm", "vmm", "none")


def _texts(*names):
    """A required, non-empty text field for each name: most of the catalogue's fields."""
    return {name: _text() for name in names}


def _counts(*names):
    return {name: _count() for name in names}


def _dates(*names):
    return {name: fields.Date(required=True) for name in names}


def _school_year():
    return fields.String(required=True, validate=SCHOOL_YEAR)


def _flag():
    """A boolean given as true or false, nothing that merely looks like one."""
    return fields.Boolean(required=True, truthy={True}, falsy={False})


def _amount():
    return fields.Float(required=True, validate=validate.Range(min=0))


def _parts(schema):
    return fields.List(fields.Nested(schema), required=True)


def _schema(class_name, data):
    """A schema of the fields `data`, in their order, named as the catalogue's (the API names its components
    after them)."""
    return type(class_name, (Schema,), {"__module__": __name__, **data})


def event(source, name, version=1, /, **data):
    """Declare the event type `name` of `source`: its data has the fields `data`, in their order, and its schema
    is named after it (`school_registered`: `SchoolRegistered`)."""
    schema = _schema("".join(word.title() for word in name.split("_")), data)
    registry.register(source, name, schema, version)
    return schema


# ---------------------------------------------------------------- inventory

event("inventory", "school_registered",
      **_texts("school_code", "name_ar", "name_fr"), cycle=_enum("primary", "middle", "secondary"),
      setting=_enum("urban", "rural"), **_texts("commune", "province_code", "region_code"))
event("inventory", "school_census_recorded",
      school_code=_text(), school_year=_school_year(), **_counts("pupils", "teachers"))
event("inventory", "equipment_received",
      asset_id=_text(), kind=_enum(*ASSET_KINDS), serial=_text(), model=fields.String(required=True),
      **_texts("supplier", "delivery_ref"), warranty_months=_count(), bundle=_enum(*BUNDLES))
event("inventory", "equipment_assigned", **_texts("asset_id", "school_code"))
event("inventory", "equipment_installed", **_texts("asset_id", "school_code"))

UsageObservation = _schema("UsageObservation", {
    "asset_id": _text(), "status": _enum("in_use", "unused", "broken", "missing")})
event("inventory", "usage_visit_recorded",
      **_texts("visit_id", "school_code"), observations=_parts(UsageObservation),
      notes=fields.String(required=True))

event("inventory", "transfer_proposed",
      transfer_id=_text(), asset_ids=fields.List(_text(), required=True, validate=validate.Length(min=1)),
      **_texts("from_school", "to_school", "reason", "report"))
event("inventory", "transfer_approved", **_texts("transfer_id", "approved_by"))
event("inventory", "transfer_rejected", **_texts("transfer_id", "reason"))
event("inventory", "transfer_completed", transfer_id=_text())

AuditFinding = _schema("AuditFinding", {"asset_id": _text(), "status": _enum("present", "missing", "damaged")})
event("inventory", "inventory_audit_completed",
      **_texts("audit_id", "school_code"), occasion=_enum("handover", "annual", "spot"),
      findings=_parts(AuditFinding), unexpected_serials=fields.List(_text(), required=True))

event("inventory", "equipment_decommissioned", **_texts("asset_id", "reason"))
event("inventory", "connectivity_recorded",
      school_code=_text(), status=_enum("connected", "disconnected"),
      link=_enum("adsl", "fiber", "3g", "4g", "satellite", "other"), bandwidth_mbps=_amount())
event("inventory", "filtering_recorded", school_code=_text(), active=_flag())
event("inventory", "infrastructure_work_recorded",
      **_texts("work_id", "school_code"), kind=_enum("electrical", "cabling", "room_fitting", "other"),
      status=_enum("planned", "in_progress", "done"))


# ---------------------------------------------------------------- maintenance

event("maintenance", "fault_declared",
      **_texts("fault_id", "asset_id", "school_code", "symptom"), under_warranty=_flag())
event("maintenance", "warranty_claim_filed", **_texts("fault_id", "supplier", "claim_ref"))
event("maintenance", "repair_completed",
      **_texts("fault_id", "action"), under_warranty=_flag(), cost_mad=_amount())
event("maintenance", "equipment_replaced",
      **_texts("fault_id", "old_asset_id", "new_asset_id", "new_serial"), new_kind=_enum(*ASSET_KINDS))
event("maintenance", "fault_closed",
      fault_id=_text(), resolution=_enum("repaired", "replaced", "not_reproducible", "cancelled"))


# ---------------------------------------------------------------- resources

event("resources", "resource_received",
      **_texts("resource_id", "title", "subject"), levels=fields.List(_text(), required=True),
      format=_enum("video", "interactive", "document", "software", "other"),
      origin=_enum("directorate", "local", "open"))
event("resources", "resource_distributed",
      resource_id=_text(), school_codes=fields.List(_text(), required=True, validate=validate.Length(min=1)),
      channel=_text())
event("resources", "awareness_workshop_held",
      workshop_id=_text(), school_codes=_codes(), participants=_count(), topic=_text())
event("resources", "production_project_started", **_texts("project_id", "title", "subject"), members=_codes())
event("resources", "resource_submitted", **_texts("resource_id", "project_id", "title"))

CommitteeDecision = _schema("CommitteeDecision", {
    "resource_id": _text(), "decision": _enum("approved", "rejected", "revision"),
    "remarks": fields.String(required=True)})
event("resources", "validation_committee_held",
      committee_id=_text(), members=_codes(), decisions=_parts(CommitteeDecision))

event("resources", "resource_usage_recorded",
      **_texts("school_code", "resource_id"), **_dates("period_start", "period_end"),
      **_counts("uses", "teachers"))
event("resources", "good_practice_recorded", **_texts("practice_id", "school_code", "teacher", "description"))
event("resources", "dysfunction_reported", **_texts("dysfunction_id", "school_code", "description"))
event("resources", "dysfunction_resolved", **_texts("dysfunction_id", "resolution"))
event("resources", "local_research_recorded", **_texts("research_id", "title", "findings", "recommendations"))


# ---------------------------------------------------------------- training

event("training", "training_planned",
      **_texts("training_id", "title"), modality=_enum("in_person", "remote", "certifying"),
      audience=_enum("teachers", "directors", "inspectors", "trainers", "other"),
      planned_participants=_count(), school_year=_school_year())
event("training", "session_scheduled",
      **_texts("session_id", "training_id"), **_dates("starts_on", "ends_on"), hours=_amount(),
      venue=_text())
event("training", "participant_invited",
      **_texts("session_id", "staff_id", "name"), role=_enum("teacher", "director", "inspector", "trainer", "other"),
      school_code=fields.String(required=True, allow_none=True))
event("training", "attendance_recorded",
      **_texts("session_id", "staff_id"), day=fields.Date(required=True),
      status=_enum("present", "absent", "excused"))
event("training", "session_completed", session_id=_text())
event("training", "session_cancelled", **_texts("session_id", "reason"))
event("training", "certification_awarded", **_texts("training_id", "staff_id", "certificate_no"))


def _one_decimal(value):
    if abs(value * 10 - round(value * 10)) > 1e-9:
        raise validate.ValidationError("At most one decimal, like 4.2.")


event("training", "training_evaluated",
      training_id=_text(), respondents=fields.Integer(required=True, strict=True, validate=validate.Range(min=1)),
      mean_score=fields.Float(required=True, allow_nan=False,
                              validate=[validate.Range(min=1.0, max=5.0), _one_decimal]),
      remarks=fields.String(required=True))
