"""The indicator pages keep the reader's schools (scope list, names) while reporting has read no new inventory
event: inventory is asked once, asked again when the position moves, and each reader's scope keeps its own."""
import html
import json
import re

import pytest
from shared.errors import InvalidCommand
from tests.helpers import answering, gateway_site, sign_in
from tests.unit.test_gateway_api import KEY, cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import Services

SCHOOLS = [{"school_code": "A1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal", "commune": "Oued",
            "cycle": "primary", "setting": "rural", "province_code": "OED", "region_code": "R11"},
           {"school_code": "B1", "name_ar": "إعدادية النور", "name_fr": "Collège Annour", "commune": "Ville",
            "cycle": "middle", "setting": "urban", "province_code": "SAL", "region_code": "R04"}]
PEOPLE = [("view", "viewer", "all"), ("viewr", "viewer", "region:R11")]


class Kingdom(Services):
    """Two provinces of two regions; reporting's answers say how far it has read the inventory."""

    inventory_at = 7
    schools = SCHOOLS

    def answer(self, service, method, *args):
        if method == "schools":
            return [dict(s) for s in self.schools]
        if method == "school":
            found = [s for s in self.schools if s["school_code"] == args[0]]
            return dict(found[0]) if found else super().answer(service, method, *args)
        answer = super().answer(service, method, *args)
        if method == "breakdown":
            key = {"province": "province_code", "school": "school_code"}.get(args[2], args[2])
            answer = dict(answer, rows=[dict(r, **{key: r["commune"]}) for r in answer["rows"]])
        if method in ("indicators", "compare", "breakdown"):
            answer = dict(answer, positions={"inventory": self.inventory_at, "maintenance": 3})
        return answer


@pytest.fixture
def kingdom(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Kingdom()
    return gateway_site(tmp_path, services, PEOPLE, KEY), services


def schools_asked(services):
    return sum(1 for _s, method, _a in services.calls if method == "schools")


def test_the_schools_are_asked_once_while_reporting_reads_no_new_inventory_event(kingdom):
    client, services = kingdom
    sign_in(client, "view", "/dashboard")
    first = client.get("/dashboard?lang=fr&scope=all&period=2025-2026").get_data(as_text=True)
    assert '<option value="province:SAL">Direction provinciale Salé (SAL)</option>' in first
    asked = schools_asked(services)
    assert asked == 1
    again = client.get("/dashboard?lang=fr&scope=province:OED&period=2025-2026").get_data(as_text=True)
    client.get("/pivot?lang=fr&scope=province:OED&period=2025-2026&by=school")
    assert schools_asked(services) == asked
    assert '<option value="school:A1">École Al Amal (A1)</option>' in again

    # A school registered (and renamed) moves reporting's inventory position: the list is made again.
    services.schools = SCHOOLS + [dict(SCHOOLS[0], school_code="A2", name_fr="École Nouvelle")]
    services.inventory_at = 8
    page = client.get("/dashboard?lang=fr&scope=province:OED&period=2025-2026").get_data(as_text=True)
    assert schools_asked(services) == asked + 1
    assert '<option value="school:A2">École Nouvelle (A2)</option>' in page


def test_each_readers_scope_keeps_its_own_list(kingdom):
    client, services = kingdom
    sign_in(client, "view", "/dashboard")
    assert "province:SAL" in client.get("/dashboard?scope=all&period=2025-2026").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, "viewr", "/dashboard")
    page = client.get("/dashboard?lang=fr&scope=region:R11&period=2025-2026").get_data(as_text=True)
    assert '<option value="province:OED">Direction provinciale Oued Ed-Dahab (OED)</option>' in page
    assert "SAL" not in page and "R04" not in page


class Midnight(Kingdom):
    """Reporting's figures standing at the end of a day: midnight in Casablanca."""

    def answer(self, service, method, *args):
        answer = super().answer(service, method, *args)
        if method in ("indicators", "compare"):
            answer = dict(answer, as_of="2026-02-01T00:00:00+01:00")
        if method == "compare":
            answer = dict(answer, with_as_of="2025-02-01T00:00:00+01:00")
        return answer


def test_periods_are_said_in_words_and_figures_stand_at_the_end_of_a_day(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    client = gateway_site(tmp_path, Midnight(), PEOPLE, KEY)
    sign_in(client, "view", "/dashboard")
    page = client.get("/dashboard?lang=fr&scope=province:OED&period=2025-2026-S1&with=2024-2025-S1").get_data(
        as_text=True)
    # The period compared with heads its column in words, not as a code that reads backwards in Arabic.
    assert '<th scope="col"><span class="whole">2024-2025</span>, premier semestre</th>' in page
    assert 'data-label="2024-2025, premier semestre"' in page
    # Midnight is the end of the day before, and a school year is kept whole on its line.
    said = page[page.index('id="as-of"'):]
    said = said[:said.index("</p>")]
    assert 'Chiffres arrêtés à la fin du <span class="whole">31 janvier 2026</span>' in said
    assert 'comparés à <span class="whole">2024-2025, premier semestre</span>' in said
    assert "00:00" not in said
    # The charts' axis says semesters in words; the page's data keeps their codes.
    chart = json.loads(page[page.index('id="chart-data">') + 16:page.index("</script>", page.index('id="chart-data"'))])
    assert chart["periods"][-1] == "2025-2026-S1" and chart["ticks"][-1] == ["1er semestre", "2025-2026"]
    assert chart["period_labels"][-1] == "2025-2026, premier semestre"


def test_a_semester_without_data_is_not_drawn_as_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    client = gateway_site(tmp_path, Kingdom(), PEOPLE, KEY)
    sign_in(client, "view", "/dashboard")
    page = client.get("/dashboard?lang=fr&scope=province:OED&period=2025-2026").get_data(as_text=True)

    def row(ident):
        part = page[page.index(f'data-indicator="{ident}"'):]
        return part[:part.index("</tr>")]

    assert 'class="none"' in row("RES01") and "Pas de données" in row("RES01")  # no figure in any semester
    assert 'class="none"' not in row("INF01")
    # The indicator's name is no equipment label: its cell is not boxed like one.
    assert '<td class="name">' in row("INF01") and '<td class="label">' not in page


def test_the_trend_bars_run_right_to_left_in_arabic(tmp_path, monkeypatch):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    client = gateway_site(tmp_path, Kingdom(), PEOPLE, KEY)
    sign_in(client, "view", "/dashboard")

    def first_bar_x(lang):
        page = client.get(f"/dashboard?lang={lang}&scope=province:OED&period=2025-2026").get_data(as_text=True)
        row = page[page.index('data-indicator="INF01"'):]
        return float(row[row.index("<rect"):].split('x="')[1].split('"')[0])

    assert first_bar_x("fr") < 20 < first_bar_x("ar")  # the oldest semester: left in French, right in Arabic


@pytest.mark.parametrize("lang,said", [
    ("fr", "Pas avant le début de la période choisie, le 1 septembre 2025."),
    ("ar", "لا يسبق بداية الفترة المختارة، 1 شتنبر 2025.")])
@pytest.mark.parametrize("where", ["/dashboard", "/pivot"])
def test_a_day_before_the_period_starts_is_said_beside_it(tmp_path, monkeypatch, lang, said, where):
    """The coordinator asks 2025-2026 as of 30 June 2025, a day of the year before: the day says so, in the page's
    language, and the figures are the period's, instead of the whole page refused."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Services()
    client = gateway_site(tmp_path, services, [("coord", "coordinator", None)], KEY)
    sign_in(client, "coord")
    resp = client.get(f"{where}?lang={lang}&period=2025-2026&as_of=2025-06-30")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'<p class="field-err" id="err-as_of">{said}</p>' in page
    field = re.search(r'<input [^>]*name="as_of"[^>]*>', page).group(0)  # shown back day first, as typed here
    assert 'value="30/06/2025"' in field and 'aria-invalid="true" aria-describedby="err-as_of"' in field
    asked = [a for _s, m, a in services.calls if m in ("indicators", "breakdown")]
    assert asked and all("2025-06-30" not in a for a in asked)
    assert "as_of=2025-06-30" not in page  # nor carried by the report's and the pivot's links


@pytest.mark.parametrize("where", ["/dashboard", "/pivot"])
def test_the_figures_stop_at_a_day_typed_day_first_and_a_day_that_is_none_is_said_beside_it(tmp_path, monkeypatch,
                                                                                              where):
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Services()
    client = gateway_site(tmp_path, services, [("coord", "coordinator", None)], KEY)
    sign_in(client, "coord")
    page = client.get(f"{where}?lang=fr&period=2025-2026&as_of=31/01/2026").get_data(as_text=True)
    asked = [a for _s, m, a in services.calls if m in ("indicators", "breakdown")]
    assert any("2026-01-31" in a for a in asked)
    assert 'id="f-as_of" name="as_of" value="31/01/2026" placeholder="jj/mm/aaaa">' in page
    assert "as_of=2026-01-31" in page  # the report's and the pivot's links carry the day read
    for lang, said in (("fr", "Ce jour n&#39;existe pas dans le calendrier."), ("ar", "هذا اليوم غير موجود في التقويم.")):
        services.calls.clear()
        resp = client.get(f"{where}?lang={lang}&period=2025-2026&as_of=31/02/2026")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200 and f'<p class="field-err" id="err-as_of">{said}</p>' in page
        assert 'name="as_of" value="31/02/2026"' in page
        assert all("31/02/2026" not in a for _s, m, a in services.calls)


ISSUED = [{"report_id": "r-2", "scope": "province:OED", "period": "2025-2026-S1", "as_of": "2026-02-01T00:00:00+01:00",
           "issued_by": {"user": "coord", "role": "coordinator"}, "issued_at": "2026-02-03T10:15:00+00:00",
           "format": "csv", "digest": "d2", "positions": {"inventory": 9}},
          {"report_id": "r-1", "scope": "province:OED", "period": "2024-2025", "as_of": "2025-09-01T00:00:00+01:00",
           "issued_by": {"user": "coord", "role": "coordinator"}, "issued_at": "2025-09-15T08:00:00+00:00",
           "format": "xlsx", "digest": "d1", "positions": {"inventory": 5}}]


def test_a_report_sent_to_the_academy_is_found_again_and_downloaded_as_it_was_issued(tmp_path, monkeypatch):
    """The coordinator looks for the first semester's report sent in February: the list names when, by whom, the
    scope, the period and the day its figures stop (31 January: its figures stood at midnight, the end of that
    day), in the page's language, and downloads that very report, made again by reporting from the logs."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")

    def copy_of(report_id):  # reporting makes an issued report's file again; it knows no other report
        if report_id not in {r["report_id"] for r in ISSUED}:
            raise InvalidCommand({"report_id": [f"No report {report_id} was issued."]})
        return {"report_id": report_id, "scope": "province:OED", "matches": True, "filename": "r.csv",
                "mimetype": "text/csv", "content_base64": "YQ=="}

    services = Services()
    answering(monkeypatch, Services, {"reports": lambda *_: [dict(r) for r in ISSUED],
                                      "report_copy": copy_of})
    client = gateway_site(tmp_path, services, [("coord", "coordinator", None), ("tech", "technician", None),
                                               ("academy", "viewer", "region:DLO")], KEY)
    sign_in(client, "coord")
    assert '<a id="reports-issued" href="/reports">Rapports émis</a>' in \
        client.get("/dashboard?lang=fr").get_data(as_text=True)
    page = client.get("/reports?lang=fr&period=2025-2026-S1").get_data(as_text=True)
    row = page.split('<tr id="report-r-2">')[1].split("</tr>")[0]
    assert "3 février 2026 11:15" in row and "Direction provinciale Oued Ed-Dahab (OED)" in row
    assert "2025-2026, premier semestre" in row
    assert 'Chiffres arrêtés à la fin du <span class="whole">31 janvier 2026</span>' in row
    assert '<a href="/api/reports/r-2/file">Télécharger (CSV)</a>' in row
    assert 'id="report-r-1"' not in page  # another period
    assert '<option value="2024-2025">Année scolaire 2024-2025</option>' in page
    copy = client.get("/api/reports/r-2/file")
    assert copy.status_code == 200 and copy.get_data() == b"a"
    assert copy.headers["Content-Disposition"] == 'attachment; filename="r.csv"'
    assert [a for _s, m, a in services.calls if m == "report_copy"] == [("r-2",)]
    assert not [m for _s, m, _a in services.calls if m == "report_file"]  # nothing issued anew
    assert client.get("/api/reports/r-9/file").status_code == 404
    arabic = client.get("/reports?lang=ar").get_data(as_text=True)
    assert "السنة الدراسية \u20662024-2025\u2069" in arabic.split('id="report-r-1"')[1]
    client.get("/logout")
    sign_in(client, "tech")
    assert client.get("/reports").status_code == 403
    assert client.get("/api/reports/r-2/file").status_code == 403
    assert 'href="/reports"' not in client.get("/dashboard").get_data(as_text=True)  # no link to a refusal
    # A viewer of a region reads its region's reports, not a province's, even by the file's address.
    client.get("/logout")
    sign_in(client, "academy")
    assert 'id="report-r-2"' not in client.get("/reports?lang=fr&period=2025-2026-S1").get_data(as_text=True)
    assert client.get("/api/reports/r-2/file").status_code == 403


def test_a_period_picked_anew_is_compared_with_the_one_before_not_with_itself(tmp_path, monkeypatch):
    """The dashboard opens on 2026-2027 compared with 2025-2026; the coordinator picks 2025-2026 and shows it:
    the form still holds 2025-2026 to compare with, and the page compares with 2024-2025 instead of saying
    every figure unchanged."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    services = Services()
    client = gateway_site(tmp_path, services, [("coord", "coordinator", None)], KEY)
    sign_in(client, "coord")
    page = client.get("/dashboard?lang=fr&period=2025-2026&with=2025-2026").get_data(as_text=True)
    assert [a[2] for _s, m, a in services.calls if m == "compare"] == ["2024-2025"]
    compared = page.split('id="f-with"')[1].split("</select>")[0]
    assert '<option value="2024-2025" selected>' in compared


@pytest.mark.parametrize("lang,by,said", [
    ("fr", "cycle", ["Primaire", "Collège"]), ("ar", "cycle", ["ابتدائي", "إعدادي"]),
    ("fr", "setting", ["Rural", "Urbain"]), ("ar", "setting", ["قروي", "حضري"])])
def test_the_pivot_by_cycle_or_setting_says_them_in_words(tmp_path, monkeypatch, lang, by, said):
    """Rows by cycle or by setting read in the page's language, in the page and in its export, not as the codes
    primary, middle, rural, urban."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    codes = {"cycle": ["primary", "middle"], "setting": ["rural", "urban"]}[by]
    figure = [{"id": "INF01", "value": 5, "numerator": 5, "denominator": None}]
    answering(monkeypatch, Services, {"breakdown": lambda scope, period, grouping, *_: {
        "scope": scope, "period": period, "by": grouping, "as_of": "2026-01-31T23:59:59+01:00", "positions": {},
        "rows": [{grouping: code, "schools": 1, "indicators": figure} for code in codes]}})
    client = gateway_site(tmp_path, Services(), [("coord", "coordinator", None)], KEY)
    sign_in(client, "coord")
    page = client.get(f"/pivot?lang={lang}&period=2025-2026&by={by}").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a [^>]*>([^<]*)</a></th>', page)
    assert rows == said
    exported = client.get(f"/pivot?lang={lang}&period=2025-2026&by={by}&format=csv").get_data(as_text=True)
    assert [line.split(",")[0] for line in exported.splitlines()[1:3]] == said


def test_a_cycles_row_leads_to_the_table_of_its_schools_only(tmp_path, monkeypatch):
    """From the pivot by cycle the coordinator opens « Primaire »: the table by school then holds the primary
    schools only, totalled as the cycle's row was, and says which schools it holds, with the way back."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")

    def figure(n):
        return [{"id": "INF01", "value": n, "numerator": n, "denominator": None}]

    rows = {"cycle": [{"cycle": "primary", "schools": 1, "indicators": figure(5)},
                      {"cycle": "middle", "schools": 1, "indicators": figure(7)}],
            "school": [{"school_code": "S1", "commune": "Oued", "indicators": figure(5)},
                       {"school_code": "S2", "commune": "Ville", "indicators": figure(7)}]}
    answering(monkeypatch, Services, {"breakdown": lambda scope, period, grouping, *_: {
        "scope": scope, "period": period, "by": grouping, "as_of": "2026-01-31T23:59:59+01:00", "positions": {},
        "rows": [dict(r) for r in rows[grouping]]}})
    client = gateway_site(tmp_path, Services(), [("coord", "coordinator", None)], KEY)
    sign_in(client, "coord")
    page = client.get("/pivot?lang=fr&period=2025-2026&by=cycle").get_data(as_text=True)
    href = html.unescape(re.search(r'<tr data-group="primary"><th scope="row"><a href="([^"]+)">', page).group(1))
    assert "by=school" in href and "cycle=primary" in href
    table = client.get(href + "&lang=fr").get_data(as_text=True)
    assert re.findall(r'<tr data-group="([^"]+)">', table) == ["S1"]
    assert '<p class="muted" id="within">Établissements du cycle : Primaire · <a href="/pivot?scope=province%3AOED' \
           '&amp;period=2025-2026&amp;by=cycle">Tous les cycles</a></p>' in table
    total = table.split('<tfoot><tr class="total"><th scope="row">')[1].split("</tr>")[0]
    assert total.startswith("Établissements du cycle : Primaire</th>") and 'data-value="5"' in total
    assert '<input type="hidden" name="cycle" value="primary">' in table  # kept as the axis changes
