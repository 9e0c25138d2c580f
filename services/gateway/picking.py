"""How a person names a school in a filter or a form: by its name, as they know it, or by its code; and how
a page says it back."""
from __future__ import annotations

import re

from .forms import school_code_of
from .i18n import _said as plainly


def school_named(value: str, schools: list[dict]) -> tuple[str | None, str | None]:
    """The code of the school `value` names among `schools`, or why none: picked from the list (its code), its
    code typed in any case, `name (CODE)` as the pages say a school, or its name in Arabic or French typed
    without its accents. A name two schools share names neither: the list tells them apart."""
    value = (value or "").strip()
    codes = {s["school_code"].casefold(): s["school_code"] for s in schools}
    for code in (school_code_of(value), *_CODE_AT_END.findall(value)):
        if code.casefold() in codes:
            return codes[code.casefold()], None
    wanted = plainly(value)
    named = {s["school_code"] for s in schools for name in (s.get("name_ar"), s.get("name_fr"))
             if name and plainly(name) == wanted}
    if len(named) == 1:
        return named.pop(), None
    return None, "ambiguous_school" if named else "unknown_school"


_CODE_AT_END = re.compile(r"\(([A-Za-z0-9_-]{1,40})\)\s*$")


def school_said(page, code: str | None, schools: list[dict]) -> str:
    """A school as a filter shows it back: its name in the page's language, its code beside."""
    school = next((s for s in schools if s["school_code"] == code), None)
    if school is None:
        return code or ""
    return f"{school.get('name_ar' if page.L.code == 'ar' else 'name_fr') or code} ({code})"
