"""The forms' pages: what each shows (the picks, the school's equipment to go through), how a posted
form becomes one command or several, and where the person lands once it is recorded."""
from __future__ import annotations

import base64
import uuid
from collections import Counter
from dataclasses import replace
from urllib.parse import quote

from werkzeug.wrappers import Response

from shared import tables
from shared.aside import aside
from shared.errors import InvalidCommand
from shared.territory import territories

from .forms import (LINE_FIELDS, SCHOOL_FIELDS, Form, body_of, day_as_instant, delivery_lines, picked_schools,
                    school_code_of)
from . import axes
from .http import HttpProblem
from .i18n import day_rule, file_rows
from .picking import school_named, school_of

MAX_FILE = 20 * 1024 * 1024


def _upload(page, name="file") -> tuple[bytes, str]:
    """The uploaded file's bytes and format (xlsx by its name, else csv)."""
    upload = page.request.files.get(name)
    if upload is None or not upload.filename:
        raise HttpProblem(400, "Invalid request", errors={name: ["Missing data for required field."]})
    raw = upload.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise HttpProblem(400, "Invalid request", errors={name: ["The file is larger than 20 MB."]})
    return raw, "xlsx" if upload.filename.lower().endswith(".xlsx") else "csv"


def _file(page, name="file") -> dict:
    raw, fmt = _upload(page, name)
    return {"format": fmt, "content_base64": base64.b64encode(raw).decode()}


def _numbered(values: dict, prefix: str) -> list[str]:
    return sorted((k[len(prefix):] for k in values if k.startswith(prefix)), key=lambda s: int(s) if s.isdigit() else 0)


def read_table(page, name="file") -> list[dict]:
    """The rows of an uploaded CSV or XLSX file, as dicts by column code, whichever language heads them.

    Read by inventory's rules for its imports (`shared.tables`: at most its line limit, a workbook's unpacked
    size bounded) and in a thread of its own, so that the gateway's other requests go on meanwhile."""
    raw, fmt = _upload(page, name)
    try:
        header, body = aside(tables.read_table, raw, fmt)
    except InvalidCommand as exc:
        raise HttpProblem(400, "Invalid request", errors={name: exc.errors["file"]}) from None
    return file_rows(header, [cells for _, cells in body])


def bodies(page, form: Form, values: dict) -> list[tuple[dict, dict]]:
    """[(command body, {error path: input name})] for one submit."""
    path = form.path
    if path.startswith(("resources/", "training/")):
        unknown = axes.unknown_picks(page, form, values)
        if unknown:
            raise HttpProblem(400, "Invalid request", errors=unknown)
        return axis_bodies(page, form, values)
    if path == "inventory/receive_delivery":
        items, suffixes = delivery_lines(page.request.form)
        names = {}
        kept = [s for s in sorted(suffixes, key=int) if any(
            (page.request.form.get(f"{f.name}-{suffixes[s]}") or "").strip() for f in LINE_FIELDS if f.name != "bundle")]
        for i, n in enumerate(kept):
            for f in LINE_FIELDS:
                names[f"items.{i}.{f.name}"] = f"{f.name}-{suffixes[n]}"
        names.update({"supplier": "l-supplier", "delivery_ref": "l-delivery_ref", "occurred_at": "l-occurred_at"})
        body = body_of(form, values)
        body["items"] = items
        return [(body, names)]
    if path in ("inventory/import_delivery", "inventory/import_schools"):
        body = body_of(form, values)
        body.update(_file(page))
        return [(body, {"content_base64": "file", "format": "file"})]
    if path == "inventory/assign_equipment":
        if page.request.files.get("file") and page.request.files["file"].filename:
            rows = read_table(page)
            return [({"serial": r.get("serial", ""), "school_code": school_code_of(r.get("school_code", ""))},
                     {}) for r in rows]
        everyone = school_code_of(values.get("school_all", ""))
        out = []
        for n in _numbered(values, "serial-"):
            own = school_code_of(values.get(f"school-{n}", ""))
            school = own or (everyone if values.get(f"pick-{n}") else "")
            if school:
                # A school given for every ticked item is said wrong where it was typed, once.
                out.append(({"serial": values[f"serial-{n}"], "school_code": school},
                            {"school_code": f"school-{n}" if own else "school_all", "serial": f"school-{n}"}))
        if not out:
            raise HttpProblem(400, "Invalid request", errors={"school_all": ["Missing data for required field."]})
        return out
    if path == "inventory/confirm_installation":
        school = school_code_of(values.get("school_code", ""))
        serials = page.request.form.getlist("serials")
        if not serials:
            raise HttpProblem(400, "Invalid request", errors={"serials": ["Missing data for required field."]})
        return [({"serial": s, "school_code": school}, {"school_code": "school_code"}) for s in serials]
    if path == "inventory/record_usage_visit":
        school = school_code_of(values.get("school_code", ""))
        observations, names = [], {"school_code": "school_code"}
        for n in _numbered(values, "serial-"):
            names[f"observations.{len(observations)}.status"] = f"status-{n}"
            observations.append({"serial": values[f"serial-{n}"], "status": values.get(f"status-{n}", "")})
        body = {"school_code": school, "observations": observations}
        if values.get("notes", "").strip():
            body["notes"] = values["notes"].strip()
        return [(dated(body, values), names)]
    if path == "inventory/complete_inventory_audit":
        school = school_code_of(values.get("school_code", ""))
        findings, names = [], {"school_code": "school_code", "occasion": "occasion",
                               "unexpected_serials": "unexpected_serials"}
        for n in _numbered(values, "serial-"):
            names[f"findings.{len(findings)}.status"] = f"finding-{n}"
            findings.append({"serial": values[f"serial-{n}"], "status": values.get(f"finding-{n}", "")})
        unexpected = [s.strip() for s in values.get("unexpected_serials", "").replace(",", "\n").splitlines()
                      if s.strip()]
        return [(dated({"school_code": school, "occasion": values.get("occasion", ""), "findings": findings,
                        "unexpected_serials": unexpected}, values), names)]
    if path == "inventory/propose_transfer":
        body = {"from_school": school_code_of(values.get("from_school", "")),
                "to_school": school_code_of(values.get("to_school", "")),
                "serials": page.request.form.getlist("serials"),
                "reason": values.get("reason", "").strip(), "report": values.get("report", "").strip()}
        return [(body, {"serials": "serials", "asset_ids": "serials", "to_school": "to_school", "report": "report"})]
    body = body_of(form, values)
    if body.get("work_id"):
        # Works followed up are those picked: their school and kind are theirs, not to be typed again.
        work = next((w for w in works_going_on(page, page.q.schools(page.user, {}), form)
                     if w["work_id"] == body["work_id"]), None)
        if work is not None:
            body.update(school_code=work["school_code"], kind=work["kind"])
    if any(f.widget == "file" for f in form.fields):
        body.update(_file(page))
    if any(f.widget == "fault" for f in form.fields) and body.get("fault_id"):
        body["fault_id"] = fault_id_of(page, body["fault_id"])
    return [(body, {"serial": "serial", "asset_id": "serial"})]


def fault_id_of(page, text: str) -> str:
    """The open fault a technician names by its item's serial number (as the fault picker offers it, or typed,
    in any case), or by the fault's own id as a link from the fault's page gives it."""
    said = text.split("·")[0].strip()
    faults = page.q.faults(page.user, {})
    if any(f["fault_id"] == said for f in faults):
        return said
    found = [f["fault_id"] for f in faults if (f.get("serial") or "").casefold() == said.casefold()]
    if not found:
        raise HttpProblem(400, "Invalid request", errors={"fault_id": ["No open fault on this serial number."]})
    return found[0]  # an item has one open fault at a time


def fault_shown(page, form: Form, values: dict) -> dict:
    """The values of a form as the person sees them: a fault named by its item's serial number, not its id."""
    if not any(f.widget == "fault" for f in form.fields) or not values.get("fault_id"):
        return values
    serial = next((f.get("serial") for f in page.q.faults(page.user, {}) if f["fault_id"] == values["fault_id"]), None)
    return dict(values, fault_id=serial) if serial else values


def _rows(values: dict, prefix: str, names: tuple[str, ...], part: str):
    """The table of a form (`<name>-<n>` inputs), blank lines left out: [(line body, {error path: input})]."""
    out = []
    for n in _numbered(values, prefix):
        line = {k: (values.get(f"{k}-{n}") or "").strip() for k in names}
        if not any(line.values()):
            continue
        out.append((line, {f"{part}.{len(out)}.{k}": f"{k}-{n}" for k in names}))
    return out


def axis_bodies(page, form: Form, values: dict) -> list[tuple[dict, dict]]:
    """The resources and training forms: their tables (decisions, periods, participants, attendance) made
    into one command each."""
    path, posted = form.path, page.request.form
    body = picked_schools(form, posted, body_of(form, values))
    names = {f.name: f.name for f in form.fields}
    if path == "resources/hold_validation_committee":
        decisions = []
        for n in _numbered(values, "resource-"):
            if values.get(f"decision-{n}"):
                i = len(decisions)
                names.update({f"decisions.{i}.decision": f"decision-{n}", f"decisions.{i}.remarks": f"remarks-{n}"})
                decisions.append({"resource_id": values[f"resource-{n}"], "decision": values[f"decision-{n}"],
                                  "remarks": values.get(f"remarks-{n}", "").strip()})
        body["decisions"] = decisions
        names["decisions"] = "members"
    elif path == "training/load_school_calendar":
        rows = _rows(values, "kind-", ("kind", "name", "starts_on", "ends_on"), "periods")
        body["periods"] = [r for r, _ in rows]
        for _, more in rows:
            names.update(more)
        names["periods"] = "school_year"
    elif path == "training/invite_participants":
        upload = page.request.files.get("file")
        if upload is not None and upload.filename:
            lines = read_table(page)
            body["participants"] = [{k: (r.get(k) or "").strip() for k in ("staff_id", "name", "role", "school_code")
                                     if (r.get(k) or "").strip()} for r in lines]
            names.update({"participants": "file", "_first_line": 2})  # under the file's heading
        else:
            rows = _rows(values, "staff_id-", ("staff_id", "name", "role", "school_code"), "participants")
            body["participants"] = [{k: v for k, v in r.items() if v} for r, _ in rows]
            for _, more in rows:
                names.update(more)
            names["participants"] = "staff_id-1"
        # Each person's school, by its code or its whole name; one that names no school is said so on its line.
        schools, unknown = page.q.schools(page.user, {}), {}
        for i, p in enumerate(body["participants"]):
            if p.get("school_code"):
                code, _why = school_named(p["school_code"], schools)
                if code is None:
                    unknown[i] = {"school_code": ["No school has this name or code: pick one from the list."]}
                p["school_code"] = code or p["school_code"]
        if unknown:
            problem = HttpProblem(400, "Invalid request", errors={"participants": unknown})
            problem.names = names  # each error beside the line's school
            raise problem
        # The staff picked from the list come after the file's or typed lines, whose line numbers stay.
        for p in axes.picked_staff(page, posted.getlist("staff_ids")):
            names.update({f"participants.{len(body['participants'])}.{k}": "staff_ids" for k in p})
            body["participants"].append(p)
    elif path == "training/record_attendance":
        body["attendance"] = []
        for n in _numbered(values, "staff-"):
            names[f"attendance.{len(body['attendance'])}.status"] = f"status-{n}"
            body["attendance"].append({"staff_id": values[f"staff-{n}"], "status": values.get(f"status-{n}", "")})
        names["attendance"] = "session_id"
    elif path == "training/award_certificates":
        body["staff_ids"] = posted.getlist("staff_ids")
        names["staff_ids"] = "staff_ids"
    return [(body, names)]


def _event_of(answer):
    if isinstance(answer, list) and answer:
        return answer[0].get("event_type"), answer[0].get("data") or {}
    return None, {}


def name_schools(page, pairs: list[tuple[dict, dict]]) -> list[tuple[str, str, str, dict]]:
    """Each school typed by its name in `pairs` (see `bodies`) replaced by its code; [(input name, field, rule
    code, body)] of those that name no school of the person's scope, or several. A code is left for the service
    to check."""
    typed = [(body, names, f) for body, names in pairs for f in SCHOOL_FIELDS
             if isinstance(body.get(f), str) and body[f].strip()]
    if not typed:
        return []
    schools = page.q.schools(page.user, {})
    problems = []
    for body, names, f in typed:
        code, rule = school_of(body[f], schools)
        if rule:
            problems.append((names.get(f, f), f, rule, body))
        else:
            body[f] = code
    return problems


def days_unread(typed: dict, pairs: list[tuple[dict, dict]]) -> list[tuple[str, str, str, dict]]:
    """The days typed (`typed`, by input name) that are no day of the calendar (31/02/2026, "demain"), as
    `name_schools` gives its problems: each field named by its error path (a table's line: `periods.2.starts_on`)
    and said where its form says that field's errors (the delivery by lines: `l-occurred_at`)."""
    said_at = {path: anchor for _, names in pairs for path, anchor in names.items()}
    path_of = {anchor: path for path, anchor in said_at.items()}
    return [(said_at.get(path_of.get(name, name), name), path_of.get(name, name), day_rule(text), {})
            for name, text in typed.items()]


def after(page, form: Form, sent: list[dict], answers: list) -> str:
    """Where the person lands once recorded: the thing they acted on, saying what was recorded."""
    event, data = _event_of(answers[0]) if answers else (None, {})
    body = sent[0] if sent else {}
    done = quote(event or "")
    service = form.path.split("/")[0]
    if form.path == "resources/start_production_project":  # the projects, the new one among them
        return _go(f"/resources?done={done}#projects")
    if service in ("resources", "training"):
        # An invitation or an award of several people says how many.
        many = answers[0] if answers and isinstance(answers[0], list) else []
        counted = f"&n={len(many)}" if form.path in ("training/invite_participants",
                                                     "training/award_certificates") else ""
        if form.path == "training/record_attendance" and body.get("day"):
            counted = f"&day={quote(body['day'])}"  # which day's sheet was recorded
        return _go(axes.landing(form.path, body, data) + f"done={done}{counted}")
    if service == "maintenance":
        fault = data.get("fault_id") or body.get("fault_id")
        return _go(f"/faults/{quote(fault)}?done={done}" if fault else f"/faults?done={done}")
    if form.path in ("inventory/receive_delivery", "inventory/import_delivery"):
        return _go(f"/deliveries/{quote(body.get('delivery_ref', ''), safe='')}?done=equipment_received")
    if "transfer" in form.path:
        transfer = data.get("transfer_id") or body.get("transfer_id")
        return _go(f"/transfers/{quote(transfer)}?done={done}" if transfer else f"/transfers?done={done}")
    if form.path == "inventory/complete_inventory_audit":
        audit = data.get("audit_id")
        return _go(f"/audits/{quote(audit)}?done={done}" if audit else f"/audits?done={done}")
    if form.path == "inventory/assign_equipment":
        return _go(f"/forms/inventory/assign_equipment?done={done}&assigned={len(answers)}")
    if form.path == "inventory/decommission_equipment":
        return _go(f"/assets?serial={quote(body.get('serial', ''))}&done={done}")
    if form.path == "inventory/resolve_replacement":
        return _go(f"/faults/{quote(body.get('fault_id', ''), safe='')}?done=replacement_settled")
    if form.path == "inventory/import_schools":
        return _go("/schools?done=school_registered")
    school = body.get("school_code") or data.get("school_code")
    if school:
        return _go(f"/schools/{quote(school)}?done={done}")
    return _go(f"/?done={done}")


def _go(location):
    return location


def dated(body: dict, values: dict) -> dict:
    """`body` with the day it happened, when one was picked (noon of that day in Morocco)."""
    if (values.get("occurred_at") or "").strip():
        body["occurred_at"] = day_as_instant(values["occurred_at"].strip())
    return body


def regions_offered(page, schools: list[dict], form: Form) -> dict:
    """The regions to pick a school's from, by name, for a form that asks it: each under the code the province's
    schools already carry for it (an older code of the same region stays theirs), that one picked first."""
    if not any(f.widget == "region" for f in form.fields):
        return {}
    known = territories()
    used = Counter(s.get("region_code") for s in schools if s.get("region_code"))
    offered = []
    for region in known.of_level("region"):
        code = next((c for c in used if known.get("region", c) is region), region.code)
        offered.append((code, region.name(page.L.code)))
    offered += [(c, c) for c in used if known.get("region", c) is None]  # a code the list does not know
    return {"regions": sorted(offered, key=lambda r: r[1]),
            "region_default": used.most_common(1)[0][0] if used else None}


def works_going_on(page, schools: list[dict], form: Form) -> list[dict]:
    """The infrastructure works not yet done at the schools of the person's scope, each with its school's name in
    the page's language, for a form that follows works up."""
    if not any(f.widget == "work" for f in form.fields):
        return []
    names = {s["school_code"]: s.get("name_ar" if page.L.code == "ar" else "name_fr") for s in schools}
    return [dict(w, school_name=names[w["school_code"]])
            for w in page.web.api.rpc("inventory", "infrastructure_works", None)
            if w.get("status") != "done" and w.get("school_code") in names]


def school_picked(page, values: dict) -> tuple[dict, dict]:
    """`values` with the school to go through (`school_code` or `from_school`) typed by its name replaced by its
    code; and, when it names no school or several, what was typed and why, to say beside the picker."""
    for name in ("school_code", "from_school"):
        typed = school_code_of(values.get(name) or "")
        if typed:
            break
    else:
        return values, {}
    schools = page.q.schools(page.user, {})
    code, rule = school_of(typed, schools)
    if any(s["school_code"] == code for s in schools):
        return (values if code == typed else dict(values, **{name: code})), {}
    # a school's equipment is gone through only at a school of the person's scope: an unknown code names none
    return dict(values, **{name: ""}), {"school_typed": values[name],
                                        "school_error": page.L.term("field_rule", rule or "school_not_named")}


def lines_by_serial(values: dict, errors: dict, error_list: list, assets: list[dict]) -> dict:
    """What was typed and refused on each line of a table sent (`serial-N`, `school-N`, `pick-N`), moved to the
    line of the same item in the table shown again: the lines already recorded have left it, so a school typed
    for one item must not come back beside another."""
    line_of = {a["serial"]: n for n, a in enumerate(assets, 1)}
    moved = {}
    for key, serial in values.items():
        if key.startswith("serial-") and serial in line_of:
            moved[key.partition("-")[2]] = str(line_of[serial])
    kept = {k: v for k, v in values.items() if not k.startswith(("serial-", "school-", "pick-"))}
    for old, new in moved.items():
        for name in ("school", "pick"):
            if f"{name}-{old}" in values:
                kept[f"{name}-{new}"] = values[f"{name}-{old}"]

    def anchor(name):
        head, _, n = (name or "").partition("-")
        if head in ("school", "pick") and n.isdigit():
            return f"{head}-{moved[n]}" if n in moved else None
        return name

    return {"values": kept, "errors": {anchor(k): v for k, v in errors.items() if anchor(k)},
            "error_list": [(anchor(a), label, message, line) for a, label, message, line in error_list]}


def go(location) -> Response:
    return Response("", status=303, headers={"Location": location})


def show(page, form: Form, values: dict, ctx: dict, status: int = 200) -> Response:
    values, typed = school_picked(page, values)
    pick = page.picks(form, values)
    ctx = dict(ctx, values=axes.names_shown(page, form, fault_shown(page, form, ctx.get("values", values))))
    extra = {}
    school = school_code_of(values.get("school_code") or values.get("from_school") or "")
    if form.path == "inventory/record_usage_visit" and school:
        extra["assets"] = [a for a in pick["assets"] if a["school_code"] == school and a["status"] != "decommissioned"]
    if form.path == "inventory/complete_inventory_audit" and school:
        extra["assets"] = [a for a in pick["assets"] if a["school_code"] == school and a["status"] != "decommissioned"]
    if form.path == "inventory/confirm_installation" and school:
        extra["assets"] = [a for a in pick["assets"] if a["school_code"] == school and a["status"] == "assigned"]
    if form.path == "inventory/propose_transfer" and school:
        # Only what a visit found unused may go to a school that will use it (the memo's rule, the service's too).
        extra["assets"] = [a for a in pick["assets"] if a["school_code"] == school and not a.get("transfer_id")
                           and a["status"] == "unused"]
    if form.path == "inventory/assign_equipment":
        # The filters are in the address, which a post keeps: the table sent is shown again, less what was assigned.
        filters = page.request.args
        query = {"per_page": 0, "status": "in_stock"}
        if filters.get("delivery_ref"):
            query["delivery_ref"] = filters["delivery_ref"]
        if filters.get("serial"):
            query["q"] = filters["serial"]
        extra["assets"] = page.q.equipment(page.user, query)["items"][:500]
        extra["assigned"] = page.request.args.get("assigned")
        extra["filters"] = filters
        if page.request.method == "POST":
            ctx = dict(ctx, **lines_by_serial(ctx["values"], ctx["errors"], ctx["error_list"], extra["assets"]))
    if school:
        extra["school"] = next((s for s in pick["schools"] if s["school_code"] == school), None)
    if typed:
        extra.update(typed)
    extra.update(axes.form_extra(page, form, values, pick))
    own = None  # a school director's school: theirs, said by its name, not to be chosen
    if page.user["scope"].startswith("school:"):
        mine = page.user["scope"].partition(":")[2]
        own = next((s for s in pick["schools"] if s["school_code"] == mine), {"school_code": mine})
    csrf = page.web.csrf(page.request)
    idem = uuid.uuid4().hex
    has_file = any(f.widget == "file" for f in form.fields) or form.path in ("inventory/assign_equipment",
                                                                             "training/invite_participants")
    serials = page.request.form.getlist("serials") if page.request.method == "POST" else \
        page.request.args.getlist("serial")
    return page.render(form.template, page._(form.title), http_status=status, form=form, pick=pick, csrf=csrf,
                       has_file=has_file, ctx={"schools": pick["schools"], "own_school": own,
                                               "works": works_going_on(page, pick["schools"], form),
                                               "transfers": pick["transfers"],
                                               **regions_offered(page, pick["schools"], form),
                                               "picked_schools": [
                           school_code_of(v) for v in (page.request.form if page.request.method == "POST"
                                                       else page.request.args).getlist("school_codes")]},
                       line_fields=[replace(f, required=False) for f in LINE_FIELDS],
                       request_serials=serials, idem=idem, **extra, **ctx)
