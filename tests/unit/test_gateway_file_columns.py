"""The files people fill in: each template heads its columns in the page's language, and a file headed in
either language (or with the codes) is read the same."""
import csv
import io
import re
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from services.gateway.i18n import Lang, file_rows
from services.gateway.lists import TEMPLATES, file_template
from services.inventory.imports import read_deliveries
from shared.tables import read_table


def downloaded(name: str, fmt: str, lang: str) -> bytes:
    return file_template(SimpleNamespace(L=Lang(lang)), name, fmt).get_data()


def header_and_rows(raw: bytes, fmt: str) -> tuple[list, list]:
    header, body = read_table(raw, fmt)
    return header, [cells for _, cells in body]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_template_is_headed_in_the_pages_language(name, fmt):
    for lang in ("ar", "fr"):
        header, _ = header_and_rows(downloaded(name, fmt, lang), fmt)
        assert header == [Lang(lang).term("column", code) for code, _, _ in TEMPLATES[name]]
        codes = [h for h in header if re.fullmatch(r"[a-z_]+", h)]
        assert codes == [], f"{name}.{fmt} in {lang} heads columns with codes: {codes}"
        if lang == "ar":
            assert all(re.search("[\u0600-\u06ff]", h) for h in header), header


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_assignment_and_participant_files_read_back_in_either_language(fmt, lang):
    header, rows = header_and_rows(downloaded("assignment", fmt, lang), fmt)
    assert file_rows(header, rows) == [{"serial": "SN-0001", "school_code": "S0001"}]
    header, rows = header_and_rows(downloaded("participants", fmt, lang), fmt)
    assert file_rows(header, rows) == [{"staff_id": "T0001", "name": "Amal Idrissi", "role": "teacher",
                                        "school_code": "S0001"}]


def test_a_file_headed_by_hand_or_with_the_codes_reads_too():
    by_hand = file_rows(["  matricule", "NOM", "Role", "code de l'etablissement", "remarque"],
                        [["T1", "Amal", "أستاذ", "S1", "x"]])
    with_codes = file_rows(["staff_id", "name", "role", "school_code"], [["T1", "Amal", "teacher", "S1"]])
    assert by_hand == [{"staff_id": "T1", "name": "Amal", "role": "teacher", "school_code": "S1", "remarque": "x"}]
    assert with_codes == [{"staff_id": "T1", "name": "Amal", "role": "teacher", "school_code": "S1"}]
    arabic = file_rows(["الرقم التسلسلي", "رمز المؤسسة"], [["SN-9", "S2"]])
    assert arabic == [{"serial": "SN-9", "school_code": "S2"}]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_delivery_template_is_read_by_inventory_in_either_language(fmt, lang):
    items, errors, _ = read_deliveries(downloaded("delivery", fmt, lang), fmt)
    assert errors == {}
    assert [(i["serial"], i["kind"], i["warranty_months"], i["bundle"]) for _, i in items] == [
        ("SN-0001", "laptop", 24, "none")]


def test_the_arabic_workbook_reads_right_to_left():
    book = load_workbook(io.BytesIO(downloaded("participants", "xlsx", "ar")))
    assert book.active.sheet_view.rightToLeft
    text = downloaded("participants", "csv", "fr").decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == ["Matricule", "Nom", "Rôle", "Code de l'établissement"]
