"""What a page asks the register of equipment for: the items it shows, not the province's every item (a
province holds thousands), so that each page answers quickly."""
import html

from tests.unit.test_gateway_api import cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_lists import page_of, site  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import sign_in


def register_reads(services) -> list[dict]:
    return [args[0] for _, method, args in services.calls if method == "assets"]


def test_a_transfer_and_a_fault_read_the_equipment_of_their_own_schools(site):
    client, services = site
    sign_in(client, "coord")
    for url, schools, serial in (("/transfers/TR-9?lang=fr", ["S1", "S2"], "LT-77"),
                                 ("/faults/F2?lang=fr", ["S2"], "PJ-8")):
        services.calls.clear()
        page = html.unescape(page_of(client, url))
        assert f'<bdi dir="ltr">{serial}</bdi>' in page, url
        assert register_reads(services) == [{"per_page": 0, "school_codes": schools}], url


def test_labels_read_one_page_of_the_register_and_the_home_none(site):
    client, services = site
    sign_in(client, "coord")
    services.calls.clear()
    assert "LT-77" in page_of(client, "/labels?lang=fr")
    assert [q["per_page"] for q in register_reads(services)] == [240]
    services.calls.clear()
    page_of(client, "/?lang=fr")
    assert [q["per_page"] for q in register_reads(services)] == [1, 1]  # two counts, no item listed


def test_a_regional_viewers_register_asks_for_the_schools_once(tmp_path, monkeypatch):
    from werkzeug.test import Client
    from werkzeug.wrappers import Request

    from services.gateway.accounts import Accounts
    from services.gateway.api import Api
    from services.gateway.web import Web
    from tests.unit.test_gateway_api import KEY
    from tests.unit.test_gateway_lists import Lists

    monkeypatch.setenv("PROVINCE_CODE", "OED")
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    accounts.add("region", "password-region", "viewer", "region:R11")
    services = Lists()
    api = Api(services, accounts, KEY)

    def app(environ, start_response):  # as the gateway serves: the reads bound to one request
        request = Request(environ)
        return Web(api.bound(services)).handle(request)(environ, start_response)

    client = Client(app)
    sign_in(client, "region")
    services.calls.clear()
    page = html.unescape(page_of(client, "/equipment?lang=fr"))
    assert "LT-77" in page and "École Al Amal" in page
    assert [m for _, m, _ in services.calls if m == "schools"] == ["schools"]
    page_of(client, "/equipment?lang=fr")  # the next page asks again: a school registered meanwhile is listed
    assert [m for _, m, _ in services.calls if m == "schools"] == ["schools", "schools"]
