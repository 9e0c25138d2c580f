"""The digital resources team's and the training team's work in the browser, in Arabic and then in French, on
one start of the system, and the coordinator finding each of their actions in the activity log; after each
step the state is checked through the API.

The resources team receives a resource, distributes it to every rural primary school (the form says how many
first), holds a committee that approves one submitted resource and sends another back for revision, and prints
the minutes. The training team plans a training, schedules two sessions (one refused on an exam day, naming the
exam period, then accepted with an override reason), invites 12 teachers from a file to the first and picks the
same 12 from the staff list for the second, takes each day's attendance in one submit, completes the sessions,
awards the certificates, records an evaluation, and prints the convocation list and a certificate.

The browser runs in a child process (see test_browser_equipment_year.py); the API checks are made from it too,
with the coordinator's token. Waits for a projection wait on its positions, from the API's health.
"""
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.e2e.browser import ARTIFACTS, chromium, needs_chromium, run_in_child, signed_in

TEAM = [("rachid", "resources"), ("laila", "training")]  # besides the users of test_gateway_http
RURAL_PRIMARY = ["OED011", "OED012", "OED013"]
SCHOOLS = [dict(code=code, cycle=cycle, setting=setting, ar=ar, fr=fr) for code, cycle, setting, ar, fr in (
    ("OED001", "primary", "urban", "مدرسة الوحدة", "École Al Wahda"),
    ("OED002", "secondary", "rural", "ثانوية الداخلة", "Lycée Dakhla"),
    ("OED011", "primary", "rural", "مدرسة العركوب", "École El Argoub"),
    ("OED012", "primary", "rural", "مدرسة بئر أنزران", "École Bir Anzarane"),
    ("OED013", "primary", "rural", "مدرسة إمليلي", "École Imlili"))]
EXAMS = "امتحانات الأسدوس الأول — Examens du premier semestre"
WORDS = {
    "ar": {"resource": "مقاطع الكسور", "subject": "الرياضيات", "channel": "مفتاح USB",
           "approve": "دليل الأستاذ", "revise": "أنشطة القراءة", "remarks": "يجب ذكر المصادر",
           "training": "إدماج تكنولوجيا المعلومات في القسم", "venue": "المركز الجهوي لمهن التربية",
           "override": "الأسبوع الوحيد المتاح للمكونين", "evaluation": "تكوين مفيد",
           "minutes": "محضر لجنة المصادقة",
           # How many schools a distribution reaches, said in the form of its number: none, one, two, three.
           "reach": ["لن يوزع هذا المورد على أي مؤسسة.", "سيوزع هذا المورد على مؤسسة واحدة.",
                     "سيوزع هذا المورد على مؤسستين.", "سيوزع هذا المورد على 3 مؤسسات."],
           "decisions": "عقد rachid لجنة مصادقة: قراران", "evaluated": "4.2 من 5 حسب 11 مستجوبا",
           "names": ["أمل الإدريسي", "عمر العلوي", "سارة بناني", "يوسف التازي", "هند العمراني", "كريم الفاسي",
                     "نادية برادة", "سعيد المنصوري", "ليلى الشرقاوي", "حسن الزياني", "مريم القادري", "إدريس الطاهري"]},
    "fr": {"resource": "Les fractions en vidéo", "subject": "Mathématiques", "channel": "Clé USB",
           "approve": "Guide de l'enseignant", "revise": "Activités de lecture", "remarks": "Sources à citer",
           "training": "Intégrer les TIC en classe", "venue": "CRMEF Dakhla",
           "override": "Seule semaine libre des formateurs", "evaluation": "Formation utile",
           "minutes": "Procès-verbal du comité de validation",
           "reach": ["Cette ressource ira à 0 établissement.", "Cette ressource ira à 1 établissement.",
                     "Cette ressource ira à 2 établissements.", "Cette ressource ira à 3 établissements."],
           "decisions": "rachid a tenu un comité de validation : 2 décisions",
           "evaluated": "3.6 sur 5 par 10 répondants",
           "names": ["Amal Idrissi", "Omar Alaoui", "Sara Bennani", "Youssef Tazi", "Hind Amrani", "Karim Fassi",
                     "Nadia Berrada", "Said Mansouri", "Laila Cherkaoui", "Hassan Zyani", "Meryem Kadiri",
                     "Driss Tahiri"]}}
SCORES = {"ar": (11, 4.2), "fr": (10, 3.6)}  # an evaluation's respondents and mean score


def years() -> tuple[str, str]:
    """Last school year (the training's, all its days past) and this one (when everything is recorded)."""
    from services.gateway.queries import current_school_year

    this = current_school_year()
    return current_school_year(date(int(this[:4]), 6, 1)), this


def login(base, user) -> dict:
    import requests

    answer = requests.post(base + "/api/login", json={"username": user, "password": f"secret-{user}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def positions(base, auth, service) -> dict:
    """Where a service's projections stand in each source (the least of them), from the API's health."""
    import requests

    out: dict = {}
    for found in requests.get(base + "/api/health", headers=auth, timeout=30).json()["projections"]:
        if found["service"] == service:
            for source, at in found["positions"].items():
                out[source] = min(out.get(source, at), at) if isinstance(at, int) else out.get(source, 0)
    return out


def last_positions(base, auth) -> dict:
    import requests

    services = requests.get(base + "/api/health", headers=auth, timeout=30).json()["services"]
    return {s: services[s]["last_position"] for s in ("inventory", "resources", "training")}


def prepare(base) -> dict:
    """What the teams find when they start: the schools, last year's school calendar with its exam period, and
    for each language a production project with two resources submitted to the committee."""
    import requests

    from tests.helpers import caught_up

    last_year, _ = years()
    first = int(last_year[:4])
    infra, res, trn, coord = (login(base, u) for u in ("youssef", "rachid", "laila", "fatima"))

    def post(auth, command, body):
        answer = requests.post(f"{base}/api/{command}", json=body, headers=auth, timeout=30)
        assert answer.status_code == 201, (command, answer.text)
        return answer.json()

    for s in SCHOOLS:
        post(infra, "inventory/register_school", {
            "school_code": s["code"], "name_ar": s["ar"], "name_fr": s["fr"], "cycle": s["cycle"],
            "setting": s["setting"], "commune": "Dakhla", "region_code": "DOE",
            "occurred_at": f"{first - 1}-09-01T08:00:00+01:00"})
    post(trn, "training/load_school_calendar", {"school_year": last_year, "periods": [
        {"kind": "exam", "name": EXAMS, "starts_on": f"{first + 1}-01-19", "ends_on": f"{first + 1}-01-24"},
        {"kind": "holiday", "name": "عطلة منتصف السنة — Vacances de mi-année", "starts_on": f"{first + 1}-01-25",
         "ends_on": f"{first + 1}-02-01"}]})
    before = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat(timespec="seconds")
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="seconds")
    made = {}
    for lang, w in WORDS.items():
        project = post(res, "resources/start_production_project", {
            "title": f"{w['subject']} {lang}", "subject": w["subject"], "members": [f"{lang.upper()}-M1"],
            "occurred_at": before})["events"][0]["data"]["project_id"]
        made[lang] = {key: post(res, "resources/submit_resource", {
            "project_id": project, "title": w[key], "occurred_at": yesterday})["events"][0]["data"]["resource_id"]
            for key in ("approve", "revise")}
    # Resources and training know the schools from inventory's events: both have read them all.
    at = last_positions(base, coord)["inventory"]
    for service in ("resources", "training"):
        caught_up(lambda: positions(base, coord, service), {"inventory": at})
    return made


def teams(base: str, made: dict) -> None:
    import requests
    from playwright.sync_api import expect

    from tests.helpers import caught_up

    last_year, this_year = years()
    first = int(last_year[:4]) + 1  # the calendar year of the training's sessions
    coord_auth = login(base, "fatima")
    counts = {}  # what the activity log holds after each language, by kind of action

    def api(path, **params):
        answer = requests.get(base + path, params=params, headers=coord_auth, timeout=30)
        assert answer.status_code == 200, (path, answer.text[:300])
        return answer.json()

    def submit(page, command, landing):
        page.locator(f"form[data-command='{command}'] button[type=submit]").click()
        page.wait_for_url(landing)
        return page.url.split("?")[0].rsplit("/", 1)[1]

    def printed(page, name):
        page.emulate_media(media="print")
        page.pdf(path=str(ARTIFACTS / f"{name}.pdf"), format="A4")
        page.emulate_media(media="screen")

    with chromium() as browser:
        for lang in ("ar", "fr"):
            w, tag = WORDS[lang], lang.upper()
            people = {}
            for user in ("rachid", "laila", "fatima"):
                people[user] = signed_in(browser, base, user, lang)
            res, trn, coord = people["rachid"], people["laila"], people["fatima"]

            # ---- digital resources: a resource received ...
            res.goto(base + "/forms/resources/receive_resource")
            form = res.locator("form[data-command='resources/receive_resource']")
            form.locator("[name=title]").fill(w["resource"])
            form.locator("[name=subject]").fill(w["subject"])
            form.locator("[name=levels]").fill("CE5\nCE6")
            form.locator("[name=format]").select_option("video")
            form.locator("[name=origin]").select_option("directorate")
            resource = submit(res, "resources/receive_resource", "**/resources/*?done=resource_received")
            found = next(r for r in api("/api/resources") if r["resource_id"] == resource)
            assert (found["title"], found["status"], found["levels"]) == (w["resource"], "received", ["CE5", "CE6"])

            # ... and distributed to every rural primary school, the form saying how many first: as schools are
            # picked one by one (Arabic has a form for one and for two), then for a cycle and a setting.
            res.click("a[href^='/forms/resources/distribute_resource']")
            form = res.locator("form[data-command='resources/distribute_resource']")
            expect(form.locator("[data-count='primary-rural']")).to_have_text("3")
            # The resource is said by its title, not its id; the id is what is sent.
            expect(form.locator("[name=resource_id]")).to_have_value(w["resource"])
            expect(res.locator("#reach")).to_have_text(w["reach"][0])
            picker = form.locator("[name=school_codes]")
            for n in (1, 2, 3) if lang == "ar" else (1, 2):
                picker.select_option(RURAL_PRIMARY[:n])
                expect(res.locator("#reach")).to_have_text(w["reach"][n])
                if n == 2:
                    res.screenshot(path=str(ARTIFACTS / f"resources-reach-{lang}.png"), full_page=True)
            picker.select_option([])
            form.locator("[name=cycle]").select_option("primary")
            form.locator("[name=setting]").select_option("rural")
            expect(res.locator("#reach")).to_have_text(w["reach"][3])
            form.locator("[name=channel]").fill(w["channel"])
            submit(res, "resources/distribute_resource", f"**/resources/{resource}?done=resource_distributed")
            found = next(r for r in api("/api/resources") if r["resource_id"] == resource)
            assert found["distributed_to"] == RURAL_PRIMARY

            # A committee approves one submitted resource and sends the other back for revision.
            res.goto(base + "/forms/resources/hold_validation_committee")
            form = res.locator("form[data-command='resources/hold_validation_committee']")
            form.locator("[name=members]").fill(f"Rachid\nHassan {tag}")
            form.locator("[name=occurred_at]").fill(date.today().isoformat())
            form.locator("#decisions tr", has_text=w["approve"]).locator("select").select_option("approved")
            revise = form.locator("#decisions tr", has_text=w["revise"])
            revise.locator("select").select_option("revision")
            revise.locator("textarea").fill(w["remarks"])
            submit(res, "resources/hold_validation_committee", "**/committees/*?done=validation_committee_held")
            expect(res.locator("h1")).to_have_text(w["minutes"])
            expect(res.locator("#decisions")).to_contain_text(w["remarks"])
            expect(res.locator("#decisions")).to_contain_text(w["approve"])
            printed(res, f"resources-minutes-{lang}")
            statuses = {r["resource_id"]: r["status"] for r in api("/api/resources")}
            assert (statuses[made[lang]["approve"]], statuses[made[lang]["revise"]]) == ("approved", "revision")
            res.goto(f"{base}/resources/{made[lang]['revise']}")  # the decision and its remarks, on its page
            expect(res.locator("#decisions")).to_contain_text(w["remarks"])

            # ---- training: a certifying training of last school year ...
            trn.goto(base + "/forms/training/plan_training")
            form = trn.locator("form[data-command='training/plan_training']")
            form.locator("[name=title]").fill(w["training"])
            form.locator("[name=modality]").select_option("certifying")
            form.locator("[name=audience]").select_option("teachers")
            form.locator("[name=planned_participants]").fill("12")
            form.locator("[name=school_year]").fill(last_year)
            training = submit(trn, "training/plan_training", "**/trainings/*?done=training_planned")
            found = api(f"/api/trainings/{training}")
            assert (found["title"], found["school_year"], found["sessions"]) == (w["training"], last_year, [])

            # ... a session on exam days refused, naming the exam period, then accepted with a reason ...
            trn.click("a[href^='/forms/training/schedule_session']")
            form = trn.locator("form[data-command='training/schedule_session']")
            form.locator("[name=starts_on]").fill(f"{first}-01-20")
            form.locator("[name=ends_on]").fill(f"{first}-01-21")
            form.locator("[name=hours]").fill("12")
            form.locator("[name=venue]").fill(w["venue"])
            form.locator("button[type=submit]").click()
            expect(trn.locator("#overlap")).to_contain_text(EXAMS)
            assert api(f"/api/trainings/{training}")["sessions"] == []
            form.locator("[name=calendar_override_reason]").fill(w["override"])
            first_session = submit(trn, "training/schedule_session", "**/sessions/*?done=session_scheduled")
            found = api(f"/api/sessions/{first_session}")
            assert (found["starts_on"], found["ends_on"], found["status"]) == (f"{first}-01-20", f"{first}-01-21",
                                                                               "scheduled")
            assert w["override"] in json.dumps(found["calendar_override"], ensure_ascii=False)

            # ... and a second one, a school day, accepted as it is.
            trn.goto(f"{base}/forms/training/schedule_session?training_id={training}")
            form = trn.locator("form[data-command='training/schedule_session']")
            form.locator("[name=starts_on]").fill(f"{first}-02-10")
            form.locator("[name=ends_on]").fill(f"{first}-02-10")
            form.locator("[name=hours]").fill("6")
            form.locator("[name=venue]").fill(w["venue"])
            second_session = submit(trn, "training/schedule_session", "**/sessions/*?done=session_scheduled")
            assert [s["session_id"] for s in api(f"/api/trainings/{training}")["sessions"]] == [
                first_session, second_session]

            # Twelve teachers invited to the first session from a file ...
            staff = [(f"{tag}-T{n:02d}", name, RURAL_PRIMARY[n % 3]) for n, name in enumerate(w["names"], 1)]
            trn.goto(f"{base}/sessions/{first_session}")
            trn.click("a[href^='/forms/training/invite_participants']")
            form = trn.locator("form[data-command='training/invite_participants']")
            lines = "staff_id,name,role,school_code\n" + "".join(f"{i},{n},teacher,{s}\n" for i, n, s in staff)
            form.locator("[name=file]").set_input_files(
                {"name": "enseignants.csv", "mimeType": "text/csv", "buffer": lines.encode()})
            submit(trn, "training/invite_participants", f"**/sessions/{first_session}?done=participant_invited&n=12")
            invited = api(f"/api/sessions/{first_session}")["participants"]
            assert [(p["staff_id"], p["name"], p["school_code"]) for p in invited] == staff

            # ... and the same twelve picked from the staff list (searched by their number) for the second.
            trn.goto(f"{base}/forms/training/invite_participants?session_id={second_session}")
            trn.locator("#staff_q").fill(f"{tag}-T")
            trn.locator("#staff-search button[type=submit]").click()
            trn.wait_for_url("**staff_q=*")
            boxes = trn.locator("#staff input[name=staff_ids]")
            expect(boxes).to_have_count(12)
            for box in boxes.all():
                box.check()
            submit(trn, "training/invite_participants", f"**/sessions/{second_session}?done=participant_invited&n=12")
            invited = api(f"/api/sessions/{second_session}")["participants"]
            assert sorted((p["staff_id"], p["name"], p["role"], p["school_code"]) for p in invited) == sorted(
                (i, n, "teacher", s) for i, n, s in staff)

            # Each day's attendance in one submit: everyone present but the last teacher, absent each day.
            absent = staff[-1][0]
            days = [(first_session, f"{first}-01-20"), (first_session, f"{first}-01-21"),
                    (second_session, f"{first}-02-10")]
            for session, day in days:
                trn.goto(f"{base}/forms/training/record_attendance?session_id={session}")
                form = trn.locator("form[data-command='training/record_attendance']")
                form.locator("[name=day]").fill(day)
                form.locator("#sheet tr", has=trn.locator(f"input[value='{absent}']")).locator(
                    "input[value=absent]").check()
                submit(trn, "training/record_attendance", f"**/sessions/{session}?done=attendance_recorded&day={day}")
                marks = {p["staff_id"]: p["attendance"].get(day) for p in api(f"/api/sessions/{session}")[
                    "participants"]}
                assert marks == {i: "absent" if i == absent else "present" for i, _, _ in staff}, (session, day)

            # Both sessions completed, from their pages.
            for session in (first_session, second_session):
                trn.goto(f"{base}/sessions/{session}")
                trn.click("a[href^='/forms/training/complete_session']")
                submit(trn, "training/complete_session", f"**/sessions/{session}?done=session_completed")
                assert api(f"/api/sessions/{session}")["status"] == "completed"

            # The certificates: the eleven present every day, awarded in one submit.
            trn.goto(f"{base}/trainings/{training}")
            trn.click("a[href^='/forms/training/award_certificates']")
            form = trn.locator("form[data-command='training/award_certificates']")
            expect(form.locator("input[name=staff_ids]:checked")).to_have_count(11)
            submit(trn, "training/award_certificates", f"**/trainings/{training}?done=certification_awarded&n=11")
            certificates = api(f"/api/trainings/{training}")["certificates"]
            assert sorted(c["staff_id"] for c in certificates) == sorted(i for i, _, _ in staff if i != absent)

            # The participants' evaluation.
            respondents, score = SCORES[lang]
            trn.click("a[href^='/forms/training/evaluate_training']")
            form = trn.locator("form[data-command='training/evaluate_training']")
            form.locator("[name=respondents]").fill(str(respondents))
            form.locator("[name=mean_score]").fill(str(score))
            form.locator("[name=remarks]").fill(w["evaluation"])
            submit(trn, "training/evaluate_training", f"**/trainings/{training}?done=training_evaluated")

            # The convocation list and a certificate, printed.
            trn.goto(f"{base}/sessions/{first_session}")
            for _, name, _ in staff:
                expect(trn.locator("#convocation")).to_contain_text(name)
            printed(trn, f"training-convocation-{lang}")
            trn.goto(f"{base}/trainings/{training}/certificates/{staff[0][0]}")
            number = next(c["certificate_no"] for c in certificates if c["staff_id"] == staff[0][0])
            expect(trn.locator(".cert")).to_contain_text(number)
            expect(trn.locator(".cert")).to_contain_text(staff[0][1])
            printed(trn, f"training-certificate-{lang}")

            # ---- the coordinator finds each of those actions in the activity log, once reporting has read
            # what was recorded.
            at = last_positions(base, coord_auth)
            caught_up(lambda: positions(base, coord_auth, "reporting"),
                      {"resources": at["resources"], "training": at["training"]})
            expected = {("rachid", "resource_received"): 1, ("rachid", "resource_distributed"): 1,
                        ("rachid", "validation_committee_held"): 1, ("laila", "training_planned"): 1,
                        ("laila", "session_scheduled"): 2, ("laila", "participant_invited"): 24,
                        ("laila", "attendance_recorded"): 36, ("laila", "session_completed"): 2,
                        ("laila", "certification_awarded"): 11, ("laila", "training_evaluated"): 1}
            said = {("rachid", "resource_received"): w["resource"], ("rachid", "resource_distributed"): "3",
                    ("rachid", "validation_committee_held"): w["decisions"],
                    ("laila", "training_planned"): w["training"],
                    ("laila", "session_scheduled"): w["venue"], ("laila", "participant_invited"): staff[0][1],
                    ("laila", "attendance_recorded"): "laila", ("laila", "session_completed"): "laila",
                    ("laila", "certification_awarded"): number,
                    ("laila", "training_evaluated"): w["evaluated"]}
            for (user, kind), n in expected.items():
                counts[(user, kind)] = counts.get((user, kind), 0) + n
                log = api("/api/activity", user=user, kind=kind, lang=lang, per_page=1)
                assert log["total"] == counts[(user, kind)], (kind, log["total"], counts[(user, kind)])
                coord.goto(f"{base}/activity?user={user}&kind={kind}")
                expect(coord.locator("#activity")).to_contain_text(said[(user, kind)])
            coord.goto(f"{base}/activity?axis=training")
            coord.screenshot(path=str(ARTIFACTS / f"teams-activity-{lang}.png"), full_page=True)
            # The evaluations through the API too: the province's mean score of this school year.
            figure = next(i for i in api("/api/indicators", scope="province:OED", period=this_year)["indicators"]
                          if i["id"] == "TRN08")
            done = [SCORES[x] for x in ("ar", "fr")[:("ar", "fr").index(lang) + 1]]
            assert (figure["numerator"], figure["denominator"]) == (
                pytest.approx(sum(r * s for r, s in done)), sum(r for r, _ in done)), figure

            # The coordinator adds an account for a rural school's director, who then signs in.
            director = f"directeur-{lang}"
            coord.goto(base + "/accounts")
            form = coord.locator("#form-accounts-add")
            form.locator("[name=username]").fill(director)
            form.locator("[name=role]").select_option("school_director")
            form.locator("[name=school_code]").fill(RURAL_PRIMARY[0])
            form.locator("[name=password]").fill(f"secret-{director}")
            form.locator("button[type=submit]").click()
            coord.wait_for_url("**/accounts?done=account_added*")
            expect(coord.locator("#accounts")).to_contain_text(director)
            people[director] = signed_in(browser, base, director, lang)
            assert requests.get(f"{base}/api/schools/{RURAL_PRIMARY[1]}", headers=login(base, director),
                                timeout=30).status_code == 403  # their school only
            for page in people.values():
                page.close()


@pytest.mark.e2e
@needs_chromium
def test_the_resources_and_training_teams_in_the_browser_in_arabic_and_in_french(genie_env, runner_factory,
                                                                                  rabbit_config, monkeypatch):
    from services.gateway.accounts import Accounts
    from shared import config
    from tests.integration.test_gateway_http import cheap_argon2, start_system

    cheap_argon2(monkeypatch)
    base = start_system(runner_factory, rabbit_config)
    accounts = Accounts(config.database_url("gateway"))
    for name, role in TEAM:
        accounts.add(name, f"secret-{name}", role, None)
    made = prepare(base)
    run_in_child("tests.e2e.test_browser_resources_training", "teams", base, made, log="browser-teams.log",
                 timeout=600)
