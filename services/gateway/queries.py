"""Reads: what each role may read, and where (the scope filters), shared by the API and the pages.

Every read is `Queries.<endpoint>(user, params, **path)`; `params` were loaded by the endpoint's query
schema. The answers' shapes are the response schemas below, published in /api/openapi.json.
"""
from __future__ import annotations

from datetime import date, datetime

import re

from typing import Literal, NotRequired

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.inventory import schemas as inv
from services.inventory.schemas import NOT_APPLIED
from services.maintenance import schemas as mnt
from services.maintenance.schemas import CLOSING_RESOLUTIONS
from services.reporting import schemas as rep
from services.reporting.schemas import GROUPINGS, parse_day, parse_period
from services.resources import schemas as res
from services.training import schemas as trn
from shared.catalogue import ASSET_KINDS, BUNDLES
from shared.answers import Answer, Maybe, doc
from shared.calendar import local_date
from shared.catalogue import registry as _catalogue
from shared.config import SOURCES
from shared.errors import InvalidCommand

from . import renewal as renewal_rule
from .access import Refused, check_school_read, check_scope_read
from .http import HttpProblem

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")
SCOPE = validate.Regexp(r"^(all|(region|province|school):[A-Za-z0-9_-]{1,40})$",
                        error="all, region:<code>, province:<code> or school:<code>.")


def _school_year(pattern: str, text: str):
    """A period whose school year is two following years the programme can have lived: 0000-0001 matches
    the pattern but is no date any calendar holds."""
    shape = re.compile(pattern)

    def check(value: str) -> bool:
        if not isinstance(value, str) or not shape.match(value):
            raise ValidationError(text)
        first, second = int(value[:4]), int(value[5:9])
        if not 1900 <= first <= 9000 or second != first + 1:
            raise ValidationError(text + " The second year follows the first.")
        return True

    return check


def _reporting_rule(parse, field):
    """A query field checked by reporting's own parser, so both say the same."""
    def check(value):
        try:
            parse(value)
        except InvalidCommand as exc:
            raise ValidationError(exc.errors[field]) from None
    return check


PERIOD = _reporting_rule(parse_period, "period")
DAY = _reporting_rule(parse_day, "as_of")
SCHOOL_YEAR = _school_year(r"^\d{4}-\d{4}$", "A school year such as 2025-2026.")
TEXT = validate.Length(min=1, max=300)
FORMATS = ("csv", "xlsx")


def current_school_year(today: date | None = None) -> str:
    today = today or date.today()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def semester_start(today: date | None = None) -> date:
    today = today or date.today()
    if today.month >= 9:
        return date(today.year, 9, 1)
    return date(today.year, 2, 1) if today.month >= 2 else date(today.year - 1, 9, 1)


def dated(rows: list[dict], key: str, params: dict) -> list[dict]:
    """The rows whose instant `key` falls from `since` to `until` (days in Morocco, both included)."""
    since, until = params.get("since"), params.get("until")
    if since is None and until is None:
        return rows
    days = [(r, local_date(datetime.fromisoformat(r[key]))) for r in rows if r.get(key)]
    return [r for r, day in days if (since is None or since <= day) and (until is None or day <= until)]


EVENT_TYPES = tuple(sorted(_catalogue.names()))

# ---------------------------------------------------------------- query strings

class _Query(Schema):
    class Meta:
        unknown = RAISE


class SchoolFilter(_Query):
    school_code = fields.String(validate=CODE, load_default=None)


class SchoolsQuery(_Query):
    q = fields.String(load_default=None, validate=TEXT)
    commune = fields.String(load_default=None, validate=TEXT)
    cycle = fields.String(load_default=None, validate=validate.OneOf(inv.CYCLES))
    setting = fields.String(load_default=None, validate=validate.OneOf(inv.SETTINGS))
    connectivity = fields.String(load_default=None, validate=validate.OneOf(("connected", "disconnected",
                                                                             "unknown")))
    filtering = fields.String(load_default=None, validate=validate.OneOf(("active", "inactive", "unknown")))
    sort = fields.String(load_default="school_code", validate=validate.OneOf(
        ("school_code", "name", "commune", "cycle", "equipment")))
    visit = fields.String(load_default=None, validate=validate.OneOf(("none",)),
                          metadata={"description": "none: not visited since the semester began"})
    audit = fields.String(load_default=None, validate=validate.OneOf(("due",)),
                          metadata={"description": "due: no audit since this school year began"})


class AssetQuery(_Query):
    serial = fields.String(validate=validate.Length(min=1, max=100), load_default=None)
    asset_id = fields.String(validate=CODE, load_default=None)


class AssetRegisterQuery(inv.AssetRegisterQuery):
    class Meta:
        unknown = RAISE
        exclude = ("school_codes",)  # the user's scope sets it


class DatesFilter(_Query):
    since = fields.Date(load_default=None, metadata={"description": "From this day (YYYY-MM-DD)"})
    until = fields.Date(load_default=None, metadata={"description": "Up to this day included (YYYY-MM-DD)"})


class DeliveriesQuery(DatesFilter):
    supplier = fields.String(load_default=None, validate=TEXT)
    open = fields.Boolean(load_default=None, metadata={"description": "true: not yet fully assigned; false: "
                                                                      "every item assigned"})


class TransfersQuery(SchoolFilter, DatesFilter):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("open", "proposed", "approved", "rejected", "completed")))
    from_school = fields.String(validate=CODE, load_default=None)
    to_school = fields.String(validate=CODE, load_default=None)


class AuditsQuery(SchoolFilter, DatesFilter):
    commune = fields.String(load_default=None, validate=TEXT)
    discrepancies = fields.Boolean(load_default=None, metadata={
        "description": "true: audits that found items missing or damaged, or unexpected serials"})


class ItemFilter(_Query):
    """The kind of an item and its supplier, as the lists of faults and of warranties pick them."""
    kind = fields.String(load_default=None, validate=validate.OneOf(ASSET_KINDS))
    supplier = fields.String(load_default=None, validate=TEXT)


class FaultsQuery(ItemFilter, SchoolFilter):
    warranty = fields.String(load_default=None, validate=validate.OneOf(("under", "out")))
    older_than = fields.Integer(load_default=None, validate=validate.Range(min=0, max=3650))
    claim = fields.String(load_default=None, validate=validate.OneOf(("awaiting", "none")))


class DaysQuery(SchoolFilter):
    days = fields.Integer(load_default=None, validate=validate.Range(min=0, max=3650))


class WarrantiesQuery(ItemFilter, DaysQuery):
    """The items whose warranty ends within the days asked, of one school, kind of item or supplier if asked."""


class ReplacementsQuery(SchoolFilter):
    fault_id = fields.String(validate=CODE, load_default=None)


class IndicatorsQuery(_Query):
    scope = fields.String(required=True, validate=SCOPE)
    period = fields.String(required=True, validate=PERIOD)
    as_of = fields.String(load_default=None, validate=DAY,
                          metadata={"description": "YYYY-MM-DD: as things stood at the end of that day"})


class BreakdownQuery(IndicatorsQuery):
    by = fields.String(load_default="school", validate=validate.OneOf(GROUPINGS))


class CompareQuery(IndicatorsQuery):
    with_ = fields.String(required=True, validate=PERIOD, data_key="with",
                          metadata={"description": "The period to compare with"})


class ReportQuery(IndicatorsQuery):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(FORMATS))


class TrainingsQuery(_Query):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR)


class ResourcesQuery(_Query):
    status = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class SchoolYearQuery(_Query):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR,
                                metadata={"description": "2025-2026; the current school year if left out"})


class ActivityQuery(_Query):
    user = fields.String(load_default=None, validate=validate.Length(min=1, max=80),
                         metadata={"description": "Who did it (a user name)"})
    school_code = fields.String(load_default=None, validate=CODE)
    province = fields.String(load_default=None, validate=CODE,
                             metadata={"description": "Above the provinces: one province's actions only"})
    axis = fields.String(load_default=None, validate=validate.OneOf(SOURCES))
    kind = fields.String(load_default=None, validate=validate.OneOf(EVENT_TYPES),
                         metadata={"description": "The kind of action: an event type of the catalogue"})
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))

    @validates_schema
    def _dates_in_order(self, data, **_):
        # Said beside the end date, as reporting would refuse it (the whole page refused otherwise).
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError("Must not be before the start date.", "until")


# ---------------------------------------------------------------- answers

# A fact's own fields: those of its event type in the catalogue (CONTRACT §2); /api/openapi.json names each.
EVENT_DATA = doc("The event's fields (CONTRACT §2), those of its `event_type`", **{"x-event-data": True})


class Actor(Answer):
    user: str
    role: str


class Me(Actor):
    scope: str


class Census(Answer):
    school_year: str
    pupils: int
    teachers: int
    recorded_at: str


class Work(Answer):
    work_id: str
    school_code: str
    kind: Literal["electrical", "cabling", "room_fitting", "other"]
    status: Literal["planned", "in_progress", "done"]
    updated_at: str


class School(Answer):
    school_code: str
    name_ar: str
    name_fr: str
    cycle: Literal[*inv.CYCLES]
    setting: Literal[*inv.SETTINGS]
    commune: str
    region_code: str
    province_code: str
    registered_at: str
    updated_at: str
    connectivity: Maybe[str]
    link: Maybe[str]
    bandwidth_mbps: Maybe[float]
    connectivity_at: Maybe[str]
    filtering_active: Maybe[bool]
    filtering_at: Maybe[str]
    equipment_in_service: NotRequired[int]
    censuses: NotRequired[list[Census]]
    infrastructure_works: NotRequired[list[Work]]


class Asset(Answer):
    asset_id: str
    serial: str
    kind: Literal[*ASSET_KINDS]
    model: NotRequired[str]
    bundle: NotRequired[Literal[*BUNDLES]]
    supplier: NotRequired[str]
    delivery_ref: NotRequired[str]
    received_at: NotRequired[str]
    warranty_months: NotRequired[int]
    school_code: Maybe[str]
    installed: NotRequired[bool]
    in_service: NotRequired[bool]
    decommission_reason: Maybe[str]
    transfer_id: Maybe[str]


class RegisterRow(Asset):
    status: Literal[*inv.ASSET_STATUSES]
    received_on: str
    warranty_ends_on: str
    warranty: Literal[*inv.WARRANTY_STATES]
    age_years: int
    commune: Maybe[str]
    school_name_ar: Maybe[str]
    school_name_fr: Maybe[str]
    last_observation: Maybe[str]


class Paged(Answer):
    """One page of a longer list: `total` in all."""
    total: int
    page: int
    per_page: int


class AssetRegister(Paged):
    items: list[RegisterRow]


class FaultStep(Answer):
    event_type: Literal["fault_declared", "warranty_claim_filed", "repair_completed", "equipment_replaced",
                        "fault_closed"]
    occurred_at: str
    actor: Actor = doc("Who recorded it")


class Fault(Answer):
    fault_id: str
    asset_id: str
    school_code: str
    symptom: str
    under_warranty: bool
    status: Literal["open", "closed"]
    declared_at: str
    supplier: Maybe[str]
    claim_ref: Maybe[str]
    claimed_at: Maybe[str]
    repair_action: Maybe[str]
    repair_cost_mad: Maybe[float]
    repaired_at: Maybe[str]
    new_asset_id: Maybe[str]
    new_serial: Maybe[str]
    replaced_at: Maybe[str]
    resolution: Maybe[Literal[*CLOSING_RESOLUTIONS, "cancelled"]]
    closed_at: Maybe[str]
    days_to_close: NotRequired[float]
    days_open: NotRequired[float]
    serial: Maybe[str]
    kind: Maybe[str]
    model: Maybe[str]
    steps: NotRequired[list[FaultStep]] = doc(
        "Each step of the fault's life, when and by whom (a fault and an asset's faults)")


class TimelineEntry(Answer):
    position: NotRequired[int]
    event_type: Literal[*EVENT_TYPES]
    occurred_at: str
    recorded_at: NotRequired[str]
    actor: NotRequired[Actor]
    causation_id: Maybe[str]
    data: NotRequired[dict] = EVENT_DATA


class AssetPage(Answer):
    asset: Asset
    timeline: list[TimelineEntry]
    faults: list[Fault]


class VisitObservation(Answer):
    asset_id: str
    status: Literal["in_use", "unused", "broken", "missing"]


class Visit(Answer):
    visit_id: str
    school_code: str
    occurred_at: str
    observations: list[VisitObservation]
    notes: NotRequired[str]


class SchoolPage(Answer):
    school: School
    equipment: list[Asset]
    faults: list[Fault]
    resources: list[res.SchoolResource]
    visits: list[Visit]
    indicators: rep.Indicators = doc("The school's indicators for the current school year")


class Transfer(Answer):
    transfer_id: str
    status: Literal["proposed", "approved", "rejected", "completed"]
    asset_ids: list[str]
    from_school: str
    to_school: str
    reason: str
    report: str
    proposed_at: str
    proposed_by: str
    approved_by: Maybe[str]
    decided_at: Maybe[str]
    rejection_reason: Maybe[str]
    completed_at: Maybe[str]


class UnexpectedSerial(Answer):
    serial: str
    known_as: Maybe[str]
    kind: Maybe[str] = doc("The kind of the asset it is on record as")
    on_record_at: Maybe[str]


class AuditLine(Answer):
    asset_id: str
    status: Literal["present", "missing", "damaged"]


class KindConformity(Answer):
    expected: int
    present: int
    missing: int
    damaged: int


class Audit(Answer):
    audit_id: str
    school_code: str
    occasion: Literal["handover", "annual", "spot"]
    occurred_at: str
    audited_by: str
    findings: list[AuditLine]
    unexpected_serials: list[UnexpectedSerial]
    expected: NotRequired[int]
    present: NotRequired[int]
    missing: NotRequired[int]
    damaged: NotRequired[int]
    unexpected: NotRequired[int]
    conformity_rate: Maybe[float]
    by_kind: NotRequired[dict[str, KindConformity]] = doc("The same counts for each kind of equipment")
    missing_assets: NotRequired[list[str]]
    damaged_assets: NotRequired[list[str]]


class Delivery(Answer):
    delivery_ref: str
    supplier: str
    received_at: str
    items: int
    assigned: int
    installed: int
    kinds: NotRequired[dict[str, int]]


class WarrantyEnding(Answer):
    asset_id: str
    school_code: Maybe[str]
    kind: str
    serial: str
    supplier: NotRequired[str]
    received_on: NotRequired[str]
    warranty_months: NotRequired[int]
    warranty_ends_on: str
    last_covered_day: NotRequired[str]
    days_left: int
    open_fault_id: Maybe[str]


class WaitingReplacement(Answer):
    fault_id: str
    school_code: Maybe[str] = doc("Where the fault was declared")
    old_asset_id: str
    old_serial: Maybe[str] = doc("None if inventory never received it")
    new_asset_id: str
    new_serial: Maybe[str]
    reason: Literal[*NOT_APPLIED] = doc("Why inventory could not apply it")
    since: str = doc("When inventory found it could not")
    replaced_at: Maybe[str] = doc("When maintenance recorded it")


Indicators = rep.Indicators  # reporting's answer, its indicators named from the registry


class Report(Answer):
    report_id: NotRequired[str]
    scope: NotRequired[str]
    period: NotRequired[str]
    issued_at: NotRequired[str]


class ActivityActor(Actor):
    """Who did it, as the activity log names them."""


class ActivitySchool(Answer):
    school_code: str
    name_ar: Maybe[str]
    name_fr: Maybe[str]


class ActivityTransfer(Answer):
    from_school: Maybe[str]
    to_school: Maybe[str]
    items: int


class ActivityEntry(Answer):
    source: str = doc("The axis: the service that recorded it")
    position: int
    occurred_at: str
    event_type: str
    actor: ActivityActor
    subject: Maybe[str] = doc("What it is about (a transfer, a fault...)")
    schools: list[ActivitySchool]
    transfer: Maybe[ActivityTransfer]
    data: dict = EVENT_DATA
    text: str = doc("What was done, in words (the `lang` asked)")


class RenewalRow(RegisterRow):
    faults_12m: int = doc("Faults declared in the last 12 months")
    days_down: float = doc("Days out of service in those faults")
    score: float


class RenewalSchool(Answer):
    school_code: str
    items: int = doc("Its equipment in service")
    total: float = doc("The sum of their scores")
    faults_12m: int
    ended: int = doc("Items whose warranty has ended")
    score: float = doc("The mean score of its equipment")


class RenewalRule(Answer):
    age: float = doc("Points per year of age")
    fault: float = doc("Points per fault in the last 12 months")
    down: float = doc("Points per 30 days out of service")
    ended: float = doc("Points for a warranty ended")


class RenewalPlan(Answer):
    rule: RenewalRule
    assets: list[RenewalRow] = doc("Highest score first")
    schools: list[RenewalSchool] = doc("By the mean score of their equipment, highest first")


class ActivityLog(Paged):
    people: list[str]
    entries: list[ActivityEntry]


Many = "many"
# (path, endpoint, query schema, answer schema or (schema, Many), summary)
QUERIES = [
    ("/api/me", "me", None, Me, "Who the token belongs to"),
    ("/api/schools", "schools", SchoolsQuery, (School, Many), "Registered schools, filtered and ordered"),
    ("/api/schools/<school_code>", "school", None, SchoolPage, "A school: equipment, faults, resources, visits"),
    ("/api/assets", "asset", AssetQuery, AssetPage, "An asset by serial or id, with its timeline and faults"),
    ("/api/equipment", "equipment", AssetRegisterQuery, AssetRegister,
     "The register of equipment: filters, search, order, page"),
    ("/api/deliveries", "deliveries", DeliveriesQuery, (Delivery, Many), "Deliveries received, newest first"),
    ("/api/faults", "faults", FaultsQuery, (Fault, Many), "Open faults, filtered"),
    ("/api/faults/overdue", "overdue_faults", DaysQuery, (Fault, Many), "Faults open for more than 15 days"),
    ("/api/faults/<fault_id>", "fault", None, Fault, "A fault"),
    ("/api/warranties/ending", "warranty_expiring", WarrantiesQuery, (WarrantyEnding, Many),
     "Assets whose warranty ends within 60 days, of a school, a kind of item or a supplier if asked"),
    ("/api/replacements/waiting", "replacements_waiting", ReplacementsQuery, (WaitingReplacement, Many),
     "Replacements inventory could not apply, waiting for the coordinator to settle them, oldest first"),
    ("/api/transfers", "transfers", TransfersQuery, (Transfer, Many), "Transfers (open ones unless asked)"),
    ("/api/transfers/<transfer_id>", "transfer", None, Transfer, "A transfer"),
    ("/api/audits", "audits", AuditsQuery, (Audit, Many), "Inventory audit reports"),
    ("/api/audits/<audit_id>", "audit", None, Audit, "An inventory audit's report"),
    ("/api/faults/repair-time", "repair_time", SchoolFilter, mnt.RepairTimes,
     "Mean days to repair (faults closed as repaired or replaced), over all, by supplier and by kind of "
     "equipment. Roles: coordinator, infrastructure, technician, viewer, school director (own school)"),
    ("/api/renewal", "renewal", None, RenewalPlan,
     "The renewal plan: assets and schools ranked by age, faults of the last 12 months, time out of service "
     "and warranty, with the rule. Roles: coordinator, infrastructure, viewer"),
    ("/api/resources", "resources", ResourcesQuery, (res.Resource, Many), "The resource catalogue"),
    ("/api/dysfunctions", "dysfunctions", SchoolFilter, (res.Dysfunction, Many), "Open dysfunctions"),
    ("/api/committees", "committees", None, (res.Committee, Many),
     "Validation committees held, oldest first. Roles: coordinator, resources, viewer"),
    ("/api/committees/<committee_id>", "committee", None, res.CommitteeMinutes,
     "A validation committee's minutes: members, and each decision with its remarks. "
     "Roles: coordinator, resources, viewer"),
    ("/api/practices", "good_practices", SchoolFilter, (res.GoodPractice, Many),
     "Good practices recorded (a school director: their school's)"),
    ("/api/workshops", "workshops", SchoolFilter, (res.Workshop, Many),
     "Awareness workshops held (a school director: those of their school)"),
    ("/api/research", "research", None, (res.Research, Many),
     "Local research recorded. Roles: coordinator, resources, viewer"),
    ("/api/trainings", "trainings", TrainingsQuery, (trn.Training, Many), "Trainings (of a school year, if given)"),
    ("/api/trainings/summary", "annual_summary", SchoolYearQuery, trn.AnnualSummary,
     "The annual summary of the training axis for a school year. Roles: coordinator, training, viewer"),
    ("/api/trainings/<training_id>", "training", None, trn.TrainingDetail, "A training"),
    ("/api/trainings/<training_id>/certification", "certification", None, trn.CertificationStatus,
     "Each participant's attendance over their completed session days and whether it allows a certificate "
     "(a school director: their school's staff). Roles: coordinator, training, viewer, school director"),
    ("/api/sessions/<session_id>", "session", None, trn.SessionDetail, "A training session"),
    ("/api/calendar", "school_calendar", SchoolYearQuery, trn.SchoolCalendar,
     "The school calendar of a school year (exam periods, holidays, its start) as last loaded"),
    ("/api/indicators", "indicators", IndicatorsQuery, Indicators,
     "The contract's indicators for a scope and period"),
    ("/api/indicators/compare", "compare", CompareQuery, rep.Comparison,
     "The indicators of two periods and their difference"),
    ("/api/indicators/definitions", "definitions", None, (rep.Definition, Many),
     "What each indicator is: axis, kind, level, unit, labels and definitions in Arabic and French"),
    ("/api/breakdown", "breakdown", BreakdownQuery, rep.Breakdown,
     "Every indicator by school, commune, cycle, setting or province, numerators and denominators included"),
    ("/api/reports", "reports", None, (Report, Many), "Reports issued"),
    ("/api/activity", "activity", ActivityQuery, ActivityLog,
     "Who did what and when, newest first: the coordinator's province, a viewer's scope; "
     "`lang` (ar or fr, French by default) is the language of each entry's `text`"),
]


class Queries:
    """The reads, over `rpc(service, method, *args)` (which turns refusals into HTTP problems)."""

    def __init__(self, rpc, call=None, one_request=False):
        self.rpc, self.call = rpc, call or rpc
        # Reads for one request (a page) ask inventory for the schools once, however many parts need them.
        self._schools = None if one_request else False

    def all_schools(self) -> list[dict]:
        """Every school of the province (inventory's `schools`), or of an academy's or the country's provinces
        (reporting's), each a fresh copy."""
        from shared.config import READING_TIERS, tier

        keeper = "reporting" if tier() in READING_TIERS else "inventory"
        if self._schools is False:
            return self.rpc(keeper, "schools")
        if self._schools is None:
            self._schools = self.rpc(keeper, "schools")
        return [dict(s) for s in self._schools]

    # ---- scope

    def school_codes(self, user) -> list[str] | None:
        """The schools a user's lists are limited to; None for the whole province."""
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            return [code]
        if kind == "region":
            return [s["school_code"] for s in self.all_schools() if s.get("region_code") == code]
        return None

    def own_school(self, user, school_code):
        """A school director's lists are their school's."""
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            if school_code not in (None, code):
                raise Refused("outside_scope", f"You read only school {code}.")
            return code
        if kind == "region" and school_code:
            self.school_readable(user, school_code)
        return school_code

    def within(self, user, rows, keys=("school_code",)):
        """A regional viewer's lists hold only the schools of their region."""
        kind, _, code = user["scope"].partition(":")
        if kind != "region" or not isinstance(rows, list):
            return rows
        allowed = set(self.school_codes(user))
        return [r for r in rows if isinstance(r, dict) and any(r.get(k) in allowed for k in keys)]

    def school_readable(self, user, code):
        if not user["scope"].startswith("region:"):
            check_school_read(user, None, code)
            return None
        # A regional viewer learns nothing of other regions: their schools are as unknown as a made-up code.
        hidden = HttpProblem(404, "Not found", f"No school {code} in region {user['scope'][7:]}.",
                             code="unknown_school")
        try:
            school = self.rpc("inventory", "school", code)
            check_school_read(user, school, code)
        except (HttpProblem, Refused):
            raise hidden from None
        return school

    def one(self, user, value, what):
        if value is None:
            raise HttpProblem(404, "Not found", f"No such {what}.", code=f"unknown_{what}")
        school = value.get("school_code") if isinstance(value, dict) else None
        if user["scope"].partition(":")[0] in ("school", "region"):
            if school is None:
                raise Refused("outside_scope", f"This {what} is not in your scope.")
            self.school_readable(user, school)
        return value

    def readable_scope(self, user, scope):
        from shared.errors import CommandRejected

        def region_of(code):
            try:
                return self.call("inventory", "school", code).get("region_code")
            except CommandRejected:
                return None

        def province_region(code):
            return next((s.get("region_code") for s in self.all_schools()
                         if s.get("province_code") == code), None)

        check_scope_read(user, scope, region_of, province_region)

    # ---- identity

    def me(self, user, params):
        return user

    # ---- schools

    def schools(self, user, params=None):
        params = params or {}
        rows = self.all_schools()
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            rows = [r for r in rows if r.get("school_code") == code]
        elif kind == "region":
            rows = [r for r in rows if r.get("region_code") == code]
        if params.get("q"):
            needle = params["q"].strip().casefold()
            rows = [r for r in rows if any(needle in str(r.get(k) or "").casefold()
                                           for k in ("school_code", "name_ar", "name_fr"))]
        for key in ("commune", "cycle", "setting"):
            if params.get(key):
                rows = [r for r in rows if r.get(key) == params[key]]
        if params.get("connectivity"):
            rows = [r for r in rows if (r.get("connectivity") or "unknown") == params["connectivity"]]
        if params.get("filtering"):
            state = {True: "active", False: "inactive", None: "unknown"}
            rows = [r for r in rows if state[r.get("filtering_active")] == params["filtering"]]
        if params.get("visit") == "none":
            since = semester_start().isoformat()
            visited = self.rpc("inventory", "last_visits")
            rows = [r for r in rows if (visited.get(r["school_code"]) or "")[:10] < since]
        if params.get("audit") == "due":
            year_start = f"{current_school_year()[:4]}-09-01"
            audited = {a["school_code"] for a in self.audits(user) if a["occurred_at"][:10] >= year_start}
            rows = [r for r in rows if r["school_code"] not in audited]
        sort = params.get("sort") or "school_code"
        order = {"name": lambda r: r.get("name_fr") or "", "equipment": lambda r: -(r.get("equipment_in_service")
                                                                                   or 0)}
        rows.sort(key=order.get(sort, lambda r: str(r.get(sort) or "")))
        return rows

    def school(self, user, params, school_code):
        # A director is refused before asking, a regional viewer told "not found": no hint of other schools.
        school = self.school_readable(user, school_code) or self.rpc("inventory", "school", school_code)
        period = current_school_year()
        return {"school": school,
                "equipment": self.rpc("inventory", "school_equipment", school_code),
                "faults": self.rpc("maintenance", "open_faults", school_code),
                "resources": self.rpc("resources", "school_resources", school_code),
                "visits": self.rpc("inventory", "usage_visits", school_code),
                "indicators": self.rpc("reporting", "indicators", f"school:{school_code}", period)}

    # ---- equipment

    def asset(self, user, params):
        if not params.get("serial") and not params.get("asset_id"):
            raise HttpProblem(400, "Invalid request", "Give a serial or an asset id.",
                              errors={"serial": ["Missing data for required field."]})
        found = self.rpc("inventory", "asset", params.get("asset_id"), params.get("serial"))
        described = found.get("asset") or {}
        school = described.get("school_code")
        if user["scope"].partition(":")[0] in ("school", "region"):
            if school is None:
                raise Refused("outside_scope", "This asset is at no school of your scope.")
            self.school_readable(user, school)
        found["faults"] = self.rpc("maintenance", "fault_history", described.get("asset_id"))
        return found

    def equipment(self, user, params):
        query = {k: v for k, v in params.items() if v is not None and k != "school_codes"}
        codes = self.school_codes(user)
        if codes is not None:
            if query.get("school_code") and query["school_code"] not in codes:
                raise Refused("outside_scope", "This school is not in your scope.")
            query["school_codes"] = codes
        return self.rpc("inventory", "assets", query)

    def deliveries(self, user, params=None):
        if self.school_codes(user) is not None:
            return []  # deliveries are the province's, before any school
        params = params or {}
        rows = self.rpc("inventory", "deliveries")
        if params.get("supplier"):
            rows = [d for d in rows if d["supplier"] == params["supplier"]]
        if params.get("open") is not None:
            rows = [d for d in rows if (d["assigned"] < d["items"]) == params["open"]]
        return dated(rows, "received_at", params)

    def transfers(self, user, params=None):
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        status = params.get("status") or "open"
        rows = (self.rpc("inventory", "open_transfers", school) if status == "open"
                else [t for t in self.rpc("inventory", "transfers", school) if t["status"] == status])
        for side in ("from_school", "to_school"):
            if params.get(side):
                rows = [t for t in rows if t[side] == params[side]]
        return dated(self.within(user, rows, ("from_school", "to_school")), "proposed_at", params)

    def transfer(self, user, params, transfer_id):
        found = self.rpc("inventory", "transfer", transfer_id)
        kind, _, code = user["scope"].partition(":")
        if kind == "school" and code not in (found.get("from_school"), found.get("to_school")):
            raise Refused("outside_scope", f"You read only school {code}.")
        if kind == "region" and not self.within(user, [found], ("from_school", "to_school")):
            raise Refused("outside_scope", f"You read only the schools of region {code}.")
        return found

    def audits(self, user, params=None):
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        rows = self.within(user, self.rpc("inventory", "audit_reports", school))
        if params.get("commune"):
            codes = {s["school_code"] for s in self.all_schools() if s["commune"] == params["commune"]}
            rows = [a for a in rows if a["school_code"] in codes]
        if params.get("discrepancies") is not None:
            rows = [a for a in rows if bool(len(a["unexpected_serials"]) or any(
                f["status"] in ("missing", "damaged") for f in a["findings"])) == params["discrepancies"]]
        return dated(rows, "occurred_at", params)

    def audit(self, user, params, audit_id):
        return self.one(user, self.rpc("inventory", "audit_report", audit_id), "audit")

    # ---- maintenance

    def faults(self, user, params=None, described=True):
        """Open faults; `described=False` leaves out each asset's serial, kind and model (a count needs none)."""
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        rows = self.within(user, self.rpc("maintenance", "open_faults", school))
        if params.get("older_than") is not None:
            overdue = {f["fault_id"]: f for f in self.rpc("maintenance", "overdue_faults", school,
                                                          params["older_than"])}
            rows = [dict(r, days_open=overdue[r["fault_id"]]["days_open"]) for r in rows if r["fault_id"] in overdue]
        if params.get("warranty"):
            rows = [r for r in rows if r["under_warranty"] == (params["warranty"] == "under")]
        if params.get("supplier"):
            rows = [r for r in rows if r.get("supplier") == params["supplier"]]
        if params.get("claim") == "awaiting":
            rows = [r for r in rows if r.get("claim_ref") and not r.get("repaired_at") and not r.get("replaced_at")]
        if not described:
            return rows
        rows = self.with_assets(user, rows)
        if params.get("kind"):
            rows = [r for r in rows if r["kind"] == params["kind"]]
        return rows

    def assets_of(self, user, rows):
        """The register's line of each asset of `rows` (each with its `asset_id` and `school_code`), by asset id."""
        if not rows:
            return {}
        # The equipment of the rows' schools (read from the whole scope only for an item moved since).
        schools = sorted({r.get("school_code") for r in rows if r.get("school_code")})
        codes = self.school_codes(user)
        if codes is not None:
            schools = [s for s in schools if s in codes]
        found = {a["asset_id"]: a for a in self.rpc("inventory", "assets", {"per_page": 0,
                                                                            "school_codes": schools})["items"]}
        if any(r.get("asset_id") not in found for r in rows):
            everything = self.rpc("inventory", "assets", {"per_page": 0, **({"school_codes": codes}
                                                                            if codes is not None else {})})
            found = {a["asset_id"]: a for a in everything["items"]}
        return found

    def with_assets(self, user, rows):
        """Faults with their asset's serial, kind and model, for people who know assets by serial."""
        assets = self.assets_of(user, rows)
        return [dict(r, **{k: assets.get(r["asset_id"], {}).get(k) for k in ("serial", "kind", "model")})
                for r in rows]

    def overdue_faults(self, user, params=None):
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        days = 15 if params.get("days") is None else params["days"]
        return self.within(user, self.rpc("maintenance", "overdue_faults", school, days))

    def warranty_expiring(self, user, params=None):
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        days = 60 if params.get("days") is None else params["days"]
        rows = self.within(user, self.rpc("maintenance", "warranty_expiring", school, days))
        return [r for r in rows if all(r.get(k) == params[k] for k in ("kind", "supplier") if params.get(k))]

    def fault(self, user, params, fault_id):
        return self.one(user, self.rpc("maintenance", "fault", fault_id), "fault")

    def replacements_waiting(self, user, params=None):
        """Replacements inventory could not apply that nobody has settled yet, with what maintenance recorded."""
        params = params or {}
        school = self.own_school(user, params.get("school_code"))
        rows = []
        for r in self.rpc("inventory", "replacements_to_resolve", params.get("fault_id")):
            if r.get("resolved_at") is not None:
                continue
            fault = self.rpc("maintenance", "fault", r["fault_id"]) or {}
            rows.append({"fault_id": r["fault_id"], "school_code": fault.get("school_code"),
                         "old_asset_id": r["old_asset_id"], "old_serial": r.get("old_serial"),
                         "new_asset_id": r["new_asset_id"], "new_serial": fault.get("new_serial"),
                         "reason": r["outcome"], "since": r["handled_at"], "replaced_at": fault.get("replaced_at")})
        if school:
            rows = [r for r in rows if r["school_code"] == school]
        return self.within(user, rows)

    # ---- the other axes

    def resources(self, user, params):
        return self.rpc("resources", "catalogue", params["status"])

    def dysfunctions(self, user, params):
        school = self.own_school(user, params.get("school_code"))
        return self.within(user, self.rpc("resources", "open_dysfunctions", school))

    def trainings(self, user, params):
        return self.rpc("training", "trainings", params["school_year"])

    def training(self, user, params, training_id):
        training = self._found(self.rpc("training", "training", training_id), "training")
        if user["scope"].partition(":")[0] in ("school", "region") and training.get("certificates"):
            # A certificate names its holder: a reader of some schools sees their people's only.
            shown = {p["staff_id"] for s in training.get("sessions") or []
                     for p in self.session(user, {}, s["session_id"]).get("participants") or []}
            training["certificates"] = [c for c in training["certificates"] if c["staff_id"] in shown]
        return training

    def session(self, user, params, session_id):
        session = self.rpc("training", "session", session_id)
        if isinstance(session, dict) and isinstance(session.get("participants"), list):
            # A director sees their school's staff, a regional viewer their region's: not other schools' people.
            session["participants"] = self.readable_rows(user, session["participants"])
        return self._found(session, "session")

    def readable_rows(self, user, rows):
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            return [r for r in rows if isinstance(r, dict) and r.get("school_code") == code]
        return self.within(user, rows)

    @staticmethod
    def _found(value, what):
        if value is None:
            raise HttpProblem(404, "Not found", f"No such {what}.", code=f"unknown_{what}")
        return value

    # ---- who did what

    def activity(self, user, params, lang=None):
        from .activity import say

        lang = lang if lang in ("ar", "fr") else "fr"
        if user["role"] not in ("coordinator", "viewer"):
            raise Refused("role_not_allowed", "The activity log is the coordinator's and the viewers'.")
        kind, _, code = user["scope"].partition(":")
        scope = user["scope"] if kind in ("region", "all", "school") else f"province:{code}"
        province = params.get("province")
        if province and scope != f"province:{province}":  # one of the provinces the reader sees
            if kind not in ("region", "all"):
                raise Refused("outside_scope", f"You read only {user['scope']}.")
            self.readable_scope(user, f"province:{province}")
            scope = f"province:{province}"
        if params.get("school_code") and kind == "region":
            self.school_readable(user, params["school_code"])
        filters = {"user": params.get("user"), "school": params.get("school_code"), "axis": params.get("axis"),
                   "kind": params.get("kind"),
                   "since": params["since"].isoformat() if params.get("since") else None,
                   "until": params["until"].isoformat() if params.get("until") else None}
        page, per_page = params.get("page", 1), params.get("per_page", 50)
        answer = self.rpc("reporting", "activity", scope, {k: v for k, v in filters.items() if v},
                          per_page, (page - 1) * per_page)
        answer.pop("offset", None)
        for entry in answer["entries"]:
            entry["text"] = say(lang, entry)
        return {**answer, "page": page, "per_page": per_page}

    # ---- indicators and reports

    def indicators(self, user, params):
        self.readable_scope(user, params["scope"])
        cut = (params["as_of"],) if params.get("as_of") else ()
        return self.rpc("reporting", "indicators", params["scope"], params["period"], *cut)

    def breakdown(self, user, params):
        self.readable_scope(user, params["scope"])
        return self.rpc("reporting", "breakdown", params["scope"], params["period"], params["by"],
                        params.get("as_of"))

    def compare(self, user, params):
        self.readable_scope(user, params["scope"])
        return self.rpc("reporting", "compare", params["scope"], params["period"], params["with_"],
                        params.get("as_of"))

    def definitions(self, user, params):
        return self.rpc("reporting", "definitions")

    def reports(self, user, params=None):
        rows = self.rpc("reporting", "reports")
        return [r for r in rows if _report_readable(user, r["scope"])]

    def report_copy(self, user, report_id):
        """An issued report's file as it was issued (reporting makes it again from the logs), to those who read
        the reports of its scope."""
        if user["role"] not in ("coordinator", "viewer"):
            raise Refused("role_not_allowed", "Reports are the coordinator's and the viewers'.")
        try:
            answer = self.rpc("reporting", "report_copy", report_id)
        except HttpProblem as exc:
            if exc.status == 400:  # reporting knows no report of this id
                raise HttpProblem(404, "Not found", "No such report.", code="not_found") from None
            raise
        if not _report_readable(user, answer["scope"]):
            raise Refused("outside_scope", "This report is of another scope than yours.")
        return answer

    # ---- the province's own records: who reads them besides the coordinator

    def province_read(self, user, roles: tuple[str, ...], what: str) -> None:
        """Records of the province not tied to one school: the coordinator, the roles named, and a viewer of
        a region only when the province has schools in it."""
        if user["role"] != "coordinator" and user["role"] not in roles:
            raise Refused("role_not_allowed", f"The role {user['role']} does not read {what}.")
        kind, _, code = user["scope"].partition(":")
        if kind == "school" or (kind == "region" and not self.school_codes(user)):
            raise Refused("outside_scope", f"{what[0].upper()}{what[1:]} are the province's, not in your scope.")

    # ---- maintenance's repair times and the renewal plan

    def repair_time(self, user, params):
        if user["role"] not in ("coordinator", *REPAIR_TIME_READERS):
            raise Refused("role_not_allowed", f"The role {user['role']} does not read repair times.")
        school = self.own_school(user, params.get("school_code"))
        # A regional viewer's figures are their region's schools'; a school asked narrows it to one.
        codes = self.school_codes(user) if school is None else None
        answer = self.rpc("maintenance", "mean_time_to_repair", school, None, codes)
        return {**answer, "by_supplier": self.rpc("maintenance", "mean_time_to_repair", school, "supplier", codes),
                "by_kind": self.rpc("maintenance", "mean_time_to_repair", school, "kind", codes)}

    def renewal(self, user, params=None):
        if user["role"] not in ("coordinator", *RENEWAL_READERS):
            raise Refused("role_not_allowed", f"The role {user['role']} does not read the renewal plan.")
        assets = self.equipment(user, {"per_page": 0})["items"]
        faults = self.rpc("maintenance", "faults_since", 365)
        codes = self.school_codes(user)
        if codes is not None:
            faults = [f for f in faults if f["school_code"] in set(codes)]
        ranked = renewal_rule.rank(assets, faults)
        return {"rule": {"age": renewal_rule.AGE, "fault": renewal_rule.FAULT, "down": renewal_rule.DOWN,
                         "ended": renewal_rule.ENDED},
                "assets": ranked, "schools": renewal_rule.schools(ranked)}

    # ---- the digital resources axis

    def committees(self, user, params=None):
        self.province_read(user, RESOURCES_READERS, "validation committees")
        return self.rpc("resources", "committees")

    def committee(self, user, params, committee_id):
        self.province_read(user, RESOURCES_READERS, "validation committees")
        return self.rpc("resources", "committee_minutes", committee_id)

    def research(self, user, params=None):
        self.province_read(user, RESOURCES_READERS, "local research")
        return self.rpc("resources", "local_research")

    def good_practices(self, user, params=None):
        school = self.own_school(user, (params or {}).get("school_code"))
        return self.within(user, self.rpc("resources", "good_practices", school))

    def workshops(self, user, params=None):
        school = self.own_school(user, (params or {}).get("school_code"))
        rows = self.rpc("resources", "workshops", school)
        codes = self.school_codes(user)
        if codes is None:
            return rows
        # A director or a regional viewer sees the workshops of their schools, and only their schools in them.
        mine = set(codes)
        return [dict(w, school_codes=[c for c in w["school_codes"] if c in mine]) for w in rows
                if mine & set(w["school_codes"])]

    # ---- the training axis

    def school_calendar(self, user, params=None):
        year = (params or {}).get("school_year") or current_school_year()
        found = self.rpc("training", "school_calendar", year)
        if found is None:
            raise HttpProblem(404, "Not found", f"No school calendar is loaded for {year}.", code="unknown_calendar")
        return found

    def annual_summary(self, user, params=None):
        self.province_read(user, TRAINING_READERS, "the training axis' annual summaries")
        return self.rpc("training", "annual_summary", (params or {}).get("school_year") or current_school_year())

    def certification(self, user, params, training_id):
        if user["role"] not in ("coordinator", *CERTIFICATION_READERS):
            raise Refused("role_not_allowed", f"The role {user['role']} does not read certifications.")
        status = self.rpc("training", "certification_status", training_id)
        # Who each participant is: their invitation to the training's sessions, the latest session's last.
        people = {}
        for s in (self.rpc("training", "training", training_id) or {}).get("sessions") or []:
            for person in (self.rpc("training", "session", s["session_id"]) or {}).get("participants") or []:
                people[person["staff_id"]] = person
        lines = [dict(line, **{k: people[line["staff_id"]].get(k) for k in ("name", "role", "school_code")})
                 if line["staff_id"] in people else line for line in status["participants"]]
        return {**status, "participants": self.readable_rows(user, lines)}


# Who reads what besides the coordinator (the rest of the reads: every role, within its scope).
REPAIR_TIME_READERS = ("infrastructure", "technician", "viewer", "school_director")
RENEWAL_READERS = ("infrastructure", "viewer")
RESOURCES_READERS = ("resources", "viewer")
TRAINING_READERS = ("training", "viewer")
CERTIFICATION_READERS = ("training", "viewer", "school_director")


def _report_readable(user: dict, scope: str) -> bool:
    """A province's people and the country read every report issued here; a region's or a school's, its own."""
    return user["scope"] == "all" or user["scope"].startswith("province:") or scope == user["scope"]
