"""At the academy and national tiers the indicator pages say regions and provinces by their names, in the
page's language, their codes beside; the forms still send codes (events carry only codes)."""
import csv
import html
import io

import openpyxl
import pytest
from shared.errors import CommandRejected
from tests.helpers import gateway_site, sign_in
from tests.unit.test_gateway_api import KEY, cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import INDICATORS, Services


def school(code, province, region):
    return {"school_code": code, "name_ar": f"مدرسة {code}", "name_fr": f"École {code}", "commune": "Centre",
            "cycle": "primary", "setting": "urban", "province_code": province, "region_code": region}


SCHOOLS = [school("OED001", "OED", "DLO"), school("AUS001", "AUS", "DLO"), school("SAL001", "SAL", "RSK"),
           school("BSL001", "BSL", "CSE"), school("BML001", "BML", "BMK"),
           school("ZZZ001", "ZZZ", "R99")]  # the last of a province and a region no list names
PEOPLE = [("nation", "viewer", "all"), ("academy", "viewer", "region:DLO")]


class Country(Services):
    """Four provinces of three regions; a breakdown by province has a row for each province of the scope."""

    def answer(self, service, method, *args):
        if method == "schools":
            return [dict(s) for s in SCHOOLS]
        if method == "school":
            return dict(next(s for s in SCHOOLS if s["school_code"] == args[0]))
        answer = super().answer(service, method, *args)
        if method == "breakdown" and args[2] == "province":
            level, _, code = args[0].partition(":")
            of = [s for s in SCHOOLS if level == "all" or s[f"{level}_code"] == code]
            answer = dict(answer, rows=[{"province_code": p, "schools": 1, "indicators": [dict(INDICATORS[0])]}
                                        for p in sorted({s["province_code"] for s in of})])
        if method == "breakdown" and args[2] == "region":
            regions = sorted({s["region_code"] for s in SCHOOLS})
            answer = dict(answer, rows=[
                {"region_code": r, "schools": sum(s["region_code"] == r for s in SCHOOLS),
                 "indicators": [dict(INDICATORS[0], value=n, numerator=n)]} for n, r in enumerate(regions, 10)])
        if method == "breakdown" and args[2] == "commune" and args[0] == "region:DLO":
            # OED and AUS each have a commune named Centre: two rows, each with its own figures.
            answer = dict(answer, rows=[
                {"commune": "Centre", "province_code": p, "schools": 1,
                 "indicators": [dict(INDICATORS[0], value=n, numerator=n)]} for p, n in (("AUS", 4), ("OED", 9))])
        return answer


@pytest.fixture
def country(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    return gateway_site(tmp_path, Country(), PEOPLE, KEY)


def page_of(client, url):
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    return html.unescape(resp.get_data(as_text=True))


def options(page):
    picker = page[page.index('<select id="f-scope"'):]
    return picker[:picker.index("</select>")]


def rows(page):
    return page[page.index("<tbody>"):page.index("</tbody>")]


def heading(page):
    return page[page.index('id="scope-said">') + 16:page.index("</h2>", page.index('id="scope-said"'))]


def test_the_national_tier_reads_regions_and_provinces_by_their_names_in_french(country):
    sign_in(country, "nation", "/dashboard")
    page = page_of(country, "/dashboard?lang=fr&scope=all&period=2025-2026")
    picker = options(page)
    assert '<option value="region:DLO">Région Dakhla-Oued Ed-Dahab (DLO)</option>' in picker
    assert '<option value="region:RSK">Région Rabat-Salé-Kénitra (RSK)</option>' in picker
    assert '<option value="province:OED">Direction provinciale Oued Ed-Dahab (OED)</option>' in picker
    assert '<option value="province:AUS">Direction provinciale Aousserd (AUS)</option>' in picker
    # A code no list names is shown as it is.
    assert '<option value="region:R99">Région R99</option>' in picker
    assert '<option value="province:ZZZ">Direction provinciale ZZZ</option>' in picker
    assert heading(page) == "Toutes les directions provinciales"
    # By name, its accents aside: Béni Mellal before Benslimane, both before Oued Ed-Dahab.
    assert picker.index("Béni Mellal (BML)") < picker.index("Benslimane (BSL)") < picker.index("Oued Ed-Dahab (OED)")

    pivot = page_of(country, "/pivot?lang=fr&scope=all&period=2025-2026&by=province")
    body = rows(pivot)
    for said, code in (("Oued Ed-Dahab", "OED"), ("Aousserd", "AUS"), ("Salé", "SAL")):
        # The name leads to the province's figures; its code is said under it.
        assert (f'<a href="/dashboard?scope=province%3A{code}&period=2025-2026">{said}</a>'
                f' <small class="code muted"><bdi dir="ltr">{code}</bdi></small>') in body
    assert '<a href="/dashboard?scope=province%3AZZZ&period=2025-2026">ZZZ</a></th>' in body
    csv_text = country.get("/pivot?lang=fr&scope=all&period=2025-2026&by=province&format=csv").get_data().decode(
        "utf-8-sig")
    assert [line.split(",")[0] for line in csv_text.splitlines()[1:]] == [
        "Aousserd (AUS)", "Béni Mellal (BML)", "Benslimane (BSL)", "Oued Ed-Dahab (OED)", "Salé (SAL)", "ZZZ",
        "Ensemble du périmètre"]


def test_the_national_tier_reads_them_in_arabic(country):
    sign_in(country, "nation", "/dashboard")
    page = page_of(country, "/dashboard?lang=ar&scope=province:OED&period=2025-2026")
    assert '<html lang="ar" dir="rtl">' in page
    picker = options(page)
    assert '<option value="region:DLO">جهة الداخلة - وادي الذهب (DLO)</option>' in picker
    assert '<option value="region:RSK">جهة الرباط - سلا - القنيطرة (RSK)</option>' in picker
    assert '<option value="province:OED" selected>المديرية الإقليمية وادي الذهب (OED)</option>' in picker
    assert heading(page) == "المديرية الإقليمية وادي الذهب (OED)"
    body = rows(page_of(country, "/pivot?lang=ar&scope=all&period=2025-2026&by=province"))
    assert '>وادي الذهب</a> <small class="code muted"><bdi dir="ltr">OED</bdi></small>' in body
    assert ">أوسرد</a>" in body and ">سلا</a>" in body
    # In the order of their Arabic names (by code, OED would come before SAL).
    assert body.index('data-group="AUS"') < body.index('data-group="SAL"') < body.index('data-group="OED"')


@pytest.mark.parametrize("lang,region,oed,aus", [
    ("fr", "Région Dakhla-Oued Ed-Dahab (DLO)", "Oued Ed-Dahab", "Aousserd"),
    ("ar", "جهة الداخلة - وادي الذهب (DLO)", "وادي الذهب", "أوسرد")])
def test_an_academy_reads_its_region_and_its_provinces_by_their_names(country, lang, region, oed, aus):
    sign_in(country, "academy", "/dashboard")
    page = page_of(country, f"/pivot?lang={lang}&scope=region:DLO&period=2025-2026&by=province")
    assert heading(page) == region
    assert f'<option value="region:DLO" selected>{region}</option>' in options(page)
    body = rows(page)
    assert f">{oed}</a>" in body and f">{aus}</a>" in body
    assert "SAL" not in body and "Salé" not in body and "سلا" not in body


@pytest.fixture
def nation(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    monkeypatch.setenv("GENIE_TIER", "national")
    monkeypatch.setenv("GENIE_UPSTREAMS", "DLO=amqp://guest:guest@127.0.0.1:5672/dlo")
    return gateway_site(tmp_path, Country(), PEOPLE, KEY)


@pytest.mark.parametrize("lang,word,regions", [
    ("fr", "région", [("BMK", "Béni Mellal-Khénifra"), ("CSE", "Casablanca-Settat"), ("DLO", "Dakhla-Oued Ed-Dahab"),
                      ("R99", "R99"), ("RSK", "Rabat-Salé-Kénitra")]),
    ("ar", "الجهة", [("R99", "R99"), ("DLO", "الداخلة - وادي الذهب"), ("CSE", "الدار البيضاء - سطات"),
                     ("RSK", "الرباط - سلا - القنيطرة"), ("BMK", "بني ملال - خنيفرة")])])
def test_the_ministry_reads_its_regions_side_by_side_each_leading_to_its_provinces(nation, monkeypatch, lang, word,
                                                                                   regions):
    sign_in(nation, "nation", "/dashboard")
    pivot = page_of(nation, f"/pivot?lang={lang}&scope=all&period=2025-2026")
    picker = pivot[pivot.index('<select id="f-by"'):]
    assert picker[:picker.index("</option>")].endswith(f'<option value="region" selected>{word}')  # first, and shown
    body = rows(pivot)
    # In the order of their names, each leading to its provinces; the code under a name, where the list has one.
    assert [code for code, _said in regions] == [
        g.partition('"')[0] for g in body.split('data-group="')[1:]]
    for code, said in regions:
        beside = f' <small class="code muted"><bdi dir="ltr">{code}</bdi></small>' if said != code else "</th>"
        assert f'<a href="/pivot?scope=region%3A{code}&period=2025-2026&by=province">{said}</a>{beside}' in body
    assert '<td>2</td>' in body[body.index('data-group="DLO"'):]  # OED001 and AUS001

    dashboard = page_of(nation, f"/dashboard?lang={lang}&scope=all&period=2025-2026")
    drill = dashboard[dashboard.index('<ul class="drill">'):]
    dakhla = dict(regions)["DLO"]
    assert f'<li><a href="/dashboard?scope=region%3ADLO&period=2025-2026&by=province">{dakhla} (DLO)</a>' in drill

    exported = nation.get(f"/pivot?lang={lang}&scope=all&period=2025-2026&by=region&format=csv")
    lines = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    named = [f"{said} ({code})" if said != code else code for code, said in regions]
    assert lines[0][0] == word and [line[0] for line in lines[1:-1]] == named
    sheet = openpyxl.load_workbook(io.BytesIO(nation.get(
        f"/pivot?lang={lang}&scope=all&period=2025-2026&by=region&format=xlsx").get_data())).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)][1:-1] == named

    # Below the nation, all is one region: its provinces side by side instead.
    monkeypatch.setenv("GENIE_TIER", "province")
    monkeypatch.delenv("GENIE_UPSTREAMS")
    page = page_of(nation, f"/pivot?lang={lang}&scope=all&period=2025-2026&by=region")
    assert 'value="region"' not in page[page.index('<select id="f-by"'):]
    assert 'data-group="OED"' in rows(page)


@pytest.mark.parametrize("lang,oed,aus", [("fr", "Oued Ed-Dahab", "Aousserd"), ("ar", "وادي الذهب", "أوسرد")])
def test_above_a_province_a_commune_says_its_province_and_leads_to_that_provinces_commune(country, lang, oed, aus):
    sign_in(country, "academy", "/dashboard")
    body = rows(page_of(country, f"/pivot?lang={lang}&scope=region:DLO&period=2025-2026&by=commune"))
    for province, said, value in (("OED", oed, "9"), ("AUS", aus, "4")):
        href = f"/pivot?scope=province%3A{province}&period=2025-2026&by=school&commune=Centre"
        row = body[body.index(f'data-group="{province}:Centre"'):]
        row = row[:row.index("</tr>")]
        assert f'<a href="{href}">Centre ({said})</a>' in row
        assert f">{value}<" in row
    dashboard = page_of(country, f"/dashboard?lang={lang}&scope=region:DLO&period=2025-2026&by=commune")
    drill = dashboard[dashboard.index('<ul class="drill">'):]
    assert f'href="/pivot?scope=province%3AOED&period=2025-2026&by=school&commune=Centre">Centre ({oed})</a>' in drill
    assert f'href="/pivot?scope=province%3AAUS&period=2025-2026&by=school&commune=Centre">Centre ({aus})</a>' in drill
    # The commune's table, as the link leads to it, is that province's.
    assert country.get("/pivot?scope=commune:AUS:Centre&period=2025-2026").headers["Location"] == (
        "/pivot?scope=province%3AAUS&period=2025-2026&by=school&commune=Centre")


class Log(Country):
    """The actions of two provinces of the region, and one of a province no list names."""

    def answer(self, service, method, *args):
        if method == "activity":
            entries = [{"source": "inventory", "province_code": code, "position": n, "event_type": "school_registered",
                        "occurred_at": "2026-01-05T09:00:00+01:00", "actor": {"user": "fatima", "role": "coordinator"},
                        "subject": school, "transfer": None, "data": {"school_code": school},
                        "schools": [{"school_code": school, "name_ar": f"مدرسة {school}",
                                     "name_fr": f"École {school}"}]}
                       for n, (code, school) in enumerate((("OED", "OED001"), ("AUS", "AUS001"), ("ZZZ", "ZZZ001")))]
            return {"total": len(entries), "entries": entries, "people": ["fatima"], "offset": 0}
        return super().answer(service, method, *args)


@pytest.mark.parametrize("lang,oed,aus,heading", [
    ("fr", "Oued Ed-Dahab", "Aousserd", "Direction provinciale"),
    ("ar", "وادي الذهب", "أوسرد", "المديرية الإقليمية")])
def test_an_academys_activity_log_says_whose_province_each_action_is(tmp_path, monkeypatch, lang, oed, aus, heading):
    """Every coordinator of the region is a "Coordinateur provincial": the province's name tells them apart."""
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    client = gateway_site(tmp_path, Log(), PEOPLE, KEY)
    sign_in(client, "academy", "/dashboard")
    page = page_of(client, f"/activity?lang={lang}")
    assert f'<th scope="col">{heading}</th>' in page
    body = rows(page)
    for said, code in ((oed, "OED"), (aus, "AUS")):
        assert f'class="province">{said} <small class="code muted"><bdi dir="ltr">{code}</bdi></small></td>' in body
    assert 'class="province">ZZZ</td>' in body  # a code no list names, once
    # The exported log says it too, in the file's language.
    exported = client.get(f"/api/activity/export?format=csv&lang={lang}").get_data().decode("utf-8-sig")
    head, *lines = list(csv.reader(io.StringIO(exported)))
    assert head[3] == heading and [line[3] for line in lines] == [f"{oed} (OED)", f"{aus} (AUS)", "ZZZ"]
    answer = client.get(f"/api/activity/export?format=xlsx&lang={lang}")
    assert 'filename="genie-activity.xlsx"' in answer.headers["Content-Disposition"]  # the same log, a column more
    sheet = openpyxl.load_workbook(io.BytesIO(answer.get_data())).active
    assert sheet.title == "activity" and [row[3] for row in sheet.iter_rows(values_only=True)] == [head[3]] + [
        line[3] for line in lines]


def test_a_provinces_own_activity_log_has_no_province_column(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TIER", raising=False)
    client = gateway_site(tmp_path, Log(), PEOPLE, KEY)
    sign_in(client, "nation", "/dashboard")
    page = page_of(client, "/activity?lang=fr")
    assert "Direction provinciale</th>" not in page and 'class="province"' not in page
    exported = client.get("/api/activity/export?format=csv&lang=fr").get_data().decode("utf-8-sig")
    assert "Direction provinciale" not in exported.splitlines()[0]


class Known(Country):
    """Reporting refuses a scope of which it knows no school, as the real one does."""

    def answer(self, service, method, *args):
        if method in ("indicators", "compare", "breakdown") and args[0] != "all":
            level, _, code = args[0].partition(":")
            if not any(s.get(f"{level}_code") == code for s in SCHOOLS):
                raise CommandRejected("unknown_scope", f"No school, province or region is known as {code}.")
        return super().answer(service, method, *args)


@pytest.mark.parametrize("lang,said", [
    ("fr", "Région Tanger-Tétouan-Al Hoceïma (TTA) : aucun de ses établissements n'est encore connu de ce système."),
    ("ar", "جهة طنجة - تطوان - الحسيمة (TTA): لا تُعرف أي مؤسسة من مؤسساتها في هذا النظام بعد.")])
def test_the_ministry_opening_a_region_with_no_school_yet_reads_its_name_not_that_no_region_has_the_code(
        tmp_path, monkeypatch, lang, said):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    monkeypatch.setenv("GENIE_TIER", "national")
    monkeypatch.setenv("GENIE_UPSTREAMS", "DLO=amqp://guest:guest@127.0.0.1:5672/dlo")
    client = gateway_site(tmp_path, Known(), PEOPLE, KEY)
    sign_in(client, "nation", "/dashboard")
    for path in ("/dashboard", "/pivot"):
        resp = client.get(f"{path}?lang={lang}&scope=region:TTA&period=2025-2026")
        page = html.unescape(resp.get_data(as_text=True))
        assert resp.status_code == 404 and f'<p class="notice err">{said}</p>' in page, path
    # A code no list names is still one no region has.
    page = html.unescape(client.get("/dashboard?lang=fr&scope=region:R42&period=2025-2026").get_data(as_text=True))
    assert "Aucun établissement, aucune province ni aucune région n'a ce code." in page


@pytest.mark.parametrize("lang,back", [("fr", "Retour aux indicateurs"), ("ar", "العودة إلى المؤشرات")])
def test_a_refusal_above_the_provinces_leads_back_to_the_indicators(tmp_path, monkeypatch, lang, back):
    """An academy has no work queue: "back to my work" would name a page its reader never sees."""
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    client = gateway_site(tmp_path, Known(), PEOPLE, KEY)
    sign_in(client, "academy", "/dashboard")
    for url, status in ((f"/dashboard?lang={lang}&scope=region:RSK&period=2025-2026", 403),
                        (f"/equipment?lang={lang}", 404)):
        resp = client.get(url)
        assert resp.status_code == status
        assert f'<p><a href="/dashboard">{back}</a></p>' in resp.get_data(as_text=True), url


def test_a_refusal_in_a_province_leads_back_to_its_readers_work(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TIER", raising=False)
    client = gateway_site(tmp_path, Known(), PEOPLE, KEY)
    sign_in(client, "academy", "/dashboard")
    resp = client.get("/dashboard?lang=fr&scope=region:RSK&period=2025-2026")
    assert resp.status_code == 403 and '<p><a href="/">Retour à mon travail</a></p>' in resp.get_data(as_text=True)


@pytest.mark.parametrize("tier,linked", [("academy", False), ("province", True)])
def test_a_schools_figures_above_the_provinces_offer_no_link_to_its_page_which_its_province_keeps(
        tmp_path, monkeypatch, tier, linked):
    monkeypatch.setenv("GENIE_TIER", tier)
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    client = gateway_site(tmp_path, Country(), PEOPLE, KEY)
    sign_in(client, "academy", "/dashboard")
    page = page_of(client, "/dashboard?lang=fr&scope=school:OED001&period=2025-2026")
    assert heading(page) == "École OED001 (OED001)"
    assert ('href="/schools/OED001"' in page) is linked
    if not linked:
        assert client.get("/schools/OED001?lang=fr").status_code == 404  # what the link would have led to


@pytest.mark.parametrize("lang,year", [("fr", "2024-2025"), ("ar", "\u20662024-2025\u2069")])
def test_the_year_compared_with_is_never_broken_at_its_hyphen(country, lang, year):
    """A narrow column's heading broke "2024-2025" at its hyphen: in Arabic it read "-2024" over "2025"."""
    sign_in(country, "nation", "/dashboard")
    page = page_of(country, f"/dashboard?lang={lang}&scope=all&period=2025-2026&with=2024-2025")
    head = page[page.index("<thead>"):page.index("</thead>")]
    assert f'<th scope="col"><span class="whole">{year}</span></th>' in head
    assert ".whole{white-space:nowrap}" in country.get("/static/app.css").get_data(as_text=True)
