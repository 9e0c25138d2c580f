"""How a person names a school in a filter or a form: by its name, as they know it, or by its code; and how
a page says it back."""
from __future__ import annotations

from .activity import school_words
from .forms import looks_like_a_code, schools_named


def school_named(value: str, schools: list[dict]) -> tuple[str | None, str | None]:
    """The code of the school `value` names among `schools` (as `forms.schools_named` reads it), or why none: a
    name two schools share names neither, the list tells them apart."""
    named = schools_named(value, schools)
    if len(named) == 1:
        return named[0], None
    return None, "ambiguous_school" if named else "unknown_school"


def school_of(text: str, schools: list[dict]) -> tuple[str | None, str | None]:
    """(code, rule) of a school typed in a form or a filter: its code, or the one school its name names; else the
    rule it breaks (`school_name_shared`, `school_not_named`). A code no school of `schools` has is passed on as
    typed, for the service to check against the whole province."""
    if any(s["school_code"] == text for s in schools):
        return text, None
    codes = schools_named(text, schools)
    if len(codes) == 1:
        return codes[0], None
    if codes:
        return None, "school_name_shared"
    return (text, None) if looks_like_a_code(text) else (None, "school_not_named")


def school_said(page, code: str | None, schools: list[dict]) -> str:
    """A school as a filter shows it back: its name in the page's language, its code beside (as the activity log
    says it)."""
    school = next((s for s in schools if s["school_code"] == code), None)
    return school_words(page.L, school) if school else code or ""
