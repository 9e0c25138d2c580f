"""The convocation list (CSV and printable page) and the annual summary page, in Arabic and French."""
import csv
import io

from services.training import documents
from tests.samples import ANNUAL_SUMMARY

TRAINING = {"training_id": "T1", "title": "Intégration des TICE <niveau 1>", "modality": "certifying",
            "school_year": "2025-2026"}
SESSION = {"session_id": "S1", "training_id": "T1", "starts_on": "2025-11-10", "ends_on": "2025-11-12",
           "hours": 18.0, "venue": "CRMEF Dakhla", "status": "scheduled"}
PARTICIPANTS = [
    {"staff_id": "P2", "name": "Yassine Alaoui", "role": "teacher", "school_code": "OED002"},
    {"staff_id": "I1", "name": "Said Bennani", "role": "inspector", "school_code": None},
    {"staff_id": "P1", "name": "Amina Idrissi", "role": "director", "school_code": "OED001"},
    {"staff_id": "P3", "name": "Hind Tazi", "role": "teacher", "school_code": "OED001"},
]
SCHOOLS = {"OED001": {"name_ar": "مدرسة الوحدة", "name_fr": "École Al Wahda"},
           "OED002": {"name_ar": "إعدادية الداخلة", "name_fr": "Collège Dakhla"}}


def rows(text):
    assert text.startswith("\ufeff")  # spreadsheets then read the file as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_list_in_french_is_grouped_by_school():
    table = rows(documents.convocation_csv(SESSION, PARTICIPANTS, SCHOOLS, "fr"))
    assert table == [
        ["N°", "Identifiant", "Nom et prénom", "Fonction", "Code établissement", "Établissement"],
        ["1", "P1", "Amina Idrissi", "Directeur(trice)", "OED001", "École Al Wahda"],
        ["2", "P3", "Hind Tazi", "Enseignant(e)", "OED001", "École Al Wahda"],
        ["3", "P2", "Yassine Alaoui", "Enseignant(e)", "OED002", "Collège Dakhla"],
        ["4", "I1", "Said Bennani", "Inspecteur(trice)", "", ""],
    ]


def test_the_csv_list_in_arabic_names_schools_in_arabic():
    table = rows(documents.convocation_csv(SESSION, PARTICIPANTS, SCHOOLS, "ar"))
    assert table[0] == ["ر.ت", "المعرف", "الاسم الكامل", "الصفة", "رمز المؤسسة", "المؤسسة"]
    assert table[1][3:] == ["مدير(ة)", "OED001", "مدرسة الوحدة"]
    assert table[3][5] == "إعدادية الداخلة"


def test_the_printable_page_in_arabic_reads_right_to_left_with_a_column_per_day():
    page = documents.convocation_html(TRAINING, SESSION, PARTICIPANTS, SCHOOLS, "ar", "OED")
    assert '<html lang="ar" dir="rtl">' in page and '<meta charset="utf-8">' in page
    assert "لائحة المستدعين" in page and "من 10/11/2025 إلى 12/11/2025" in page and "18 ساعة" in page
    assert [f"التوقيع {d}" in page for d in ("10/11", "11/11", "12/11")] == [True] * 3
    assert page.count('<td class="sign">') == 4 * 3
    assert "&lt;niveau 1&gt;" in page and "<niveau 1>" not in page  # names are escaped


def test_the_printable_page_in_french_with_one_signature_column_for_a_long_session():
    long = dict(SESSION, ends_on="2025-11-21")
    page = documents.convocation_html(TRAINING, long, PARTICIPANTS, SCHOOLS, "fr", "OED")
    assert '<html lang="fr" dir="ltr">' in page
    assert "Liste des participants convoqués" in page and "du 10/11/2025 au 21/11/2025" in page
    assert "Nombre de convoqués : 4" in page and "Certifiante" in page
    assert page.count('<td class="sign">') == 4


def test_a_cancelled_session_says_so_on_the_page():
    page = documents.convocation_html(TRAINING, dict(SESSION, status="cancelled", cancel_reason="Salle occupée"),
                                      PARTICIPANTS, SCHOOLS, "fr", "OED")
    assert "Session annulée : Salle occupée" in page


def test_the_annual_summary_page_in_both_languages():
    fr = documents.annual_summary_html(ANNUAL_SUMMARY, "fr", "OED")
    assert "Bilan annuel de la formation 2025-2026" in fr and "Réalisée" in fr and "<td>24.5</td>" in fr
    ar = documents.annual_summary_html(ANNUAL_SUMMARY, "ar", "OED")
    assert 'dir="rtl"' in ar and "الحصيلة السنوية للتكوين 2025-2026" in ar and "<td>180</td>" in ar
