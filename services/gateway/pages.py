"""The pages, one method each, for one request in one language. They read through `Queries` (the API's
reads, with the same scope filters) and run commands through `commands.run`."""
from __future__ import annotations

import re
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from services.inventory import schemas as inv
from shared.catalogue import ASSET_KINDS, BUNDLES

from . import axes, commands, form_pages, indicator_pages, lists, people
from .access import Refused
from .activity import school_words
from .forms import FORM_BY_PATH, FORMS, SCHOOL_FIELDS, Form, holds_a_day, school_code_of
from .http import HttpProblem, rule_codes
from .i18n import Lang, day_rule, days_read
from .picking import school_of
from .queries import current_school_year, semester_start  # noqa: F401  (the home's queue)
from .templating import environment, isolated, query_string  # noqa: F401  (isolated: said from here too)


# The field a business rule's refusal is about, to say it there when the form has that field.
RULE_FIELD = {"unknown_school": "school_code", "unknown_asset": "serial", "asset_already_assigned": "serial",
              "asset_decommissioned": "serial", "serial_already_known": "serial", "same_school": "to_school",
              "report_required": "report", "not_observed_unused": "serials", "asset_in_open_transfer": "serials",
              "work_status_not_forward": "status", "serial_expected_here": "unexpected_serials",
              "school_calendar_not_loaded": "calendar_override_reason",
              "session_overlaps_school_calendar": "calendar_override_reason",
              "session_outside_school_year": "starts_on",
              "resource_not_approved": "resource_id", "resource_rejected": "resource_id",
              "resource_already_approved": "resource_id", "resource_not_submitted": "resource_id",
              "usage_period_overlaps": "period_start", "resource_not_distributed_to_school": "resource_id",
              "usage_starts_before_distribution": "period_start",
              "day_outside_session": "day", "attendance_day_in_future": "day", "attendance_already_recorded": "day",
              "session_not_over": "session_id", "session_cancelled": "session_id", "session_completed": "session_id",
              "no_session_completed": "training_id", "training_not_certifying": "training_id",
              "sessions_still_open": "training_id", "dysfunction_already_resolved": "dysfunction_id",
              "no_school_matches": "cycle"}


def equipment_status(asset: dict) -> str:
    """An item's status at its school as the register says it: unused or broken at the last visit, else
    installed or only assigned."""
    if asset.get("observation") in ("unused", "broken"):
        return asset["observation"]
    return "installed" if asset.get("installed") else "assigned"


def visit_findings(observations: list[dict]) -> list[tuple[str, int]]:
    """How many items a visit found in use, unused, broken or missing, in that order, those found."""
    counts = {}
    for o in observations:
        counts[o.get("status")] = counts.get(o.get("status"), 0) + 1
    return [(status, counts[status]) for status in OBSERVED if counts.get(status)]


OBSERVED = ("in_use", "unused", "broken", "missing")


ASSET_SELECTS = [("kind", "kind", ASSET_KINDS), ("bundle", "bundle", BUNDLES),
                 ("status", "asset_status", inv.ASSET_STATUSES), ("warranty", "warranty", inv.WARRANTY_STATES)]
SCHOOL_SELECTS = [("cycle", "cycle", inv.CYCLES), ("setting", "setting", inv.SETTINGS),
                  ("connectivity", "connectivity", ("connected", "disconnected", "unknown")),
                  ("filtering", "filtering", ("active", "inactive", "unknown")),
                  ("visit", "school_visit", ("none",)), ("audit", "school_audit", ("due",))]


def flatten(errors, prefix=""):
    """[(path, codes)] of a nested errors dict: `items.3.kind`."""
    out = []
    for key, value in (errors or {}).items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.extend(flatten(value, path))
        else:
            out.append((path, value))
    return out


# What an academy's or the country's gateway shows: its provinces' figures, and who did what.
READING_PAGES = ("/dashboard", "/pivot", "/activity", "/password", "/forms/accounts/password")


def reading_tier() -> bool:
    from shared.config import READING_TIERS, tier

    return tier() in READING_TIERS


class Pages:
    def __init__(self, web, request, lang):
        self.web, self.request = web, request
        self.L = Lang(lang)
        self.env = environment(self.L.code)
        self.user = None
        self.school_shown: dict = {}  # what each school filter of the page shows back (see schools_filtered)
        self.days_typed: dict = {}  # what was typed in a date field that is no day, by field: shown back, refused

    @property
    def q(self):
        return self.web.api.queries

    def _(self, message, **values):
        return self.L.gettext(message, **values)

    # ---- rendering

    def menu(self):
        user = self.user
        if user is None:
            return []
        role, _ = user["role"], self._
        if reading_tier():
            return [("/dashboard", _("Indicators")), ("/activity", _("Activity log"))]
        items = [("/", _("My work"))]
        if role in ("coordinator", "infrastructure", "viewer"):
            items += [("/equipment", _("Equipment")), ("/schools", _("Schools"))]
        if role in ("coordinator", "infrastructure"):
            items += [("/deliveries", _("Deliveries")), ("/transfers", _("Transfers")), ("/audits", _("Audits")),
                      ("/renewal", _("Renewal plan"))]
        if role == "technician":
            items += [("/equipment", _("Equipment"))]
        if role in ("coordinator", "infrastructure", "technician", "school_director"):
            items += [("/faults", _("Faults"))]
        if role == "school_director":
            items += [(f"/schools/{user['scope'].partition(':')[2]}", _("My school"))]
        if role in ("coordinator", "resources", "viewer"):
            items += [("/resources", _("Digital resources"))]
        if role in ("coordinator", "training", "viewer"):
            items += [("/trainings", _("Trainings"))]
        if role in ("resources", "training"):
            items += [("/schools", _("Schools"))]
        items += [("/dashboard", _("Indicators"))]
        if role in ("coordinator", "viewer"):
            items += [("/activity", _("Activity log"))]
        if role == "coordinator":
            items += [("/accounts", _("Accounts"))]
        return items

    def render(self, template, title, http_status=200, **ctx) -> Response:
        here = self.request.full_path.rstrip("?")
        ctx = {"done": self._done(), **ctx}  # a page may say what was done in its own words
        html = self.env.get_template(template).render(
            title=title, user=self.user, menu=self.menu(), here=here, here_path=self.request.path.rstrip("/") or "/",
            field_label=self.field_label, school_shown=self.school_shown, days_typed=self.days_typed, **ctx)
        return Response(html, status=http_status, mimetype="text/html")

    # What a form recorded for several people at once, said with how many.
    COUNTED = {"participant_invited": lambda L, n: L.ngettext("%(num)s participant invited",
                                                              "%(num)s participants invited", n),
               "certification_awarded": lambda L, n: L.ngettext("%(num)s certificate awarded",
                                                                "%(num)s certificates awarded", n)}

    def _done(self):
        done, n = self.request.args.get("done"), self.request.args.get("n", "")
        if done in self.COUNTED and n.isdigit():
            return self.COUNTED[done](self.L, int(n))
        day = self.request.args.get("day", "")
        if done == "attendance_recorded" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            try:
                return self._("Attendance of %(day)s recorded", day=self.L.date(day))
            except ValueError:
                pass  # not a day of the calendar: said without it
        return self.L.term("event", done) if done else None

    def error(self, message, status, title=None):
        # Above the provinces there is no work queue: the way back is the indicators.
        back = ("/dashboard", self._("Back to the indicators")) if reading_tier() else ("/", self._("Back to my work"))
        return self.render("error.html", title or self._("Refused"), http_status=status, message=message, back=back)

    def field_label(self, path: str, first_line: int = 1) -> str:
        """A field's name in an error's summary; a line's field with its line, counted as the person counts:
        from 1 on a form's table, from the file's line under its heading (`first_line`) for a file's lines; a
        file read by a service (`lines.<n>`) names its lines itself."""
        parts = path.split(".")
        names = [p for p in parts if not p.isdigit()]
        line = next((p for p in parts if p.isdigit()), None)
        label = self.L.term("field", names[-1] if names else path)
        if line is not None:
            if parts[0] != "lines":
                line = int(line) + first_line
            return self._("Line %(line)s", line=line) + " — " + label
        return label

    def messages(self, errors) -> list[tuple[str, str]]:
        """[(path, message in the page's language)] of a problem's errors, from their stable codes."""
        return [(path, " ".join(self.L.term("field_rule", c) for c in (codes if isinstance(codes, list) else [codes])))
                for path, codes in flatten(rule_codes(errors))]

    # ---- routing

    def route(self, path: str) -> Response:
        if reading_tier() and path not in READING_PAGES:
            if path in ("/", "/work"):
                return redirect("/dashboard")
            # Lists and records are the provinces' own: an academy reads their figures.
            return self.error(self._("This system reads its provinces' indicators; equipment, faults, resources "
                                     "and trainings are kept by each province's own system."), 404,
                              title=self._("Not found"))
        if path == "/":
            return self.home()
        if path == "/dashboard":
            return self.dashboard()
        if path == "/pivot":
            return indicator_pages.pivot(self)
        if path == "/reports":
            return indicator_pages.reports(self)
        if path == "/work":
            return self.home()
        if path == "/schools":
            return self.schools()
        if path.startswith("/schools/"):
            return self.school(path[len("/schools/"):])
        if path == "/assets":
            return self.asset()
        if path == "/equipment":
            return self.equipment()
        if path == "/replacements":
            return self.replacements()
        for more in (people, axes):
            found = more.route(self, path)
            if found is not None:
                return found
        if path.startswith("/forms/"):
            return self.form(path[len("/forms/"):])
        found = lists.route(self, path)
        if found is not None:
            return found
        raise HttpProblem(404, "Not found", code="not_found")

    # ---- home: the work queue of each role

    def home(self):
        user, _ = self.user, self._
        role = user["role"]
        queues = []
        if role in ("coordinator", "infrastructure"):
            transfers = self.q.transfers(user, {"status": "open"})
            proposed = [t for t in transfers if t.get("status") == "proposed"]
            approved = [t for t in transfers if t.get("status") == "approved"]
            unused = self.q.equipment(user, {"status": "unused", "per_page": 1})["total"]
            stock = self.q.equipment(user, {"status": "in_stock", "per_page": 1})["total"]
            schools = self.q.schools(user, {})
            since = semester_start().isoformat()
            visited = self.web.api.rpc("inventory", "last_visits")
            unvisited = [s for s in schools if (visited.get(s["school_code"]) or "")[:10] < since]
            year_start = f"{current_school_year()[:4]}-09-01"
            audited = {a["school_code"] for a in self.q.audits(user, {}) if a["occurred_at"][:10] >= year_start}
            deliveries = [d for d in self.q.deliveries(user) if d["assigned"] < d["items"]]
            queues.append({"title": _("Equipment and schools"), "entries": [
                {"href": "/transfers?status=proposed", "count": len(proposed), "label": _("Transfers awaiting a decision")},
                {"href": "/transfers?status=approved", "count": len(approved), "label": _("Approved transfers to complete")},
                {"href": "/equipment?status=unused", "count": unused, "label": _("Equipment found unused at the last visit")},
                {"href": "/schools?visit=none", "count": len(unvisited), "label": _("Schools not visited this semester")},
                {"href": "/schools?audit=due", "count": len([s for s in schools if s["school_code"] not in audited]),
                 "label": _("Schools whose audit of this year is due")},
                {"href": "/deliveries?open=1", "count": len(deliveries), "label": _("Deliveries not yet fully assigned")},
                {"href": "/equipment?status=in_stock", "count": stock, "label": _("Equipment in stock")},
            ]})
        if role in ("coordinator", "infrastructure", "technician"):
            faults = self.q.faults(user, {}, described=False)
            queues.append({"title": _("Maintenance"), "entries": [
                {"href": "/faults", "count": len(faults), "label": _("Open faults")},
                {"href": "/faults?claim=awaiting", "count": len([f for f in faults if f.get("claim_ref")
                                                                 and not f.get("repaired_at")
                                                                 and not f.get("replaced_at")]),
                 "label": _("Warranty claims awaiting an answer")},
                {"href": "/faults?older_than=15", "count": len(self.q.overdue_faults(user, {})),
                 "label": _("Faults open for more than 15 days")},
                {"href": "/warranties", "count": len(self.q.warranty_expiring(user, {})),
                 "label": _("Warranties ending within 60 days")},
            ]})
            if role == "coordinator":
                waiting = self.q.replacements_waiting(user, {})
                queues[-1]["entries"].append({"href": "/replacements", "count": len(waiting),
                                              "label": _("Replacements inventory could not apply, to settle")})
        if role == "school_director":
            code = user["scope"].partition(":")[2]
            page = self.q.school(user, {}, code)
            waiting = [a for a in page["equipment"] if not a.get("installed")]
            queues.append({"title": _("My school"), "entries": [
                {"href": f"/schools/{code}#equipment", "count": len(page["equipment"]), "label": _("Equipment in service")},
                {"href": "/forms/inventory/confirm_installation", "count": len(waiting),
                 "label": _("Equipment to confirm as installed")},
                {"href": "/faults", "count": len(page["faults"]), "label": _("Open faults")},
                {"href": f"/schools/{code}#visits", "count": len(page["visits"]), "label": _("Follow-up visits")},
            ]})
        queues += axes.queues(self)
        if not queues:
            return self.dashboard()
        forms = [(f"/forms/{f.path}", self._(f.title)) for f in FORMS if self.web.may(user, f.path)]
        return self.render("home.html", _("My work"), queues=queues, forms=forms)

    # ---- indicators

    def dashboard(self):
        return indicator_pages.dashboard(self)

    # ---- schools

    def _params(self, endpoint, allowed=None, values=None):
        """A page's query string loaded by the API's schema; what is wrong is said next to its filter and the
        page shows the rest."""
        values = {k: v for k, v in (self.request.args if values is None else values).items()
                  if v != "" and k not in ("lang", "done") and (allowed is None or k in allowed)}
        values, unnamed = self.typed_filters(values)
        try:
            return self.web.api.query_params(endpoint, values), unnamed
        except HttpProblem as exc:
            errors = dict(self.messages(exc.errors), **unnamed)
            good = {k: v for k, v in values.items() if k not in errors}
            return self.web.api.query_params(endpoint, good), errors

    def typed_filters(self, values: dict) -> tuple[dict, dict]:
        """A list's filters as people type them: a school by its name (`schools_filtered`), a day as it is written
        here (05/12/2026); those that name no school or no day left out, with what to say beside them."""
        values, unnamed = self.schools_filtered(values)
        values, unread = self.days_filtered(values, ("since", "until"))
        return values, dict(unnamed, **unread)

    def days_filtered(self, values: dict, names) -> tuple[dict, dict]:
        """`values` with the days typed in its fields `names` as ISO days; those that are no day left out, with
        what to say beside them, their field showing back what was typed."""
        values, unread = days_read(values, names)
        self.days_typed.update(unread)
        return ({k: v for k, v in values.items() if k not in unread},
                {k: self.L.term("field_rule", day_rule(v)) for k, v in unread.items()})

    def schools_filtered(self, values: dict) -> tuple[dict, dict]:
        """A list's school filters typed by a school's name as its code; those that name no school (or several)
        left out, with what to say beside them. The filter then shows the school it found by its name (code
        beside), or what was typed where it found none, to be mended."""
        typed = {k: values[k] for k in SCHOOL_FIELDS if isinstance(values.get(k), str)}
        if not typed:
            return values, {}
        schools = self.q.schools(self.user, {})
        values, unnamed = dict(values), {}
        for key, text in typed.items():
            code, rule = school_of(school_code_of(text), schools)
            school = next((s for s in schools if s["school_code"] == code), None)
            if school is None:  # a filter picks among the person's schools: a code none of them has would find nothing
                del values[key]
                unnamed[key] = self.L.term("field_rule", rule or "school_not_named")
                self.school_shown[key] = text
            else:
                values[key] = code
                self.school_shown[key] = school_words(self.L, school)
        return values, unnamed

    def schools(self):
        params, errors = self._params("schools")
        rows = self.q.schools(self.user, params)
        communes = sorted({r["commune"] for r in self.q.schools(self.user, {})})
        return self.render("schools.html", self._("Schools"), rows=rows, params=params, errors=errors,
                           communes=communes, selects=SCHOOL_SELECTS, query=lists.shown(params),
                           can_register=self.web.may(self.user, "inventory/register_school"))

    def school(self, code):
        data = self.q.school(self.user, {}, code)
        school = data["school"]
        serial_of = {a.get("asset_id"): a.get("serial") for a in data["equipment"]}
        faults = [dict(f, serial=serial_of.get(f.get("asset_id"))) for f in data["faults"]]
        indicators = {i["id"]: i for i in data["indicators"]["indicators"]}
        resources = data["resources"]
        if isinstance(resources, dict):
            resources = resources.get("resources") or []
        actions = [(f"/forms/{path}?school_code={code}", self._(FORM_BY_PATH[path].title)) for path in (
            "inventory/record_usage_visit", "inventory/complete_inventory_audit", "inventory/confirm_installation",
            "maintenance/declare_fault", "inventory/record_connectivity", "inventory/record_filtering",
            "inventory/record_census", "inventory/record_infrastructure_work", "resources/record_resource_usage")
            if self.web.may(self.user, path)]
        name = school.get("name_ar" if self.L.code == "ar" else "name_fr") or code
        equipment = [dict(a, status=a.get("status") or equipment_status(a)) for a in data["equipment"]]
        visits = [dict(v, found=visit_findings(v.get("observations") or [])) for v in data["visits"]]
        return self.render("school.html", name, school=school, equipment=equipment, faults=faults,
                           visits=visits, resources=resources, actions=actions,
                           may_follow_works=self.web.may(self.user, "inventory/record_infrastructure_work"),
                           trained=indicators.get("TRN03", {}).get("value"),
                           certified=indicators.get("TRN06", {}).get("value"))

    def school_names(self) -> dict:
        return {s["school_code"]: s for s in self.q.schools(self.user, {})}

    # ---- replacements inventory could not apply

    def replacements(self):
        rows = self.q.replacements_waiting(self.user, {})
        may_settle = self.web.may(self.user, "inventory/resolve_replacement")
        return self.render("replacements.html", self._("Replacements to settle"), rows=rows,
                           schools=self.school_names(), can_settle=may_settle)

    # ---- equipment

    def equipment(self):
        params, errors = self._params("equipment")
        if params.get("school_code"):
            params["school_code"] = school_code_of(params["school_code"])
        result = self.q.equipment(self.user, params)
        schools = self.school_names()
        deliveries = self.q.deliveries(self.user)
        if self.user["scope"].partition(":")[0] in ("school", "region"):  # no deliveries: their items' suppliers
            suppliers = {a["supplier"] for a in self.q.equipment(self.user, {"per_page": 0})["items"]}
        else:  # every item came in a delivery, each from one supplier
            suppliers = {d["supplier"] for d in deliveries}
        shown = {k: v for k, v in params.items() if k not in ("page", "per_page") and v not in (None, False)}
        if shown.get("sort") == "serial":
            shown.pop("sort")
        sorts = [("serial", self._("Serial number")), ("kind", self._("Kind")), ("school", self._("School")),
                 ("received", self._("Received on")), ("warranty", self._("Warranty ends on"))]
        return self.render("equipment.html", self._("Register of equipment"), result=result, params=params,
                           errors=errors, schools=schools, selects=ASSET_SELECTS, sorts=sorts,
                           communes=sorted({s["commune"] for s in schools.values()}),
                           suppliers=sorted(suppliers),
                           query=query_string(shown), args=lambda **kw: query_string(shown, **kw),
                           pick={"schools": list(schools.values()), "deliveries": deliveries})

    def asset(self):
        serial = self.request.args.get("serial", "").strip()
        ctx = {"serial": serial, "errors": {}, "asset": None}
        if serial:
            try:
                found = self.q.asset(self.user, self.web.api.query_params("asset", {"serial": serial}))
            except HttpProblem as exc:
                ctx["errors"] = {"serial": self.L.term("rule", exc.code) if exc.code else
                                 dict(self.messages(exc.errors)).get("serial", self._("Not accepted."))}
            else:
                ctx.update(self.asset_context(found))
        title = ctx["asset"]["serial"] if ctx["asset"] else self._("Find equipment")
        return self.render("asset.html", title, **ctx)

    def asset_context(self, found) -> dict:
        asset = found["asset"]
        schools = self.school_names()
        row = self.q.equipment(self.user, {"q": asset["serial"], "per_page": 0})["items"]
        line = next((r for r in row if r["asset_id"] == asset["asset_id"]), {})
        story = [self.story_line(e, schools, asset["asset_id"]) for e in found.get("timeline") or []]
        for f in found.get("faults") or []:
            story.extend(self.fault_story(f))
        story.sort(key=lambda s: s["at"])
        actions = []
        serial = quote(asset["serial"], safe="")
        if asset.get("in_service") is False:
            pass  # out of service for good: nothing more to record about it
        elif asset.get("school_code"):
            school = quote(asset["school_code"], safe="")
            for path in ("maintenance/declare_fault", "inventory/record_usage_visit",
                         "inventory/confirm_installation", "inventory/propose_transfer",
                         "inventory/decommission_equipment"):
                if path.endswith("confirm_installation") and line.get("status") != "assigned":
                    continue
                if path.endswith("propose_transfer") and line.get("status") != "unused":
                    continue  # only what a visit found unused may be transferred
                if self.web.may(self.user, path):
                    where = "from_school" if path.endswith("propose_transfer") else "school_code"
                    actions.append((f"/forms/{path}?{where}={school}&serial={serial}",
                                    self._(FORM_BY_PATH[path].title)))
        else:
            for path in ("inventory/assign_equipment", "inventory/decommission_equipment"):
                if self.web.may(self.user, path):
                    actions.append((f"/forms/{path}?serial={serial}", self._(FORM_BY_PATH[path].title)))
        return {"asset": asset, "schools": schools, "asset_status": line.get("status"), "warranty": line.get("warranty"),
                "warranty_ends_on": line.get("warranty_ends_on"), "story": story, "faults": found.get("faults") or [],
                "actions": actions}

    def _school_words(self, code, schools):
        school = schools.get(code)
        return school_words(self.L, school) if school else code or "—"

    def story_line(self, env, schools, asset_id=None) -> dict:
        from .vocabulary import STORY

        data = dict(env.get("data") or {})
        kind = env["event_type"]
        data["school"] = self._school_words(data.get("school_code"), schools)
        for key in ("from_school", "to_school"):
            if data.get(key):
                data[key] = self._school_words(data[key], schools)
        if str(data.get("delivery_ref") or "").startswith("replacement:"):
            data["delivery_ref"] = self._("Replacement after a fault")  # no note: the fault's replacement
        if kind == "usage_visit_recorded":
            mine = [o for o in data.get("observations") or [] if o.get("asset_id") == asset_id]
            status = (mine[0]["status"] if mine else None)
            data["observation"] = self.L.term("observation", status) if status else "—"
        if kind == "inventory_audit_completed":
            mine = [f for f in data.get("findings") or [] if f.get("asset_id") == asset_id]
            data["finding"] = self.L.term("finding", mine[0]["status"]) if mine else "—"
        sentence = STORY.get(kind)
        try:
            text = isolated(self._(sentence), data, self.L.dir == "rtl") if sentence else self.L.term("event", kind)
        except (KeyError, TypeError, ValueError):
            text = self.L.term("event", kind)
        return {"at": env["occurred_at"], "text": text, "who": self.who(env.get("actor"))}

    def who(self, actor) -> str:
        """Who recorded a fact: their name and their role in words."""
        actor = actor or {}
        if not actor.get("user"):
            return "—"
        return f"{actor['user']} ({self.L.term('role', actor.get('role'))})"

    def warranty_words(self, warranty, ends_on) -> str:
        """An item's warranty said in words: running (or ending soon) until a day, or ended on a day."""
        if not ends_on:
            return ""
        day = self.L.date(ends_on)
        if warranty == "ended":
            return self._("Warranty ended on %(day)s", day=day)
        return self._("Under warranty, ending on %(day)s", day=day)

    def fault_story(self, f) -> list[dict]:
        """A fault's life in words, each step with who recorded it (from maintenance's steps of the fault)."""
        _ = self._
        by = {s["event_type"]: s.get("actor") for s in f.get("steps") or []}
        rtl = self.L.dir == "rtl"

        def said(sentence, **values):
            return isolated(sentence, values, rtl)

        lines = [{"at": f["declared_at"], "text": said(_("Fault declared: %(symptom)s"), symptom=f["symptom"]),
                  "who": self.who(by.get("fault_declared"))}]
        if f.get("claimed_at"):
            lines.append({"at": f["claimed_at"], "text": said(_("Warranty claim %(claim_ref)s filed with the supplier"),
                                                              claim_ref=f["claim_ref"]),
                          "who": self.who(by.get("warranty_claim_filed"))})
        if f.get("repaired_at"):
            lines.append({"at": f["repaired_at"], "text": said(_("Repaired: %(action)s"), action=f["repair_action"]),
                          "who": self.who(by.get("repair_completed"))})
        if f.get("replaced_at"):
            lines.append({"at": f["replaced_at"], "text": said(_("Replaced by %(new_serial)s"), new_serial=f["new_serial"]),
                          "who": self.who(by.get("equipment_replaced"))})
        if f.get("closed_at"):
            lines.append({"at": f["closed_at"], "text": said(_("Fault closed: %(resolution)s"),
                                                             resolution=self.L.term("resolution", f["resolution"])),
                          "who": self.who(by.get("fault_closed"))})
        return lines

    # ---- forms

    def picks(self, form: Form, values) -> dict:
        user = self.user
        widgets = {f.widget for f in form.fields}
        pick = {"schools": self.q.schools(user, {}), "assets": [], "faults": None, "transfers": {},
                "deliveries": None}
        school = school_code_of(values.get("school_code") or values.get("from_school") or "")
        if user["scope"].startswith("school:"):
            school = user["scope"].partition(":")[2]
        if "asset" in widgets or form.template != "form.html":
            query = {"per_page": 0}
            if school:
                query["school_code"] = school
            try:
                pick["assets"] = [a for a in self.q.equipment(user, query)["items"] if a["status"] != "decommissioned"]
            except (HttpProblem, Refused):
                pick["assets"] = []
        if "fault" in widgets:
            names = {s["school_code"]: s["name_ar" if self.L.code == "ar" else "name_fr"] for s in pick["schools"]}
            pick["faults"] = [dict(f, school_name=names.get(f.get("school_code")))  # each with its asset's serial
                              for f in self.q.faults(user, {})]
            if form.path == "maintenance/file_warranty_claim":  # a claim is for a fault under warranty, once
                pick["faults"] = [f for f in pick["faults"] if f.get("under_warranty") and not f.get("claim_ref")]
        for f in form.fields:
            if f.widget == "transfer":
                key = "-".join(f.choices)
                pick["transfers"][key] = [t for t in self.q.transfers(user, {"status": "open"})
                                          if t.get("status") in f.choices]
        if "replacement" in widgets:
            names = {s["school_code"]: s["name_ar" if self.L.code == "ar" else "name_fr"] for s in pick["schools"]}
            pick["replacements"] = [dict(r, school_name=names.get(r["school_code"]))
                                    for r in self.q.replacements_waiting(user, {})]
        if form.path == "maintenance/declare_fault":  # whether each item is under warranty, and until when
            said: dict = {}
            for a in pick["assets"]:
                key = (a.get("warranty"), a.get("warranty_ends_on"))
                if key not in said:  # a delivery's items share their dates: said once
                    said[key] = self.warranty_words(*key)
                a["warranty_text"] = said[key]
        if form.path == "inventory/assign_equipment" or "delivery" in widgets:
            pick["deliveries"] = self.q.deliveries(user)
        known = school if any(s["school_code"] == school for s in pick["schools"]) else None
        pick.update(axes.picks(self, form, known))
        return pick

    def form(self, path: str) -> Response:
        form = FORM_BY_PATH.get(path)
        if form is None:
            raise HttpProblem(404, "Not found", code="not_found")
        if not self.web.may(self.user, path):
            route = commands.COMMAND_BY_PATH[tuple(path.split("/"))]
            commands.check_command(self.user, route.roles, {}, ())
            raise Refused("role_not_allowed", "")
        posted = self.request.method == "POST"
        values = dict((self.request.form if posted else self.request.args).items())
        values = axes.ids_picked(self, form, values)  # a resource, training, session... picked by its name
        # Days typed day first read as ISO days; what is no day kept as typed, shown back and refused on submit.
        values, self.days_typed = days_read(values, [k for k in values if holds_a_day(k)])
        if self.user["scope"].startswith("school:"):
            values["school_code"] = self.user["scope"].partition(":")[2]
        ctx = {"errors": {}, "error_list": [], "general_error": None, "values": values}
        if posted:
            outcome = self.submit(form, values, ctx)
            if outcome is not None:
                return outcome
        return form_pages.show(self, form, values, ctx, status=400 if ctx["error_list"] or ctx["general_error"] else 200)

    def submit(self, form: Form, values: dict, ctx: dict):
        """Run the form's command(s); None when refused (ctx says why), else where to go. A form sent twice
        (a double click, a retry after a lost answer) is recorded once: its key is remembered."""
        from .idempotency import KeyConflict, fingerprint

        remembered, user = self.web.api.remembered, self.user
        key = values.get("idem") or ""
        sent = {k: v for k, v in values.items() if k not in ("csrf", "idem")}
        if key:
            try:
                first = remembered.claim(user["user"], "form:" + key, fingerprint(form.path, sent))
            except KeyConflict:
                ctx["general_error"] = self._("This form is already being recorded.")
                return None
            if first is not None:
                return form_pages.go(first[1]["body"])
        try:
            location = self._submit(form, values, ctx)
        except BaseException:
            if key:
                remembered.forget(user["user"], "form:" + key)
            raise
        if key:
            if location is None:
                remembered.forget(user["user"], "form:" + key)  # corrected and sent again: a new try
            else:
                remembered.keep(user["user"], "form:" + key, 303, "text/uri-list", location)
        return form_pages.go(location) if location else None

    def _submit(self, form: Form, values: dict, ctx: dict):
        route = commands.COMMAND_BY_PATH[tuple(form.path.split("/"))]
        try:
            pairs = form_pages.bodies(self, form, values)
        except HttpProblem as exc:
            self.refused(exc, ctx, getattr(exc, "names", None) or {"content_base64": "file", "format": "file"})
            return None
        unnamed = form_pages.name_schools(self, pairs) + form_pages.days_unread(self.days_typed, pairs)
        for anchor, field, code, body in unnamed:
            ctx["errors"][anchor] = self.L.term("field_rule", code)
            # One line of a table among many says which item it is about.
            label = (self.part_label(field, anchor, None) or self.field_label(field)) + (
                f" — {body['serial']}" if isinstance(body.get("serial"), str) else "")
            ctx["error_list"].append((anchor, label, ctx["errors"][anchor], None))
        if unnamed:
            return None
        answers = []
        for body, names in pairs:
            try:
                answers.append(commands.run(self.web.api.rpc, self.user, route, body))
            except HttpProblem as exc:
                self.refused(exc, ctx, names, body, body.get("serial") if len(pairs) > 1 else None)
                if answers:
                    ctx["general_error"] = (self._("%(done)s of %(total)s recorded; then:", done=len(answers),
                                                   total=len(pairs)) + " " + (ctx["general_error"] or
                                                                              self._("see the fields marked.")))
                return None
            except Refused as exc:
                ctx["general_error"] = self.L.term("rule", exc.code)
                return None
        return form_pages.after(self, form, [b for b, _ in pairs], answers)

    def refused(self, exc: HttpProblem, ctx: dict, names: dict, body: dict | None = None, item: str | None = None):
        """A refusal said next to each field (by its stable code), and in the summary, naming the line or item it
        is about as the page shows it: `body` is the command sent, `item` the serial of a table's line sent alone."""
        if exc.code == "serial_already_known" and isinstance((body or {}).get("items"), list):
            if self.known_serials(ctx, names, body["items"]):
                return
        if exc.code:
            message = self.rule_words(exc.code, body)
            field = RULE_FIELD.get(exc.code, "")
            anchor = names.get(field, field if field in (ctx.get("values") or {}) else None)
            if anchor is None:
                ctx["general_error"] = message
                return
            ctx["errors"][anchor] = message
            label = self.field_label(RULE_FIELD[exc.code])
            ctx["error_list"].append((anchor, f"{label} — {item}" if item else label, message, None))
            return
        values = ctx.get("values") or {}
        for path, message in self.messages(exc.errors):
            anchor = names.get(path, path if "." not in path else None)
            if anchor and not str(values.get(anchor, "")).strip() and message in (
                    self.L.term("field_rule", "length"), self.L.term("field_rule", "code_format")):
                message = self.L.term("field_rule", "required")  # an empty field's one fault: it is empty
            line = None
            parts = path.split(".")
            if parts[0] == "lines" and len(parts) > 1:
                line = parts[1]
            if anchor:
                ctx["errors"][anchor] = message
            ctx["error_list"].append((anchor, self.part_label(path, anchor, body)
                                      or self.field_label(path, names.get("_first_line", 1)), message, line))

    def rule_words(self, code: str, body: dict | None) -> str:
        """A refusal in words; a use dated before its resource reached the school says that day."""
        if code == "usage_starts_before_distribution" and (body or {}).get("school_code"):
            reached = next((r["first_distributed_at"] for r in axes.received_by(self, body["school_code"])
                            if r["resource_id"] == body.get("resource_id")), None)
            if reached:
                return self._("This resource reached the school on %(day)s: the period starts that day or later.",
                              day=self.L.date(reached))
        return self.L.term("rule", code)

    def known_serials(self, ctx: dict, names: dict, items: list) -> bool:
        """Each line of a delivery whose serial is already on record, marked at its serial; whether any was."""
        serials = sorted({i["serial"].strip() for i in items if isinstance(i.get("serial"), str) and i["serial"].strip()})
        owners = self.web.api.rpc("inventory", "asset_ids_of_serials", serials) if serials else {}
        message = self.L.term("rule", "serial_already_known")
        marked = False
        for n, item in enumerate(items):
            anchor = names.get(f"items.{n}.serial")
            if anchor and owners.get(str(item.get("serial", "")).strip()):
                ctx["errors"][anchor] = message
                ctx["error_list"].append((anchor, self.part_label(f"items.{n}.serial", anchor, None), message, None))
                marked = True
        return marked

    def part_label(self, path: str, anchor: str | None, body: dict | None) -> str | None:
        """The label of a field of one part of a command (`items.0.kind`) as the page shows that part: by the
        serial of the item observed or found, or by the number of the line typed (counted from 1, as on the
        page, whichever lines were left blank)."""
        parts = path.split(".")
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        label = self.L.term("field", parts[2])
        held = (body or {}).get(parts[0])
        part = held[int(parts[1])] if isinstance(held, list) and int(parts[1]) < len(held) else None
        if isinstance(part, dict) and isinstance(part.get("serial"), str) and parts[2] != "serial":
            return f"{part['serial']} — {label}"
        shown = re.fullmatch(r"[a-z_]+-(\d+)", anchor or "")
        if shown:
            return self._("Line %(line)s", line=shown.group(1)) + " — " + label
        return None
