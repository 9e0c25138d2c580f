"""The digital resources and training axes in the browser: what their forms offer to pick, what each form
shows beside its fields, where a recorded form lands, and their lists and documents. Each page is
`name(page, ...)` over the `Pages` of one request."""
from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from werkzeug.wrappers import Response

from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

from services.inventory import schemas as inv
from services.training import schemas as trn
from shared.calendar import local_date

from .forms import FORM_BY_PATH, PICKED_ID, Form, id_named, names_told_apart, school_code_of
from .http import HttpProblem
from .lists import heading
from .queries import CODE, TEXT, current_school_year, dated
from .templating import query_string

PICKED = {"resource": "resources", "training": "trainings", "session": "sessions", "dysfunction": "dysfunctions",
          "project": "projects"}


def _catalogue(page, status=None):
    return page.web.api.rpc("resources", "catalogue", status)


def _sessions(page):
    out = []
    for t in page.web.api.rpc("training", "trainings", None):
        for s in (page.web.api.rpc("training", "training", t["training_id"]) or {}).get("sessions") or []:
            out.append(dict(s, title=t["title"]))
    return out


def _every(page, widget) -> list[dict]:
    """Every record a picker of `widget` may name, asked once for the page."""
    lists = page.__dict__.setdefault("_picked_lists", {})
    if widget not in lists:
        lists[widget] = {
            "resource": lambda: _catalogue(page),
            "training": lambda: page.web.api.rpc("training", "trainings", None),
            "session": lambda: _sessions(page),
            "dysfunction": lambda: page.q.dysfunctions(page.user, {}),
            "project": lambda: page.web.api.rpc("resources", "production_projects"),
        }[widget]()
    return lists[widget]


def _title(widget, record) -> str:
    return record.get("description" if widget == "dysfunction" else "title") or ""


def names(page, widget) -> dict[str, str]:
    """{id: name} of the records a picker of `widget` offers, each named as a person knows it: a resource or a
    project by its title, a training with its school year, a session with its training, first day and venue,
    a dysfunction with its school; never by its id."""
    found = page.__dict__.setdefault("_picked_names", {})
    if widget in found:
        return found[widget]
    L, key = page.L, PICKED_ID[widget]
    schools = page.school_names() if widget == "dysfunction" else {}

    def name(r):
        if widget == "training":
            return f"{r['title']} · {L.year(r.get('school_year'))}"
        if widget == "session":
            return f"{r['title']} · {L.date(r['starts_on'])} · {r.get('venue') or ''}".rstrip(" ·")
        if widget == "dysfunction":
            school = schools.get(r.get("school_code")) or {}
            said = school.get("name_ar" if L.code == "ar" else "name_fr") or r.get("school_code") or ""
            return f"{said} · {r.get('description') or ''}"
        return r.get("title") or r[key]

    found[widget] = names_told_apart([(r[key], name(r)) for r in _every(page, widget)])
    return found[widget]


def _picked_fields(form: Form):
    return [f for f in form.fields if f.widget in PICKED_ID]


def ids_picked(page, form: Form, values: dict) -> dict:
    """The form's values with each picker's text replaced by the id of the record it names; a text that names
    none is left as typed (see `unknown_picks`)."""
    out = dict(values)
    for f in _picked_fields(form):
        text = values.get(f.name)
        if isinstance(text, str) and text.strip():
            every = _every(page, f.widget)
            titles = {r[PICKED_ID[f.widget]]: _title(f.widget, r) for r in every}
            out[f.name] = id_named(text, names(page, f.widget), titles) or text.strip()
    return out


def unknown_picks(page, form: Form, values: dict) -> dict:
    """{field: [message]} for each picker whose text names no record."""
    return {f.name: ["Nothing of this name: pick one from the list."] for f in _picked_fields(form)
            if (values.get(f.name) or "").strip() and values[f.name] not in names(page, f.widget)}


def names_shown(page, form: Form, values: dict) -> dict:
    """The form's values as the person sees them: each picked record by its name, not its id."""
    shown = {f.name: names(page, f.widget).get(values.get(f.name)) for f in _picked_fields(form)
             if isinstance(values.get(f.name), str) and values.get(f.name)}
    return dict(values, **{k: v for k, v in shown.items() if v}) if any(shown.values()) else values


def received_by(page, school_code: str) -> list[dict]:
    """The resources distributed to a school, each with the day it first got there (`first_distributed_at`),
    asked once for the page."""
    asked = page.__dict__.setdefault("_received_by", {})
    if school_code not in asked:
        asked[school_code] = page.web.api.rpc("resources", "school_resources", school_code)
    return asked[school_code]


def picks(page, form: Form, school: str | None = None) -> dict:
    """The searchable lists the form's pickers need (resources, trainings, sessions, dysfunctions, projects),
    and the name of each record in them (`names`). `school`: the school of the person's scope the form is
    for, when it is known already."""
    wanted = {f.widget for f in form.fields} & set(PICKED)
    found = {}
    if "resource" in wanted and form.path == "resources/record_resource_usage" and school:
        # A school uses only what it received: those resources alone, each with the day it arrived.
        found["resources"], found["resources_of"] = received_by(page, school), school
    elif "resource" in wanted:
        statuses = {c for f in form.fields if f.widget == "resource" for c in f.choices}
        found["resources"] = [r for r in _every(page, "resource") if not statuses or r["status"] in statuses]
    for widget in wanted - {"resource"}:
        found[PICKED[widget]] = _every(page, widget)
    if wanted:
        found["names"] = {PICKED[w]: names(page, w) for w in wanted}
    return found


def form_extra(page, form: Form, values: dict, pick: dict) -> dict:
    """What a form shows beside its fields."""
    path, rpc = form.path, page.web.api.rpc
    if path == "resources/distribute_resource":
        schools = pick["schools"]
        counts = Counter((s["cycle"], s["setting"]) for s in schools)
        return {"counts": counts, "all_schools": len(schools)}
    if path == "resources/hold_validation_committee":
        return {"submitted": [r for r in _catalogue(page) if r["status"] == "submitted"]}
    if path == "resources/record_resource_usage" and pick.get("resources_of") and not pick["resources"]:
        return {"context_note": page._("No resource was distributed to this school yet: its uses are recorded "
                                       "once one is.")}
    session_id = (values.get("session_id") or "").split("·")[0].strip()
    if path == "training/invite_participants":
        return dict(staff_found(page), session=rpc("training", "session", session_id) if session_id else None,
                    school_by_code={x["school_code"]: x for x in pick["schools"]})
    if path == "training/record_attendance" and session_id:
        return {"session": rpc("training", "session", session_id)}
    training_id = (values.get("training_id") or "").split("·")[0].strip()
    if path == "training/award_certificates" and training_id:
        eligibility = rpc("training", "certification_status", training_id)
        return {"eligibility": eligibility, "people": people_of(page, [p["staff_id"] for p in
                                                                       (eligibility or {}).get("participants") or []])}
    if path == "training/schedule_session":
        year = values.get("school_year") or current_school_year()
        if training_id:
            training = rpc("training", "training", training_id)
            year = (training or {}).get("school_year") or year
        calendar = rpc("training", "school_calendar", year) or {}
        periods = calendar.get("periods") or []
        start, end = values.get("starts_on") or "", values.get("ends_on") or values.get("starts_on") or ""
        over = [p for p in periods if p["kind"] != "school_start" and start and p["starts_on"] <= end
                and p["ends_on"] >= start]
        shown = page.request.args.get("month") or start
        return {"periods": periods, "overlapping": over, "school_year": year, "months": months(periods, shown),
                "request_args": lambda **kw: query_string(dict(page.request.args), **kw)}
    return {}


STAFF_SHOWN = 200  # people listed at once on the invitation form: more, and the search narrows them


def staff_found(page) -> dict:
    """The staff to pick from on the invitation form, searched by name or number, school and role: the people
    training knows from its invitations (see `staff_directory`), those the reader may see."""
    args = page.request.args
    search = {"q": (args.get("staff_q") or "").strip()[:200], "school": school_code_of(args.get("staff_school", "")),
              "role": args.get("staff_role") if args.get("staff_role") in trn.ROLES else ""}
    found = page.web.api.rpc("training", "staff", search["q"] or None, search["school"] or None,
                             search["role"] or None, None, STAFF_SHOWN)
    staff = page.q.readable_rows(page.user, found["staff"])
    picked = page.request.form.getlist("staff_ids") if page.request.method == "POST" else []
    return {"staff": staff, "staff_total": found["total"], "staff_search": search, "staff_roles": trn.ROLES,
            "staff_picked": picked}


def picked_staff(page, staff_ids: list[str]) -> list[dict]:
    """The participants picked on the invitation form, with the name, role and school training knows them by."""
    staff_ids = list(dict.fromkeys(i for i in staff_ids if i))
    if not staff_ids:
        return []
    found = page.web.api.rpc("training", "staff", None, None, None, staff_ids, len(staff_ids))["staff"]
    known = {p["staff_id"]: p for p in page.q.readable_rows(page.user, found)}
    unknown = [i for i in staff_ids if i not in known]
    if unknown:
        raise HttpProblem(400, "Invalid request", errors={"staff_ids": [f"Unknown staff: {', '.join(unknown)}."]})
    return [{k: v for k, v in known[i].items() if v is not None} for i in staff_ids]


def people_of(page, staff_ids: list[str]) -> dict[str, dict]:
    """{staff number: person} of the staff training knows by these numbers, their names and schools: the
    certificates are awarded to people, not to numbers."""
    if not staff_ids:
        return {}
    found = page.web.api.rpc("training", "staff", None, None, None, staff_ids, len(staff_ids))["staff"]
    return {p["staff_id"]: p for p in page.q.readable_rows(page.user, found)}


def months(periods: list[dict], around: str = "") -> list[dict]:
    """Month grids (weeks of days, Monday first) from the month of `around` (or today), each day marked with
    the school calendar's period that covers it."""
    import calendar as cal
    from datetime import date

    try:
        first = date.fromisoformat((around + "-01")[:10]).replace(day=1) if around else date.today().replace(day=1)
    except ValueError:
        first = date.today().replace(day=1)
    out = []
    for step in range(2):
        year, month = first.year + (first.month - 1 + step) // 12, (first.month - 1 + step) % 12 + 1
        weeks = []
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            days = []
            for d in week:
                iso = d.isoformat()
                mark = next((p for p in periods if p["kind"] != "school_start"
                             and p["starts_on"] <= iso <= p["ends_on"]), None)
                days.append({"day": d, "iso": iso, "in_month": d.month == month, "period": mark})
            weeks.append(days)
        out.append({"first": date(year, month, 1), "weeks": weeks})
    before = date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)
    after = date(first.year + (first.month >= 11), (first.month + 1) % 12 + 1, 1)
    out[0]["previous"], out[-1]["next"] = before.isoformat()[:7], after.isoformat()[:7]
    return out


def queues(page) -> list[dict]:
    """The resources and training teams' work queues (and the coordinator's), counts linking to the lists."""
    role, _, out = page.user["role"], page._, []
    if role in ("coordinator", "resources"):
        rows = _catalogue(page)
        out.append({"title": _("Digital resources"), "entries": [
            {"href": "/resources?status=submitted", "count": sum(r["status"] == "submitted" for r in rows),
             "label": _("Resources awaiting the committee")},
            {"href": "/resources?status=revision", "count": sum(r["status"] == "revision" for r in rows),
             "label": _("Resources in revision")},
            {"href": "/dysfunctions", "count": len(page.q.dysfunctions(page.user, {})),
             "label": _("Open dysfunctions")}]})
    if role in ("coordinator", "training"):
        sessions = _sessions(page)
        out.append({"title": _("Training"), "entries": [
            {"href": "/trainings", "count": len(page.web.api.rpc("training", "trainings", current_school_year())),
             "label": _("Trainings of this school year")},
            {"href": "/trainings", "count": sum(s["status"] == "scheduled" for s in sessions),
             "label": _("Sessions scheduled")}]})
    return out


# The list a form's record is found in, for the forms of records without a page of their own.
LISTED_IN = {"resources/report_dysfunction": "/dysfunctions?",
             "resources/resolve_dysfunction": "/dysfunctions?status=resolved&",
             "resources/record_good_practice": "/practices?", "resources/record_local_research": "/research?",
             "resources/hold_awareness_workshop": "/workshops?"}


def landing(path: str, body: dict, data: dict) -> str:
    """Where a recorded resources or training form lands (a query string follows)."""
    if path == "resources/hold_validation_committee" and data.get("committee_id"):
        return f"/committees/{quote(data['committee_id'])}?"
    if path in LISTED_IN:
        return LISTED_IN[path]
    if path.startswith("resources/"):
        resource = data.get("resource_id") or body.get("resource_id")
        return f"/resources/{quote(resource)}?" if resource else "/resources?"
    session = data.get("session_id") or body.get("session_id")
    if session:
        return f"/sessions/{quote(session)}?"
    training = data.get("training_id") or body.get("training_id")
    if training:
        return f"/trainings/{quote(training)}?"
    return "/trainings?"


def _actions(page, paths, **args):
    query = "&".join(f"{k}={quote(str(v))}" for k, v in args.items() if v)
    return [(f"/forms/{p}" + (f"?{query}" if query else ""), page._(FORM_BY_PATH[p].title))
            for p in paths if page.web.may(page.user, p)]


# ---- digital resources

RESOURCE_FORMS = ["resources/receive_resource", "resources/distribute_resource", "resources/start_production_project",
                  "resources/submit_resource", "resources/hold_validation_committee",
                  "resources/hold_awareness_workshop", "resources/record_resource_usage",
                  "resources/record_good_practice", "resources/report_dysfunction",
                  "resources/resolve_dysfunction", "resources/record_local_research"]
STATUSES = ("received", "submitted", "revision", "approved", "rejected")


def resources(page):
    args = page.request.args
    rows = _catalogue(page)
    chosen = {k: args.get(k) for k in ("status", "subject", "format", "origin", "level", "q") if args.get(k)}
    if chosen.get("status") and chosen["status"] not in STATUSES:
        chosen.pop("status")
    shown = [r for r in rows if (not chosen.get("status") or r["status"] == chosen["status"])
             and (not chosen.get("subject") or r.get("subject") == chosen["subject"])
             and (not chosen.get("format") or r.get("format") == chosen["format"])
             and (not chosen.get("origin") or r.get("origin") == chosen["origin"])
             and (not chosen.get("level") or chosen["level"] in (r.get("levels") or []))
             and (not chosen.get("q") or chosen["q"].casefold() in r["title"].casefold())]
    if args.get("export") in ("csv", "xlsx"):
        return _export(page, "resources", [dict(r, levels=", ".join(r.get("levels") or []),
                                                schools=len(r.get("distributed_to") or [])) for r in shown],
                       args["export"])
    return page.render("resources.html", page._("Digital resources"), rows=shown, chosen=chosen,
                       statuses=STATUSES, subjects=sorted({r["subject"] for r in rows if r.get("subject")}),
                       levels=sorted({lv for r in rows for lv in r.get("levels") or []}),
                       actions=_actions(page, RESOURCE_FORMS), schools=page.school_names(),
                       committees=page.web.api.rpc("resources", "committees"),
                       projects=page.web.api.rpc("resources", "production_projects"),
                       submitted=Counter(r.get("project_id") for r in rows if r.get("project_id")))


def resource(page, resource_id):
    found = next((r for r in _catalogue(page) if r["resource_id"] == resource_id), None)
    if found is None:
        raise HttpProblem(404, "Not found", code="unknown_resource")
    paths = ["resources/distribute_resource"] if found["status"] in ("received", "approved") else []
    paths += ["resources/record_resource_usage"]
    follow_up = page.web.api.rpc("resources", "resource_follow_up", resource_id)
    usage = page.q.readable_rows(page.user, follow_up["usage"])  # a director, their school's uses only
    return page.render("resource.html", found["title"], resource=found, schools=page.school_names(), usage=usage,
                       decisions=follow_up["decisions"], actions=_actions(page, paths, resource_id=resource_id))


def committee(page, committee_id):
    minutes = page.web.api.rpc("resources", "committee_minutes", committee_id)
    titles = {r["resource_id"]: r["title"] for r in _catalogue(page)}
    return page.render("committee.html", page._("Minutes of the validation committee"), minutes=minutes,
                       titles=titles, heading=heading(page))


DYSFUNCTION_STATUSES = ("open", "resolved", "all")


class ListFilter(Schema):
    """The filters of the lists of dysfunctions, good practices, research and workshops."""
    school_code = fields.String(load_default=None, validate=CODE)
    cycle = fields.String(load_default=None, validate=validate.OneOf(inv.CYCLES))
    q = fields.String(load_default=None, validate=TEXT)
    status = fields.String(load_default="open", validate=validate.OneOf(DYSFUNCTION_STATUSES))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


# Each list: the instant it is dated by, the fields its search reads, whether it is of schools.
LISTS = {"dysfunctions": ("reported_at", ("description", "resolution"), True),
         "practices": ("recorded_at", ("teacher", "description"), True),
         "research": ("recorded_at", ("title", "findings", "recommendations"), False),
         "workshops": ("held_at", ("topic",), True)}


def _list_filter(page, which) -> tuple[dict, dict]:
    """The list's filters as asked; a wrong one is said next to its field and the list shows the rest."""
    wanted = {k: v.strip() for k, v in page.request.args.items() if k in ListFilter._declared_fields and v.strip()}
    if not LISTS[which][2]:
        wanted = {k: v for k, v in wanted.items() if k not in ("school_code", "cycle")}
    if which != "dysfunctions":
        wanted.pop("status", None)
    wanted, unknown = page.typed_filters(wanted)  # a school by its code or its whole name, a day as written here
    try:
        return ListFilter().load(wanted), unknown
    except ValidationError as exc:
        errors = dict(page.messages(exc.messages), **unknown)
        return ListFilter().load({k: v for k, v in wanted.items() if k not in errors}), errors


def resource_lists(page, which):
    rpc, user = page.web.api.rpc, page.user
    params, errors = _list_filter(page, which)
    dated_by, searched, of_schools = LISTS[which]
    school = page.q.own_school(user, params["school_code"]) if of_schools else None
    schools = page.school_names()
    if which == "dysfunctions":
        status = params["status"]
        rows = rpc("resources", "dysfunctions", school, None if status == "all" else status)
        title = {"open": page._("Open dysfunctions"), "resolved": page._("Resolved dysfunctions"),
                 "all": page._("Dysfunctions")}[status]
    elif which == "practices":
        rows, title = rpc("resources", "good_practices", school), page._("Good practices")
    elif which == "research":
        rows, title = rpc("resources", "local_research"), page._("Local research")
    else:
        rows, title = rpc("resources", "workshops", school), page._("Awareness workshops")
    if of_schools:
        key = "school_codes" if which == "workshops" else "school_code"
        rows = [r for r in rows if _of_schools(r.get(key), schools, params["cycle"])]
    if params["q"]:
        needle = params["q"].casefold()
        rows = [r for r in rows if any(needle in (r.get(k) or "").casefold() for k in searched)]
    rows = dated(rows, dated_by, params)
    if which == "dysfunctions":
        today = local_date(datetime.now(timezone.utc))
        for r in rows:  # how long each open one has waited
            r["age_days"] = None if r.get("resolved_at") else \
                (today - local_date(datetime.fromisoformat(r["reported_at"]))).days
            r["status"] = "resolved" if r.get("resolved_at") else "open"
        rows.sort(key=lambda r: (r["status"] != "open", r["reported_at"]))  # the oldest open first
    query = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
             if v is not None and not (k == "status" and which != "dysfunctions")}
    if page.request.args.get("export") in ("csv", "xlsx"):
        return _export(page, which, [dict(r, schools=len(r.get("school_codes") or [])) for r in rows],
                       page.request.args["export"])
    return page.render("resource_lists.html", title, rows=rows, which=which, schools=schools, params=params,
                       errors=errors, of_schools=of_schools, cycles=inv.CYCLES, query=query_string(query),
                       pick={"schools": list(schools.values())})


def _of_schools(codes, schools: dict, cycle) -> bool:
    """A row of the reader's schools (a regional viewer reads their region's), of the cycle asked."""
    codes = [c for c in (codes if isinstance(codes, list) else [codes]) if c in schools]
    return bool(codes) and (cycle is None or any(schools[c].get("cycle") == cycle for c in codes))


# ---- training

TRAINING_FORMS = ["training/plan_training", "training/schedule_session", "training/load_school_calendar"]


def trainings(page):
    year = page.request.args.get("school_year") or current_school_year()
    rows = page.web.api.rpc("training", "trainings", year)
    return page.render("trainings.html", page._("Trainings"), rows=rows, school_year=year,
                       actions=_actions(page, TRAINING_FORMS))


def training(page, training_id):
    found = page.q.training(page.user, {}, training_id)
    paths = ["training/schedule_session", "training/award_certificates", "training/evaluate_training"]
    return page.render("training.html", found["title"], training=found,
                       evaluation=page.web.api.rpc("training", "evaluation", training_id),
                       people=people_of(page, [c["staff_id"] for c in found.get("certificates") or []]),
                       actions=_actions(page, paths, training_id=training_id))


def session(page, session_id):
    found = page.q.session(page.user, {}, session_id)
    training = page.web.api.rpc("training", "training", found["training_id"]) or {}
    paths = ["training/invite_participants", "training/record_attendance", "training/complete_session",
             "training/cancel_session"]
    days = []
    if page.request.args.get("sheet") == "blank":
        from datetime import date, timedelta

        first, last = date.fromisoformat(found["starts_on"]), date.fromisoformat(found["ends_on"])
        days = [first + timedelta(n) for n in range((last - first).days + 1)]
    return page.render("session.html", page._("Attendance sheet") if days else page._("Convocation list"),
                       session=found, training=training, schools=page.school_names(), heading=heading(page),
                       days=days, actions=_actions(page, paths, session_id=session_id))


def certificate(page, training_id, staff_id):
    found = page.q.training(page.user, {}, training_id)
    certificate = next((c for c in found.get("certificates") or [] if c["staff_id"] == staff_id), None)
    if certificate is None:
        raise HttpProblem(404, "Not found", code="not_found")
    person = {"name": staff_id}
    for s in found.get("sessions") or []:
        invited = page.q.session(page.user, {}, s["session_id"]).get("participants") or []
        person = next((p for p in invited if p["staff_id"] == staff_id), None) or person
        if person.get("role"):
            break
    return page.render("certificate.html", page._("Certificate"), training=found, certificate=certificate,
                       person=person, heading=heading(page))


def convocation_csv(page, session_id):
    # The people the page shows: a director's list holds their school's staff, not other schools'.
    shown = page.q.session(page.user, {}, session_id).get("participants") or []
    content = page.web.api.rpc("training", "convocation_list", session_id, "csv", page.L.code,
                               [p["staff_id"] for p in shown])
    text = content if isinstance(content, str) else content.get("content", "")
    return Response(("\ufeff" + text).encode(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="convocation-{session_id}.csv"'})


def _export(page, listing, rows, fmt):
    from . import exports

    content, mimetype = exports.table(listing, rows, fmt, page.L.code)
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="genie-{listing}.{fmt}"'})


def annual_summary(page):
    year = page.request.args.get("school_year") or current_school_year()
    summary = page.web.api.rpc("training", "annual_summary", year)
    if page.request.args.get("export") in ("csv", "xlsx"):
        return _export(page, "annual_summary", summary["by_training"], page.request.args["export"])
    return page.render("annual_summary.html", page._("Annual summary of the training axis"), summary=summary,
                       school_year=year, heading=heading(page))


def route(page, path):
    if path == "/trainings/summary":
        return annual_summary(page)
    if path == "/resources":
        return resources(page)
    if path in ("/dysfunctions", "/practices", "/research", "/workshops"):
        return resource_lists(page, path[1:])
    if path == "/trainings":
        return trainings(page)
    if path.startswith("/trainings/") and "/certificates/" in path:
        training_id, _, staff_id = path[len("/trainings/"):].partition("/certificates/")
        return certificate(page, training_id, staff_id)
    for prefix, view in (("/resources/", resource), ("/committees/", committee), ("/trainings/", training)):
        if path.startswith(prefix) and len(path) > len(prefix):
            return view(page, path[len(prefix):])
    if path.startswith("/sessions/"):
        rest = path[len("/sessions/"):]
        if rest.endswith("/convocation.csv"):
            return convocation_csv(page, rest[:-len("/convocation.csv")])
        return session(page, rest)
    return None
