"""The resources and training teams' forms in the browser, over the fake service layer of the web tests: what
a person typed wrong is said beside the field, in the page's language, saying what to change."""
from tests.helpers import page_as
from tests.unit.test_gateway_axes import axes  # noqa: F401
from tests.unit.test_gateway_web import csrf_of, site  # noqa: F401


def field_error(page: str, name: str) -> str:
    start = page.index(f'id="err-{name}">') + len(f'id="err-{name}">')
    return page[start:page.index("</p>", start)]


def test_a_session_ending_before_it_starts_is_said_beside_its_end(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "trn", "/forms/training/schedule_session?training_id=T1&lang=fr")
    form = {"csrf": csrf_of(page), "training_id": "T1", "starts_on": "2025-11-10", "ends_on": "2025-11-08",
            "hours": "12", "venue": "CRMEF Dakhla"}
    refused = client.post("/forms/training/schedule_session?lang=fr", data=form).get_data(as_text=True)
    assert field_error(refused, "ends_on") == "Ne doit pas précéder le début."
    refused = client.post("/forms/training/schedule_session?lang=ar", data=form).get_data(as_text=True)
    assert field_error(refused, "ends_on") == "يجب ألا يسبق البداية."


def test_a_use_whose_period_ends_before_it_starts_is_said_beside_the_end(axes):  # noqa: F811
    client, _ = axes
    page = page_as(client, "res", "/forms/resources/record_resource_usage?lang=fr")
    refused = client.post("/forms/resources/record_resource_usage?lang=fr", data={
        "csrf": csrf_of(page), "school_code": "S1", "resource_id": "R1", "period_start": "2025-11-30",
        "period_end": "2025-11-01", "uses": "12", "teachers": "3"}).get_data(as_text=True)
    assert field_error(refused, "period_end") == "Ne doit pas précéder le début."


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
