"""Free text people type or import: the one rule every command's text follows, and how exports write it.

Refused in any text: NUL and the other C0/C1 control characters (a word processor's soft line break `\\x0b`
breaks every XLSX that shows it), the bidirectional overrides and isolates that make a text read otherwise than
it is stored (U+202A-U+202E, U+2066-U+2069), and text that is only white space. Tab is allowed everywhere,
line breaks only where a text may have lines (a symptom, a report, notes).

Exports also meet text recorded before this rule: they drop what the rule refuses instead of failing, and
write a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) as plain text.
"""
from __future__ import annotations

import re

MULTILINE = {"multiline": True}  # field metadata: this text may have lines

_BIDI = "\u202a-\u202e\u2066-\u2069"
_ALWAYS = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def problem(value: str, multiline: bool = False) -> str | None:
    """Why `value` is not acceptable free text, in words; None if it is."""
    found = _ALWAYS.search(value)
    if found:
        return f"Must not contain the control or direction character U+{ord(found.group()):04X} " \
               f"(position {found.start() + 1})."
    breaks = _LINE_BREAK.search(value)
    if breaks and not multiline:
        return f"Must be one line: no line break (position {breaks.start() + 1})."
    if breaks and "\r" in value.replace("\r\n", ""):
        return "Line breaks must be newlines (a carriage return alone is not one)."
    if value and not value.strip():
        return "Must not be only white space."
    return None


def clean(value):
    """`value` with what the rule refuses dropped (kept as it is if it is not text)."""
    return _ALWAYS.sub("", value) if isinstance(value, str) else value


def clean_all(value):
    """Every text inside dicts and lists cleaned, for writing what an older log holds."""
    if isinstance(value, dict):
        return {k: clean_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_all(v) for v in value]
    return clean(value)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_cell(value):
    """A cell for a CSV file: clean, and a leading `'` before what a spreadsheet would run as a formula."""
    value = clean(value)
    return "'" + value if is_formula_like(value) else value


def xlsx_text_only(workbook) -> None:
    """Every text cell of `workbook` stays text: no formula, even when edited in a spreadsheet."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
