"""A report as a file: XLSX (a cover, a sheet per axis and the school-by-school table, in Arabic and
in French) or CSV (one row per figure)."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font, PatternFill

from shared.territory import name as territory_name, said as territory_said
from shared.text import clean_all, csv_cell, xlsx_text_only

from .indicators import REGISTRY
from .periods import CASABLANCA
from .registry import AXES

HEADERS = {
    "ar": ["الرمز", "المؤشر", "القيمة", "البسط", "المقام", "ملاحظة"],
    "fr": ["Code", "Indicateur", "Valeur", "Numérateur", "Dénominateur", "Remarque"],
}
SCHOOL_HEADERS = {
    "ar": ["رمز المؤسسة", "المؤسسة", "الجماعة", "المديرية الإقليمية", "الجهة"],
    "fr": ["Code", "Établissement", "Commune", "Direction provinciale", "Région"],
}
BREAKDOWN = {"ar": "حسب المؤسسة", "fr": "Par établissement"}
BY_COMMUNE = {"ar": "حسب الجماعة", "fr": "Par commune"}
COMMUNE_HEADERS = {"ar": ["الجماعة", "عدد المؤسسات"], "fr": ["Commune", "Établissements"]}
TOTAL = {"ar": "مجموع النطاق", "fr": "Ensemble du périmètre"}
CHART_SHEETS = {"infrastructure": "Graphique infrastructure", "resources": "Graphique ressources",
                "training": "Graphique formation"}
CHART_DATA = "Données des graphiques"
REMARKS = {
    "not_applicable": {"ar": "غير منطبق على مستوى المؤسسة", "fr": "sans objet au niveau établissement"},
    "no_denominator": {"ar": "المقام منعدم", "fr": "dénominateur nul"},
    "no_census": {"ar": "لا إحصاء للسنة الدراسية", "fr": "pas de recensement pour l'année scolaire"},
}
COVER = [
    # (Arabic, French, how to read it from the report in a language; None: the same in both)
    ("النطاق", "Périmètre", lambda r, lang: lang and _scope_said(r, lang)),
    ("الفترة", "Période", lambda r, lang: r["period"] if lang is None else None),
    ("تاريخ الحصر", "Arrêté au", lambda r, lang: _moment(r["as_of"], day_ends=True) if lang is None else None),
    ("تاريخ الإصدار", "Émis le", lambda r, lang: _moment(r["issued_at"]) if lang is None else None),
    ("أصدره", "Émis par",
     lambda r, lang: lang and f"{r['issued_by'].get('user')} ({_role_said(r['issued_by'].get('role'), lang)})"),
    ("رقم التقرير", "N° du rapport", lambda r, lang: r["report_id"] if lang is None else None),
    ("البصمة", "Empreinte", lambda r, lang: r["digest"] if lang is None else None),
]
SCOPE_WORDS = {"all": {"ar": "كل المديريات الإقليمية", "fr": "Toutes les directions provinciales"},
               "region": {"ar": "جهة {name}", "fr": "Région {name}"},
               "province": {"ar": "المديرية الإقليمية {name}", "fr": "Direction provinciale {name}"}}
# The roles as the gateway's pages say them.
ROLES = {"coordinator": ("المنسق الإقليمي", "Coordinateur provincial"),
         "infrastructure": ("محور البنية التحتية والتجهيزات", "Axe infrastructure et équipements"),
         "resources": ("الموارد الرقمية", "Ressources numériques"), "training": ("التكوين", "Formation"),
         "school_director": ("مدير المؤسسة", "Directeur d'établissement"), "technician": ("تقني", "Technicien"),
         "viewer": ("اطلاع فقط", "Consultation")}
SOURCE_NAMES = {"inventory": ("الجرد", "inventaire"), "maintenance": ("الصيانة", "maintenance"),
                "resources": ("الموارد", "ressources"), "training": ("التكوين", "formation")}
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _moment(iso: str, day_ends: bool = False) -> str:
    """An instant as Morocco's clocks and papers say it, the same in both languages: `22/11/2026 10:00`. With
    `day_ends`, midnight is the end of the day before (`31/08/2025`): figures stopped at the end of that day."""
    at = datetime.fromisoformat(iso).astimezone(CASABLANCA)
    if day_ends and (at.hour, at.minute, at.second) == (0, 0, 0):
        return (at - timedelta(days=1)).strftime("%d/%m/%Y")
    return at.strftime("%d/%m/%Y %H:%M")


def _remark(item: dict, lang: str) -> str | None:
    if item.get("reason") in REMARKS:
        return REMARKS[item["reason"]][lang]
    if item["value"] is None and item["denominator"] == 0:
        return REMARKS["no_denominator"][lang]
    return None


def _scope_said(report: dict, lang: str) -> str:
    """The report's scope as its reader names it: a region or province by name (code beside), a school by its name."""
    level, _sep, code = report["scope"].partition(":")
    if level == "all":
        return SCOPE_WORDS["all"][lang]
    if level in ("region", "province"):
        said = territory_name(level, code, lang)
        word = SCOPE_WORDS[level][lang].format(name=said)
        return f"{word} ({code})" if said != code else word
    school = next((s for s in report.get("schools") or [] if s.get("school_code") == code), {})
    said = school.get("name_ar" if lang == "ar" else "name_fr") or code
    return f"{said} ({code})" if said != code else code


def _role_said(role: str | None, lang: str) -> str:
    names = ROLES.get(role)
    return names[lang == "fr"] if names else str(role)


def _header(ws, values):
    ws.append(values)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _widths(ws, widths):
    for i, w in enumerate(widths):
        ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = w


def write_xlsx(report: dict, path: str) -> None:
    report = clean_all(report)  # what older logs hold, without the characters XLSX cannot carry
    wb = Workbook()
    cover = wb.active
    cover.title = "Couverture - الغلاف"
    cover.append(["Rapport des indicateurs du programme GENIE", None, "تقرير مؤشرات برنامج جيني"])
    cover["A1"].font = cover["C1"].font = Font(bold=True, size=14)
    cover.append([])
    for ar, fr, read in COVER:
        if read(report, None) is None:  # said in each language: the French line, then the Arabic one
            cover.append([fr, read(report, "fr"), None])
            cover.append([None, read(report, "ar"), ar])
        else:
            cover.append([fr, read(report, None), ar])
    cover.append([])
    cover.append(["Positions lues dans chaque journal", None, "المواقع المقروءة في كل سجل"])
    cover.cell(row=cover.max_row, column=1).font = cover.cell(row=cover.max_row, column=3).font = BOLD
    for source, position in sorted(report["positions"].items()):
        ar, fr = SOURCE_NAMES.get(source, (source, source))
        cover.append([fr, position, ar])
    for row in cover.iter_rows(min_row=3, max_col=1):
        row[0].font = BOLD
    for row in cover.iter_rows(min_row=3, min_col=3, max_col=3):
        row[0].font = BOLD
        row[0].alignment = Alignment(horizontal="right")
    _widths(cover, [36, 44, 30])

    items = {i["id"]: i for i in report["indicators"]}
    for axis, names in AXES.items():
        ids = [i for i, d in REGISTRY.items() if d.axis == axis]
        for lang in ("ar", "fr"):
            ws = wb.create_sheet(names[lang])
            ws.sheet_view.rightToLeft = lang == "ar"
            _header(ws, HEADERS[lang])
            for ident in ids:
                item = items[ident]
                ws.append([ident, REGISTRY[ident].label[lang], item["value"], item["numerator"], item["denominator"],
                           _remark(item, lang)])
            _widths(ws, [8, 58, 12, 14, 14, 34])
            ws.freeze_panes = "A2"

    schools = report["schools"]
    ids = [i["id"] for i in schools[0]["indicators"]] if schools else list(REGISTRY)
    for lang in ("ar", "fr"):
        ws = wb.create_sheet(BREAKDOWN[lang])
        ws.sheet_view.rightToLeft = lang == "ar"
        labels = [f"{i} {REGISTRY[i].label[lang]}" for i in ids]
        _header(ws, SCHOOL_HEADERS[lang] + labels)
        for school in schools:
            values = {i["id"]: i["value"] for i in school["indicators"]}
            ws.append([school["school_code"], school["name_ar" if lang == "ar" else "name_fr"], school["commune"],
                       territory_said("province", school["province_code"], lang),
                       territory_said("region", school["region_code"], lang)] + [values.get(i) for i in ids])
        _widths(ws, [12, 36, 18, 24, 28] + [16] * len(ids))
        ws.freeze_panes = "C2"

    if report.get("communes") is not None:
        _by_commune(wb, report)
    _charts(wb, report)

    issued = datetime.fromisoformat(report["issued_at"]).replace(tzinfo=None)
    wb.properties.creator = str(report["issued_by"].get("user"))
    wb.properties.title = f"GENIE {report['scope']} {report['period']}"
    wb.properties.created = wb.properties.modified = issued
    xlsx_text_only(wb)  # a school named "=HYPERLINK(...)" is a name, not a formula
    wb.save(path)


def _by_commune(wb, report: dict) -> None:
    """The pivot by commune: a row per commune, the school-level indicators, and the scope's own figures."""
    ids = [i for i, d in REGISTRY.items() if d.level == "school"]
    whole = {i["id"]: i["value"] for i in report["indicators"]}
    # Above a province a commune is said with its province: names repeat from one province to another.
    above = report["scope"] == "all" or report["scope"].startswith("region:")
    for lang in ("ar", "fr"):
        ws = wb.create_sheet(BY_COMMUNE[lang])
        ws.sheet_view.rightToLeft = lang == "ar"
        _header(ws, COMMUNE_HEADERS[lang] + [f"{i} {REGISTRY[i].label[lang]}" for i in ids])
        count = 0
        for row in report["communes"]:
            values = {i["id"]: i["value"] for i in row["indicators"]}
            commune = row["commune"]
            if above and row.get("province_code"):
                commune = f"{commune} ({territory_name('province', row['province_code'], lang)})"
            ws.append([commune, row["schools"]] + [values.get(i) for i in ids])
            count += row["schools"]
        ws.append([TOTAL[lang], count] + [whole.get(i) for i in ids])
        for cell in ws[ws.max_row]:
            cell.font = BOLD
        _widths(ws, [24, 12] + [16] * len(ids))
        ws.freeze_panes = "B2"


def _charts(wb, report: dict) -> None:
    """A chart sheet per axis: the axis' rates (in %) side by side, from a data sheet they all read."""
    data = wb.create_sheet(CHART_DATA)
    data.append(["Code", "Indicateur", "المؤشر", "Valeur (%)"])
    values = {i["id"]: i["value"] for i in report["indicators"]}
    for axis, names in AXES.items():
        rates = [d for d in REGISTRY.values() if d.axis == axis and d.unit == "percent"]
        first = data.max_row + 1
        for d in rates:
            data.append([d.id, d.label["fr"], d.label["ar"], values.get(d.id)])
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"{names['fr']} / {names['ar']} (%)"
        chart.y_axis.title = "%"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
        chart.legend = None
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showVal = True
        chart.add_data(Reference(data, min_col=4, min_row=first, max_row=first + len(rates) - 1),
                       titles_from_data=False)
        chart.set_categories(Reference(data, min_col=1, min_row=first, max_row=first + len(rates) - 1))
        wb.create_chartsheet(CHART_SHEETS[axis]).add_chart(chart)
    _widths(data, [8, 50, 50, 12])


CSV_COLUMNS = ["report_id", "scope", "period", "as_of", "school_code", "indicator", "label_fr", "label_ar",
               "value", "numerator", "denominator", "reason"]


def write_csv(report: dict, path: str) -> None:
    """One row per figure: first the scope's (school_code empty), then each school's."""
    head = [report["report_id"], report["scope"], report["period"], report["as_of"]]

    def row(code, item):
        label = REGISTRY[item["id"]].label
        return [csv_cell(v) for v in head + [code, item["id"], label["fr"], label["ar"], item["value"],
                                            item["numerator"], item["denominator"], item.get("reason") or ""]]

    # utf-8-sig: spreadsheet programs then read the Arabic right.
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(CSV_COLUMNS)
        for item in report["indicators"]:
            out.writerow(row("", item))
        for school in report["schools"]:
            for item in school["indicators"]:
                out.writerow(row(school["school_code"], item))


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


def render(report: dict, fmt: str) -> bytes:
    """The report's file, as bytes."""
    import os
    import tempfile

    fd, path = tempfile.mkstemp(suffix="." + fmt)
    os.close(fd)
    try:
        WRITERS[fmt](report, path)
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
