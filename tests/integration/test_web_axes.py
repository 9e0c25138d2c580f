"""The resources and training pages against the real services: forms posted as a browser does (cookie,
form token), the state checked through the API, and each action found in the activity log."""
import re

import requests

from tests.helpers import wait_for
from tests.integration.test_gateway_http import YEAR, start_with_schools


class Browser:
    def __init__(self, base, user):
        self.base, self.session = base, requests.Session()
        resp = self.session.post(base + "/login", data={"username": user, "password": f"secret-{user}"},
                                 allow_redirects=False)
        assert resp.status_code == 303, resp.text

    def get(self, path):
        return self.session.get(self.base + path, timeout=30)

    def submit(self, path, form_page=None, **fields):
        page = self.get(form_page or path).text
        assert "name=\"csrf\"" in page, (path, page[page.find("<main"):][:300])
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        return self.session.post(self.base + path, data={"csrf": token, **fields}, allow_redirects=False,
                                 timeout=30)


def test_the_resources_team_and_the_coordinator_in_the_browser(genie_env, runner_factory, rabbit_config,
                                                               monkeypatch, rpc):
    base, coord = start_with_schools(runner_factory, rabbit_config, monkeypatch, "fatima")
    web = Browser(base, "fatima")
    made = web.submit("/forms/resources/receive_resource", title="Fractions en vidéo", subject="Maths",
                      levels="CE5, CE6", format="video", origin="directorate")
    assert made.status_code == 303, made.text
    resource = coord.get("/api/resources").json()[0]
    assert resource["title"] == "Fractions en vidéo" and resource["levels"] == ["CE5", "CE6"]
    # Resources learns of the schools from inventory's events: the rural secondary school, picked by kind.
    sent = wait_for(lambda: (lambda r: r if r.status_code == 303 else None)(web.submit(
        "/forms/resources/distribute_resource", resource_id=resource["resource_id"], channel="USB",
        cycle="secondary", setting="rural")))
    assert sent.status_code == 303
    assert coord.get("/api/resources").json()[0]["distributed_to"] == ["OED002"]
    planned = web.submit("/forms/training/plan_training", title="TICE en classe", modality="certifying",
                         audience="teachers", planned_participants="12", school_year=YEAR)
    assert planned.status_code == 303, planned.text
    assert web.get(planned.headers["Location"]).status_code == 200
    # Who did what, in words, once reporting has read the logs.
    log = wait_for(lambda: (lambda a: a if a["total"] >= 4 else None)(coord.get("/api/activity", lang="fr").json()))
    said = [e["text"] for e in log["entries"]]
    assert said[0] == "fatima a planifié la formation « TICE en classe »"
    assert "fatima a diffusé une ressource à 1 établissement" in said
    page = web.get("/activity?lang=ar&axis=resources").text
    assert "وزع fatima موردا" in page
    # The coordinator adds a director's account; the director signs in.
    added = web.submit("/forms/accounts/add", "/accounts", username="salma", role="school_director", school_code="OED001",
                       password="secret-salma")
    assert added.status_code == 303
    Browser(base, "salma")
    assert "salma" in web.get("/accounts").text
