"""More of the digital resources and training axes in the browser, over the fake service layer of the web
tests: a resource's use and decisions on its page, staff picked from a searchable list, and the lists of
dysfunctions, good practices, research and workshops filtered, their exports keeping the filters."""
import csv
import io
from datetime import date, datetime, timezone

from shared.calendar import local_date
from tests.unit.test_gateway_axes import ANSWERS, axes  # noqa: F401
from tests.unit.test_gateway_web import commands_sent, csrf_of, sign_in, site  # noqa: F401

NO_SUCH_DAY = "Ce jour n&#39;existe pas dans le calendrier."  # 31/02: written as a day, none of the calendar


def text(client, path):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.get_data(as_text=True)[:500])
    return answer.get_data(as_text=True)


def table(page, table_id):
    """The rows of a table of the page, each the text of its cells."""
    import re

    body = page[page.index(f'id="{table_id}"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_a_resources_page_shows_its_use_by_school_and_period_and_its_committee_decisions(axes):  # noqa: F811
    client, services = axes
    sign_in(client, "res")
    page = text(client, "/resources/R2?lang=fr")
    assert [row[0:1] + row[2:] for row in table(page, "usage")] == [["École Al Amal S1", "12", "3"],
                                                                      ["Collège Annour S2", "5", "1"]]
    assert table(page, "decisions") == [["Procès-verbal du 10 janvier 2026", "Renvoyée en révision",
                                         "Sources à citer"]]
    assert 'href="/committees/C1"' in page
    assert ("resources", "resource_follow_up", ("R2",)) in services.calls
    # A director reads the uses at their school only.
    client.get("/logout")
    sign_in(client, "dir1")
    page = text(client, "/resources/R2?lang=fr")
    assert [row[0] for row in table(page, "usage")] == ["École Al Amal S1"]


def test_staff_are_searched_by_name_school_and_role_and_several_picked_in_one_submit(axes):  # noqa: F811
    client, services = axes
    sign_in(client, "trn")
    page = text(client, "/forms/training/invite_participants?session_id=SE1&lang=fr")
    assert [row[1] for row in table(page, "staff")] == ["Amal Idrissi", "Hind Amrani", "Nadia Berrada",
                                                        "Omar Alaoui", "Youssef Tazi"]
    assert 'id="staff-search"' in page and 'name="staff_q"' in page
    page = text(client, "/forms/training/invite_participants?session_id=SE1&lang=fr&staff_q=AMR")
    assert [row[1] for row in table(page, "staff")] == ["Hind Amrani"]
    page = text(client, "/forms/training/invite_participants?session_id=SE1&lang=fr&staff_school=S2+%C2%B7+Coll%C3%A8ge"
                        "&staff_role=teacher")
    rows = table(page, "staff")
    assert [(row[0], row[1]) for row in rows] == [("Déjà invité", "Omar Alaoui"), ("Youssef Tazi", "Youssef Tazi")]
    assert 'name="staff_ids" value="E2"' not in page and 'name="staff_ids" value="E8"' in page

    form = {"csrf": csrf_of(page), "session_id": "SE1", "staff_ids": ["E9", "E7"],
            "staff_id-1": "E20", "name-1": "Salma Fassi", "role-1": "teacher", "school_code-1": "S2"}
    answer = client.post("/forms/training/invite_participants", data=form)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    sent = [c for s, m, c in commands_sent(services) if m == "invite_participants"][-1]
    assert sent == {"session_id": "SE1", "participants": [
        {"staff_id": "E20", "name": "Salma Fassi", "role": "teacher", "school_code": "S2"},
        {"staff_id": "E9", "name": "Hind Amrani", "role": "inspector"},
        {"staff_id": "E7", "name": "Nadia Berrada", "role": "director", "school_code": "S1"}]}

    # Someone no longer known is said next to the list, and nothing is sent.
    before = len(commands_sent(services))
    page = text(client, "/forms/training/invite_participants?session_id=SE1")
    answer = client.post("/forms/training/invite_participants?lang=fr", data={
        "csrf": csrf_of(page), "session_id": "SE1", "staff_ids": ["E7", "E404"]})
    assert answer.status_code == 400 and 'id="err-staff_ids"' in answer.get_data(as_text=True)
    assert len(commands_sent(services)) == before


def _age(reported: str) -> int:
    return (local_date(datetime.now(timezone.utc)) - date.fromisoformat(reported)).days


def test_open_dysfunctions_by_age_filtered_by_school_cycle_status_and_dates_and_exported_so(axes):  # noqa: F811
    client, _ = axes
    sign_in(client, "res")
    page = text(client, "/dysfunctions?lang=fr")
    rows = table(page, "dysfunctions")
    assert [row[1] for row in rows] == ["Lien mort", "Pas de son"]  # open ones only, the oldest first
    assert [row[3].split()[-1] for row in rows] == ["jours", "jours"]
    assert f'data-age="{_age("2025-12-01")}"' in page and f'data-age="{_age("2026-01-02")}"' in page

    assert [row[1] for row in table(text(client, "/dysfunctions?status=resolved"), "dysfunctions")] == [
        "Lecteur absent"]
    resolved = text(client, "/dysfunctions?status=resolved&lang=fr")
    assert "Lecteur installé" in resolved and "data-age" not in resolved
    assert [row[1] for row in table(text(client, "/dysfunctions?status=all"), "dysfunctions")] == [
        "Lien mort", "Pas de son", "Lecteur absent"]
    assert [row[1] for row in table(text(client, "/dysfunctions?school_code=S1"), "dysfunctions")] == ["Pas de son"]
    assert [row[1] for row in table(text(client, "/dysfunctions?cycle=middle"), "dysfunctions")] == ["Lien mort"]
    assert [row[1] for row in table(text(client, "/dysfunctions?since=2026-01-01"), "dysfunctions")] == [
        "Pas de son"]
    assert [row[1] for row in table(text(client, "/dysfunctions?until=2025-12-31&q=LIEN"), "dysfunctions")] == [
        "Lien mort"]
    page = text(client, "/dysfunctions?since=01/01/2026&lang=fr")  # a day as it is written here, shown back so
    assert [row[1] for row in table(page, "dysfunctions")] == ["Pas de son"] and 'value="01/01/2026"' in page
    page = text(client, "/dysfunctions?until=31/02/2026&lang=fr")
    assert f'id="err-until">{NO_SUCH_DAY}<' in page and 'value="31/02/2026"' in page
    page = text(client, "/dysfunctions?until=fin+du+mois&lang=fr")
    assert 'id="err-until">Date attendue sous la forme jj/mm/aaaa.<' in page and 'value="fin du mois"' in page

    # A wrong filter is said next to its field; the others still apply.
    page = text(client, "/dysfunctions?since=hier&school_code=S1&lang=fr")
    assert 'id="err-since"' in page and [row[1] for row in table(page, "dysfunctions")] == ["Pas de son"]

    # The export is the list on the page: its filters kept, each open one's age in days.
    page = text(client, "/dysfunctions?school_code=S1&status=all&lang=fr")
    assert 'href="/dysfunctions?school_code=S1&amp;status=all&amp;export=csv"' in page
    exported = client.get("/dysfunctions?school_code=S1&status=all&export=csv&lang=fr").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert lines[0] == ["Code de l'établissement", "Description", "Signalé le", "Jours ouverts", "Résolu le",
                        "Résolution"]
    assert [line[1] for line in lines[1:]] == ["Pas de son", "Lecteur absent"]
    assert lines[1][3] == str(_age("2026-01-02")) and lines[2][3] == "" and lines[2][5] == "Lecteur installé"


def test_good_practices_research_and_workshops_are_filtered_and_exported_so(axes, monkeypatch):  # noqa: F811
    practices = [{"practice_id": "G1", "school_code": "S1", "teacher": "Amal", "description": "Quiz en ligne",
                  "recorded_at": "2025-10-05T10:00:00+01:00"},
                 {"practice_id": "G2", "school_code": "S2", "teacher": "Omar", "description": "Classe inversée",
                  "recorded_at": "2026-02-05T10:00:00+01:00"}]
    workshops = [{"workshop_id": "W1", "topic": "Sécurité en ligne", "participants": 30, "school_codes": ["S1", "S2"],
                  "held_at": "2025-11-05T10:00:00+01:00"},
                 {"workshop_id": "W2", "topic": "Plateformes", "participants": 12, "school_codes": ["S2"],
                  "held_at": "2026-01-15T10:00:00+01:00"}]
    monkeypatch.setitem(ANSWERS, "good_practices", lambda school=None: [
        dict(r) for r in practices if school in (None, r["school_code"])])
    monkeypatch.setitem(ANSWERS, "workshops", lambda school=None: [
        dict(r) for r in workshops if school is None or school in r["school_codes"]])
    monkeypatch.setitem(ANSWERS, "local_research", lambda *a: [
        {"research_id": "L1", "title": "Usage des tablettes", "findings": "f", "recommendations": "r",
         "recorded_at": "2025-10-05T10:00:00+01:00"},
        {"research_id": "L2", "title": "Lecture numérique", "findings": "f", "recommendations": "r",
         "recorded_at": "2026-03-05T10:00:00+01:00"}])
    client, _ = axes
    sign_in(client, "res")
    assert [row[2] for row in table(text(client, "/practices?cycle=middle"), "practices")] == ["Classe inversée"]
    assert [row[2] for row in table(text(client, "/practices?school_code=S1"), "practices")] == ["Quiz en ligne"]
    assert [row[0] for row in table(text(client, "/research?since=2026-01-01"), "research")] == ["Lecture numérique"]
    assert [row[0] for row in table(text(client, "/research?q=tablette"), "research")] == ["Usage des tablettes"]
    research = text(client, "/research")
    assert 'name="cycle"' not in research and 'name="school_code"' not in research  # research is of no school
    assert [row[0] for row in table(text(client, "/workshops?cycle=primary"), "workshops")] == ["Sécurité en ligne"]
    assert [row[0] for row in table(text(client, "/workshops?school_code=S2&until=2025-12-31"), "workshops")] == [
        "Sécurité en ligne"]
    exported = client.get("/workshops?school_code=S2&since=2026-01-01&export=csv&lang=fr").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == ["Plateformes"] and lines[1][2] == "1"
