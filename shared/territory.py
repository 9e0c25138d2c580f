"""Morocco's regions and provinces (prefectures too) by code, with their names in French and in Arabic.

Events carry only codes (CONTRACT: school_registered's province_code and region_code); a person reads names.
The list shipped is territory.csv beside this file (the 12 regions of 2015 and their 75 provinces and
prefectures); GENIE_TERRITORY names a CSV of the same columns to read instead. A code the list does not know is
said as the code itself.

Columns: level (region or province), code, name_fr, name_ar, region (a province's region code), same_as (another
code of the same territory: its names are those of the code it names)."""
from __future__ import annotations

import csv
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError

SHIPPED = Path(__file__).with_name("territory.csv")
LEVELS = ("region", "province")
COLUMNS = ("level", "code", "name_fr", "name_ar", "region")


@dataclass(frozen=True)
class Territory:
    level: str
    code: str
    name_fr: str
    name_ar: str
    region: str | None = None

    def name(self, lang: str) -> str:
        """The name in `lang` (ar or fr); the other language's if this one is blank, else the code."""
        first, other = (self.name_ar, self.name_fr) if lang == "ar" else (self.name_fr, self.name_ar)
        return first or other or self.code


class Territories:
    def __init__(self, rows: list[Territory], same_as: dict[tuple[str, str], str] | None = None):
        self.rows = rows
        self._by = {(t.level, t.code): t for t in rows}
        for (level, code), other in (same_as or {}).items():
            if (level, other) in self._by:
                self._by[(level, code)] = self._by[(level, other)]

    def get(self, level: str, code: str | None) -> Territory | None:
        return self._by.get((level, code or ""))

    def name(self, level: str, code: str | None, lang: str) -> str:
        """The territory's name in `lang`; the code itself if the list does not know it."""
        found = self.get(level, code)
        return found.name(lang) if found else (code or "")

    def of_level(self, level: str) -> list[Territory]:
        return [t for t in self.rows if t.level == level]


def read(path: str | Path) -> Territories:
    """The list in the CSV at `path` (UTF-8, a header line with at least COLUMNS)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = list(csv.DictReader(f))
            header = set(lines[0]) if lines else set()
    except OSError as e:
        raise ConfigError(f"GENIE_TERRITORY: {path} cannot be read ({e.strerror}).") from e
    if lines and not set(COLUMNS) <= header:
        missing = ", ".join(c for c in COLUMNS if c not in header)
        raise ConfigError(f"GENIE_TERRITORY: {path} lacks the column(s) {missing}.")
    rows, same_as = [], {}
    for n, line in enumerate(lines, start=2):
        level, code = (line.get("level") or "").strip(), (line.get("code") or "").strip()
        if level not in LEVELS or not code:
            raise ConfigError(f"GENIE_TERRITORY: {path} line {n}: a level ({' or '.join(LEVELS)}) and a code.")
        if (line.get("same_as") or "").strip():
            same_as[(level, code)] = line["same_as"].strip()
            continue
        rows.append(Territory(level, code, (line.get("name_fr") or "").strip(), (line.get("name_ar") or "").strip(),
                              (line.get("region") or "").strip() or None))
    return Territories(rows, same_as)


_READ: dict[tuple, Territories] = {}
_LOCK = threading.Lock()


def territories() -> Territories:
    """The list in use: GENIE_TERRITORY's file if set, else the one shipped; read again when the file changes."""
    path = os.environ.get("GENIE_TERRITORY") or str(SHIPPED)
    try:
        key = (path, os.stat(path).st_mtime_ns)
    except OSError as e:
        raise ConfigError(f"GENIE_TERRITORY: {path} cannot be read ({e.strerror}).") from e
    with _LOCK:
        found = _READ.get(key)
    if found is None:
        found = read(path)
        with _LOCK:
            _READ.clear()
            _READ[key] = found
    return found


def said(level: str, code: str | None, lang: str) -> str:
    """A region or a province in a table's cell: its name with its code beside (to filter and sort by), or the
    bare code where the list does not know it."""
    called = name(level, code, lang)
    return f"{called} ({code})" if code and called != code else (code or "")


def name(level: str, code: str | None, lang: str) -> str:
    """A region's or a province's name in `lang` (ar or fr), or its code if the list does not know it (or if the
    file went missing since the start, which checked it): a page still shows."""
    try:
        return territories().name(level, code, lang)
    except ConfigError:
        return code or ""
