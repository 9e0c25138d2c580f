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


def event(source, name, version=1):
    def decorate(schema):
        registry.register(source, name, schema, version)
        return schema

    return decorate


# ---------------------------------------------------------------- inventory

@event("inventory", "school_registered")
class SchoolRegistered(Schema):
    school_code = _text()
    name_ar = _text()
    name_fr = _text()
    cycle = _enum("primary", "middle", "secondary")
    setting = _enum("urban", "rural")
    commune = _text()
    province_code = _text()
    region_code = _text()


@event("inventory", "school_census_recorded")
class SchoolCensusRecorded(Schema):
    school_code = _text()
    school_year = fields.String(required=True, validate=SCHOOL_YEAR)
    pupils = _count()
    teachers = _count()


@event("inventory", "equipment_received")
class EquipmentReceived(Schema):
    asset_id = _text()
    kind = _enum(*ASSET_KINDS)
    serial = _text()
    model = fields.String(required=True)
    supplier = _text()
    delivery_ref = _text()
    warranty_months = _count()
    bundle = _enum(*BUNDLES)


@event("inventory", "equipment_assigned")
class EquipmentAssigned(Schema):
    asset_id = _text()
    school_code = _text()


@event("inventory", "equipment_installed")
class EquipmentInstalled(Schema):
    asset_id = _text()
    school_code = _text()


class UsageObservation(Schema):
    asset_id = _text()
    status = _enum("in_use", "unused", "broken", "missing")


@event("inventory", "usage_visit_recorded")
class UsageVisitRecorded(Schema):
    visit_id = _text()
    school_code = _text()
    observations = fields.List(fields.Nested(UsageObservation), required=True)
    notes = fields.String(required=True)


@event("inventory", "transfer_proposed")
class TransferProposed(Schema):
    transfer_id = _text()
    asset_ids = fields.List(_text(), required=True, validate=validate.Length(min=1))
    from_school = _text()
    to_school = _text()
    reason = _text()
    report = _text()


@event("inventory", "transfer_approved")
class TransferApproved(Schema):
    transfer_id = _text()
    approved_by = _text()


@event("inventory", "transfer_rejected")
class TransferRejected(Schema):
    transfer_id = _text()
    reason = _text()


@event("inventory", "transfer_completed")
class TransferCompleted(Schema):
    transfer_id = _text()


class AuditFinding(Schema):
    asset_id = _text()
    status = _enum("present", "missing", "damaged")


@event("inventory", "inventory_audit_completed")
class InventoryAuditCompleted(Schema):
    audit_id = _text()
    school_code = _text()
    occasion = _enum("handover", "annual", "spot")
    findings = fields.List(fields.Nested(AuditFinding), required=True)
    unexpected_serials = fields.List(_text(), required=True)


@event("inventory", "equipment_decommissioned")
class EquipmentDecommissioned(Schema):
    asset_id = _text()
    reason = _text()


@event("inventory", "connectivity_recorded")
class ConnectivityRecorded(Schema):
    school_code = _text()
    status = _enum("connected", "disconnected")
    link = _enum("adsl", "fiber", "3g", "4g", "satellite", "other")
    bandwidth_mbps = fields.Float(required=True, validate=validate.Range(min=0))


@event("inventory", "filtering_recorded")
class FilteringRecorded(Schema):
    school_code = _text()
    active = fields.Boolean(required=True, truthy={True}, falsy={False})


@event("inventory", "infrastructure_work_recorded")
class InfrastructureWorkRecorded(Schema):
    work_id = _text()
    school_code = _text()
    kind = _enum("electrical", "cabling", "room_fitting", "other")
    status = _enum("planned", "in_progress", "done")


# ---------------------------------------------------------------- maintenance

@event("maintenance", "fault_declared")
class FaultDeclared(Schema):
    fault_id = _text()
    asset_id = _text()
    school_code = _text()
    symptom = _text()
    under_warranty = fields.Boolean(required=True, truthy={True}, falsy={False})


@event("maintenance", "warranty_claim_filed")
class WarrantyClaimFiled(Schema):
    fault_id = _text()
    supplier = _text()
    claim_ref = _text()


@event("maintenance", "repair_completed")
class RepairCompleted(Schema):
    fault_id = _text()
    action = _text()
    under_warranty = fields.Boolean(required=True, truthy={True}, falsy={False})
    cost_mad = fields.Float(required=True, validate=validate.Range(min=0))


@event("maintenance", "equipment_replaced")
class EquipmentReplaced(Schema):
    fault_id = _text()
    old_asset_id = _text()
    new_asset_id = _text()
    new_serial = _text()
    new_kind = _enum(*ASSET_KINDS)


@event("maintenance", "fault_closed")
class FaultClosed(Schema):
    fault_id = _text()
    resolution = _enum("repaired", "replaced", "not_reproducible", "cancelled")


# ---------------------------------------------------------------- resources

@event("resources", "resource_received")
class ResourceReceived(Schema):
    resource_id = _text()
    title = _text()
    subject = _text()
    levels = fields.List(_text(), required=True)
    format = _enum("video", "interactive", "document", "software", "other")
    origin = _enum("directorate", "local", "open")


@event("resources", "resource_distributed")
class ResourceDistributed(Schema):
    resource_id = _text()
    school_codes = fields.List(_text(), required=True, validate=validate.Length(min=1))
    channel = _text()


@event("resources", "awareness_workshop_held")
class AwarenessWorkshopHeld(Schema):
    workshop_id = _text()
    school_codes = _codes()
    participants = _count()
    topic = _text()


@event("resources", "production_project_started")
class ProductionProjectStarted(Schema):
    project_id = _text()
    title = _text()
    subject = _text()
    members = _codes()


@event("resources", "resource_submitted")
class ResourceSubmitted(Schema):
    resource_id = _text()
    project_id = _text()
    title = _text()


class CommitteeDecision(Schema):
    resource_id = _text()
    decision = _enum("approved", "rejected", "revision")
    remarks = fields.String(required=True)


@event("resources", "validation_committee_held")
class ValidationCommitteeHeld(Schema):
    committee_id = _text()
    members = _codes()
    decisions = fields.List(fields.Nested(CommitteeDecision), required=True)


@event("resources", "resource_usage_recorded")
class ResourceUsageRecorded(Schema):
    school_code = _text()
    resource_id = _text()
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    uses = _count()
    teachers = _count()


@event("resources", "good_practice_recorded")
class GoodPracticeRecorded(Schema):
    practice_id = _text()
    school_code = _text()
    teacher = _text()
    description = _text()


@event("resources", "dysfunction_reported")
class DysfunctionReported(Schema):
    dysfunction_id = _text()
    school_code = _text()
    description = _text()


@event("resources", "dysfunction_resolved")
class DysfunctionResolved(Schema):
    dysfunction_id = _text()
    resolution = _text()


@event("resources", "local_research_recorded")
class LocalResearchRecorded(Schema):
    research_id = _text()
    title = _text()
    findings = _text()
    recommendations = _text()


# ---------------------------------------------------------------- training

@event("training", "training_planned")
class TrainingPlanned(Schema):
    training_id = _text()
    title = _text()
    modality = _enum("in_person", "remote", "certifying")
    audience = _enum("teachers", "directors", "inspectors", "trainers", "other")
    planned_participants = _count()
    school_year = fields.String(required=True, validate=SCHOOL_YEAR)


@event("training", "session_scheduled")
class SessionScheduled(Schema):
    session_id = _text()
    training_id = _text()
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0))
    venue = _text()


@event("training", "participant_invited")
class ParticipantInvited(Schema):
    session_id = _text()
    staff_id = _text()
    name = _text()
    role = _enum("teacher", "director", "inspector", "trainer", "other")
    school_code = fields.String(required=True, allow_none=True)


@event("training", "attendance_recorded")
class AttendanceRecorded(Schema):
    session_id = _text()
    staff_id = _text()
    day = fields.Date(required=True)
    status = _enum("present", "absent", "excused")


@event("training", "session_completed")
class SessionCompleted(Schema):
    session_id = _text()


@event("training", "session_cancelled")
class SessionCancelled(Schema):
    session_id = _text()
    reason = _text()


@event("training", "certification_awarded")
class CertificationAwarded(Schema):
    training_id = _text()
    staff_id = _text()
    certificate_no = _text()


def _one_decimal(value):
    if abs(value * 10 - round(value * 10)) > 1e-9:
        raise validate.ValidationError("At most one decimal, like 4.2.")


@event("training", "training_evaluated")
class TrainingEvaluated(Schema):
    training_id = _text()
    respondents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    mean_score = fields.Float(required=True, allow_nan=False,
                              validate=[validate.Range(min=1.0, max=5.0), _one_decimal])
    remarks = fields.String(required=True)
