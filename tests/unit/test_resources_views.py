"""The resources read models on SQLite: what the queries answer after a given history."""
import pytest
from sqlalchemy import create_engine

from services.resources.views import ResourcesViews

AT = "2025-10-0{}T09:00:00+01:00"


class History:
    def __init__(self, views, conn):
        self.views, self.conn, self.position = views, conn, 0

    def __call__(self, event_type, day=1, user="salma", **data):
        self.position += 1
        self.views.apply(self.conn, {"event_type": event_type, "data": data, "position": self.position,
                                     "occurred_at": AT.format(day), "actor": {"user": user, "role": "resources"}})


def used(record, school_code, resource_id, period, uses, teachers):
    """A school's uses of a resource over `period` (its first and last days)."""
    record("resource_usage_recorded", school_code=school_code, resource_id=resource_id, period_start=period[0],
           period_end=period[1], uses=uses, teachers=teachers)


@pytest.fixture
def given():
    engine = create_engine("sqlite://")
    views = ResourcesViews()
    views.create(engine)
    with engine.begin() as conn:
        yield views, conn, History(views, conn)


def test_the_catalogue_shows_each_status_and_where_it_went(given):
    views, conn, record = given
    record("resource_received", resource_id="R1", title="Fractions", subject="maths", levels=["CE5"],
           format="video", origin="directorate")
    record("production_project_started", project_id="P1", title="Soutien", subject="arabic", members=["T1"])
    record("resource_submitted", resource_id="R2", project_id="P1", title="Quiz")
    record("resource_submitted", resource_id="R3", project_id="P1", title="Dictée")
    record("resource_distributed", resource_id="R1", school_codes=["S2", "S1"], channel="usb")
    record("resource_distributed", resource_id="R1", school_codes=["S1", "S3"], channel="platform")
    record("validation_committee_held", day=5, committee_id="C1", members=["M1", "M2"], decisions=[
        {"resource_id": "R2", "decision": "approved", "remarks": ""},
        {"resource_id": "R3", "decision": "revision", "remarks": "Relire la consigne"}])

    cat = {r["resource_id"]: r for r in views.catalogue(conn)}
    assert [r["resource_id"] for r in views.catalogue(conn)] == ["R1", "R2", "R3"]
    assert cat["R1"]["status"] == "received" and cat["R1"]["levels"] == ["CE5"]
    assert cat["R1"]["distributed_to"] == ["S1", "S2", "S3"]
    assert cat["R2"]["status"] == "approved" and cat["R2"]["origin"] == "local" and cat["R2"]["project_id"] == "P1"
    assert cat["R3"]["status"] == "revision" and cat["R3"]["distributed_to"] == []
    assert [r["resource_id"] for r in views.catalogue(conn, "approved")] == ["R2"]

    record("resource_submitted", resource_id="R3", project_id="P1", title="Dictée v2")
    assert {r["resource_id"]: r for r in views.catalogue(conn)}["R3"]["status"] == "submitted"
    assert {r["resource_id"]: r for r in views.catalogue(conn)}["R3"]["title"] == "Dictée v2"
    assert views.committees_deciding(conn, "R3") == ["C1"]
    assert views.committees_deciding(conn, "R1") == []


def test_a_schools_resources_with_channels_and_uses(given):
    views, conn, record = given
    record("resource_received", resource_id="R1", title="Fractions", subject="maths", levels=["CE5"],
           format="video", origin="directorate")
    record("resource_received", resource_id="R2", title="Atlas", subject="geography", levels=["1AC"],
           format="interactive", origin="open")
    record("resource_distributed", day=2, resource_id="R2", school_codes=["S1"], channel="usb")
    record("resource_distributed", day=3, resource_id="R1", school_codes=["S1", "S2"], channel="platform")
    record("resource_distributed", day=4, resource_id="R2", school_codes=["S1"], channel="platform")
    used(record, "S1", "R2", ("2025-10-01", "2025-10-15"), uses=7, teachers=2)
    used(record, "S1", "R2", ("2025-10-16", "2025-10-31"), uses=5, teachers=2)
    used(record, "S2", "R1", ("2025-10-16", "2025-10-31"), uses=40, teachers=9)

    s1 = views.school_resources(conn, "S1")
    assert [(r["resource_id"], r["channels"], r["uses"]) for r in s1] == [
        ("R2", ["usb", "platform"], 12), ("R1", ["platform"], 0)]
    assert s1[0]["first_distributed_at"] == AT.format(2)
    assert [r["resource_id"] for r in views.school_resources(conn, "S2")] == ["R1"]
    assert views.school_resources(conn, "S9") == []


def test_a_resource_reached_a_school_on_its_earliest_distribution_even_one_entered_later(given):
    views, conn, record = given
    record("resource_received", resource_id="R1", title="Fractions", subject="maths", levels=["CE5"],
           format="video", origin="directorate")
    record("resource_distributed", day=8, resource_id="R1", school_codes=["S1"], channel="platform")
    record("resource_distributed", day=3, resource_id="R1", school_codes=["S1"], channel="usb")  # entered late
    [r1] = views.school_resources(conn, "S1")
    assert r1["first_distributed_at"] == AT.format(3) and r1["channels"] == ["platform", "usb"]


def test_open_dysfunctions_leave_out_the_resolved(given):
    views, conn, record = given
    record("dysfunction_reported", dysfunction_id="D1", school_code="S1", description="Pas de son")
    record("dysfunction_reported", dysfunction_id="D2", school_code="S2", description="Lien mort")
    record("dysfunction_reported", dysfunction_id="D3", school_code="S1", description="Lecteur absent")
    record("dysfunction_resolved", dysfunction_id="D1", resolution="Haut-parleurs branchés")
    assert [x["dysfunction_id"] for x in views.open_dysfunctions(conn)] == ["D2", "D3"]
    assert [x["dysfunction_id"] for x in views.open_dysfunctions(conn, "S1")] == ["D3"]


def test_every_dysfunction_open_or_resolved_with_its_resolution(given):
    views, conn, record = given
    record("dysfunction_reported", dysfunction_id="D1", school_code="S1", description="Pas de son")
    record("dysfunction_reported", dysfunction_id="D2", school_code="S2", description="Lien mort")
    record("dysfunction_resolved", day=4, dysfunction_id="D1", resolution="Haut-parleurs branchés")
    assert [x["dysfunction_id"] for x in views.dysfunctions_list(conn)] == ["D1", "D2"]
    resolved = views.dysfunctions_list(conn, None, "resolved")
    assert [(x["dysfunction_id"], x["resolution"], x["resolved_at"]) for x in resolved] == [
        ("D1", "Haut-parleurs branchés", AT.format(4))]
    assert [x["dysfunction_id"] for x in views.dysfunctions_list(conn, None, "open")] == ["D2"]
    assert views.dysfunctions_list(conn, "S2", "resolved") == []


def test_a_resources_uses_by_school_and_period_and_its_decisions_with_remarks(given):
    views, conn, record = given
    record("resource_submitted", resource_id="R2", project_id="P1", title="Quiz")
    record("validation_committee_held", day=3, committee_id="C1", members=["M1"], decisions=[
        {"resource_id": "R2", "decision": "revision", "remarks": "Sources à citer"}])
    record("resource_submitted", day=4, resource_id="R2", project_id="P1", title="Quiz v2")
    record("validation_committee_held", day=5, committee_id="C2", members=["M1"], decisions=[
        {"resource_id": "R2", "decision": "approved", "remarks": ""}])
    used(record, "S2", "R2", ("2025-10-01", "2025-10-31"), uses=4, teachers=2)
    used(record, "S1", "R2", ("2025-11-01", "2025-11-30"), uses=7, teachers=1)
    used(record, "S1", "R2", ("2025-10-01", "2025-10-31"), uses=3, teachers=1)
    used(record, "S1", "R9", ("2025-10-01", "2025-10-31"), uses=9, teachers=1)
    found = views.resource_follow_up(conn, "R2")
    assert [(u["school_code"], u["period_start"], u["uses"], u["teachers"]) for u in found["usage"]] == [
        ("S1", "2025-10-01", 3, 1), ("S1", "2025-11-01", 7, 1), ("S2", "2025-10-01", 4, 2)]
    assert [(d["committee_id"], d["held_at"], d["decision"], d["remarks"]) for d in found["decisions"]] == [
        ("C1", AT.format(3), "revision", "Sources à citer"), ("C2", AT.format(5), "approved", "")]
    assert views.resource_follow_up(conn, "R7") == {"resource_id": "R7", "usage": [], "decisions": []}


def test_committee_minutes(given):
    views, conn, record = given
    record("resource_submitted", resource_id="R2", project_id="P1", title="Quiz")
    record("resource_submitted", resource_id="R3", project_id="P1", title="Dictée")
    record("validation_committee_held", day=5, user="coordinator", committee_id="C1", members=["M1", "M2"],
           decisions=[{"resource_id": "R3", "decision": "rejected", "remarks": "Hors programme"},
                      {"resource_id": "R2", "decision": "approved", "remarks": ""}])
    pv = views.committee_minutes(conn, "C1")
    assert pv["held_at"] == AT.format(5) and pv["members"] == ["M1", "M2"] and pv["recorded_by"] == "coordinator"
    assert [(x["resource_id"], x["title"], x["decision"], x["remarks"]) for x in pv["decisions"]] == [
        ("R3", "Dictée", "rejected", "Hors programme"), ("R2", "Quiz", "approved", "")]
    assert pv["summary"] == {"approved": 1, "rejected": 1, "revision": 0}
    assert views.committee_minutes(conn, "C9") is None
    assert views.committees_list(conn) == [{"committee_id": "C1", "held_at": AT.format(5)}]


def test_a_school_registered_again_takes_its_new_details_and_keeps_its_first_date():
    from services.resources.schools import SchoolDirectory

    engine = create_engine("sqlite://")
    directory = SchoolDirectory()
    directory.create(engine)
    school = {"school_code": "OED001", "name_ar": "م", "name_fr": "École A", "cycle": "primary",
              "setting": "rural", "commune": "Dakhla", "province_code": "OED", "region_code": "DOE"}
    with engine.begin() as conn:
        directory.apply(conn, {"event_type": "school_registered", "position": 1, "data": school,
                               "occurred_at": "2025-09-01T08:00:00+01:00"})
        directory.apply(conn, {"event_type": "school_registered", "position": 2,
                               "data": dict(school, setting="urban", name_fr="École B"),
                               "occurred_at": "2026-01-10T08:00:00+01:00"})
        rows = conn.execute(directory.schools.select()).mappings().all()
    assert len(rows) == 1
    assert (rows[0]["setting"], rows[0]["name_fr"]) == ("urban", "École B")
    assert rows[0]["registered_at"] == "2025-09-01T08:00:00+01:00"
