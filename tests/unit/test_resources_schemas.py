"""Bad commands are refused before anything is decided, naming the field and the rule."""
from datetime import date

import pytest

from services.resources import schemas as s
from shared.commands import parse
from shared.errors import InvalidCommand


def errors(schema, command):
    with pytest.raises(InvalidCommand) as exc:
        parse(schema, command)
    return exc.value.errors


RECEIVE = {"title": "Fractions", "subject": "mathematics", "levels": ["CE5"], "format": "video",
           "origin": "directorate"}
USAGE = {"school_code": "OED001", "resource_id": "R1", "period_start": "2025-10-01", "period_end": "2025-10-31",
         "uses": 12, "teachers": 3}


def test_a_resource_is_received_with_a_known_format_and_origin_and_some_level():
    assert parse(s.ReceiveResource(), RECEIVE)["resource_id"] is None  # made up by the service
    bad = errors(s.ReceiveResource(), dict(RECEIVE, format="pdf", origin="ministry", levels=[], title=""))
    assert set(bad) == {"format", "origin", "levels", "title"}
    assert "resource_id" in errors(s.ReceiveResource(), dict(RECEIVE, resource_id="has space"))


def test_unknown_fields_are_refused_by_name():
    assert "colour" in errors(s.ReceiveResource(), dict(RECEIVE, colour="blue"))


def test_distribution_names_schools_or_a_cycle_or_setting_not_both():
    base = {"resource_id": "R1", "channel": "usb"}
    assert parse(s.DistributeResource(), dict(base, school_codes=["A", "B"]))["school_codes"] == ["A", "B"]
    assert parse(s.DistributeResource(), dict(base, cycle="primary"))["setting"] is None
    assert parse(s.DistributeResource(), dict(base, cycle="middle", setting="rural"))["cycle"] == "middle"
    assert "school_codes" in errors(s.DistributeResource(), base)
    assert "school_codes" in errors(s.DistributeResource(), dict(base, school_codes=["A"], setting="rural"))
    assert "school_codes" in errors(s.DistributeResource(), dict(base, school_codes=[]))
    assert set(errors(s.DistributeResource(), dict(base, cycle="college", setting="suburban"))) == {
        "cycle", "setting"}
    assert "channel" in errors(s.DistributeResource(), {"resource_id": "R1", "cycle": "primary"})


def test_use_period_ends_on_or_after_its_start():
    cmd = parse(s.RecordResourceUsage(), USAGE)
    assert cmd["period_start"] == date(2025, 10, 1)
    assert parse(s.RecordResourceUsage(), dict(USAGE, period_end="2025-10-01"))["period_end"] == date(2025, 10, 1)
    assert "period_end" in errors(s.RecordResourceUsage(), dict(USAGE, period_end="2025-09-30"))
    assert "period_start" in errors(s.RecordResourceUsage(), dict(USAGE, period_start="01/10/2025"))


@pytest.mark.parametrize("field_name, value", [("uses", -1), ("teachers", -2), ("uses", "12"), ("teachers", 1.5)])
def test_uses_and_teachers_are_whole_numbers_not_below_zero(field_name, value):
    assert field_name in errors(s.RecordResourceUsage(), dict(USAGE, **{field_name: value}))


def test_zero_uses_and_teachers_are_accepted():
    assert parse(s.RecordResourceUsage(), dict(USAGE, uses=0, teachers=0))["uses"] == 0


def test_a_committee_has_members_and_decides_each_resource_once_with_reasons():
    ok = {"members": ["M1"], "decisions": [{"resource_id": "R1", "decision": "approved"},
                                           {"resource_id": "R2", "decision": "revision", "remarks": "son"}]}
    cmd = parse(s.HoldValidationCommittee(), ok)
    assert cmd["decisions"][0]["remarks"] == ""
    assert "decisions" in errors(s.HoldValidationCommittee(), dict(ok, decisions=[]))
    assert "members" in errors(s.HoldValidationCommittee(), dict(ok, members=[]))
    assert "members" in errors(s.HoldValidationCommittee(), dict(ok, members=["M1", "M1"]))
    twice = dict(ok, decisions=[{"resource_id": "R1", "decision": "approved"},
                                {"resource_id": "R1", "decision": "rejected", "remarks": "x"}])
    assert "decisions" in errors(s.HoldValidationCommittee(), twice)
    bad = errors(s.HoldValidationCommittee(), dict(ok, decisions=[{"resource_id": "R1", "decision": "maybe"}]))
    assert "decision" in bad["decisions"][0]
    for decision in ("rejected", "revision"):
        bad = errors(s.HoldValidationCommittee(),
                     dict(ok, decisions=[{"resource_id": "R1", "decision": decision, "remarks": "  "}]))
        assert "remarks" in bad["decisions"][0]


def test_a_workshop_names_schools_and_counts_participants():
    ok = {"school_codes": ["A"], "participants": 20, "topic": "Ressources"}
    assert parse(s.HoldAwarenessWorkshop(), ok)["participants"] == 20
    assert set(errors(s.HoldAwarenessWorkshop(), dict(ok, school_codes=[], participants=-1, topic=""))) == {
        "school_codes", "participants", "topic"}


def test_a_project_has_distinct_members():
    ok = {"title": "Soutien", "subject": "arabic", "members": ["T1", "T2"]}
    assert parse(s.StartProductionProject(), ok)["members"] == ["T1", "T2"]
    assert "members" in errors(s.StartProductionProject(), dict(ok, members=[]))
    assert "members" in errors(s.StartProductionProject(), dict(ok, members=["T1", "T1"]))


def test_the_other_records_need_their_text():
    assert set(errors(s.SubmitResource(), {"title": ""})) == {"project_id", "title"}
    assert set(errors(s.RecordGoodPractice(), {"school_code": "A"})) == {"teacher", "description"}
    assert set(errors(s.ReportDysfunction(), {"description": ""})) == {"school_code", "description"}
    assert set(errors(s.ResolveDysfunction(), {"dysfunction_id": "D1"})) == {"resolution"}
    assert set(errors(s.RecordLocalResearch(), {"title": "t", "findings": ""})) == {"findings", "recommendations"}


def test_a_date_in_the_world_carries_its_offset():
    assert "occurred_at" in errors(s.ReceiveResource(), dict(RECEIVE, occurred_at="2025-10-01T09:00:00"))
    assert parse(s.ReceiveResource(), dict(RECEIVE, occurred_at="2025-10-01T09:00:00+01:00"))["occurred_at"]
