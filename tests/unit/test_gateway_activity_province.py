"""Above the provinces, the activity log narrows to one province picked by its name: an academy asks what
happened in Aousserd without reading every province's actions."""
import pytest
from tests.helpers import gateway_site, sign_in
from tests.unit.test_gateway_api import KEY, cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_territory_pages import PEOPLE, Log, page_of, rows


class Asked(Log):
    """The log as reporting gives it for the scope asked: each entry's province is that scope's."""

    def __init__(self):
        super().__init__()
        self.scopes = []

    def answer(self, service, method, *args):
        answer = super().answer(service, method, *args)
        if method == "activity":
            self.scopes.append(args[0])
            kind, _, code = args[0].partition(":")
            if kind == "province":
                entries = [e for e in answer["entries"] if e["province_code"] == code]
                answer = dict(answer, entries=entries, total=len(entries))
        return answer


@pytest.fixture
def academy(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    monkeypatch.setenv("GENIE_TIER", "academy")
    monkeypatch.setenv("GENIE_UPSTREAMS", "OED=amqp://guest:guest@127.0.0.1:5672/oed")
    services = Asked()
    client = gateway_site(tmp_path, services, PEOPLE, KEY)
    return client, services


def picker(page):
    part = page[page.index('<select id="province"'):]
    return part[:part.index("</select>")]


@pytest.mark.parametrize("lang,oed,aus", [("fr", "Oued Ed-Dahab", "Aousserd"), ("ar", "وادي الذهب", "أوسرد")])
def test_an_academy_narrows_its_log_to_one_of_its_provinces_by_name(academy, lang, oed, aus):
    client, services = academy
    sign_in(client, "academy", "/dashboard")
    choices = picker(page_of(client, f"/activity?lang={lang}"))
    # The region's two provinces, by name in the page's language; none of another region.
    assert choices.index(f'<option value="AUS">{aus} (AUS)</option>') < choices.index(
        f'<option value="OED">{oed} (OED)</option>')
    assert "SAL" not in choices and "ZZZ" not in choices
    assert services.scopes == ["region:DLO"]

    page = page_of(client, f"/activity?lang={lang}&province=AUS")
    assert services.scopes[-1] == "province:AUS"
    assert f'<option value="AUS" selected>{aus} (AUS)</option>' in picker(page)
    body = rows(page)
    assert "AUS001" in body and "OED001" not in body


@pytest.mark.parametrize("lang,error", [("fr", "Ceci est hors de votre périmètre."),
                                        ("ar", "هذا خارج نطاقك.")])
def test_a_province_outside_the_region_is_refused_beside_the_field(academy, lang, error):
    client, services = academy
    sign_in(client, "academy", "/dashboard")
    page = page_of(client, f"/activity?lang={lang}&province=SAL")
    assert f'<p class="field-err" id="err-province">{error}</p>' in page
    assert '<select id="province" name="province" aria-invalid="true" aria-describedby="err-province">' in page
    assert services.scopes == ["region:DLO"]  # the region's log, as if no province were picked
    # Through the API, the same refusal names the rule.
    answer = client.get("/api/activity?province=SAL")
    assert answer.status_code == 403 and answer.get_json()["code"] == "outside_scope"
    assert services.scopes == ["region:DLO"]


def test_the_ministry_narrows_the_log_to_any_province(academy):
    client, services = academy
    sign_in(client, "nation", "/dashboard")
    choices = picker(page_of(client, "/activity?lang=fr"))
    for code in ("AUS", "OED", "SAL", "BSL", "BML"):
        assert f'<option value="{code}">' in choices
    answer = client.get("/api/activity?province=SAL")
    assert answer.status_code == 200 and services.scopes[-1] == "province:SAL"


def test_a_province_has_no_province_to_pick(tmp_path, monkeypatch):
    monkeypatch.delenv("GENIE_TIER", raising=False)
    client = gateway_site(tmp_path, Asked(), PEOPLE, KEY)
    sign_in(client, "nation", "/dashboard")
    assert '<select id="province"' not in page_of(client, "/activity?lang=fr")
