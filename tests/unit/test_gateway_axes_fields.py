"""The resources and training teams' forms in the browser, over the fake service layer of the web tests: a
training, a session, a dysfunction... picked by its name, never by its id, and what a person typed wrong said
beside the field, in the page's language, saying what to change."""
import html
import re

import pytest

from shared.errors import CommandRejected
from tests.helpers import answering, page_as
from tests.unit.test_gateway_axes import ANSWERS, TRAINING, axes  # noqa: F401
from tests.unit.test_gateway_web import Services, commands_sent, csrf_of, site  # noqa: F401


def options(page: str, datalist: str) -> list[str]:
    found = page[page.index(f'<datalist id="{datalist}">'):]
    return re.findall(r'<option value="([^"]*)"', found[:found.index("</datalist>")])


def sent(services, command):
    return [c for s, m, c in commands_sent(services) if m == command][-1]


def field_error(page: str, name: str) -> str:
    start = page.index(f'id="err-{name}">') + len(f'id="err-{name}">')
    return page[start:page.index("</p>", start)]


def test_a_session_ending_before_it_starts_is_said_beside_its_end(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    form = {"csrf": csrf_of(page), "training_id": "T1", "starts_on": "2025-11-10", "ends_on": "2025-11-08",
            "hours": "12", "venue": "CRMEF Dakhla"}
    refused = client.post("/forms/training/schedule_session?lang=fr", data=form).get_data(as_text=True)
    assert field_error(refused, "ends_on") == "Ne doit pas précéder la date de début."
    refused = client.post("/forms/training/schedule_session?lang=ar", data=form).get_data(as_text=True)
    assert field_error(refused, "ends_on") == "يجب ألا يسبق تاريخ البداية."


def test_a_use_whose_period_ends_before_it_starts_is_said_beside_the_end(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/forms/resources/record_resource_usage?lang=fr")
    refused = client.post("/forms/resources/record_resource_usage?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "resource_id": "R1", "period_start": "2025-11-30",
        "period_end": "2025-11-01", "uses": "12", "teachers": "3"}).get_data(as_text=True)
    assert field_error(refused, "period_end") == "Ne doit pas précéder la date de début."


RECEIVED = {"S1": [{"resource_id": "R1", "title": "Fractions en vidéo", "subject": "Maths", "format": "video",
                    "origin": "directorate", "status": "received", "first_distributed_at": "2025-10-06T10:00:00+01:00",
                    "channels": ["usb"], "uses": 0}]}


def _as_distributed(command, meta):
    """resources' rule over the catalogue of the web tests: R1 went to S1 only, on 6 October 2025."""
    if command["school_code"] != "S1":
        raise CommandRejected("resource_not_distributed_to_school", "R1 was never distributed to this school.")
    if command["period_start"] < "2025-10-06":
        raise CommandRejected("usage_starts_before_distribution", "R1 reached S1 on 2025-10-06.")
    return [{"event_type": "resource_usage_recorded", "actor": meta["actor"], "data": dict(command)}]


@pytest.fixture
def distributed(axes, monkeypatch):  # noqa: F811
    answering(monkeypatch, Services, {"record_resource_usage": _as_distributed,
                                      "school_resources": lambda code: [dict(r) for r in RECEIVED.get(code, [])]})
    return axes


def test_a_use_where_the_resource_never_arrived_or_before_it_did_is_said_beside_its_field(distributed):
    client, services = distributed
    page = page_as(client, "res", "/forms/resources/record_resource_usage?lang=fr")
    form = {"csrf": csrf_of(page), "school_code": "S2", "resource_id": "Fractions en vidéo",
            "period_start": "2025-10-06", "period_end": "2025-10-31", "uses": "12", "teachers": "3"}
    said = {"fr": "Cette ressource n'a jamais été diffusée à cet établissement : sa diffusion doit d'abord être "
                  "enregistrée.",
            "ar": "لم يوزع هذا المورد قط على هذه المؤسسة: يجب تسجيل توزيعه أولا."}
    for lang, words in said.items():
        refused = client.post(f"/forms/resources/record_resource_usage?lang={lang}", data=form)
        assert refused.status_code == 400
        text = refused.get_data(as_text=True)
        assert html.unescape(field_error(text, "resource_id")) == words
        assert "resource_not_distributed_to_school" not in text and 'id="err-period_start"' not in text
    said = {"fr": "Cette ressource est parvenue à l'établissement le 6 octobre 2025 : la période commence ce jour-là "
                  "ou après.",
            "ar": "وصل هذا المورد إلى المؤسسة يوم 6 أكتوبر 2025: تبدأ الفترة في هذا اليوم أو بعده."}
    for lang, words in said.items():
        text = client.post(f"/forms/resources/record_resource_usage?lang={lang}",
                           data=dict(form, school_code="S1", period_start="2025-09-01")).get_data(as_text=True)
        assert html.unescape(field_error(text, "period_start")) == words
        assert "usage_starts_before_distribution" not in text and 'id="err-resource_id"' not in text
    assert client.post("/forms/resources/record_resource_usage", data=dict(form, school_code="S1")).status_code == 303
    assert sent(services, "record_resource_usage")["resource_id"] == "R1"


def test_the_use_form_offers_a_school_the_resources_it_received_with_the_day_each_arrived(distributed):
    client, _ = distributed
    director = page_as(client, "dir1", "/forms/resources/record_resource_usage?lang=fr")
    found = director[director.index('<datalist id="dl-resources">'):]
    assert options(director, "dl-resources") == ["Fractions en vidéo"]
    assert ">Reçue le 6 octobre 2025</option>" in found[:found.index("</datalist>")]
    # A school picked on the way in (from its page) that received nothing: nothing to pick, and why.
    page = page_as(client, "res", "/forms/resources/record_resource_usage?school_code=S2&lang=ar")
    assert options(page, "dl-resources") == []
    assert "لم يوزع أي مورد على هذه المؤسسة بعد: تسجل استعمالاتها بعد أن تتلقى موردا." in page
    # No school yet: every resource of the catalogue, as before.
    page = client.get("/forms/resources/record_resource_usage?lang=fr").get_data(as_text=True)
    assert options(page, "dl-resources") == ["Fractions en vidéo", "Atlas local", "Quiz"]


def test_a_distribution_to_picked_schools_and_to_a_cycle_at_once_says_to_choose_one(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/forms/resources/distribute_resource?lang=fr")
    refused = client.post("/forms/resources/distribute_resource?lang=ar", data={
        "csrf": csrf_of(page), "resource_id": "R1", "channel": "مفتاح USB", "school_codes": ["S1"],
        "cycle": "primary"}).get_data(as_text=True)
    assert field_error(refused, "school_codes") == "اختر مؤسسات، أو سلكا و/أو وسطا: لا الاثنين معا."
    refused = client.post("/forms/resources/distribute_resource?lang=fr", data={
        "csrf": csrf_of(page), "resource_id": "R1", "channel": "Clé USB"}).get_data(as_text=True)
    assert field_error(refused, "school_codes") == "Choisissez des établissements, ou un cycle et/ou un milieu."


def test_a_mean_score_with_two_decimals_says_how_many_are_allowed(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/evaluate_training?training_id=T1&lang=fr")
    refused = client.post("/forms/training/evaluate_training?lang=fr", data={
        "csrf": csrf_of(page), "training_id": "T1", "respondents": "11", "mean_score": "4,25"}).get_data(as_text=True)
    assert field_error(refused, "mean_score") == "Au plus une décimale, comme 4,2."


def test_a_training_opened_from_its_page_is_named_by_its_title_and_year_and_sent_by_its_id(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    assert 'id="f-training_id" name="training_id" required aria-required="true" value="TICE en classe · 2025-2026"' \
        in page
    assert options(page, "dl-trainings") == ["TICE en classe · 2025-2026"]
    arabic = client.get("/forms/training/schedule_session?training_id=T1&lang=ar").get_data(as_text=True)
    assert options(arabic, "dl-trainings") == ["TICE en classe · \u20662025-2026\u2069"]
    form = {"csrf": csrf_of(page), "training_id": "TICE en classe · 2025-2026", "starts_on": "2025-11-10",
            "ends_on": "2025-11-11", "hours": "12", "venue": "CRMEF Dakhla"}
    assert client.post("/forms/training/schedule_session", data=form).status_code == 303
    assert sent(services, "schedule_session")["training_id"] == "T1"
    # Its title alone, typed in another case, is enough while no other training has it.
    form["training_id"] = "tice en classe"
    assert client.post("/forms/training/schedule_session", data=form).status_code == 303
    assert sent(services, "schedule_session")["training_id"] == "T1"


def test_a_name_that_names_nothing_is_said_beside_its_picker(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/evaluate_training?lang=fr")
    form = {"csrf": csrf_of(page), "training_id": "Formation inconnue", "respondents": "11", "mean_score": "4.2"}
    refused = client.post("/forms/training/evaluate_training?lang=fr", data=form)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert field_error(text, "training_id") == "Rien de ce nom : choisissez dans la liste."
    assert 'value="Formation inconnue"' in text  # kept as typed, to be corrected
    refused = client.post("/forms/training/evaluate_training?lang=ar", data=form).get_data(as_text=True)
    assert field_error(refused, "training_id") == "لا شيء بهذا الاسم: اختر من القائمة."
    assert not [c for s, m, c in commands_sent(services) if m == "evaluate_training"]


def test_two_trainings_of_one_title_are_told_apart_and_each_picks_its_own(axes, monkeypatch):  # noqa: F811
    client, services = axes
    again = dict(TRAINING, training_id="T2", planned_at="2025-10-01T10:00:00+01:00")
    monkeypatch.setitem(ANSWERS, "trainings", lambda *a: [dict(TRAINING), again])
    page = page_as(client, "trn", "/forms/training/evaluate_training?lang=fr")
    assert options(page, "dl-trainings") == ["TICE en classe · 2025-2026", "TICE en classe · 2025-2026 (2)"]
    form = {"csrf": csrf_of(page), "training_id": "TICE en classe · 2025-2026 (2)", "respondents": "11",
            "mean_score": "4.2"}
    assert client.post("/forms/training/evaluate_training", data=form).status_code == 303
    assert sent(services, "evaluate_training")["training_id"] == "T2"
    # The title alone names two trainings: which one is asked.
    form["training_id"] = "TICE en classe"
    refused = client.post("/forms/training/evaluate_training?lang=fr", data=form).get_data(as_text=True)
    assert field_error(refused, "training_id") == "Rien de ce nom : choisissez dans la liste."


def test_sessions_dysfunctions_and_projects_are_picked_by_their_names(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/complete_session?lang=fr")
    assert options(page, "dl-sessions") == ["TICE en classe · 3 novembre 2025 · CRMEF"]
    assert client.post("/forms/training/complete_session", data={
        "csrf": csrf_of(page), "session_id": "TICE en classe · 3 novembre 2025 · CRMEF"}).status_code == 303
    assert sent(services, "complete_session") == {"session_id": "SE1"}
    page = page_as(client, "res", "/forms/resources/resolve_dysfunction?lang=ar")
    assert options(page, "dl-dysfunctions") == ["مدرسة الأمل · Pas de son"]
    assert client.post("/forms/resources/resolve_dysfunction", data={
        "csrf": csrf_of(page), "dysfunction_id": "مدرسة الأمل · Pas de son",
        "resolution": "Haut-parleurs branchés"}).status_code == 303
    assert sent(services, "resolve_dysfunction")["dysfunction_id"] == "D1"
    page = client.get("/forms/resources/submit_resource?lang=fr").get_data(as_text=True)
    assert options(page, "dl-projects") == ["Atlas"]
    assert client.post("/forms/resources/submit_resource", data={
        "csrf": csrf_of(page), "project_id": "Atlas", "title": "Atlas des communes"}).status_code == 303
    assert sent(services, "submit_resource")["project_id"] == "P1"


def test_participants_typed_without_their_school_are_counted_from_line_1(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/invite_participants?session_id=SE1&lang=fr")
    refused = client.post("/forms/training/invite_participants?lang=fr", data={
        "csrf": csrf_of(page), "session_id": "SE1", "staff_id-1": "M123456", "name-1": "Amal Idrissi",
        "role-1": "teacher", "staff_id-2": "M765432", "name-2": "Omar Alaoui", "role-2": "teacher"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    start = text.index('id="form-errors"')
    summary = re.sub(r"<[^>]+>", "", text[start:text.index("</ul>", start)])
    assert "Ligne 1 — Établissement\xa0: Obligatoire." in summary
    assert "Ligne 2 — Établissement\xa0: Obligatoire." in summary
    assert "Ligne 0" not in summary
    assert field_error(text, "school_code-1") == "Obligatoire." and field_error(text, "school_code-2") == "Obligatoire."


def test_the_certificates_are_awarded_to_participants_named_and_each_one_left_out_says_why(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/award_certificates?training_id=T1&lang=fr")
    table = page[page.index('id="eligible"'):page.index("</table>", page.index('id="eligible"'))]
    rows = [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert rows == [["Délivrer", "Nom", "Matricule", "Jours de présence", "Attestation"],
                    ["Amal Idrissi", "Amal Idrissi", "E1", "2 / 2", "—"],
                    ["La présence est en dessous du seuil.", "Omar Alaoui", "E2", "0 / 2", "—"]]


def test_a_production_project_started_is_found_among_the_projects_where_the_form_lands(axes, monkeypatch):  # noqa: F811
    client, services = axes
    monkeypatch.setitem(ANSWERS, "production_projects", lambda *a: [
        {"project_id": "P1", "title": "Atlas", "subject": "Histoire", "members": ["Amal Idrissi", "Omar Alaoui"],
         "started_at": "2025-10-06T10:00:00+01:00"}])
    page = page_as(client, "res", "/forms/resources/start_production_project?lang=fr")
    answer = client.post("/forms/resources/start_production_project", data={
        "csrf": csrf_of(page), "title": "Atlas", "subject": "Histoire", "members": "Amal Idrissi\nOmar Alaoui"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#projects")
    landed = client.get(answer.headers["Location"].split("#")[0] + "&lang=fr").get_data(as_text=True)
    projects = landed[landed.index('id="projects"'):landed.index("</section>", landed.index('id="projects"'))]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", projects, re.S)]
    # Two resources of the catalogue (Atlas local, Quiz) come from this project.
    assert cells == ["Atlas", "Histoire", "Amal Idrissi, Omar Alaoui", "6 octobre 2025", "2"]
    assert "Projets de production" in projects


def test_a_dysfunction_reported_lands_on_the_open_dysfunctions_listing_it(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/forms/resources/report_dysfunction?lang=fr")
    answer = client.post("/forms/resources/report_dysfunction", data={
        "csrf": csrf_of(page), "school_code": "S1", "description": "Pas de son"})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/dysfunctions?done=")
    landed = client.get(answer.headers["Location"] + "&lang=fr").get_data(as_text=True)
    assert "Dysfonctionnements ouverts" in landed and "Pas de son" in landed


def test_each_record_without_a_page_lands_on_the_list_that_shows_it(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/forms/resources/record_good_practice?lang=fr")
    for path, form, listed in (
            ("record_good_practice", {"school_code": "S1", "teacher": "Amal Idrissi",
                                      "description": "Quiz interactifs en CE6"}, "/practices?"),
            ("record_local_research", {"title": "Usage des tablettes", "findings": "Peu d'usage",
                                       "recommendations": "Former les enseignants"}, "/research?"),
            ("hold_awareness_workshop", {"topic": "Ressources libres", "school_codes": ["S1"], "participants": "14",
                                         "occurred_at": "2025-11-05"}, "/workshops?"),
            ("resolve_dysfunction", {"dysfunction_id": "D1", "resolution": "Haut-parleurs branchés"},
             "/dysfunctions?status=resolved&")):
        answer = client.post(f"/forms/resources/{path}", data=dict(form, csrf=csrf_of(page)))
        assert answer.status_code == 303 and answer.headers["Location"].startswith(listed + "done="), path


def test_a_trainings_page_shows_its_evaluation_and_whom_each_certificate_went_to(axes, monkeypatch):  # noqa: F811
    client, _ = axes
    monkeypatch.setitem(ANSWERS, "evaluation", lambda *a: {"respondents": 11, "mean_score": 4.2,
                                                           "remarks": "Formation utile"})
    page = page_as(client, "trn", "/trainings/T1?lang=fr&done=training_evaluated")
    evaluation = page[page.index('id="evaluation"'):page.index("</section>", page.index('id="evaluation"'))]
    assert "Évaluation" in evaluation and "4,2 sur 5 par 11 répondants" in evaluation
    assert "Formation utile" in evaluation
    assert "OED-2025-2026-0001</a> · Amal Idrissi" in page
    arabic = client.get("/trainings/T1?lang=ar").get_data(as_text=True)
    assert "4,2 من 5 حسب 11 مستجوبا" in arabic


def test_a_workshop_dated_after_today_is_refused_beside_its_date_not_recorded_as_today(axes):  # noqa: F811
    from datetime import datetime, timedelta, timezone

    from shared.calendar import CASABLANCA

    client, services = axes
    tomorrow = (datetime.now(timezone.utc).astimezone(CASABLANCA).date() + timedelta(days=1)).isoformat()
    page = page_as(client, "res", "/forms/resources/hold_awareness_workshop?lang=fr")
    form = {"csrf": csrf_of(page), "topic": "Ressources libres", "school_codes": ["S1"], "participants": "14",
            "occurred_at": tomorrow}
    refused = client.post("/forms/resources/hold_awareness_workshop?lang=fr", data=form).get_data(as_text=True)
    assert field_error(refused, "occurred_at") == "Ne doit pas être dans le futur."
    assert not [c for s, m, c in commands_sent(services) if m == "hold_awareness_workshop"]


def test_a_school_is_picked_by_its_whole_name_and_one_unknown_is_said_so(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "res", "/forms/resources/record_good_practice?lang=ar")
    form = {"csrf": csrf_of(page), "school_code": "مدرسة الأمل", "teacher": "أمل الإدريسي",
            "description": "اختبارات تفاعلية في القسم"}
    assert client.post("/forms/resources/record_good_practice", data=form).status_code == 303
    assert sent(services, "record_good_practice")["school_code"] == "S1"
    form["school_code"] = "collège annour"  # its French name, in another case
    assert client.post("/forms/resources/record_good_practice", data=form).status_code == 303
    assert sent(services, "record_good_practice")["school_code"] == "S2"
    form["school_code"] = "مدرسة لا توجد"
    refused = client.post("/forms/resources/record_good_practice?lang=ar", data=form).get_data(as_text=True)
    assert field_error(refused, "school_code") == "لا توجد مؤسسة بهذا الاسم أو الرمز: اخترها من القائمة."


def test_a_session_left_empty_is_said_required_not_badly_written(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/cancel_session?lang=fr")
    refused = client.post("/forms/training/cancel_session?lang=fr", data={
        "csrf": csrf_of(page), "session_id": "", "reason": "Formateur malade"}).get_data(as_text=True)
    assert field_error(refused, "session_id") == "Obligatoire."


def test_an_invitation_of_several_people_says_how_many_were_invited(axes, monkeypatch):  # noqa: F811
    from tests.unit.test_gateway_web import Services

    client, _ = axes
    answered = Services.__call__

    def call(self, service, method, *args):
        if method == "invite_participants" and len(args) == 2:  # one event for each person invited
            self.calls.append((service, method, args))
            return [{"event_type": "participant_invited", "data": {"session_id": "SE1", "staff_id": p["staff_id"]}}
                    for p in args[0]["participants"]]
        return answered(self, service, method, *args)

    monkeypatch.setattr(Services, "__call__", call)
    page = page_as(client, "trn", "/forms/training/invite_participants?session_id=SE1&lang=fr")
    answer = client.post("/forms/training/invite_participants", data={
        "csrf": csrf_of(page), "session_id": "SE1", "staff_ids": ["E7", "E8", "E9"]})
    assert answer.status_code == 303 and answer.headers["Location"] == "/sessions/SE1?done=participant_invited&n=3"
    landed = client.get(answer.headers["Location"] + "&lang=fr").get_data(as_text=True)
    assert "Enregistré : 3 participants convoqués" in landed
    arabic = client.get(answer.headers["Location"] + "&lang=ar").get_data(as_text=True)
    assert "تم التسجيل: استدعي 3 مشاركين" in arabic


def test_a_session_on_an_exam_day_is_refused_beside_the_reason_that_would_let_it_through(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    refused = client.post("/forms/training/schedule_session?lang=fr", data={
        "csrf": csrf_of(page), "training_id": "T1", "starts_on": "2026-01-20", "ends_on": "2026-01-21",
        "hours": "12", "venue": "CRMEF"}).get_data(as_text=True)
    assert field_error(refused, "calendar_override_reason") == \
        "La session tombe sur une période d&#39;examens ou des vacances."
    assert 'aria-describedby="err-calendar_override_reason"' in refused


def test_participants_typed_with_their_schools_name_are_invited_to_that_school(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/invite_participants?session_id=SE1&lang=ar")
    form = {"csrf": csrf_of(page), "session_id": "SE1",
            "staff_id-1": "M2001", "name-1": "نادية برادة", "role-1": "teacher", "school_code-1": "مدرسة الأمل",
            "staff_id-2": "M2002", "name-2": "سعيد المنصوري", "role-2": "teacher", "school_code-2": "S2"}
    assert client.post("/forms/training/invite_participants", data=form).status_code == 303
    assert [p["school_code"] for p in sent(services, "invite_participants")["participants"]] == ["S1", "S2"]
    form["school_code-2"] = "ثانوية لا توجد"
    refused = client.post("/forms/training/invite_participants?lang=ar", data=form).get_data(as_text=True)
    assert field_error(refused, "school_code-2") == "لا توجد مؤسسة بهذا الاسم أو الرمز: اخترها من القائمة."
    assert 'id="err-school_code-1"' not in refused


def test_the_dysfunctions_are_filtered_by_a_schools_whole_name_and_an_unknown_one_is_said_so(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/dysfunctions?school_code=%C3%89cole%20Al%20Amal&lang=fr")
    listed = page[page.index('id="dysfunctions"'):page.index("</table>", page.index('id="dysfunctions"'))]
    assert "Pas de son" in listed and "Lien mort" not in listed
    page = client.get("/dysfunctions?school_code=%C3%89cole%20inconnue&lang=fr").get_data(as_text=True)
    assert html.unescape(field_error(page, "school_code")) == "Aucun établissement n'a ce nom ou ce code : choisissez-le dans la liste."


def test_a_holiday_outside_the_school_year_is_said_so_beside_its_date(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/load_school_calendar?lang=fr")
    refused = client.post("/forms/training/load_school_calendar?lang=fr", data={
        "csrf": csrf_of(page), "school_year": "2026-2027",
        "kind-1": "exam", "name-1": "Examens du premier semestre", "starts_on-1": "2027-01-18",
        "ends_on-1": "2027-01-23",
        "kind-2": "holiday", "name-2": "Vacances de mi-année", "starts_on-2": "2028-01-20", "ends_on-2": "2028-01-25",
    }).get_data(as_text=True)
    assert field_error(refused, "ends_on-2") == "Doit tomber dans l&#39;année scolaire, de septembre à août."


def test_a_training_planned_for_a_school_year_written_backwards_is_asked_for_one_like_2025_2026(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/plan_training?lang=ar")
    refused = client.post("/forms/training/plan_training?lang=ar", data={
        "csrf": csrf_of(page), "title": "إدماج التكنولوجيا في القسم", "modality": "in_person", "audience": "teachers",
        "planned_participants": "25", "school_year": "2027-2026"}).get_data(as_text=True)
    assert field_error(refused, "school_year") == "سنة دراسية مثل \u20662025-2026\u2069."


def test_a_workshop_is_listed_with_the_names_of_its_schools(axes, monkeypatch):  # noqa: F811
    client, _ = axes
    monkeypatch.setitem(ANSWERS, "workshops", lambda *a: [
        {"workshop_id": "W1", "topic": "Ressources libres", "participants": 23, "school_codes": ["S1", "S2"],
         "held_at": "2025-12-02T12:00:00+01:00"}])
    page = page_as(client, "res", "/workshops?lang=fr")
    row = page[page.index('data-label="Établissements"'):]
    row = re.sub(r"<[^>]+>", "", row[row.index(">") + 1:row.index("</td>")])
    assert row == "École Al Amal S1, Collège Annour S2"


def test_a_days_attendance_recorded_says_which_day(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/record_attendance?session_id=SE1&lang=fr")
    answer = client.post("/forms/training/record_attendance", data={
        "csrf": csrf_of(page), "session_id": "SE1", "day": "2025-11-04", "staff-1": "E1", "status-1": "present",
        "staff-2": "E2", "status-2": "absent"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("&day=2025-11-04")
    landing = "/sessions/SE1?done=attendance_recorded&day=2025-11-04"  # where the service's event leads
    landed = client.get(landing + "&lang=fr").get_data(as_text=True)
    assert "Enregistré : Présences du 4 novembre 2025 enregistrées" in landed
    landed = client.get(landing + "&lang=ar").get_data(as_text=True)
    assert "تم التسجيل: سُجل حضور يوم 4 نونبر 2025" in landed
    # A day that is no day is not said.
    assert "Présences" in client.get("/sessions/SE1?done=attendance_recorded&day=2025-13-45&lang=fr").get_data(
        as_text=True)


def test_a_session_typed_day_first_is_sent_as_the_days_it_names(axes):  # noqa: F811
    """05/12/2026 is 5 December, whatever the browser's language: the service is sent ISO days."""
    client, services = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    assert re.search(r'<input type="text" inputmode="numeric" autocomplete="off" id="f-starts_on" name="starts_on" '
                     r'value="" placeholder="jj/mm/aaaa" required', page)
    answer = client.post("/forms/training/schedule_session?lang=fr", data={
        "csrf": csrf_of(page), "training_id": "T1", "starts_on": "05/12/2026", "ends_on": "6.12.2026", "hours": "12",
        "venue": "CRMEF Dakhla"})
    assert answer.status_code == 303
    assert (sent(services, "schedule_session")["starts_on"], sent(services, "schedule_session")["ends_on"]) == (
        "2026-12-05", "2026-12-06")


@pytest.mark.parametrize("lang,said", [("fr", "Ce jour n&#39;existe pas dans le calendrier."),
                                       ("ar", "هذا اليوم غير موجود في التقويم.")])
def test_a_day_that_is_no_day_is_refused_beside_its_field_and_nothing_is_sent(axes, lang, said):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", f"/forms/training/schedule_session?training_id=T1&lang={lang}")
    refused = client.post(f"/forms/training/schedule_session?lang={lang}", data={
        "csrf": csrf_of(page), "training_id": "T1", "starts_on": "2026-12-05", "ends_on": "31/02/2026", "hours": "12",
        "venue": "CRMEF Dakhla"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and field_error(page, "ends_on") == said
    assert f'<a href="#f-ends_on">{"Au" if lang == "fr" else "إلى"}</a>' in page  # named in the summary too
    assert 'id="f-ends_on" name="ends_on" value="31/02/2026"' in page  # kept as typed, to be mended
    assert 'id="f-starts_on" name="starts_on" value="05/12/2026"' in page  # the good one shown as days are written
    assert not [c for s, m, c in commands_sent(services) if m == "schedule_session"]


def test_a_calendars_day_that_is_no_day_is_said_on_its_line(axes):  # noqa: F811
    client, services = axes
    page = page_as(client, "trn", "/forms/training/load_school_calendar?lang=fr")
    refused = client.post("/forms/training/load_school_calendar?lang=fr", data={
        "csrf": csrf_of(page), "school_year": "2026-2027",
        "kind-1": "exam", "name-1": "Examens du premier semestre", "starts_on-1": "18/01/2027", "ends_on-1": "23/01/2027",
        "kind-2": "holiday", "name-2": "Vacances de mi-année", "starts_on-2": "2027-13-01", "ends_on-2": "25 janvier",
    }).get_data(as_text=True)
    assert field_error(refused, "starts_on-2") == "Ce jour n&#39;existe pas dans le calendrier."  # no 13th month
    assert field_error(refused, "ends_on-2") == "Date attendue sous la forme jj/mm/aaaa."
    assert '<a href="#f-starts_on-2">Ligne 2 — Du</a>' in refused
    assert not [c for s, m, c in commands_sent(services) if m == "load_school_calendar"]
    client.post("/forms/training/load_school_calendar?lang=fr", data={
        "csrf": csrf_of(page), "school_year": "2026-2027",
        "kind-1": "exam", "name-1": "Examens du premier semestre", "starts_on-1": "18/01/2027", "ends_on-1": "23/01/2027"})
    assert sent(services, "load_school_calendar")["periods"][0]["starts_on"] == "2027-01-18"
