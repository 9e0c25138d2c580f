"""How pages are made: the Jinja2 environment of each language (autoescaped, with the gettext
catalogue), and the small pieces of markup the pages share."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from html import escape
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, pass_context
from markupsafe import Markup
from markupsafe import escape as escape_markup

from .i18n import NAMES, Lang, day_shown, translations


@lru_cache(maxsize=None)
def environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("services.gateway", "templates"), autoescape=True,
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(lang), newstyle=True)
    L = Lang(lang)
    counted = env.globals["ngettext"]

    @pass_context
    def ngettext(context, singular: str, plural: str, n, **values):
        """`ngettext("%(num)s school", "%(num)s schools", n)`: the form of the word for `n` in the page's
        language, `%(num)s` written as the locale writes numbers."""
        values.setdefault("num", L.number(n))
        return counted(context, singular, plural, L.counted(n), **values)

    env.globals["ngettext"] = ngettext
    env.filters["years_whole"] = years_whole
    env.filters["day"] = day_shown
    from .vocabulary import KIND

    env.globals.update(L=L, term=L.term, other_lang_name=NAMES[L.other],
                       kind_labels={code: L.term("kind", code) for code in KIND})
    return env


SCHOOL_YEAR = re.compile("(\u2066?\\d{4}-\\d{4}\u2069?)")


def years_whole(text) -> Markup:
    """`text` with each school year kept on one line: a column's heading broke "2024-2025" at its hyphen, which
    in Arabic read as "-2024" over "2025"."""
    return Markup(SCHOOL_YEAR.sub(r'<span class="whole">\1</span>', escape(str(text))))


def semesters(year: str, today: date | None = None) -> list[str]:
    """The semesters of the previous school year and of `year` that have begun by today."""
    start, today = int(year[:4]), today or date.today()
    found = []
    for first in (start - 1, start):
        for name, begins in (("S1", date(first, 9, 1)), ("S2", date(first + 1, 2, 1))):
            if begins <= today:
                found.append(f"{first}-{first + 1}-{name}")
    return found


def sparkline(values: list, labels: list[str], name: str = "") -> Markup:
    """A small bar chart as inline SVG with an accessible name; no script, no library."""
    nums = [v for v in values if isinstance(v, (int, float))]
    top = max(nums) if nums and max(nums) > 0 else 1
    width, height, bar = 120, 36, 24
    described = "; ".join(f"{label}: {'—' if v is None else v}" for v, label in zip(values, labels))
    parts = [f'<svg class="spark" role="img" aria-label="{escape(name)} — {escape(described)}" '
             f'viewBox="0 0 {width} {height + 2}" width="{width}" height="{height + 2}">']
    for i, (value, label) in enumerate(zip(values, labels)):
        h = 0 if not isinstance(value, (int, float)) else max(1, round(value / top * height))
        x = i * (bar + 6)
        shown = "—" if value is None else value
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" rx="2">'
                     f'<title>{escape(label)}: {escape(str(shown))}</title></rect>')
    parts.append(f'<line x1="0" y1="{height + 1}" x2="{width}" y2="{height + 1}" class="axis"/></svg>')
    return Markup("".join(parts))


def query_string(values: dict, **changes) -> str:
    merged = {**{k: v for k, v in values.items() if v not in (None, "", False)}, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def isolated(sentence: str, values: dict, rtl: bool):
    """A sentence of the page's language with its values put in. On a right-to-left page each value is set apart
    (<bdi>): a delivery note, a serial number or a supplier's name in Latin letters keeps its own direction inside
    the Arabic sentence instead of being torn apart around its hyphens and spaces. A left-to-right page's values
    are in its direction, or at the sentence's end, and need none."""
    if not rtl:
        return sentence % {k: ("—" if v is None else v) for k, v in values.items()}

    def apart(v):
        v = "—" if v is None else v
        # A reference (BL-2024-0917, RG-2026-114) stays on one line rather than broken at a hyphen.
        whole = isinstance(v, str) and _REFERENCE.fullmatch(v)
        return Markup('<bdi class="whole">%s</bdi>' if whole else "<bdi>%s</bdi>") % (v,)

    return escape_markup(sentence) % {k: apart(v) for k, v in values.items()}


_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,39}")
