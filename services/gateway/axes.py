"""The digital resources and training axes in the browser: what their forms offer to pick, what each form
shows beside its fields, where a recorded form lands, and their lists and documents. Each page is
`name(page, ...)` over the `Pages` of one request."""
from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from werkzeug.wrappers import Response

from .forms import FORM_BY_PATH, Form
from .http import HttpProblem
from .lists import heading
from .queries import current_school_year
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


def picks(page, form: Form) -> dict:
    """The searchable lists the form's pickers need: resources, trainings, sessions, dysfunctions, projects."""
    wanted = {f.widget for f in form.fields} & set(PICKED)
    found = {}
    if "resource" in wanted:
        statuses = {c for f in form.fields if f.widget == "resource" for c in f.choices}
        found["resources"] = [r for r in _catalogue(page) if not statuses or r["status"] in statuses]
    if "training" in wanted:
        found["trainings"] = page.web.api.rpc("training", "trainings", None)
    if "session" in wanted:
        found["sessions"] = _sessions(page)
    if "dysfunction" in wanted:
        found["dysfunctions"] = page.q.dysfunctions(page.user, {})
    if "project" in wanted:
        found["projects"] = page.web.api.rpc("resources", "production_projects")
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
    session_id = (values.get("session_id") or "").split("·")[0].strip()
    if path in ("training/record_attendance", "training/invite_participants") and session_id:
        return {"session": rpc("training", "session", session_id)}
    training_id = (values.get("training_id") or "").split("·")[0].strip()
    if path == "training/award_certificates" and training_id:
        return {"eligibility": rpc("training", "certification_status", training_id)}
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


def landing(path: str, body: dict, data: dict) -> str:
    """Where a recorded resources or training form lands (a query string follows)."""
    if path == "resources/hold_validation_committee" and data.get("committee_id"):
        return f"/committees/{quote(data['committee_id'])}?"
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
                       committees=page.web.api.rpc("resources", "committees"))


def resource(page, resource_id):
    found = next((r for r in _catalogue(page) if r["resource_id"] == resource_id), None)
    if found is None:
        raise HttpProblem(404, "Not found", code="unknown_resource")
    paths = ["resources/distribute_resource"] if found["status"] in ("received", "approved") else []
    paths += ["resources/record_resource_usage"]
    return page.render("resource.html", found["title"], resource=found, schools=page.school_names(),
                       actions=_actions(page, paths, resource_id=resource_id))


def committee(page, committee_id):
    minutes = page.web.api.rpc("resources", "committee_minutes", committee_id)
    titles = {r["resource_id"]: r["title"] for r in _catalogue(page)}
    return page.render("committee.html", page._("Minutes of the validation committee"), minutes=minutes,
                       titles=titles, heading=heading(page))


def resource_lists(page, which):
    rpc = page.web.api.rpc
    if which == "dysfunctions":
        rows = sorted(page.q.dysfunctions(page.user, {}), key=lambda r: r.get("reported_at") or "")
        title = page._("Open dysfunctions")
    elif which == "practices":
        rows, title = rpc("resources", "good_practices", None), page._("Good practices")
    elif which == "research":
        rows, title = rpc("resources", "local_research"), page._("Local research")
    else:
        rows, title = rpc("resources", "workshops", None), page._("Awareness workshops")
    if page.request.args.get("export") in ("csv", "xlsx"):
        return _export(page, which, rows, page.request.args["export"])
    return page.render("resource_lists.html", title, rows=rows, which=which, schools=page.school_names())


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
    page.q.session(page.user, {}, session_id)  # the same scope as the page
    content = page.web.api.rpc("training", "convocation_list", session_id, "csv", page.L.code)
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
