"""A form for each command: its fields, how each is picked or typed, and how a posted form becomes the
command's body. The page posts to `/forms/<service>/<command>`, which runs it through `commands.run`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.inventory import schemas as inv
from services.maintenance.schemas import CLOSING_RESOLUTIONS
from services.resources import schemas as res
from services.training import schemas as trn
from shared.catalogue import ASSET_KINDS, BUNDLES

from .i18n import plainly
from .vocabulary import N_


@dataclass(frozen=True)
class Field:
    name: str
    widget: str = "text"  # text textarea number decimal select school asset fault transfer delivery checkbox lines
    #                       replacement (a pick among those waiting to be settled)
    vocab: str | None = None
    choices: tuple = ()
    required: bool | None = True  # None: needed or not by what another field picks, as the hint says
    hint: str | None = None


@dataclass(frozen=True)
class Form:
    path: str
    title: str
    fields: tuple = ()
    template: str = "form.html"
    intro: str | None = None
    many: bool = False  # one submit runs the command once per picked line
    extra: dict = field(default_factory=dict)


F = Field
SCHOOL = F("school_code", "school")
FAULT = F("fault_id", "fault")
FORMS = [
    Form("inventory/register_school", N_("Register a school"), (
        F("school_code", hint=N_("The school's code, as the ministry gives it.")), F("name_ar"), F("name_fr"),
        F("cycle", "select", "cycle", inv.CYCLES), F("setting", "select", "setting", inv.SETTINGS), F("commune"),
        F("region_code", "region"))),
    Form("inventory/update_school", N_("Update a school"), (
        SCHOOL, F("name_ar", required=False), F("name_fr", required=False),
        F("cycle", "select", "cycle", inv.CYCLES, required=False),
        F("setting", "select", "setting", inv.SETTINGS, required=False), F("commune", required=False),
        F("region_code", "region", required=False))),
    Form("inventory/record_census", N_("Record a school's census"), (
        SCHOOL, F("school_year", hint=N_("Like 2025-2026.")), F("pupils", "number"), F("teachers", "number"))),
    Form("inventory/import_schools", N_("Register schools from a file"), (F("file", "file"),),
         intro=N_("A CSV or XLSX file with the columns school_code, name_ar, name_fr, cycle, setting, commune, "
                  "region_code (and, if known, school_year, pupils, teachers).")),
    Form("inventory/record_connectivity", N_("Record a school's connectivity"), (
        SCHOOL, F("status", "select", "connectivity", ("connected", "disconnected")),
        F("link", "select", "link", inv.LINKS), F("bandwidth_mbps", "decimal"))),
    Form("inventory/record_filtering", N_("Record a school's content filtering"), (
        SCHOOL, F("active", "checkbox", required=False))),
    Form("inventory/record_infrastructure_work", N_("Record infrastructure works"), (
        F("work_id", "work", required=False,
          hint=N_("Works already recorded move forward from here: pick them, and give their new state.")),
        SCHOOL, F("kind", "select", "work_kind", ("electrical", "cabling", "room_fitting", "other")),
        F("status", "select", "work_status", ("planned", "in_progress", "done")))),
    Form("inventory/receive_delivery", N_("Receive a delivery"), (
        F("supplier"), F("delivery_ref"), F("occurred_at", "date", required=False), F("items", "lines")),
         template="form_delivery.html"),
    Form("inventory/import_delivery", N_("Receive a delivery from a file"), (
        F("supplier"), F("delivery_ref"), F("occurred_at", "date", required=False), F("file", "file")),
         template="form_delivery.html"),
    Form("inventory/assign_equipment", N_("Assign equipment to schools"), (), template="form_assign.html", many=True),
    Form("inventory/confirm_installation", N_("Confirm installation"), (SCHOOL,), template="form_install.html",
         many=True),
    Form("inventory/decommission_equipment", N_("Decommission equipment"), (F("serial", "asset"), F("reason"))),
    Form("inventory/record_usage_visit", N_("Record a follow-up visit"), (SCHOOL,), template="form_visit.html"),
    Form("inventory/propose_transfer", N_("Propose a transfer"), (
        F("from_school", "school"),), template="form_transfer.html"),
    Form("inventory/approve_transfer", N_("Approve a transfer"), (F("transfer_id", "transfer", choices=("proposed",)),)),
    Form("inventory/reject_transfer", N_("Reject a transfer"), (
        F("transfer_id", "transfer", choices=("proposed",)), F("reason", "textarea"))),
    Form("inventory/complete_transfer", N_("Complete a transfer"), (
        F("transfer_id", "transfer", choices=("approved",)),)),
    Form("inventory/complete_inventory_audit", N_("Inventory audit"), (SCHOOL,), template="form_audit.html"),
    Form("inventory/resolve_replacement", N_("Settle a replacement inventory could not apply"), (
        F("fault_id", "replacement"), F("note", "textarea")), template="form_replacement.html"),
    Form("maintenance/declare_fault", N_("Declare a fault"), (SCHOOL, F("serial", "asset"), F("symptom", "textarea"))),
    Form("maintenance/file_warranty_claim", N_("File a warranty claim"), (FAULT, F("claim_ref"))),
    Form("maintenance/record_repair", N_("Record a repair"), (
        FAULT, F("action", "textarea"),
        F("cost_mad", "decimal", required=None,
          hint=N_("Required out of warranty; left empty under warranty, where the repair is free.")))),
    Form("maintenance/replace_equipment", N_("Replace equipment"), (
        FAULT, F("new_serial"), F("new_kind", "select", "kind", ASSET_KINDS, required=False))),
    Form("maintenance/close_fault", N_("Close a fault"), (
        FAULT, F("resolution", "select", "resolution", CLOSING_RESOLUTIONS))),
    Form("maintenance/cancel_fault", N_("Cancel a fault"), (FAULT,)),
    # ---- digital resources
    Form("resources/receive_resource", N_("Receive a resource"), (
        F("title"), F("subject"), F("levels", "list", hint=N_("One level per line, or separated by commas.")),
        F("format", "select", "resource_format", res.FORMATS), F("origin", "select", "origin", res.ORIGINS))),
    Form("resources/distribute_resource", N_("Distribute a resource"), (
        F("resource_id", "resource", choices=("received", "approved")), F("channel"),
        F("school_codes", "schools", required=False), F("cycle", "select", "cycle", inv.CYCLES, required=False),
        F("setting", "select", "setting", inv.SETTINGS, required=False)), template="form_distribute.html"),
    Form("resources/hold_awareness_workshop", N_("Hold an awareness workshop"), (
        F("topic"), F("school_codes", "schools"), F("participants", "number"), F("occurred_at", "date"))),
    Form("resources/start_production_project", N_("Start a production project"), (
        F("title"), F("subject"), F("members", "list", hint=N_("One member per line.")))),
    Form("resources/submit_resource", N_("Submit a produced resource"), (
        F("project_id", "project"), F("title"),
        F("resource_id", "resource", choices=("revision",), required=False,
          hint=N_("To submit again a resource sent back for revision, pick it.")))),
    Form("resources/hold_validation_committee", N_("Hold a validation committee"), (
        F("members", "list", hint=N_("One member per line.")), F("occurred_at", "date")),
         template="form_committee.html"),
    Form("resources/record_resource_usage", N_("Record the use of a resource"), (
        SCHOOL, F("resource_id", "resource"), F("period_start", "date"), F("period_end", "date"),
        F("uses", "number"), F("teachers", "number"))),
    Form("resources/record_good_practice", N_("Record a good practice"), (
        SCHOOL, F("teacher"), F("description", "textarea"))),
    Form("resources/report_dysfunction", N_("Report a dysfunction"), (SCHOOL, F("description", "textarea"))),
    Form("resources/resolve_dysfunction", N_("Resolve a dysfunction"), (
        F("dysfunction_id", "dysfunction"), F("resolution", "textarea"))),
    Form("resources/record_local_research", N_("Record local research"), (
        F("title"), F("findings", "textarea"), F("recommendations", "textarea"))),
    # ---- training
    Form("training/load_school_calendar", N_("Load the school calendar"), (
        F("school_year", hint=N_("Like 2025-2026.")),), template="form_calendar.html"),
    Form("training/plan_training", N_("Plan a training"), (
        F("title"), F("modality", "select", "modality", trn.MODALITIES),
        F("audience", "select", "audience", trn.AUDIENCES), F("planned_participants", "number"),
        F("school_year", hint=N_("Like 2025-2026.")))),
    Form("training/schedule_session", N_("Schedule a session"), (
        F("training_id", "training"), F("starts_on", "date"), F("ends_on", "date"), F("hours", "decimal"),
        F("venue"), F("calendar_override_reason", "textarea", required=False,
                      hint=N_("Only to schedule over an exam period or a holiday: say why."))),
         template="form_schedule.html"),
    Form("training/invite_participants", N_("Invite participants"), (
        F("session_id", "session"),), template="form_invite.html"),
    Form("training/record_attendance", N_("Attendance sheet"), (
        F("session_id", "session"), F("day", "date")), template="form_attendance.html"),
    Form("training/complete_session", N_("Complete a session"), (F("session_id", "session"),)),
    Form("training/cancel_session", N_("Cancel a session"), (F("session_id", "session"), F("reason", "textarea"))),
    Form("training/award_certificates", N_("Award the certificates"), (
        F("training_id", "training"),), template="form_certificates.html"),
    Form("training/evaluate_training", N_("Record a training's evaluation"), (
        F("training_id", "training"), F("respondents", "number"),
        F("mean_score", "decimal", hint=N_("From 1 to 5, at most one decimal, like 4.2.")),
        F("remarks", "textarea", required=False))),
]
FORM_BY_PATH = {f.path: f for f in FORMS}
LINE_FIELDS = (F("serial"), F("kind", "select", "kind", ASSET_KINDS), F("model", required=False),
               F("warranty_months", "number"), F("bundle", "select", "bundle", BUNDLES, required=False))
# The fields a day is typed in, on any form: the date fields, the day a fact happened (a visit's, an audit's, a
# delivery's: `day_field`), and the columns of a table of periods (`starts_on-3`).
DAY_FIELDS = frozenset({f.name for form in FORMS for f in form.fields if f.widget == "date"} | {"occurred_at"})


def holds_a_day(name: str) -> bool:
    return name.partition("-")[0] in DAY_FIELDS


def school_code_of(value: str) -> str:
    """A picked school is `CODE` or `CODE · name`: its code."""
    return (value or "").split("·")[0].strip()


SCHOOL_FIELDS = ("school_code", "from_school", "to_school")  # the bodies' fields that name one school
_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_CODE_AT_END = re.compile(r"\(([A-Za-z0-9_-]{1,40})\)\s*$")


def schools_named(text: str, schools: list[dict]) -> list[str]:
    """The codes of the schools that `text` names: its code (picked from the list, `CODE · name`, or `name (CODE)`
    as the pages say a school), or its Arabic or French name (or the picker's whole line, names and commune),
    whatever the case, accents or vowel marks. Several when a name is shared."""
    if not plainly(text):
        return []
    for code in (school_code_of(text), *_CODE_AT_END.findall(text)):
        found = [s["school_code"] for s in schools if plainly(code) == plainly(s["school_code"])]
        if found:
            return found
    said = plainly(text)
    return [s["school_code"] for s in schools
            if said in (plainly(s.get("name_ar")), plainly(s.get("name_fr")),
                        plainly(" · ".join(str(s.get(k) or "") for k in ("name_ar", "name_fr", "commune"))))]


def looks_like_a_code(value) -> bool:
    return isinstance(value, str) and bool(_CODE.fullmatch(value))


# A picked record's field, by its picker's widget: what the person picks by its name.
PICKED_ID = {"resource": "resource_id", "training": "training_id", "session": "session_id",
             "dysfunction": "dysfunction_id", "project": "project_id"}


def names_told_apart(named: list[tuple[str, str]]) -> dict[str, str]:
    """{id: name} of a picker's records given as [(id, name)]: a name a record shares with those before it
    gets its rank, « (2) », « (3) », so that each name picks one record."""
    out, seen = {}, {}
    for record_id, name in named:
        key = plainly(name)
        seen[key] = seen.get(key, 0) + 1
        out[record_id] = name if seen[key] == 1 else f"{name} ({seen[key]})"
    return out


def id_named(text: str, names: dict[str, str], titles: dict[str, str]) -> str | None:
    """The record a picker's text names: by its name as the picker offers it, by its id (a link from the
    record's page gives it, alone or before « · »), or by a title (the part before « · ») that one record alone
    has; else None."""
    text = (text or "").strip()
    head = text.split("·")[0].strip()
    if text in names or head in names:
        return text if text in names else head
    wanted = plainly(text)
    found = [i for i, name in names.items() if plainly(name) == wanted]
    if not found:
        found = [i for i, title in titles.items() if head and plainly(title) == plainly(head)]
    return found[0] if len(found) == 1 else None


def _value(f: Field, raw: str):
    raw = (raw or "").strip()
    if f.widget == "school":
        return school_code_of(raw)
    if f.widget == "number":
        try:
            return int(raw)
        except ValueError:
            return raw
    if f.widget == "decimal":
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            return raw
    if f.widget in ("fault", "transfer"):
        return raw.split("·")[0].strip()
    if f.widget == "date" and f.name == "occurred_at":
        return day_as_instant(raw)
    if f.widget == "list":
        return [v.strip() for v in raw.replace(",", "\n").splitlines() if v.strip()]
    return raw


def picked_schools(form: Form, data, body: dict) -> dict:
    """The schools picked in a list of several (`data` a MultiDict), by code."""
    for f in form.fields:
        if f.widget == "schools":
            picked = [school_code_of(v) for v in data.getlist(f.name) if v.strip()]
            if picked or f.required:
                body[f.name] = picked
    return body


def day_as_instant(raw: str) -> str:
    """A day picked for `occurred_at`: noon of that day in Morocco, or now if that is today and noon is still to
    come. A day after today stays in the future, for the command to refuse: it is not made today's."""
    from datetime import date, datetime, time, timezone

    from shared.calendar import CASABLANCA

    try:
        noon = datetime.combine(date.fromisoformat(raw), time(12), CASABLANCA)
    except ValueError:
        return raw
    now = datetime.now(timezone.utc).astimezone(CASABLANCA)
    return (min(noon, now) if noon.date() <= now.date() else noon).isoformat(timespec="seconds")


def body_of(form: Form, data) -> dict:
    """The command's body from the posted fields (`data` is a MultiDict); empty optional fields left out."""
    body = {}
    for f in form.fields:
        if f.widget == "checkbox":
            body[f.name] = data.get(f.name) in ("on", "true", "1")
            continue
        if f.widget in ("file", "lines"):
            continue
        if f.widget == "schools":
            continue  # several values: see `picked_schools`
        raw = data.get(f.name, "")
        if not raw.strip() and not f.required:
            continue
        body[f.name] = _value(f, raw)
    return body


def delivery_lines(data) -> tuple[list[dict], dict]:
    """The items of a delivery typed as lines (`serial-1`, `kind-1`...), blank lines skipped."""
    items, rows = [], {}
    for key in data:
        if key.startswith("serial-"):
            rows[int(key.split("-", 1)[1])] = key.split("-", 1)[1]
    for n in sorted(rows):
        suffix = rows[n]
        if not any((data.get(f"{f.name}-{suffix}") or "").strip() for f in LINE_FIELDS if f.name != "bundle"):
            continue
        item = {}
        for f in LINE_FIELDS:
            raw = (data.get(f"{f.name}-{suffix}") or "").strip()
            if raw or f.required:
                item[f.name] = _value(f, raw)
        items.append(item)
    return items, rows
