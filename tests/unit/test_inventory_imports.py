"""Reading suppliers' delivery lists and schools lists, CSV and XLSX, without broker or database."""
import io

import pytest
from openpyxl import Workbook

from services.inventory import imports
from shared import tables
from shared.errors import InvalidCommand


def csv_bytes(text, encoding="utf-8"):
    return text.encode(encoding)


def xlsx_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def items_of(raw, fmt="csv"):
    header, rows = imports.read_table(raw, fmt)
    return imports.delivery_items(header, rows)


def test_a_french_excel_csv_with_semicolons_and_a_bom_is_read_in_the_contract_s_words():
    text = ("\ufeffNuméro de série;Type;Modèle;Garantie (mois);Lot;Prix HT\n"
            "PC-001;Ordinateur de bureau;Dell Optiplex;36;SMM;4 500\n"
            "\n"
            "VP-01;Vidéoprojecteur;Epson EB;24;;3 000\n"
            "TBI-7;TBI;Smart;12;Mallette;\n")
    items, errors, _ = items_of(csv_bytes(text))
    assert errors == {}
    assert [(line, i["serial"], i["kind"], i["model"], i["warranty_months"], i["bundle"]) for line, i in items] == [
        (2, "PC-001", "desktop", "Dell Optiplex", 36, "smm"),
        (4, "VP-01", "projector", "Epson EB", 24, "none"),
        (5, "TBI-7", "interactive_whiteboard", "Smart", 12, "vmm"),
    ]


def test_every_bad_line_is_named_with_why():
    text = ("serial,kind,warranty_months,bundle\n"
            "A-1,laptop,24,vmm\n"
            ",laptop,24,vmm\n"
            "A-3,toaster,24,vmm\n"
            "A-4,laptop,two years,vmm\n"
            "A-5,laptop,-1,box\n")
    items, errors, ids = items_of(csv_bytes(text))
    assert [line for line, _ in items] == [2]
    assert sorted(errors) == [3, 4, 5, 6]
    assert "serial" in errors[3]
    assert "kind" in errors[4]
    assert errors[5] == {"warranty_months": ["Not a valid integer."]}
    assert set(errors[6]) == {"warranty_months", "bundle"}
    # lines with a serial, good or bad, are kept to find repeats
    assert [line for line, _ in ids] == [2, 4, 5, 6]


def test_a_quoted_field_over_two_lines_keeps_the_numbers_of_the_lines_after_it():
    text = 'serial,kind,warranty_months,model\nA-1,laptop,24,"HP\n250"\nA-2,laptop,x,HP\n'
    items, errors, _ = items_of(csv_bytes(text))
    assert items[0][1]["model"] == "HP\n250"
    assert list(errors) == [4]


def test_an_xlsx_list_is_read_with_numbers_as_numbers_and_numeric_serials_as_text():
    raw = xlsx_bytes([["Serial", "Kind", "Warranty months", "Bundle"],
                      [123456, "laptop", 24, "vmm"],
                      ["PJ-2", "Projector", 24.0, None],
                      [None, None, None, None],
                      ["PJ-3", "projector", 24.5, "none"]])
    items, errors, _ = items_of(raw, "xlsx")
    assert [(line, i["serial"], i["kind"], i["warranty_months"], i["bundle"]) for line, i in items] == [
        (2, "123456", "laptop", 24, "vmm"), (3, "PJ-2", "projector", 24, "none")]
    assert list(errors) == [5]


@pytest.mark.parametrize("raw,fmt,why", [
    (b"serial,kind\nA,laptop\n", "csv", "Missing column(s): warranty_months"),
    ("série,kind,warranty_months\n".encode("cp1252"), "csv", "not UTF-8"),
    (b"\n\n", "csv", "no header"),
    (b"PK\x03\x04 not really", "xlsx", "Not a readable XLSX"),
    (b"serial,sn,kind,warranty_months\n", "csv", "Two columns mean serial"),
])
def test_a_file_that_cannot_be_read_is_refused_saying_why(raw, fmt, why):
    with pytest.raises(InvalidCommand) as exc:
        items_of(raw, fmt)
    assert why in exc.value.errors["file"][0]


def test_5000_lines_with_3_bad_ones_name_exactly_those_3():
    lines = ["serial,kind,model,warranty_months,bundle"]
    for n in range(1, 5001):
        lines.append(f"SN-{n:05d},desktop,Dell,36,smm")
    lines[1200] = "SN-01200,desktop,Dell,3 ans,smm"  # line 1201
    lines[3000] = "SN-03000,fridge,Dell,36,smm"  # line 3001
    lines[4999] = ",desktop,Dell,36,smm"  # line 5000
    items, errors, _ = items_of(csv_bytes("\n".join(lines)))
    assert sorted(errors) == [1201, 3001, 5000]
    assert len(items) == 4997


def test_a_schools_list_gives_schools_and_their_census_in_the_contract_s_words():
    text = ("Code;Nom AR;Nom FR;Cycle;Milieu;Commune;Région;Année scolaire;Élèves;Enseignants\n"
            "OED001;مدرسة الوحدة;École Al Wahda;Primaire;Urbain;Dakhla;DOE;2025-2026;420;15\n"
            "OED002;إعدادية الداخلة;Collège Dakhla;Collège;Rural;Bir Anzarane;DOE;;;\n"
            "OED003;ثانوية;Lycée;lycée;urbain;Dakhla;DOE;2025-2027;10;1\n"
            "OED 4;x;y;university;city;Dakhla;DOE;;;\n")
    header, rows = imports.read_table(csv_bytes(text), "csv")
    schools, errors = imports.school_rows(header, rows)
    assert [(line, s["school_code"], s["cycle"], s["setting"], c) for line, s, c in schools] == [
        (2, "OED001", "primary", "urban", {"school_code": "OED001", "school_year": "2025-2026", "pupils": 420,
                                           "teachers": 15, "occurred_at": None}),
        (3, "OED002", "middle", "rural", None),
    ]
    assert errors[4] == {"school_year": ["Must be a school year like 2025-2026."]}
    assert set(errors[5]) == {"school_code", "cycle", "setting"}


def test_a_census_needs_its_three_columns():
    text = "school_code,name_ar,name_fr,cycle,setting,commune,region_code,pupils\n"
    header, rows = imports.read_table(csv_bytes(text + "S1,a,b,primary,urban,c,R,10\n"), "csv")
    with pytest.raises(InvalidCommand) as exc:
        imports.school_rows(header, rows)
    assert "school_year, pupils and teachers" in exc.value.errors["file"][0]


def test_refusing_lines_names_them_in_order():
    with pytest.raises(InvalidCommand) as exc:
        imports.refuse_lines({12: {"kind": ["bad"]}, 3: {"serial": ["bad"]}})
    assert list(exc.value.errors["lines"]) == ["3", "12"]
    imports.refuse_lines({})


def test_reading_stops_at_the_line_limit_however_long_the_file(monkeypatch):
    monkeypatch.setattr(tables, "MAX_LINES", 100)
    monkeypatch.setattr(tables, "MAX_ROWS_READ", 200)
    read = []
    real = tables.csv_rows

    def counted(raw):
        for row in real(raw):
            read.append(row)
            yield row

    monkeypatch.setattr(tables, "csv_rows", counted)
    long = "serial,kind\n" + "".join(f"S-{i},laptop\n" for i in range(100_000))
    with pytest.raises(InvalidCommand) as exc:
        imports.read_table(long.encode(), "csv")
    assert "more than 100 lines" in exc.value.errors["file"][0]
    assert len(read) <= 102  # the header, the limit, and the one line that tells
    read.clear()
    blank = "serial,kind\n" + ",\n" * 100_000
    with pytest.raises(InvalidCommand):
        imports.read_table(blank.encode(), "csv")
    assert len(read) <= 201


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(monkeypatch):
    raw = xlsx_bytes([["Serial", "Kind"]] + [[f"S-{i}", "laptop"] for i in range(2000)])
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED", len(raw))
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    with pytest.raises(InvalidCommand) as exc:
        imports.read_table(raw, "xlsx")
    assert "unpacks to" in exc.value.errors["file"][0] and opened == []
