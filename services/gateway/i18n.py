"""The pages' languages: gettext catalogues (Babel) in Arabic and French, and dates, times and numbers
said as each locale says them, in Africa/Casablanca time.

The catalogues are `translations/<lang>/LC_MESSAGES/messages.po`; `make setup` compiles them to `.mo`,
and a missing or older `.mo` is compiled here in memory from the `.po`, so a checkout always speaks.
"""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from shared.calendar import CASABLANCA

from .vocabulary import VOCABULARIES

LANGS = ("ar", "fr")
DEFAULT = "ar"
LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
NAMES = {"ar": "العربية", "fr": "Français"}
# Unicode's left-to-right isolate and its end: what they hold is laid out left to right whatever surrounds it.
LRI, PDI = "\u2066", "\u2069"
TRANSLATIONS = Path(__file__).with_name("translations")


@lru_cache(maxsize=None)
def _plural_form(lang: str):
    """The language's rule from a number to its plural category, parsed once."""
    return Locale.parse(lang).plural_form


# A whole number of each plural category of each language, to find a decimal number's form in the catalogue.
_SAMPLE = {lang: {_plural_form(lang)(n): n for n in (1000000, 100, 11, 3, 2, 0, 1)} for lang in LANGS}


def catalogue_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> Translations:
    po = catalogue_path(lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return Translations(fh, domain="messages")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain="messages")


def _instant(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    return value


class Lang:
    """One page's language: its words, its direction, its way of writing dates and numbers."""

    def __init__(self, code: str):
        self.code = code if code in LANGS else DEFAULT
        self.locale = LOCALES[self.code]
        self.dir = "rtl" if self.code == "ar" else "ltr"
        self.other = "fr" if self.code == "ar" else "ar"
        # What sets a label before its value: French puts a (non-breaking) space before the colon, Arabic none.
        self.colon = "\u00a0: " if self.code == "fr" else ": "
        self._t = translations(self.code)

    def gettext(self, message: str, **values) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n, **values) -> str:
        """A count said with the word's form for it (French: one or several; Arabic: none, one, two, a few,
        many, other), the number written as the locale writes it (`%(num)s`)."""
        text = self._t.ngettext(singular, plural, self.counted(n))
        return text % {"num": self.number(n), **values}

    def counted(self, n) -> int:
        """The whole number whose catalogue form is the one `n` takes: `n` itself when whole; for a number
        with decimals (2.5 days), one of the same plural category (French 1.5 → 1, Arabic 2.5 → 100)."""
        if isinstance(n, float):
            n = round(n, 1)  # as number() writes it
        if isinstance(n, int) or float(n).is_integer():
            return int(n)
        return _SAMPLE[self.code][_plural_form(self.code)(n)]

    def year(self, text) -> str:
        """A school year (2024-2025) or a period's code (2025-2026-S1) as it is said in a sentence or a label:
        in Arabic set apart left to right, for after Arabic letters its digits and hyphen would otherwise be laid
        out right to left ("2025-2024"); in French as it is. Plain text, so that it serves a select's options, a
        chart's axis and an exported file as well as a page."""
        if text is None or text == "" or self.code != "ar":
            return text
        return f"{LRI}{text}{PDI}"

    def term(self, vocabulary: str, code) -> str:
        """A code said in words (a kind, a status, a role...); `—` for nothing."""
        if code is None or code == "":
            return "—"
        message = VOCABULARIES[vocabulary].get(str(code))
        return self._t.gettext(message) if message else str(code)

    def date(self, value, pattern: str = "d MMMM y") -> str:
        value = _instant(value)
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(CASABLANCA).date() if value.tzinfo else value.date()
        return format_date(value, pattern, locale=self.locale)

    def datetime(self, value) -> str:
        value = _instant(value)
        if value is None or value == "":
            return "—"
        if not isinstance(value, datetime):
            return self.date(value)
        if value.tzinfo:
            value = value.astimezone(CASABLANCA)
        return format_datetime(value, "d MMMM y HH:mm", locale=self.locale)

    def number(self, value, digits: int = 1) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return format_decimal(round(value, digits), locale=self.locale)
        return format_decimal(value, locale=self.locale)


# ---- the days people type

# A day as it is written here, day first (05/12/2026, 5/12/2026, 05-12-2026, 05.12.2026), whatever the browser's
# language; or as links and the API give it (2026-12-05).
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def day_typed(text) -> str | None:
    """The ISO day (2026-12-05) of what was typed in a page's date field, or None when it is no day of the
    calendar (31/02/2026, 2026-13-01, "demain")."""
    text = text.strip() if isinstance(text, str) else ""
    if found := _DAY_FIRST.fullmatch(text):
        day, _, month, year = found.groups()
    elif found := _ISO_DAY.fullmatch(text):
        year, month, day = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def day_rule(text) -> str:
    """Why what was typed in a date field is no day: not written as one (`day_format`: "demain"), or written as a
    day the calendar has not (`no_such_day`: 31/02/2026)."""
    text = text.strip() if isinstance(text, str) else ""
    return "no_such_day" if _DAY_FIRST.fullmatch(text) or _ISO_DAY.fullmatch(text) else "day_format"


def days_read(values: dict, names) -> tuple[dict, dict]:
    """`values` with the days typed in its fields `names` as ISO days; and {field: what was typed} of those that
    are no day, left as typed in `values`, to be said beside their field and never sent."""
    read, unread = dict(values), {}
    for name in names:
        typed = values.get(name)
        if not isinstance(typed, str) or not typed.strip():
            continue
        day = day_typed(typed)
        if day is None:
            unread[name] = typed
        else:
            read[name] = day
    return read, unread


def day_shown(value) -> str:
    """A day as a date field shows it back, day first (05/12/2026): a day, or an instant by the day it is written
    with; what is no day (a refused text) as it was typed."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    day = day_typed(text) or (day_typed(text[:10]) if text[10:11] == "T" else None)
    return date.fromisoformat(day).strftime("%d/%m/%Y") if day else text


# ---- the files people bring

# A column whose values are words of a vocabulary: a template gives them in the page's language too.
COLUMN_VALUES = {"role": "staff_role"}


def plainly(text) -> str:
    """`Numéro de série ` → `numero de serie`: no case, no accents (nor Arabic's hamza and short vowels), no
    punctuation or marks of direction, one space between words, so that a heading or a name typed again by hand
    still reads."""
    text = unicodedata.normalize("NFKD", "" if text is None else str(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@lru_cache(maxsize=None)
def _aliases(vocabulary: str) -> dict[str, str]:
    """Every way a code of `vocabulary` is said (itself, in English, Arabic and French) → the code."""
    out = {}
    for code, message in VOCABULARIES[vocabulary].items():
        for said in (code, message, Lang("ar").term(vocabulary, code), Lang("fr").term(vocabulary, code)):
            out.setdefault(plainly(said), code)
    return out


def file_rows(header: list, body: list) -> list[dict]:
    """The rows of a file as dicts by column code, whichever language heads the columns; a column of words
    (a role) in codes. An unknown column keeps its heading, in lower case."""
    columns = _aliases("column")
    head = [columns.get(plainly(h), str(h).strip().lower()) if h is not None else "" for h in header]
    rows = []
    for cells in body:
        row = dict(zip(head, ("" if c is None else str(c) for c in cells)))
        for name, vocabulary in COLUMN_VALUES.items():
            if row.get(name):
                row[name] = _aliases(vocabulary).get(plainly(row[name]), row[name])
        rows.append(row)
    return rows
