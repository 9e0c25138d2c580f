"""Documents for people: a session's convocation list (CSV and a printable page)
and the annual summary page, in Arabic or French. Pure: dicts in, text out."""
from __future__ import annotations

import csv
import io
from datetime import date
from html import escape

from shared.text import csv_cell

from .domain import days


def _in_both(words: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """{lang: {key: word}} from each key's (Arabic, French) words, side by side so that neither goes missing."""
    return {lang: {key: pair[i] for key, pair in words.items()} for i, lang in enumerate(("ar", "fr"))}


# The documents' words, in Arabic and in French.
LABELS = _in_both({
    "programme": ("برنامج جيني — المنسقية الإقليمية", "Programme GENIE — Coordination provinciale"),
    "directorate": ("المديرية الإقليمية", "Direction provinciale"),
    "convocation": ("لائحة المستدعين", "Liste des participants convoqués"),
    "training": ("التكوين", "Formation"),
    "modality": ("الصيغة", "Modalité"),
    "school_year": ("السنة الدراسية", "Année scolaire"),
    "dates": ("التاريخ", "Dates"),
    "venue": ("المكان", "Lieu"),
    "hours": ("الغلاف الزمني", "Volume horaire"),
    "session": ("الدورة", "Session"),
    "from_to": ("من {start} إلى {end}", "du {start} au {end}"),
    "hours_value": ("{hours} ساعة", "{hours} h"),
    "count": ("عدد المستدعين: {n}", "Nombre de convoqués : {n}"),
    "cancelled": ("دورة ملغاة: {reason}", "Session annulée : {reason}"),
    "no": ("ر.ت", "N°"),
    "staff_id": ("المعرف", "Identifiant"),
    "name": ("الاسم الكامل", "Nom et prénom"),
    "role": ("الصفة", "Fonction"),
    "school_code": ("رمز المؤسسة", "Code établissement"),
    "school": ("المؤسسة", "Établissement"),
    "signature": ("التوقيع", "Émargement"),
    "summary": ("الحصيلة السنوية للتكوين", "Bilan annuel de la formation"),
    "trainings": ("التكوينات", "Formations"),
    "planned": ("المبرمجة", "Planifiées"),
    "done": ("المنجزة", "Réalisées"),
    "sessions": ("الدورات", "Sessions"),
    "scheduled": ("المبرمجة", "Programmées"),
    "completed": ("المنجزة", "Réalisées"),
    "open": ("قيد الإنجاز", "En cours"),
    "session_cancelled": ("الملغاة", "Annulées"),
    "people": ("المستفيدون", "Personnes formées"),
    "invited": ("المستدعون", "Convoquées"),
    "trained": ("المستفيدون فعليا", "Formées"),
    "session_hours": ("ساعات التكوين", "Heures de formation"),
    "participant_hours": ("ساعات المستفيدين", "Heures-participants"),
    "certifications": ("الإشهاد", "Certifications"),
    "awarded": ("الشهادات الممنوحة", "Certificats délivrés"),
    "planned_participants": ("العدد المتوقع", "Participants prévus"),
    "status": ("الحالة", "État"),
    "by_role": ("حسب الصفة", "Par fonction"),
    "total": ("المجموع", "Total"),
})

ROLE_LABELS = _in_both({
    "teacher": ("أستاذ(ة)", "Enseignant(e)"),
    "director": ("مدير(ة)", "Directeur(trice)"),
    "inspector": ("مفتش(ة)", "Inspecteur(trice)"),
    "trainer": ("مكون(ة)", "Formateur(trice)"),
    "other": ("آخر", "Autre"),
})

MODALITY_LABELS = _in_both({
    "in_person": ("حضوري", "Présentielle"),
    "remote": ("عن بعد", "À distance"),
    "certifying": ("إشهادي", "Certifiante"),
})

STATUS_LABELS = _in_both({
    "planned": ("مبرمج", "Planifiée"),
    "in_progress": ("قيد الإنجاز", "En cours"),
    "done": ("منجز", "Réalisée"),
    "cancelled": ("ملغى", "Annulée"),
})

# Up to this many days, the printed list has one signature column per day.
MAX_DAY_COLUMNS = 6


def _date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _hours(value: float) -> str:
    return f"{value:g}"


def _school_name(code: str | None, schools: dict, lang: str) -> str:
    if not code:
        return ""
    school = schools.get(code)
    if school is None:
        return code
    return school["name_ar"] if lang == "ar" else school["name_fr"]


def convocation_rows(participants: list[dict], schools: dict, lang: str) -> list[list[str]]:
    """The list's rows in print order: by school, then by name."""
    ordered = sorted(participants, key=lambda p: (p["school_code"] is None, p["school_code"] or "", p["name"]))
    return [[str(n), p["staff_id"], p["name"], ROLE_LABELS[lang][p["role"]], p["school_code"] or "",
             _school_name(p["school_code"], schools, lang)] for n, p in enumerate(ordered, start=1)]


def _header(lang: str) -> list[str]:
    L = LABELS[lang]
    return [L["no"], L["staff_id"], L["name"], L["role"], L["school_code"], L["school"]]


def convocation_csv(session: dict, participants: list[dict], schools: dict, lang: str) -> str:
    """UTF-8 CSV with a byte-order mark, so that spreadsheets show Arabic names right."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(_header(lang))
    writer.writerows([csv_cell(v) for v in row] for row in convocation_rows(participants, schools, lang))
    return out.getvalue()


_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; font-size: 11pt; }
header p { margin: 0; }
h1 { font-size: 15pt; text-align: center; margin: 1em 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border: 1px solid #444; padding: .3em .5em; text-align: start; }
th { background: #eee; }
td.sign { min-width: 5em; height: 2.2em; }
.cancelled { color: #a00; font-weight: bold; }
@media print { body { margin: 1cm; } th { background: none; } }
"""


def _page(lang: str, title: str, body: str) -> str:
    direction = "rtl" if lang == "ar" else "ltr"
    return (f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _masthead(lang: str, province_code: str) -> str:
    L = LABELS[lang]
    return (f"<header><p>{escape(L['directorate'])} {escape(province_code)}</p>"
            f"<p>{escape(L['programme'])}</p></header>")


def convocation_html(training: dict, session: dict, participants: list[dict], schools: dict, lang: str,
                     province_code: str) -> str:
    """A printable convocation list with a signature column per session day."""
    L = LABELS[lang]
    session_days = days(date.fromisoformat(session["starts_on"]), date.fromisoformat(session["ends_on"]))
    sign_columns = ([f"{L['signature']} {d.strftime('%d/%m')}" for d in session_days]
                    if len(session_days) <= MAX_DAY_COLUMNS else [L["signature"]])
    facts = [
        (L["training"], training["title"]),
        (L["modality"], MODALITY_LABELS[lang][training["modality"]]),
        (L["school_year"], training["school_year"]),
        (L["session"], session["session_id"]),
        (L["dates"], L["from_to"].format(start=_date(session["starts_on"]), end=_date(session["ends_on"]))),
        (L["venue"], session["venue"]),
        (L["hours"], L["hours_value"].format(hours=_hours(session["hours"]))),
    ]
    rows = convocation_rows(participants, schools, lang)
    head = "".join(f"<th>{escape(h)}</th>" for h in _header(lang))
    head += "".join(f"<th>{escape(c)}</th>" for c in sign_columns)
    body_rows = "\n".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + '<td class="sign"></td>' * len(sign_columns) + "</tr>"
        for row in rows)
    notice = ""
    if session.get("status") == "cancelled":
        notice = f'<p class="cancelled">{escape(L["cancelled"].format(reason=session.get("cancel_reason") or ""))}</p>'
    body = (_masthead(lang, province_code)
            + f"\n<h1>{escape(L['convocation'])}</h1>\n{notice}<dl>"
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts)
            + f"</dl>\n<p>{escape(L['count'].format(n=len(rows)))}</p>\n"
            + f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body_rows}\n</tbody>\n</table>")
    return _page(lang, f"{L['convocation']} — {training['title']}", body)


def annual_summary_html(summary: dict, lang: str, province_code: str) -> str:
    L = LABELS[lang]
    tr, se, pe, ho, ce = (summary["trainings"], summary["sessions"], summary["people"], summary["hours"],
                          summary["certifications"])

    def table(head: list[str], rows: list[list]) -> str:
        return ("<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                + "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
                + "</tbody></table>")

    modality_rows = [[MODALITY_LABELS[lang][m], v["planned"], v["done"]] for m, v in tr["by_modality"].items()]
    modality_rows.append([L["total"], tr["planned"], tr["done"]])
    parts = [
        _masthead(lang, province_code),
        f"<h1>{escape(L['summary'])} {escape(summary['school_year'])}</h1>",
        f"<h2>{escape(L['trainings'])}</h2>",
        table([L["modality"], L["planned"], L["done"]], modality_rows),
        f"<h2>{escape(L['sessions'])}</h2>",
        table([L["scheduled"], L["completed"], L["open"], L["session_cancelled"]],
              [[se["scheduled"], se["completed"], se["open"], se["cancelled"]]]),
        f"<h2>{escape(L['people'])}</h2>",
        table([L["invited"], L["trained"], L["session_hours"], L["participant_hours"], L["awarded"]],
              [[pe["invited"], pe["trained"], _hours(ho["sessions"]), _hours(ho["participant_hours"]),
                ce["awarded"]]]),
        f"<h3>{escape(L['by_role'])}</h3>",
        table([L["role"], L["trained"]], [[ROLE_LABELS[lang][r], n] for r, n in pe["by_role"].items()]),
        f"<h2>{escape(L['trainings'])}</h2>",
        table([L["training"], L["modality"], L["status"], L["planned_participants"], L["trained"],
               L["completed"], L["session_hours"], L["awarded"]],
              [[d["title"], MODALITY_LABELS[lang][d["modality"]], STATUS_LABELS[lang][d["status"]],
                d["planned_participants"], d["trained"], f"{d['sessions_completed']}/{d['sessions']}",
                _hours(d["hours"]), d["certified"]] for d in summary["by_training"]]),
    ]
    return _page(lang, f"{L['summary']} {summary['school_year']}", "\n".join(parts))
