"""Files sent through the gateway's forms (equipment to assign, participants to invite: one reader) are read by
the same rules as inventory's imports: at most the line limit, a workbook's unpacked size bounded before it is opened,
and in a thread of its own so that the gateway's other requests go on."""
import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from shared import tables
from tests.helpers import page_as, ticks_during
from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_axes import axes  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import commands_sent, csrf_of, sign_in, site  # noqa: F401  (fixture)

TOO_LONG_FR = "Le fichier a plus de 50 000 lignes : envoyez-en au plus 50 000 à la fois."
TOO_LARGE_FR = "Le fichier est trop volumineux."


def workbook(rows, padding=0):
    """An XLSX whose first sheet holds `rows`, its XML written directly (quicker than openpyxl for many rows);
    `padding` bytes of white space in the sheet make it unpack large from a small file."""
    book = Workbook()
    book.active.append(["x"])
    template = io.BytesIO()
    book.save(template)
    out = io.BytesIO()
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(padding // (1 << 20)):
                sheet.write(b" " * (1 << 20))
            for n, row in enumerate(rows, start=1):
                sheet.write(f'<row r="{n}">'.encode() + b"".join(
                    f'<c t="inlineStr"><is><t>{v}</t></is></c>'.encode() for v in row) + b"</row>")
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def send(client, path, filename, content, **fields):
    page = client.get(f"/forms/{path}").get_data(as_text=True)
    started = time.monotonic()
    resp = client.post(f"/forms/{path}?lang=fr", data={
        "csrf": csrf_of(page), **fields, "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")
    return resp, time.monotonic() - started


def test_equipment_to_assign_from_a_csv_over_the_line_limit_is_refused_naming_the_limit(site):  # noqa: F811
    client, services = site
    sign_in(client, "infra")
    lines = "serial,school_code\n" + "".join(f"SN-{i},S1\n" for i in range(tables.MAX_LINES + 10_000))
    resp, took = send(client, "inventory/assign_equipment", "lots.csv", lines.encode())
    assert resp.status_code == 400 and TOO_LONG_FR in resp.get_data(as_text=True)
    assert f"{tables.MAX_LINES:,}".replace(",", " ") in TOO_LONG_FR  # the message says the limit there is
    assert not [c for c in commands_sent(services) if c[1] == "assign_equipment"]
    assert took < 20, took


def test_a_workbook_over_the_line_limit_is_refused_while_other_requests_go_on(site, monkeypatch):  # noqa: F811
    client, services = site
    sign_in(client, "infra")
    monkeypatch.setattr(tables, "MAX_LINES", 1000)  # the rule, on a smaller file: reading stops at the limit
    monkeypatch.setattr(tables, "MAX_ROWS_READ", 2000)
    read, real = [], tables.xlsx_rows

    def counted(raw):
        for row in real(raw):
            read.append(row)
            yield row

    monkeypatch.setattr(tables, "xlsx_rows", counted)
    content = workbook([["serial", "school_code"]] + [[f"SN-{i}", "S1"] for i in range(20_000)])
    (resp, _), during = ticks_during(send, client, "inventory/assign_equipment", "lots.xlsx", content)
    assert resp.status_code == 400 and TOO_LONG_FR in resp.get_data(as_text=True)
    assert len(read) <= 1002  # the header, the limit, and the line that tells
    assert during >= 3, during  # the file was read aside: the event loop went on meanwhile
    assert not [c for c in commands_sent(services) if c[1] == "assign_equipment"]


def test_a_workbook_that_would_unpack_too_large_is_refused_before_it_is_opened(site, monkeypatch):  # noqa: F811
    client, services = site
    sign_in(client, "infra")
    bomb = workbook([["serial", "school_code"], ["SN-1", "S1"]], padding=tables.MAX_XLSX_UNCOMPRESSED + (8 << 20))
    assert len(bomb) < 1 << 20  # a small file
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    resp, took = send(client, "inventory/assign_equipment", "lots.xlsx", bomb)
    assert resp.status_code == 400 and TOO_LARGE_FR in resp.get_data(as_text=True)
    assert opened == [] and took < 5, took
    assert not [c for c in commands_sent(services) if c[1] == "assign_equipment"]


def test_a_good_file_is_still_read_whatever_its_delimiter(site):  # noqa: F811
    client, services = site
    sign_in(client, "infra")
    resp, _ = send(client, "inventory/assign_equipment", "lots.csv", "Serial;School_code\nPJ-5;S2\n".encode())
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    assert [c[2] for c in commands_sent(services) if c[1] == "assign_equipment"] == [
        {"school_code": "S2", "asset_id": "A2"}]  # the serial said as the asset it is


@pytest.mark.parametrize("lang,choose,none", [("fr", "Choisir un fichier", "Aucun fichier choisi"),
                                              ("ar", "اختيار ملف", "لم يتم اختيار أي ملف")])
def test_each_file_to_send_is_picked_in_the_pages_words(axes, lang, choose, none):  # noqa: F811
    """The browser's own control says "Choose File" in the browser's language: each form that takes a file offers a
    button and a line in the page's, over the browser's control kept for a page without script."""
    client, _ = axes
    for who, form in (("coord", "inventory/import_delivery"), ("coord", "inventory/assign_equipment"),
                      ("coord", "inventory/import_schools"), ("trn", "training/invite_participants?session_id=SE1")):
        page = page_as(client, who, f"/forms/{form}{'&' if '?' in form else '?'}lang={lang}")
        assert re.search(r'<span class="file-pick"><input type="file" id="f-file" name="file" accept=".csv,.xlsx"[^>]*>'
                         rf'<label for="f-file" class="button secondary file-button" hidden>{choose}</label> '
                         rf'<span class="file-name" aria-live="polite" hidden>{none}</span></span>', page), form
