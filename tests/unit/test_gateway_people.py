"""The activity log and the accounts in the browser, over the fake service layer of the web tests."""
import html
import re

import pytest

from tests.helpers import answering
from tests.unit.test_gateway_web import Services, csrf_of, sign_in, site  # noqa: F401  (fixture)

ENTRIES = [
    {"source": "inventory", "position": 7, "occurred_at": "2026-01-02T10:00:00+01:00",
     "event_type": "transfer_approved", "actor": {"user": "fatima", "role": "coordinator"}, "subject": "TR-12",
     "schools": [{"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal"},
                 {"school_code": "S2", "name_ar": "إعدادية النور", "name_fr": "Collège Annour"}],
     "transfer": {"from_school": "S1", "to_school": "S2", "items": 3},
     "data": {"transfer_id": "TR-12", "approved_by": "fatima"}},
    {"source": "maintenance", "position": 2, "occurred_at": "2026-01-01T09:00:00+01:00",
     "event_type": "fault_declared", "actor": {"user": "dir1", "role": "school_director"}, "subject": "F1",
     "schools": [{"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal"}], "transfer": None,
     "data": {"fault_id": "F1", "asset_id": "A1", "school_code": "S1", "symptom": "<écran noir>",
              "under_warranty": True}},
]


@pytest.fixture
def logged(site, monkeypatch):  # noqa: F811
    answering(monkeypatch, Services, {"activity": lambda scope, filters, limit, offset, *_: {
        "total": len(ENTRIES), "offset": offset, "people": ["dir1", "fatima"], "entries": [dict(e) for e in ENTRIES]}})
    return site


def test_the_activity_log_says_who_did_what_in_the_pages_language(logged):
    client, services = logged
    sign_in(client, "coord")
    page = client.get("/activity?lang=fr").get_data(as_text=True)
    assert "fatima a approuvé le transfert TR-12 : 3 équipements de École Al Amal (S1) vers Collège Annour (S2)" \
        in page
    assert "&lt;écran noir&gt;" in page  # what people typed is escaped
    arabic = client.get("/activity?lang=ar").get_data(as_text=True)
    assert "وافق fatima على التحويل TR-12" in arabic
    # The coordinator reads the province's log.
    assert [a[0] for s, m, a in services.calls if m == "activity"][-1] == "province:OED"


def test_filters_reach_reporting_and_a_bad_one_is_said_next_to_it(logged):
    client, services = logged
    sign_in(client, "coord")
    resp = client.get("/activity?lang=fr&user=fatima&school_code=S1&axis=inventory&since=2026-01-01&until=nope")
    assert resp.status_code == 200
    scope, filters, limit, offset = [a for s, m, a in services.calls if m == "activity"][-1]
    assert filters == {"user": "fatima", "school": "S1", "axis": "inventory", "since": "2026-01-01"}
    assert re.search(r'id="err-until">[^<]+<', resp.get_data(as_text=True))


def test_the_log_is_read_from_a_day_typed_day_first(logged):
    client, services = logged
    sign_in(client, "coord")
    page = client.get("/activity?lang=fr&since=01/09/2025&until=31/11/2025").get_data(as_text=True)
    filters = [a for s, m, a in services.calls if m == "activity"][-1][1]
    assert filters == {"since": "2025-09-01"}  # 31 November is no day
    assert 'id="since" name="since" value="01/09/2025"' in page
    assert '<p class="field-err" id="err-until">Ce jour n&#39;existe pas dans le calendrier.</p>' in page


def test_the_activity_log_is_exported_in_words(logged):
    client, _ = logged
    sign_in(client, "coord")
    resp = client.get("/api/activity/export?format=csv&lang=fr")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and text.splitlines()[0].lstrip("\ufeff").startswith("Date,")
    assert "fatima a approuvé le transfert TR-12" in text


def test_only_the_coordinator_and_viewers_read_it_and_the_api_answers_in_words(logged):
    client, services = logged
    sign_in(client, "tech")
    assert client.get("/activity").status_code == 403
    client.get("/logout")
    sign_in(client, "view")
    answer = client.get("/api/activity?lang=fr").get_json()
    assert answer["entries"][0]["text"].startswith("fatima a approuvé")
    assert [a[0] for s, m, a in services.calls if m == "activity"][-1] == "all"


def test_the_coordinator_adds_a_director_who_then_signs_in(site):  # noqa: F811
    client, _ = site
    sign_in(client, "coord")
    page = client.get("/accounts?lang=fr").get_data(as_text=True)
    token = csrf_of(page)
    bad = client.post("/forms/accounts/add?lang=fr", data={"csrf": token, "username": "amina", "role": "school_director",
                                                          "school_code": "", "password": "long enough"})
    assert bad.status_code == 400 and 'id="err-school_code"' in bad.get_data(as_text=True)
    short = client.post("/forms/accounts/add", data={"csrf": token, "username": "amina", "role": "school_director",
                                                     "school_code": "S2", "password": "short"})
    assert short.status_code == 400 and 'id="err-password"' in short.get_data(as_text=True)
    made = client.post("/forms/accounts/add", data={"csrf": token, "username": "amina", "role": "school_director",
                                                    "school_code": "S2 · Collège Annour", "password": "long enough"})
    assert made.status_code == 303
    listed = client.get("/accounts?lang=fr").get_data(as_text=True)
    assert 'id="account-amina"' in listed and "Jamais" in listed
    client.get("/logout")
    resp = client.post("/login", data={"username": "amina", "password": "long enough"})
    assert resp.status_code == 303
    assert 'href="/schools/S2"' in client.get("/?lang=fr").get_data(as_text=True)  # their school's work


def test_disable_reset_and_ones_own_password(site):  # noqa: F811
    client, _ = site
    sign_in(client, "coord")
    token = csrf_of(client.get("/accounts").get_data(as_text=True))
    assert client.post("/forms/accounts/disable", data={"csrf": token, "username": "coord"}).status_code == 400
    assert client.post("/forms/accounts/disable", data={"csrf": token, "username": "view"}).status_code == 400
    assert client.post("/forms/accounts/disable", data={"csrf": token, "username": "tech"}).status_code == 303
    assert client.post("/login", data={"username": "tech", "password": "password-tech"}).status_code == 401
    assert client.post("/forms/accounts/reset", data={"csrf": token, "username": "tech",
                                                      "password": "a new secret"}).status_code == 303
    client.get("/logout")
    assert client.post("/login", data={"username": "tech", "password": "a new secret"}).status_code == 303
    token = csrf_of(client.get("/password").get_data(as_text=True))
    wrong = client.post("/forms/accounts/password?lang=fr", data={"csrf": token, "current_password": "nope",
                                                                "new_password": "another one", "again": "another one"})
    assert wrong.status_code == 400 and 'id="err-current_password"' in wrong.get_data(as_text=True)
    done = client.post("/forms/accounts/password", data={"csrf": token, "current_password": "a new secret",
                                                        "new_password": "another one", "again": "another one"})
    assert done.status_code == 303
    assert client.get("/password").status_code == 200  # still signed in, with the new password's token
    assert client.get("/accounts").status_code == 403  # a technician manages no accounts


def counted_entries(n: int) -> list[dict]:
    """A transfer of `n` pieces of equipment approved, a follow-up visit that saw `n` and a resource sent to `n`
    schools."""
    school = {"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal"}
    other = {"school_code": "S2", "name_ar": "إعدادية النور", "name_fr": "Collège Annour"}
    actor = {"user": "fatima", "role": "coordinator"}
    return [
        {"source": "inventory", "position": 3, "occurred_at": "2026-01-03T10:00:00+01:00",
         "event_type": "transfer_approved", "actor": actor, "subject": "TR-12", "schools": [school, other],
         "transfer": {"from_school": "S1", "to_school": "S2", "items": n},
         "data": {"transfer_id": "TR-12", "approved_by": "fatima"}},
        {"source": "inventory", "position": 2, "occurred_at": "2026-01-02T10:00:00+01:00",
         "event_type": "usage_visit_recorded", "actor": actor, "subject": "V1", "schools": [school], "transfer": None,
         "data": {"visit_id": "V1", "school_code": "S1",
                  "observations": [{"serial": f"SN{i}", "in_use": True} for i in range(n)]}},
        {"source": "resources", "position": 1, "occurred_at": "2026-01-01T10:00:00+01:00",
         "event_type": "resource_distributed", "actor": actor, "subject": "R1", "schools": [school], "transfer": None,
         "data": {"resource_id": "R1", "school_codes": [f"S{i + 1}" for i in range(n)], "channel": "USB"}}]


@pytest.mark.parametrize("lang,n,said", [
    ("fr", 1, ["fatima a approuvé le transfert TR-12 : 1 équipement de École Al Amal (S1) vers Collège Annour (S2)",
               "fatima a enregistré une visite de suivi à École Al Amal (S1) : 1 équipement vu",
               "fatima a diffusé une ressource à 1 établissement"]),
    ("fr", 2, ["fatima a approuvé le transfert TR-12 : 2 équipements de École Al Amal (S1) vers Collège Annour (S2)",
               "fatima a enregistré une visite de suivi à École Al Amal (S1) : 2 équipements vus",
               "fatima a diffusé une ressource à 2 établissements"]),
    ("ar", 1, ["وافق fatima على التحويل TR-12: وحدة واحدة من مدرسة الأمل (S1) إلى إعدادية النور (S2)",
               "سجل fatima زيارة تتبع في مدرسة الأمل (S1): تمت معاينة وحدة واحدة",
               "وزع fatima موردا على مؤسسة واحدة"]),
    ("ar", 2, ["وافق fatima على التحويل TR-12: وحدتان من مدرسة الأمل (S1) إلى إعدادية النور (S2)",
               "سجل fatima زيارة تتبع في مدرسة الأمل (S1): تمت معاينة وحدتين",
               "وزع fatima موردا على مؤسستين"]),
    ("ar", 3, ["وافق fatima على التحويل TR-12: 3 وحدات من مدرسة الأمل (S1) إلى إعدادية النور (S2)",
               "سجل fatima زيارة تتبع في مدرسة الأمل (S1): تمت معاينة 3 وحدات",
               "وزع fatima موردا على 3 مؤسسات"]),
    ("ar", 11, ["وافق fatima على التحويل TR-12: 11 وحدة من مدرسة الأمل (S1) إلى إعدادية النور (S2)",
                "سجل fatima زيارة تتبع في مدرسة الأمل (S1): تمت معاينة 11 وحدة",
                "وزع fatima موردا على 11 مؤسسة"])])
def test_the_activity_log_says_each_count_in_the_form_its_number_takes(site, monkeypatch, lang, n, said):  # noqa: F811
    client, _ = site
    answering(monkeypatch, Services, {"activity": lambda scope, filters, limit, offset, *_: {
        "total": 3, "offset": offset, "people": ["fatima"], "entries": counted_entries(n)}})
    sign_in(client, "coord")
    page = client.get(f"/activity?lang={lang}").get_data(as_text=True)
    assert [html.unescape(cell) for cell in re.findall(r'class="said">([^<]*)</td>', page)] == said


@pytest.mark.parametrize("lang,said", [("fr", "Ne doit pas précéder la date de début."),
                                       ("ar", "يجب ألا يسبق تاريخ البداية.")])
def test_dates_given_the_wrong_way_round_are_said_beside_the_end_date(logged, lang, said):
    """From 30 June to 1 January: the log is shown from the start date, and the end date says what is wrong,
    instead of the whole page refused."""
    client, services = logged
    sign_in(client, "coord")
    resp = client.get(f"/activity?lang={lang}&since=2026-06-30&until=2026-01-01")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert f'<p class="field-err" id="err-until">{html.escape(said, quote=False)}</p>' in page
    assert re.search(r'id="until" name="until" value="" placeholder="[^"]+" aria-invalid="true"', page)
    filters = [a for s, m, a in services.calls if m == "activity"][-1][1]
    assert filters == {"since": "2026-06-30"}


def test_the_log_of_one_school_is_asked_by_its_name(logged):
    """A coordinator types the school's name as they know it (any case, without its accents) instead of its code;
    the filter shows it back by its name, its code beside. A name no school has is said beside the field."""
    client, services = logged
    sign_in(client, "coord")
    page = client.get("/activity?lang=fr&school_code=ecole+al+AMAL").get_data(as_text=True)
    assert [a for s, m, a in services.calls if m == "activity"][-1][1] == {"school": "S1"}
    assert 'name="school_code" list="dl-schools" autocomplete="off" value="École Al Amal (S1)"' in page
    assert 'id="err-school_code"' not in page
    client.get("/activity?lang=ar&school_code=إعدادية+النور")
    assert [a for s, m, a in services.calls if m == "activity"][-1][1] == {"school": "S2"}
    page = client.get("/activity?lang=fr&school_code=Lycée+Inconnu").get_data(as_text=True)
    assert '<p class="field-err" id="err-school_code">Établissement introuvable.</p>' in page
    assert 'value="Lycée Inconnu"' in page
    assert [a for s, m, a in services.calls if m == "activity"][-1][1] == {}


def test_a_directors_school_is_picked_by_its_name_and_a_shared_name_asks_which(site, monkeypatch):  # noqa: F811
    client, _ = site
    sign_in(client, "coord")
    token = csrf_of(client.get("/accounts?lang=fr").get_data(as_text=True))
    made = client.post("/forms/accounts/add?lang=fr", data={
        "csrf": token, "username": "nour", "role": "school_director", "school_code": "collège annour",
        "password": "long enough"})
    assert made.status_code == 303
    assert 'href="/schools/S2"' in client.get("/accounts?lang=fr").get_data(as_text=True).split('id="account-nour"')[1]
    twins = [{"school_code": "S1", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal", "commune": "Oued"},
             {"school_code": "S7", "name_ar": "مدرسة الأمل", "name_fr": "École Al Amal", "commune": "Ville"}]
    answering(monkeypatch, Services, {"schools": lambda *_: [dict(s) for s in twins]})
    shared = client.post("/forms/accounts/add?lang=ar", data={
        "csrf": token, "username": "amal", "role": "school_director", "school_code": "مدرسة الأمل",
        "password": "long enough"})
    assert shared.status_code == 400
    assert '<p class="field-err" id="err-school_code">يحمل هذا الاسم أكثر من مؤسسة: اختر المقصودة من اللائحة.</p>' \
        in shared.get_data(as_text=True)


def test_the_coordinator_changes_a_role_and_each_change_says_whose_account_and_what_it_now_is(site):  # noqa: F811
    """The infrastructure member becomes the director of Collège Annour, picked by its name: the page says so,
    naming the account, and they work in their school at their next page. Disabled, then given a new password,
    the account is said to be enabled again."""
    client, _ = site
    sign_in(client, "coord")
    token = csrf_of(client.get("/accounts?lang=fr").get_data(as_text=True))
    no_school = client.post("/forms/accounts/role?lang=fr", data={"csrf": token, "username": "infra",
                                                                  "role": "school_director", "school_code": ""})
    row = no_school.get_data(as_text=True).split('id="account-infra"')[1].split("</tr>")[0]
    assert no_school.status_code == 400
    assert '<p class="field-err" id="err-school_code">Un directeur d&#39;établissement a besoin de son ' \
           'établissement.</p>' in row
    changed = client.post("/forms/accounts/role", data={"csrf": token, "username": "infra",
                                                        "role": "school_director", "school_code": "Collège Annour"})
    assert changed.status_code == 303
    page = client.get(changed.headers["Location"] + "&lang=fr").get_data(as_text=True)
    assert ('<p class="notice ok" role="status" id="account-done">Le compte infra est désormais : '
            "Directeur d&#39;établissement, Collège Annour (S2).</p>") in page
    assert '<tr id="account-infra" class="changed">' in page
    arabic = client.get(changed.headers["Location"] + "&lang=ar").get_data(as_text=True)
    assert "أصبح الحساب <bdi class=\"whole\">infra</bdi>: <bdi>مدير المؤسسة، إعدادية النور (S2)</bdi>." in arabic
    client.get("/logout")
    sign_in(client, "infra")
    assert 'href="/schools/S2"' in client.get("/?lang=fr").get_data(as_text=True)  # their school's work now

    client.get("/logout")
    sign_in(client, "coord")
    token = csrf_of(client.get("/accounts").get_data(as_text=True))  # a new sign-in's forms
    assert client.post("/forms/accounts/disable", data={"csrf": token, "username": "tech"}).status_code == 303
    page = client.get("/accounts?done=account_disabled&user=tech&lang=ar").get_data(as_text=True)
    assert "عطل الحساب <bdi class=\"whole\">tech</bdi>: لم يعد يمكن الدخول به." in page
    assert "Réactiver avec ce mot de passe" in client.get("/accounts?lang=fr").get_data(as_text=True)
    enabled = client.post("/forms/accounts/reset", data={"csrf": token, "username": "tech", "password": "a new one!"})
    assert enabled.headers["Location"] == "/accounts?done=account_enabled&user=tech"
    page = client.get(enabled.headers["Location"] + "&lang=fr").get_data(as_text=True)
    assert "Compte tech réactivé, avec le nouveau mot de passe." in page and "Enregistré :" not in page


def test_a_new_account_says_everything_wrong_with_it_at_once(site):  # noqa: F811
    """A name with a space, a password too short and a director without their school: the three are said beside
    their fields on the first try, not one after the other."""
    client, _ = site
    sign_in(client, "coord")
    token = csrf_of(client.get("/accounts?lang=fr").get_data(as_text=True))
    resp = client.post("/forms/accounts/add?lang=fr", data={"csrf": token, "username": "Directeur Wahda",
                                                            "role": "school_director", "school_code": "",
                                                            "password": "abc"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert '<p class="field-err" id="err-username">2 à 80 lettres, chiffres, &#39;.&#39;, &#39;_&#39;, &#39;-&#39; ' \
           'ou &#39;@&#39;.</p>' in page
    assert '<p class="field-err" id="err-password">Au moins 8 caractères.</p>' in page
    assert '<p class="field-err" id="err-school_code">Un directeur d&#39;établissement a besoin de son ' \
           'établissement.</p>' in page
    assert 'value="Directeur Wahda"' in page  # kept to be corrected


REPLACEMENT = [  # what inventory records by itself when maintenance replaces fault F-002's laptop
    {"source": "inventory", "position": 9, "occurred_at": "2025-03-08T08:00:00+01:00",
     "event_type": "equipment_decommissioned", "actor": {"user": "system", "role": "system"}, "subject": "A1",
     "schools": [], "transfer": None, "data": {"asset_id": "A1", "reason": "replaced"}},
    {"source": "inventory", "position": 10, "occurred_at": "2025-03-08T08:00:00+01:00",
     "event_type": "equipment_received", "actor": {"user": "system", "role": "system"}, "subject": "A9",
     "schools": [], "transfer": None,
     "data": {"asset_id": "A9", "kind": "laptop", "serial": "REMP-LT-10", "model": "", "supplier": "Maroc Info",
              "delivery_ref": "replacement:F-002", "warranty_months": 24, "bundle": "none"}}]


@pytest.mark.parametrize("lang,said,who", [
    ("fr", ["Le système a réformé un équipement : remplacé après une panne",
            "Le système a réceptionné Ordinateur portable REMP-LT-10 de Maroc Info, en remplacement d&#39;un "
            "matériel en panne"], "Le système"),
    ("ar", ["أخرج النظام جهازا من الخدمة: عوض بعد عطل",
            "استلم النظام حاسوب محمول REMP-LT-10 من Maroc Info، تعويضا لعتاد معطل"], "النظام")])
def test_a_replacement_recorded_by_the_system_is_said_in_words(site, monkeypatch, lang, said, who):  # noqa: F811
    """No inner code of the replacement (the reason `replaced`, the delivery `replacement:F-002`) nor the user
    name `system` reaches the page, its filter of people or the exported file."""
    client, _ = site
    answering(monkeypatch, Services, {"activity": lambda scope, filters, limit, offset, *_: {
        "total": 2, "offset": offset, "people": ["dir1", "system"], "entries": [dict(e) for e in REPLACEMENT]}})
    sign_in(client, "coord")
    page = client.get(f"/activity?lang={lang}").get_data(as_text=True)
    for sentence in said:
        assert sentence in page
    assert f'<option value="system">{who}</option>' in page
    assert "replacement:" not in page and ": replaced" not in page
    exported = client.get(f"/api/activity/export?format=csv&lang={lang}").get_data(as_text=True)
    assert f",{who}," in exported and ",system," not in exported and "replacement:" not in exported


def test_ones_new_password_says_all_its_problems_at_once(site):  # noqa: F811
    client, _ = site
    sign_in(client, "coord")
    token = csrf_of(client.get("/password").get_data(as_text=True))
    resp = client.post("/forms/accounts/password?lang=ar", data={"csrf": token, "current_password": "password-coord",
                                                                 "new_password": "abc", "again": "abd"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert '<p class="field-err" id="err-new_password">8 أحرف على الأقل.</p>' in page
    assert '<p class="field-err" id="err-again">كلمتا المرور مختلفتان.</p>' in page


def test_an_account_is_found_by_its_name_its_schools_name_or_its_role(site):  # noqa: F811
    """A province has a director's account for each of its schools: the coordinator finds one by part of the
    school's name typed without accents, or narrows the list to one role, and the page says how many it shows."""
    client, _ = site
    sign_in(client, "coord")

    def listed(query):
        page = client.get(f"/accounts?lang=fr&{query}").get_data(as_text=True)
        return re.findall(r'<tr id="account-([^"]+)"', page), page

    found, page = listed("q=ecole+al+amal")
    assert found == ["dir1"]
    assert '<p class="actions" id="accounts-count">Comptes affichés : 1 sur 4</p>' in page
    assert listed("role=technician")[0] == ["tech"]
    assert listed("q=INF")[0] == ["infra"]
    assert listed("")[0] == ["coord", "dir1", "infra", "tech"]
