"""A report as XLSX and CSV: cover, a sheet per axis and the school table, Arabic (right to left) and French."""
import csv

import openpyxl
import pytest

from services.reporting import exports
from services.reporting import indicators as ind
from services.reporting.periods import parse_period, parse_scope
from services.reporting.reports import digest
from tests.unit.test_indicators_training import training_world
from tests.unit.test_indicators_world import projector_over


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    w = training_world()
    p = projector_over(w, f"sqlite:///{tmp_path_factory.mktemp('exports') / 'r.db'}")
    p.catch_up()
    scope, period = parse_scope("province:OED"), parse_period("2024-2025")
    t = period.as_of().timestamp()
    with p.engine.connect() as conn:
        values = ind.compute(conn, p.projection, scope, period, t)
        schools = ind.per_school(conn, p.projection, scope, period, t)
        communes = ind.breakdown(conn, p.projection, scope, period, t, "commune")
    p.engine.dispose()
    return {"report_id": "3f1c0b7e-0000-4000-8000-000000000001", "scope": "province:OED", "period": "2024-2025",
            "as_of": "2025-09-01T00:00:00+01:00", "positions": dict(p.positions),
            "issued_by": {"user": "fatima", "role": "coordinator"}, "issued_at": "2026-11-22T09:00:00+00:00",
            "format": "xlsx", "digest": digest(values, schools), "indicators": values, "schools": schools,
            "communes": communes}


def test_the_workbook_has_a_cover_a_sheet_per_axis_and_the_school_table_in_both_languages(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(report, str(path))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Couverture - الغلاف", "البنية التحتية والتجهيزات", "Infrastructure et équipements",
                             "الموارد الرقمية", "Ressources numériques", "التكوين", "Formation", "حسب المؤسسة",
                             "Par établissement", "حسب الجماعة", "Par commune", "Données des graphiques",
                             "Graphique infrastructure", "Graphique ressources", "Graphique formation"]
    assert [ws.title for ws in wb.chartsheets] == ["Graphique infrastructure", "Graphique ressources",
                                                   "Graphique formation"]
    rtl = {ws.title: bool(ws.sheet_view.rightToLeft) for ws in wb.worksheets}
    assert rtl == {"Couverture - الغلاف": False, "البنية التحتية والتجهيزات": True,
                   "Infrastructure et équipements": False, "الموارد الرقمية": True, "Ressources numériques": False,
                   "التكوين": True, "Formation": False, "حسب المؤسسة": True, "Par établissement": False,
                   "حسب الجماعة": True, "Par commune": False, "Données des graphiques": False}
    cover = {row[0]: row[1] for row in wb["Couverture - الغلاف"].iter_rows(values_only=True) if row and row[0]}
    assert cover["Périmètre"] == "Direction provinciale Oued Ed-Dahab (OED)" and cover["Période"] == "2024-2025"
    # Figures stopped at midnight on 1 September: at the end of 31 August, as a reader writes it; issued at 09:00
    # UTC, 10:00 on Morocco's clocks.
    assert cover["Arrêté au"] == "31/08/2025" and cover["Émis le"] == "22/11/2026 10:00"
    assert cover["Émis par"] == "fatima (Coordinateur provincial)"
    assert cover["N° du rapport"] == report["report_id"]
    assert (cover["inventaire"], cover["formation"]) == (report["positions"]["inventory"],
                                                         report["positions"]["training"])
    arabic_cover = [row[2] for row in wb["Couverture - الغلاف"].iter_rows(values_only=True) if row]
    assert "النطاق" in arabic_cover and "الفترة" in arabic_cover


@pytest.mark.parametrize("scope,french,arabic", [
    ("region:DLO", "Région Dakhla-Oued Ed-Dahab (DLO)", "جهة الداخلة - وادي الذهب (DLO)"),
    ("all", "Toutes les directions provinciales", "كل المديريات الإقليمية"),
    ("region:R99", "Région R99", "جهة R99")])  # a code no list names, as it is
def test_the_cover_names_the_scope_and_the_issuers_role_in_each_language(report, tmp_path, monkeypatch, scope,
                                                                          french, arabic):
    """An academy's or the ministry's reader reads the region's name on the cover, not `region:DLO`, and the
    issuer's role in words, each line beside its label."""
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(dict(report, scope=scope, issued_by={"user": "amina", "role": "viewer"}), str(path))
    lines = [list(row) for row in openpyxl.load_workbook(path)["Couverture - الغلاف"].iter_rows(values_only=True)]
    at = lines.index(["Périmètre", french, None])
    assert lines[at + 1] == [None, arabic, "النطاق"]
    at = lines.index(["Émis par", "amina (Consultation)", None])
    assert lines[at + 1] == [None, "amina (اطلاع فقط)", "أصدره"]
    assert not any(scope in str(cell) for line in lines for cell in line if scope != "all")


def test_the_axis_sheets_carry_each_figure(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(report, str(path))
    wb = openpyxl.load_workbook(path)
    training_fr = list(wb["Formation"].iter_rows(values_only=True))
    assert training_fr[0] == ("Code", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Remarque")
    rows = {r[0]: r for r in training_fr[1:]}
    assert list(rows) == ["TRN01", "TRN02", "TRN03", "TRN04", "TRN05", "TRN06", "TRN07", "TRN08"]
    # Hand-checked in the training scenario, province OED: TRN02 2 / 5 = 40.0; TRN04 4 / 18 = 22.2
    assert rows["TRN02"][1:5] == ("Taux de réalisation des sessions", 40.0, 2, 5)
    assert rows["TRN04"][2:5] == (22.2, 4, 18)
    # TRN08: TR1 4 x 4.5 + TR2 5 x 3.3 = 34.5 over 9 respondents -> 3.8
    assert rows["TRN08"][1:5] == ("Note moyenne d'évaluation des formations", 3.8, 34.5, 9)
    training_ar = list(wb["التكوين"].iter_rows(values_only=True))
    assert training_ar[0] == ("الرمز", "المؤشر", "القيمة", "البسط", "المقام", "ملاحظة")
    infra = {r[0]: r for r in wb["Infrastructure et équipements"].iter_rows(values_only=True)}
    assert infra["INF05"][2] is None and infra["INF05"][5] == "dénominateur nul"
    assert len([r for r in infra if r.startswith(("INF", "MNT"))]) == 14


def test_the_school_table_has_a_row_per_school(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(report, str(path))
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Par établissement"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Code", "Établissement", "Commune", "Direction provinciale", "Région")
    assert len(rows[0]) == 5 + 24  # the 24 school-level indicators
    assert [r[0] for r in rows[1:]] == ["A", "B"]
    # Events carry codes; the reader reads the province's and the region's names, the code beside.
    assert rows[1][3:5] == ("Oued Ed-Dahab (OED)", "Dakhla-Oued Ed-Dahab (DOE)")
    trn07 = rows[0].index("TRN07 Heures de formation")
    assert [r[trn07] for r in rows[1:]] == [36, 27]  # hand-checked
    ar = list(wb["حسب المؤسسة"].iter_rows(values_only=True))
    assert ar[0][0] == "رمز المؤسسة" and ar[1][1] == "مدرسة A"
    assert ar[1][3:5] == ("وادي الذهب (OED)", "الداخلة - وادي الذهب (DOE)")


def test_the_csv_has_one_row_per_figure(report, tmp_path):
    path = tmp_path / "r.csv"
    exports.write_csv(report, str(path))
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 30 + 2 * 24
    first = rows[0]
    assert (first["scope"], first["period"], first["school_code"], first["indicator"]) == (
        "province:OED", "2024-2025", "", "INF01")
    trn07 = {r["school_code"]: r["value"] for r in rows if r["indicator"] == "TRN07"}
    # OED: SE1 12 h x 4 + SE2 15 h x 3 = 93 (SE5 is AUS); A 36, B 27 (hand-checked)
    assert trn07 == {"": "93", "A": "36", "B": "27"}


def test_the_pivot_by_commune_ends_with_the_scopes_figures(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(report, str(path))
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Par commune"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Commune", "Établissements")
    trn07 = rows[0].index("TRN07 Heures de formation")
    # Both OED schools are in Dakhla: A 36 + B 27 = 63 by the staff's schools; the province's own 93 also
    # counts staff of no school of it (hand-checked in the training scenario).
    assert rows[1][:2] == ("Dakhla", 2) and rows[1][trn07] == 63
    assert rows[-1][:2] == ("Ensemble du périmètre", 2) and rows[-1][trn07] == 93
    assert wb["حسب الجماعة"].sheet_view.rightToLeft and list(wb["حسب الجماعة"].values)[-1][0] == "مجموع النطاق"


def test_above_a_province_a_commune_of_each_province_is_its_own_row_with_the_provinces_name(report, tmp_path):
    p = projector_over(training_world(), f"sqlite:///{tmp_path / 'r.db'}")
    p.catch_up()
    scope, period = parse_scope("region:DOE"), parse_period("2024-2025")
    t = period.as_of().timestamp()
    with p.engine.connect() as conn:
        values = ind.compute(conn, p.projection, scope, period, t)
        communes = ind.breakdown(conn, p.projection, scope, period, t, "commune")
    p.engine.dispose()
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(dict(report, scope="region:DOE", indicators=values, communes=communes), str(path))
    wb = openpyxl.load_workbook(path)
    rows = list(wb["Par commune"].iter_rows(values_only=True))
    trn07 = rows[0].index("TRN07 Heures de formation")
    # Schools A and B of OED and C of AUS are all in a commune named Dakhla: C's 25 hours are AUS's own.
    assert [(r[0], r[1], r[trn07]) for r in rows[1:-1]] == [("Dakhla (Aousserd)", 1, 25),
                                                         ("Dakhla (Oued Ed-Dahab)", 2, 63)]
    assert [r[0] for r in list(wb["حسب الجماعة"].values)[1:-1]] == ["Dakhla (أوسرد)", "Dakhla (وادي الذهب)"]


def test_a_chart_sheet_per_axis_draws_its_rates(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(report, str(path))
    wb = openpyxl.load_workbook(path)
    data = {r[0]: r[3] for r in wb["Données des graphiques"].iter_rows(min_row=2, values_only=True)}
    rates = {i["id"]: i["value"] for i in report["indicators"]
             if i["id"] in ("TRN02", "TRN04", "TRN05", "INF03", "RES05")}
    assert {k: data[k] for k in rates} == rates
    assert "TRN01" not in data and "TRN08" not in data  # a count and a score are not drawn in %
    import zipfile
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3
        assert all(b"<barChart>" in z.read(n) and b'<barDir val="bar"' in z.read(n) for n in charts)


def test_a_report_stopped_during_a_day_says_the_hour_on_its_cover(report, tmp_path):
    path = tmp_path / "r.xlsx"
    exports.write_xlsx(dict(report, as_of="2026-11-22T13:05:00+01:00"), str(path))
    cover = {row[0]: row[1] for row in openpyxl.load_workbook(path)["Couverture - الغلاف"].iter_rows(values_only=True)
             if row and row[0]}
    assert cover["Arrêté au"] == "22/11/2026 13:05"
