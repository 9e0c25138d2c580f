"""Training's command schemas: a bad command is refused naming the field and the rule."""
from datetime import date

import pytest

from services.training import schemas
from shared.commands import parse
from shared.errors import InvalidCommand


def errors_of(schema, command):
    with pytest.raises(InvalidCommand) as exc:
        parse(schema, command)
    return exc.value.errors


PLAN = {"title": "Intégration des TICE", "modality": "certifying", "audience": "teachers",
        "planned_participants": 30, "school_year": "2025-2026"}


def test_a_plan_is_read_with_a_generated_id_left_to_the_service():
    cmd = parse(schemas.PlanTraining(), PLAN)
    assert cmd["training_id"] is None and cmd["planned_participants"] == 30


def test_a_bad_plan_names_each_field():
    errors = errors_of(schemas.PlanTraining(), dict(PLAN, modality="hybrid", school_year="2025-2027",
                                                    planned_participants="30", title="", colour="red"))
    assert set(errors) == {"modality", "school_year", "planned_participants", "title", "colour"}
    assert "follow" in errors["school_year"][0]


SESSION = {"training_id": "T1", "starts_on": "2025-11-10", "ends_on": "2025-11-12", "hours": 18,
           "venue": "CRMEF Dakhla"}


def test_a_session_is_read_with_dates():
    cmd = parse(schemas.ScheduleSession(), SESSION)
    assert cmd["starts_on"] == date(2025, 11, 10) and cmd["calendar_override_reason"] is None


@pytest.mark.parametrize("change, field", [
    ({"ends_on": "2025-11-09"}, "ends_on"), ({"hours": 0}, "hours"), ({"starts_on": "10/11/2025"}, "starts_on"),
    ({"calendar_override_reason": "   "}, "calendar_override_reason"), ({"training_id": "a b"}, "training_id"),
])
def test_a_bad_session_names_the_field(change, field):
    assert field in errors_of(schemas.ScheduleSession(), dict(SESSION, **change))


def test_teachers_and_directors_are_invited_with_their_school():
    cmd = {"session_id": "S1", "participants": [
        {"staff_id": "P1", "name": "Amina", "role": "teacher"},
        {"staff_id": "P2", "name": "Said", "role": "inspector"},
        {"staff_id": "P3", "name": "Hind", "role": "director", "school_code": None}]}
    errors = errors_of(schemas.InviteParticipants(), cmd)
    assert errors == {"participants": {0: {"school_code": ["Required for a teacher."]},
                                       2: {"school_code": ["Required for a director."]}}}


def test_a_person_appears_once_per_list():
    errors = errors_of(schemas.InviteParticipants(), {"session_id": "S1", "participants": [
        {"staff_id": "I1", "name": "A", "role": "inspector"}, {"staff_id": "I1", "name": "B", "role": "inspector"}]})
    assert errors == {"participants": {1: {"staff_id": ["I1 appears twice (item 0)."]}}}
    errors = errors_of(schemas.RecordAttendance(), {"session_id": "S1", "day": "2025-11-10", "attendance": [
        {"staff_id": "P1", "status": "present"}, {"staff_id": "P1", "status": "absent"}]})
    assert 1 in errors["attendance"]
    assert "staff_ids" in errors_of(schemas.AwardCertificates(), {"training_id": "T1", "staff_ids": ["P1", "P1"]})


def test_attendance_status_and_day_are_checked():
    errors = errors_of(schemas.RecordAttendance(), {"session_id": "S1", "day": "2025-13-01",
                                                    "attendance": [{"staff_id": "P1", "status": "late"}]})
    assert set(errors) == {"day", "attendance"} and "status" in errors["attendance"][0]


def test_cancelling_needs_a_reason():
    assert "reason" in errors_of(schemas.CancelSession(), {"session_id": "S1"})


CALENDAR = {"school_year": "2025-2026", "periods": [
    {"kind": "holiday", "name": "Vacances", "starts_on": "2025-12-20", "ends_on": "2026-01-04"}]}


def test_a_calendar_period_is_inside_its_school_year():
    assert parse(schemas.LoadSchoolCalendar(), CALENDAR)["periods"][0]["ends_on"] == date(2026, 1, 4)
    late = dict(CALENDAR, periods=[{"kind": "exam", "name": "Rattrapage", "starts_on": "2026-08-30",
                                    "ends_on": "2026-09-02"}])
    assert errors_of(schemas.LoadSchoolCalendar(), late) == {
        "periods": {0: {"ends_on": ["Must be inside school year 2025-2026 (2025-09-01 to 2026-08-31)."]}}}


def test_a_calendar_period_has_a_known_kind_and_ordered_dates():
    bad = dict(CALENDAR, periods=[{"kind": "strike", "name": "X", "starts_on": "2025-12-20", "ends_on": "2025-12-19"}])
    errors = errors_of(schemas.LoadSchoolCalendar(), bad)["periods"][0]
    assert set(errors) == {"kind", "ends_on"}
    assert "periods" in errors_of(schemas.LoadSchoolCalendar(), dict(CALENDAR, periods=[]))


def test_a_query_s_school_year_is_checked():
    assert schemas.school_year("2025-2026") == "2025-2026"
    with pytest.raises(InvalidCommand) as exc:
        schemas.school_year("2025")
    assert "school_year" in exc.value.errors


def test_an_evaluation_is_read_and_a_bad_one_names_each_field():
    cmd = parse(schemas.EvaluateTraining(), {"training_id": "T1", "respondents": 18, "mean_score": 4.2})
    assert (cmd["respondents"], cmd["mean_score"], cmd["remarks"]) == (18, 4.2, "")
    errors = errors_of(schemas.EvaluateTraining(), {"training_id": "T 1", "respondents": 0, "mean_score": 4.25,
                                                    "remarks": "x" * 2001})
    assert set(errors) == {"training_id", "respondents", "mean_score", "remarks"}
    assert "one decimal" in errors["mean_score"][0]
    errors = errors_of(schemas.EvaluateTraining(), {"training_id": "T1", "respondents": "18", "mean_score": 6})
    assert set(errors) == {"respondents", "mean_score"}
