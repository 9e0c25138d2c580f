"""The indicator pages: the dashboard (pick a scope, a period, a day and a period to compare with; each
figure with its unit, numerator and denominator; charts; drill-down) and the pivot table with its exports."""
from __future__ import annotations

import csv
import functools
import io
import json
import threading
import unicodedata
import weakref
from collections import OrderedDict
from datetime import date, datetime, timedelta
from urllib.parse import quote

from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Font
from werkzeug.wrappers import Response

from services.reporting.schemas import AXES, REGISTRY, UNITS, parse_period
from shared.calendar import CASABLANCA
from shared.config import READING_TIERS, tier
from shared.errors import InvalidCommand
from shared.territory import name as territory_name
from shared.text import clean_all, csv_cell, xlsx_text_only

from .access import Refused
from .http import HttpProblem
from .i18n import Lang
from .queries import current_school_year
from .templating import query_string
from .vocabulary import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUPS_OF = {"all": ("region", "province", "commune", "cycle", "setting", "school"),
             "region": ("province", "commune", "cycle", "setting", "school"),
             "province": ("commune", "school", "cycle", "setting"), "school": ()}
TERRITORIES = ("region", "province")  # groups read by their names, each a scope of its own


def groupings_of(scope: str) -> tuple:
    """The breakdowns a scope offers. Regions side by side only at the national tier: at a province or an
    academy, all is one region, and its row would only repeat the whole."""
    found = GROUPS_OF[_level(scope)]
    return found if tier() == "national" else tuple(g for g in found if g != "region")


def _level(scope: str) -> str:
    return scope.partition(":")[0]


def previous_period(period: str) -> str:
    """The same period a school year earlier."""
    first = int(period[:4]) - 1
    return f"{first}-{first + 1}{period[9:]}"


def last_semesters(period: str, n: int = 6, today: date | None = None) -> list[str]:
    """The last `n` semesters that have begun, up to the period's own (its S2 for a school year)."""
    today = today or date.today()
    first = int(period[:4])
    last = (first, 1) if period.endswith("-S1") else (first, 2)
    found = []
    year, half = last
    while len(found) < n:
        begins = date(year, 9, 1) if half == 1 else date(year + 1, 2, 1)
        if begins <= today:
            found.append(f"{year}-{year + 1}-S{half}")
        year, half = (year, 1) if half == 2 else (year - 1, 2)
        if year < first - 5:
            break
    return list(reversed(found))


def _data_state(item: dict) -> str:
    """What a missing value means: not applicable here, or no data (a denominator of 0, no census)."""
    if item.get("value") is not None:
        return "value"
    return "not_applicable" if item.get("reason") == "not_applicable" else "no_data"


def period_label(page, period: str) -> str:
    """A period in words ("2025-2026, first semester"): a code such as 2025-2026-S1 reads backwards in Arabic.
    Its school year is kept in order in Arabic (`Lang.year`)."""
    _, year = page._, page.L.year
    if period.endswith("-S1"):
        return _("%(year)s, first semester", year=year(period[:9]))
    if period.endswith("-S2"):
        return _("%(year)s, second semester", year=year(period[:9]))
    return year(period)


def period_tick(page, period: str) -> list[str]:
    """A period on a chart's axis, on two lines: the semester's name, then its school year."""
    _ = page._
    if period.endswith(("-S1", "-S2")):
        return [_("First semester") if period.endswith("-S1") else _("Second semester"), page.L.year(period[:9])]
    return [page.L.year(period)]


def moment(page, instant: str, at_day: str, at_time: str, **words) -> Markup:
    """When figures stand, in a sentence: midnight in Casablanca is said as the end of the day before (a period
    ends on its last day, not on the first of the next). `at_day` takes %(day)s, `at_time` %(when)s; each of
    `words` and the day are kept whole on one line (a school year must not break at its hyphen)."""
    def whole(text: str) -> Markup:
        return Markup('<span class="whole">%s</span>') % text

    words = {k: whole(v) for k, v in words.items()}
    try:
        at = datetime.fromisoformat(instant)
    except (TypeError, ValueError):
        return escape(page._(at_time)) % {"when": whole(page.L.datetime(instant)), **words}
    local = at.astimezone(CASABLANCA) if at.tzinfo else at
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        day = page.L.date(local.date() - timedelta(days=1))
        return escape(page._(at_day)) % {"day": whole(day), **words}
    return escape(page._(at_time)) % {"when": whole(page.L.datetime(instant)), **words}


def trend_bars(page, say: "Figures", values: list, periods: list[str], name: str) -> Markup:
    """The trend of one indicator as a small inline SVG: a bar per semester, and where a semester has no
    figure a hollow dashed box, so that no data is not read as 0. Time runs right to left in Arabic."""
    nums = [v for v in values if isinstance(v, (int, float))]
    top = max(nums) if nums and max(nums) > 0 else 1
    width, height, bar = 120, 36, 16
    no_data = page._("No data")
    said = ["%s: %s" % (period_label(page, p), no_data if v is None else say.number(v))
            for v, p in zip(values, periods)]
    parts = [f'<svg class="spark" role="img" aria-label="{escape(name)} — {escape("; ".join(said))}" '
             f'viewBox="0 0 {width} {height + 2}" width="{width}" height="{height + 2}">']
    step = width / max(1, len(values))
    rtl = page.L.dir == "rtl"
    for i, (value, words) in enumerate(zip(values, said)):
        x = round((len(values) - 1 - i if rtl else i) * step + (step - bar) / 2, 1)
        if not isinstance(value, (int, float)):
            parts.append(f'<rect class="none" x="{x}" y="{height - 12}" width="{bar}" height="12" rx="2">'
                         f'<title>{escape(words)}</title></rect>')
            continue
        h = max(1, round(value / top * height)) if value > 0 else 0
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" rx="2">'
                     f'<title>{escape(words)}</title></rect>')
    parts.append(f'<line x1="0" y1="{height + 1}" x2="{width}" y2="{height + 1}" class="axis"/></svg>')
    return Markup("".join(parts))


class Figures:
    """How the pages say an indicator's figures: value with unit, numerator over denominator, direction."""

    def __init__(self, page):
        self.page, self.L, self._ = page, page.L, page._
        self._numbers: dict = {}

    def number(self, value) -> str:
        """A number in the page's language, each said once a page (a dashboard says a few hundred, many alike)."""
        key = (type(value), value)
        if key not in self._numbers:
            self._numbers[key] = self.L.number(value)
        return self._numbers[key]

    def value(self, item: dict) -> str:
        state = _data_state(item)
        if state == "not_applicable":
            return self._("Not applicable")
        if state == "no_data":
            return self._("No data")
        return self.number(item["value"])

    def unit(self, ident: str) -> str:
        return UNITS[REGISTRY[ident].unit][self.L.code]

    def fraction(self, item: dict) -> str:
        if item.get("numerator") is None and item.get("denominator") is None:
            return ""
        if item.get("denominator") is None:
            return self.number(item["numerator"])
        return f"{self.number(item['numerator'])} / {self.number(item['denominator'])}"

    def change(self, ident: str, difference) -> dict:
        """The arrow, its words, and whether the change is for the better."""
        if difference is None:
            return {"arrow": "", "said": self._("No comparison"), "tone": "none", "shown": "—"}
        if difference == 0:
            return {"arrow": "=", "said": self._("Unchanged"), "tone": "same", "shown": self.number(0)}
        up = difference > 0
        better = up == REGISTRY[ident].higher_is_better
        shown = ("+" if up else "−") + self.number(abs(difference))
        return {"arrow": "▲" if up else "▼", "said": self._("Up") if up else self._("Down"),
                "tone": "better" if better else "worse", "shown": shown}


# ---------------------------------------------------------------------- the reader's schools

class Directory:
    """The reader's schools as the indicator pages use them: the regions and provinces of the scope list, each
    province's schools, and every school's name in both languages."""

    def __init__(self, schools: list[dict]):
        self.regions = sorted({s.get("region_code") for s in schools if s.get("region_code")})
        self.provinces = sorted({s.get("province_code") for s in schools if s.get("province_code")})
        self.province_of: dict[str, str | None] = {}
        # A school without a province (a province's own inventory need not say it) is of whichever is read.
        self._of_province: dict[str | None, list[dict]] = {}
        self._names = {"ar": {}, "fr": {}}
        for s in schools:
            code = s["school_code"]
            self.province_of[code] = s.get("province_code")
            self._of_province.setdefault(s.get("province_code"), []).append(
                {"school_code": code, "commune": s.get("commune"), "name_ar": s.get("name_ar"),
                 "name_fr": s.get("name_fr")})
            self._names["ar"][code] = s.get("name_ar") or code
            self._names["fr"][code] = s.get("name_fr") or code

    def of_province(self, province: str | None) -> list[dict]:
        if province is None:
            return []
        return self._of_province.get(province, []) + self._of_province.get(None, [])

    def names(self, lang: str) -> dict[str, str]:
        return self._names["ar" if lang == "ar" else "fr"]


# The directories made, kept per gateway while reporting has read no new inventory event: the scope list and the
# names then stand as they were, and a national page need not ask for and sort 11,000 schools each time.
_KEPT: "weakref.WeakKeyDictionary[object, OrderedDict]" = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()
KEPT_AT_MOST = 16


def forget_directories() -> None:
    """Every kept directory dropped (the next page asks inventory again)."""
    with _KEPT_LOCK:
        _KEPT.clear()


def _inventory_read(positions) -> tuple | None:
    """How far reporting has read the inventory (a school registered or renamed moves it); None if unsaid."""
    if not isinstance(positions, dict):
        return None
    read = tuple(sorted((feed, at) for feed, at in positions.items() if feed.rpartition("/")[2] == "inventory"))
    return read or None


def directory(page, positions=None) -> Directory:
    """The reader's schools, asked of inventory once while reporting's inventory position stays the same."""
    read = _inventory_read(positions)
    if read is None:
        return Directory(page.q.schools(page.user, {}))
    key = (page.user["scope"], read)
    # Kept by the gateway's accounts: they outlive the copies of the API and of the pages made for each request.
    with _KEPT_LOCK:
        kept = _KEPT.setdefault(page.web.api.accounts, OrderedDict())
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    found = Directory(page.q.schools(page.user, {}))
    with _KEPT_LOCK:
        kept[key] = found
        while len(kept) > KEPT_AT_MOST:
            kept.popitem(last=False)
    return found


# ---------------------------------------------------------------------- choices

def by_name(level: str, code: str, lang: str) -> tuple[str, str]:
    """Where a region or a province goes in a list sorted by name: its accents and hamza seats aside (Béni Mellal
    among the B, أوسرد among the alif), the code breaking ties."""
    decomposed = unicodedata.normalize("NFKD", territory_name(level, code, lang))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold(), code


def territory_label(page, level: str, code: str) -> str:
    """A region or a province as a person reads it: its name in the page's language, its code beside (the code
    is what a coordinator may type in the scope search, and tells apart two of the same name)."""
    said = territory_name(level, code, page.L.code)
    word = page._("Region %(name)s", name=said) if level == "region" else page._("Province %(name)s", name=said)
    return f"{word} ({code})" if said != code else word


def unknown_scope_said(page) -> str | None:
    """A region or a province the list names but of which no school is known here (its academy not linked yet, or
    none of its schools registered): said by its name, not as a code no territory has."""
    level, _sep, code = (page.request.args.get("scope") or "").partition(":")
    if level in ("region", "province") and code and territory_name(level, code, page.L.code) != code:
        return page._("%(scope)s: none of its schools is known to this system yet.",
                      scope=territory_label(page, level, code))
    return None


def scope_said(page, scope: str, schools: Directory) -> str:
    """The scope being read, in words, for the page's heading."""
    level, _sep, code = scope.partition(":")
    if level in ("region", "province"):
        return territory_label(page, level, code)
    if level == "school":
        said = schools.names(page.L.code).get(code) or code
        return f"{said} ({code})" if said != code else code
    return page._("All provinces") if scope == "all" else scope


def scope_choices(page, scope: str, schools: Directory) -> list[dict]:
    """The scopes the reader may open, as option groups: all, regions, provinces, then schools by commune
    (`schools`: the reader's schools)."""
    user, _ = page.user, page._
    level = _level(user["scope"])
    name = "name_ar" if page.L.code == "ar" else "name_fr"
    groups = []
    if level == "school":
        code = user["scope"].partition(":")[2]
        said = schools.names(page.L.code).get(code) or code  # a director's own school, by its name
        return [{"label": _("School"), "options": [(f"school:{code}", f"{said} ({code})" if said != code else code)]}]
    top = []
    if level == "all":
        top.append(("all", _("All provinces")))
    provinces = list(schools.provinces)
    if level in ("all",):
        top += [(f"region:{r}", territory_label(page, "region", r))
                for r in sorted(schools.regions, key=lambda r: by_name("region", r, page.L.code))]
    if level == "region":
        top.append((user["scope"], territory_label(page, "region", user["scope"].partition(":")[2])))
    own = page.web.default_scope(user)
    if own.startswith("province:") and own.partition(":")[2] not in provinces:
        provinces.append(own.partition(":")[2])
    top += [(f"province:{p}", territory_label(page, "province", p))
            for p in sorted(provinces, key=lambda p: by_name("province", p, page.L.code))]
    groups.append({"label": _("Territories"), "options": top})
    # The schools of the province being read (or of the school's): a national list would be unusable.
    if _level(scope) == "province":
        province = scope.partition(":")[2]
    elif _level(scope) == "school":
        province = schools.province_of.get(scope.partition(":")[2])
    else:
        province = None
    by_commune: dict[str, list] = {}
    for s in sorted(schools.of_province(province), key=lambda s: (s.get("commune") or "", s.get(name) or "")):
        by_commune.setdefault(s.get("commune") or "—", []).append(
            (f"school:{s['school_code']}", f"{s.get(name) or s['school_code']} ({s['school_code']})"))
    for commune, options in by_commune.items():
        # A commune is no scope of the indicators (CONTRACT §7): picking it opens the table of its schools.
        whole = (f"{COMMUNE}{province}:{commune}", _("All schools of %(commune)s, in a table", commune=commune))
        groups.append({"label": commune, "options": [whole, *options]})
    if not any(value == scope for g in groups for value, _label in g["options"]):
        groups[0]["options"].insert(0, (scope, scope))
    return groups


def period_choices(page) -> list[tuple[str, str]]:
    try:
        years = page.web.api.rpc("reporting", "school_years")
    except HttpProblem:
        years = []
    years = years or [current_school_year()]
    _ = page._
    out = []
    for year in years:  # an option holds no markup: its year is isolated in Arabic by Lang.year
        said = page.L.year(year)
        out += [(year, _("School year %(year)s", year=said)),
                (f"{year}-S1", _("%(year)s, first semester", year=said)),
                (f"{year}-S2", _("%(year)s, second semester", year=said))]
    return out


COMMUNE = "commune:"


def commune_table(args: dict) -> Response | None:
    """Where a commune picked in the scope list leads: the pivot of its schools, beside the commune's own
    total (the indicators are answered for a school, a province, a region or all, not for a commune)."""
    scope = args.get("scope") or ""
    if not scope.startswith(COMMUNE):
        return None
    province, _, commune = scope[len(COMMUNE):].partition(":")
    keep = {k: args[k] for k in ("period", "as_of", "axis") if args.get(k)}
    where = "/pivot?" + query_string({"scope": f"province:{province}", **keep}, by="school", commune=commune)
    return Response("", status=303, headers={"Location": where})


def _picked(page, allowed=("scope", "period", "as_of", "with", "by", "axis", "indicator", "commune", "cycle",
                           "setting", "sort", "desc")):
    return {k: v for k, v in page.request.args.items() if k in allowed and v != ""}


def _load(page, endpoint: str, values: dict) -> dict:
    return page.web.api.query_params(endpoint, values)


def _asked(page, args: dict) -> tuple[str, str, dict]:
    """The scope, the period and the moment both indicator pages ask reporting about."""
    scope = args.get("scope") or page.web.default_scope(page.user)
    period = args.get("period") or current_school_year()
    return scope, period, {"scope": scope, "period": period, **({"as_of": args["as_of"]} if args.get("as_of") else {})}


def _cut_before_period(page, args: dict) -> dict:
    """A day to stop at before the period picked starts (the start of 2025-2026 is 1 September 2025): said
    beside the day, and the figures shown to the period's end instead of the whole page refused. The day is
    taken out of `args`; the page shows it back as typed."""
    try:
        start = parse_period(args.get("period") or current_school_year()).start.date()
        day = date.fromisoformat(args.get("as_of") or "")
    except (InvalidCommand, ValueError):
        return {}
    if day >= start:
        return {}
    del args["as_of"]
    return {"as_of": page._("Not before the start of the period picked, %(day)s.", day=page.L.date(start))}


def _indicator_page(show):
    """A page of indicators: a commune picked in the scope list leads to its pivot; anything else is
    `show(page, args, scope, period, base, errors)`, with what `_asked` reads and what is wrong with the
    filters, said beside them."""
    @functools.wraps(show)
    def page_of(page) -> Response:
        args, errors = page.days_filtered(_picked(page), ("as_of",))
        if (table := commune_table(args)) is not None:
            return table
        errors = errors or _cut_before_period(page, args)
        return show(page, args, *_asked(page, args), errors)
    return page_of


# ---------------------------------------------------------------------- dashboard

@_indicator_page
def dashboard(page, args: dict, scope: str, period: str, base: dict, errors: dict) -> Response:
    user, _ = page.user, page._
    params = _load(page, "indicators", base)
    # A period compared with itself says nothing: the period picked anew, the one before it is compared with.
    other = args.get("with") if args.get("with") not in (None, period) else previous_period(period)
    compared = page.q.compare(user, _load(page, "compare", {**base, "with": other}))
    now = page.q.indicators(user, params)
    items = {i["id"]: i for i in now["indicators"]}
    with_items = {i["id"]: i for i in compared["indicators"]}
    trend_periods = last_semesters(period)
    trends = {p: {i["id"]: i for i in page.q.indicators(user, {"scope": scope, "period": p})["indicators"]}
              for p in trend_periods}
    groupings = groupings_of(scope)
    by = args.get("by") if args.get("by") in groupings else (groupings[0] if groupings else None)
    rows = page.q.breakdown(user, _load(page, "breakdown", {**base, "by": by}))["rows"] if by else []
    if by in TERRITORIES:  # in the order of their names, as a reader looks for them
        rows.sort(key=lambda r: by_name(by, r[f"{by}_code"], page.L.code))

    say = Figures(page)
    axes = []
    for axis, names in AXES.items():
        lines = []
        for ident, declared in REGISTRY.items():
            if declared.axis != axis or ident not in items:
                continue
            item, before = items[ident], with_items.get(ident, {})
            series = [trends[p].get(ident, {}).get("value") for p in trend_periods]
            lines.append({
                "id": ident, "label": declared.label[page.L.code], "definition": declared.definition[page.L.code],
                "state": _data_state(item), "shown": say.value(item), "unit": say.unit(ident),
                "fraction": say.fraction(item), "with_shown": say.value(before.get("with") or {}),
                "with_fraction": say.fraction(before.get("with") or {}),
                "change": say.change(ident, before.get("difference")),
                "chart": trend_bars(page, say, series, trend_periods, declared.label[page.L.code])})
        axes.append({"name": names[page.L.code], "rows": lines})

    schools = directory(page, now.get("positions"))
    name_of = schools.names(page.L.code)
    chart = {"periods": trend_periods, "ticks": [period_tick(page, p) for p in trend_periods],
             "period_labels": [period_label(page, p) for p in trend_periods],
             "lang": page.L.code, "rtl": page.L.dir == "rtl",
             "indicators": [{"id": i, "label": d.label[page.L.code], "unit": say.unit(i)} for i, d in REGISTRY.items()],
             "trend": {i: [trends[p].get(i, {}).get("value") for p in trend_periods] for i in REGISTRY},
             "groups": [{"key": _group_key(r, by, scope), "label": _group_label(r, by, name_of, page.L.code, scope),
                         "values": {x["id"]: x["value"] for x in r["indicators"]}} for r in rows],
             "labels": {"trend": _("Trend over the last six semesters"), "by": _("By %(group)s", group=_group_word(
                 page, by)) if by else "", "no_data": _("No data"), "period": _("Period"),
                 "group": _group_word(page, by).capitalize() if by else ""}}
    drill = [{"label": _group_label(r, by, name_of, page.L.code, scope), "href": _drill_href(r, by, scope, base),
              "schools": r.get("schools", 1)} for r in rows]
    picked = args.get("indicator") if args.get("indicator") in REGISTRY else next(
        (i for i in REGISTRY if items.get(i, {}).get("value") is not None and REGISTRY[i].level == "school"), "INF01")
    report_query = query_string(base)
    # Above the provinces a school's own page is kept by its province's system: no link to a page not here.
    school_page = scope.partition(":")[2] if _level(scope) == "school" and tier() not in READING_TIERS else None
    return page.render(
        "dashboard.html", _("Indicators"), scope=scope, period=period, errors=errors,
        as_of=args.get("as_of") or page.request.args.get("as_of", ""),
        as_of_said=moment(page, now["as_of"], N_("Figures as of the end of %(day)s"), N_("Figures as of %(when)s")),
        with_said=moment(page, compared["with_as_of"], N_("compared with %(period)s as of the end of %(day)s"),
                         N_("compared with %(period)s as of %(when)s"), period=period_label(page, other)),
        other=other, other_said=period_label(page, other), axes=axes, trend_periods=trend_periods,
        scopes=scope_choices(page, scope, schools), periods=period_choices(page),
        scope_said=scope_said(page, scope, schools),
        groupings=[(g, _group_word(page, g)) for g in groupings], by=by, chart_json=Markup(json.dumps(chart, ensure_ascii=False).replace("</", "<\\/")), chart=chart,
        picked=picked, drill=drill,
        report_query=report_query, pivot_query=query_string(base, by=by or "school"),
        school_page=school_page, reading=tier() in READING_TIERS,
        group_word=_group_word(page, by) if by else "")


def _group_key(row: dict, by: str, scope: str) -> str:
    if (province := _commune_province(row, by, scope)) is not None:
        return f"{province}:{row['commune']}"
    return row["school_code"] if by == "school" else row[f"{by}_code"] if by in TERRITORIES else row[by]


def _commune_province(row: dict, by: str, scope: str) -> str | None:
    """Above a province, the province of a commune's row: commune names repeat from one province to another."""
    if by == "commune" and _level(scope) in ("all", "region"):
        return row.get("province_code")
    return None


def _group_said(row: dict, by: str, names: dict, lang: str, scope: str) -> tuple[str, str | None]:
    """A row of a breakdown in words: a school, a province or a region by its name, with its code to show beside
    it (None where the name is the code); above a province a commune with its province's name; a commune as it
    is; a cycle, a setting in the reader's words."""
    if (province := _commune_province(row, by, scope)) is not None:
        return f"{row['commune']} ({territory_name('province', province, lang)})", None
    key = _group_key(row, by, scope)
    if by in ("cycle", "setting"):
        return Lang(lang).term(by, key), None
    if by != "school" and by not in TERRITORIES:
        return key, None
    said = names.get(key, key) if by == "school" else territory_name(by, key, lang)
    return said, key if said != key else None


def _group_label(row: dict, by: str, names: dict, lang: str, scope: str) -> str:
    said, code = _group_said(row, by, names, lang, scope)
    return f"{said} ({code})" if code else said


def _group_word(page, by) -> str:
    _ = page._
    return {"school": _("school"), "commune": _("commune"), "cycle": _("cycle"), "setting": _("setting"),
            "province": _("province"), "region": _("region")}.get(by, "")


def _drill_href(row: dict, by: str, scope: str, base: dict, here: str = "/dashboard") -> str:
    """One step down: a region's provinces on the same page (`here`); a province's or a school's own figures; a
    commune, a cycle or a setting's schools."""
    if (province := _commune_province(row, by, scope)) is not None:  # the table of that province's commune
        return "/pivot?" + query_string(base, scope=f"province:{province}", by="school", commune=row["commune"])
    key = _group_key(row, by, scope)
    if by == "region":
        return f"{here}?" + query_string(base, scope=f"region:{key}", by="province")
    if by == "province":
        return "/dashboard?" + query_string(base, scope=f"province:{key}")
    if by == "school":
        return "/dashboard?" + query_string(base, scope=f"school:{key}")
    return "/pivot?" + query_string(base, by="school", **{by: key} if by in ("commune", "cycle", "setting") else {})


# ---------------------------------------------------------------------- pivot

@_indicator_page
def pivot(page, args: dict, scope: str, period: str, base: dict, errors: dict) -> Response:
    user, _ = page.user, page._
    groupings = groupings_of(scope) or ("school",)
    by = args.get("by") if args.get("by") in groupings else groupings[0]
    axis = args.get("axis") if args.get("axis") in AXES else next(iter(AXES))
    answer = page.q.breakdown(user, _load(page, "breakdown", {**base, "by": by}))
    rows = answer["rows"]
    commune = args.get("commune") if by == "school" else None
    # The schools of one commune, one cycle or one setting, as a row of the table by that grouping leads to.
    kind = next((g for g in ("cycle", "setting") if by == "school" and not commune and args.get(g)), None)
    within = {"commune": commune} if commune else {kind: args[kind]} if kind else {}
    if within:
        (grouping, value), = within.items()
        if kind:
            of = {s["school_code"]: s.get(kind) for s in page.q.schools(user, {})}
            rows = [r for r in rows if of.get(r.get("school_code")) == value]
        else:
            rows = [r for r in rows if r.get("commune") == commune]
        total_row = next((r for r in page.q.breakdown(user, _load(page, "breakdown", {**base, "by": grouping}))
                          ["rows"] if r.get(grouping) == value), None)
        totals = total_row["indicators"] if total_row else []
    else:
        totals = page.q.indicators(user, _load(page, "indicators", base))["indicators"]
    ids = [i for i, d in REGISTRY.items() if d.axis == axis and (by in TERRITORIES or d.level == "school")]
    schools = directory(page, answer.get("positions"))
    names = schools.names(page.L.code)
    say = Figures(page)
    table = []
    for r in rows:
        by_id = {x["id"]: x for x in r["indicators"]}
        said, code = _group_said(r, by, names, page.L.code, scope)
        table.append({"key": _group_key(r, by, scope), "label": f"{said} ({code})" if code else said, "name": said,
                      "code": code, "schools": r.get("schools", 1),
                      "href": _drill_href(r, by, scope, base, "/pivot"),
                      "cells": [by_id.get(i, {}) for i in ids]})
    if by in TERRITORIES:  # in the order of their names, as a reader looks for them
        table.sort(key=lambda t: by_name(by, t["key"], page.L.code))
    sort = args.get("sort")
    if sort in ids:
        k = ids.index(sort)
        known = [t for t in table if t["cells"][k].get("value") is not None]
        unknown = [t for t in table if t["cells"][k].get("value") is None]
        known.sort(key=lambda t: t["cells"][k]["value"], reverse=args.get("desc") == "1")
        table = known + unknown
    total_by_id = {x["id"]: x for x in totals}
    fmt = page.request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(page, fmt, by, ids, table, [total_by_id.get(i, {}) for i in ids], base)
    return page.render(
        "pivot.html", _("Pivot table"), scope=scope, period=period, errors=errors,
        as_of=args.get("as_of") or page.request.args.get("as_of", ""), by=by, axis=axis,
        groupings=[(g, _group_word(page, g)) for g in groupings], axes=[(a, n[page.L.code]) for a, n in AXES.items()],
        commune=commune, picked_scope=f"{COMMUNE}{scope.partition(':')[2]}:{commune}" if commune else scope,
        columns=[{"id": i, "label": REGISTRY[i].label[page.L.code], "unit": say.unit(i),
                  "sort": query_string({**base, "by": by, "axis": axis, **within},
                                       sort=i, desc="" if sort == i and args.get("desc") == "1" else "1"),
                  "sorted": ("descending" if args.get("desc") == "1" else "ascending") if sort == i else None}
                 for i in ids],
        rows=table, totals=[total_by_id.get(i, {}) for i in ids], say=say,
        scopes=scope_choices(page, scope, schools), periods=period_choices(page), group_word=_group_word(page, by),
        scope_said=scope_said(page, scope, schools),
        within=within, within_said=_within_said(page, kind, within.get(kind)) if kind else None, within_by=kind,
        export=query_string({**base, "by": by, "axis": axis, **within}))


def _within_said(page, kind: str, value: str) -> str:
    """Which schools the table is narrowed to, and what leads back to the whole table."""
    words = {"cycle": (N_("Schools of the cycle: %(which)s"), N_("All cycles")),
             "setting": (N_("Schools of the setting: %(which)s"), N_("All settings"))}[kind]
    return page._(words[0], which=page.L.term(kind, value)), page._(words[1])


def _text_cell(value):
    """A spreadsheet must not read a name as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _export(page, fmt, by, ids, table, totals, base) -> Response:
    _ = page._
    head = [_group_word(page, by), _("Schools")]
    numerator, denominator = _("Numerator"), _("Denominator")
    for i in ids:
        head += [f"{i} {REGISTRY[i].label[page.L.code]}", f"{i} {numerator}", f"{i} {denominator}"]
    lines = []
    for t in table + [{"label": _("Whole scope"), "schools": "", "cells": totals}]:
        line = [_text_cell(t["label"]), t["schools"]]
        for cell in t["cells"]:
            line += [cell.get("value"), cell.get("numerator"), cell.get("denominator")]
        lines.append(line)
    name = f"genie-pivot-{base['scope'].replace(':', '-')}-{base['period']}-{by}.{fmt}"
    head, lines = clean_all([head, lines])  # school names as older logs hold them
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([csv_cell(v) for v in head])
        writer.writerows([csv_cell("" if v is None else v) for v in line] for line in lines)
        content, kind = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv"
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Pivot table")[:31]
        sheet.sheet_view.rightToLeft = page.L.dir == "rtl"
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append(line)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        xlsx_text_only(book)
        buf = io.BytesIO()
        book.save(buf)
        content, kind = buf.getvalue(), XLSX
    return Response(content, mimetype=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ---------------------------------------------------------------------- reports issued

def _issued(page) -> list[dict]:
    """The reports issued that the reader may read, newest first: the coordinator's and the viewers'."""
    if page.user["role"] not in ("coordinator", "viewer"):
        raise Refused("role_not_allowed", "Reports are the coordinator's and the viewers'.")
    return page.q.reports(page.user)


def reports(page) -> Response:
    """The reports issued, newest first, to find one sent to the academy again: when, by whom, of which scope and
    period, as of when; each downloaded as it was issued. A period narrows the list."""
    rows = _issued(page)
    periods = sorted({r["period"] for r in rows}, reverse=True)
    period = page.request.args.get("period") or ""
    if period:
        rows = [r for r in rows if r["period"] == period]
    schools = directory(page)

    def period_said(p: str) -> str:
        return period_label(page, p) if p.endswith(("-S1", "-S2")) else \
            page._("School year %(year)s", year=page.L.year(p))

    listed = [{"id": r["report_id"], "issued_at": page.L.datetime(r["issued_at"]),
               "by": (r.get("issued_by") or {}).get("user") or "—",
               "role": page.L.term("role", (r.get("issued_by") or {}).get("role")),
               "scope": scope_said(page, r["scope"], schools), "period": period_said(r["period"]),
               "as_of": moment(page, r["as_of"], N_("Figures as of the end of %(day)s"), N_("Figures as of %(when)s")),
               "format": (r.get("format") or "xlsx").upper(),
               "file": f"/api/reports/{quote(r['report_id'], safe='')}/file"} for r in rows]
    return page.render("reports.html", page._("Reports issued"), reports=listed, period=period,
                       periods=[(p, period_said(p)) for p in periods])
