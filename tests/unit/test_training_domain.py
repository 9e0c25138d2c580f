"""Training's rules without broker or database: every rule accepted and refused."""
from datetime import date

import pytest

from services.training import domain
from services.training.domain import CalendarPeriod, Training
from shared.catalogue import registry
from shared.errors import CommandRejected
from shared.events import Event
from tests.helpers import refused_message as refused

YEAR = "2025-2026"
CALENDAR = [
    CalendarPeriod("school_start", "Rentrée scolaire", date(2025, 9, 1), date(2025, 9, 15)),
    CalendarPeriod("holiday", "Vacances de fin du premier trimestre", date(2025, 12, 20), date(2026, 1, 4)),
    CalendarPeriod("exam", "Examen régional", date(2026, 6, 1), date(2026, 6, 5)),
    CalendarPeriod("exam", "Baccalauréat national", date(2026, 6, 4), date(2026, 6, 10)),
]


def given(*events: Event, training_id="T1") -> Training:
    state = Training(training_id)
    for n, e in enumerate(events, start=1):
        registry.check_new("training", e)  # the history itself is made of contract events
        state = domain.evolve_training(state, {"event_type": e.type, "data": e.data, "position": n,
                                               "occurred_at": "2025-10-01T09:00:00+01:00"})
    return state


def planned(modality="certifying", training_id="T1"):
    return Event("training_planned", {"training_id": training_id, "title": "Intégration des TICE",
                                      "modality": modality, "audience": "teachers", "planned_participants": 30,
                                      "school_year": YEAR})


def scheduled(session_id="S1", starts="2025-11-10", ends="2025-11-14", hours=30, training_id="T1"):
    return Event("session_scheduled", {"session_id": session_id, "training_id": training_id, "starts_on": starts,
                                       "ends_on": ends, "hours": hours, "venue": "CRMEF Dakhla"})


def invited(staff_id, session_id="S1", role="teacher", school="OED001", name=None):
    return Event("participant_invited", {"session_id": session_id, "staff_id": staff_id, "name": name or staff_id,
                                         "role": role, "school_code": school})


def attended(staff_id, day, status="present", session_id="S1"):
    return Event("attendance_recorded", {"session_id": session_id, "staff_id": staff_id, "day": day,
                                         "status": status})


def completed(session_id="S1"):
    return Event("session_completed", {"session_id": session_id})


def cancelled(session_id="S1"):
    return Event("session_cancelled", {"session_id": session_id, "reason": "Salle indisponible"})


def session_cmd(starts, ends, reason=None, session_id="S9"):
    return domain.ScheduleSession("T1", date.fromisoformat(starts), date.fromisoformat(ends), 12, "CRMEF Dakhla",
                                  session_id, reason)


def valid(events):
    for e in events:
        registry.check_new("training", e)
    return events


# ---------------------------------------------------------------- planning

def test_a_training_is_planned_once():
    cmd = {"title": "Intégration des TICE", "modality": "certifying", "audience": "teachers",
           "planned_participants": 30, "school_year": YEAR}
    [e] = valid(domain.plan_training(Training("T1"), domain.PlanTraining(**cmd)))
    assert e.type == "training_planned"
    assert e.data == dict(cmd, training_id="T1")
    refused("training_already_planned", domain.plan_training, given(planned()), domain.PlanTraining(**cmd))


# ---------------------------------------------------------------- scheduling around the school calendar

def test_a_session_clear_of_the_calendar_is_scheduled():
    [e] = valid(domain.schedule_session(given(planned()), session_cmd("2025-11-10", "2025-11-12"), CALENDAR, False))
    assert e.data == {"session_id": "S9", "training_id": "T1", "starts_on": "2025-11-10", "ends_on": "2025-11-12",
                      "hours": 12, "venue": "CRMEF Dakhla"}


@pytest.mark.parametrize("starts, ends", [
    ("2025-12-15", "2025-12-20"),  # ends on the holiday's first day
    ("2026-01-04", "2026-01-06"),  # starts on its last day
    ("2025-12-22", "2025-12-23"),  # inside it
    ("2025-12-19", "2026-01-05"),  # around it
])
def test_a_session_touching_a_holiday_is_refused_naming_it(starts, ends):
    message = refused("session_overlaps_school_calendar", domain.schedule_session, given(planned()),
                      session_cmd(starts, ends), CALENDAR, False)
    assert "holiday 'Vacances de fin du premier trimestre' (2025-12-20 to 2026-01-04)" in message


@pytest.mark.parametrize("starts, ends", [
    ("2025-12-16", "2025-12-19"),  # ends the day before the holiday
    ("2026-01-05", "2026-01-07"),  # starts the day after it
    ("2025-09-16", "2025-09-18"),  # the day after the school-start period
])
def test_a_session_next_to_a_period_is_scheduled(starts, ends):
    assert domain.schedule_session(given(planned()), session_cmd(starts, ends), CALENDAR, False)


def test_every_period_a_session_overlaps_is_named():
    message = refused("session_overlaps_school_calendar", domain.schedule_session, given(planned()),
                      session_cmd("2026-06-03", "2026-06-04"), CALENDAR, False)
    assert "exam period 'Examen régional'" in message and "exam period 'Baccalauréat national'" in message
    message = refused("session_overlaps_school_calendar", domain.schedule_session, given(planned()),
                      session_cmd("2025-09-15", "2025-09-16"), CALENDAR, False)
    assert "school-start period 'Rentrée scolaire'" in message


def test_an_override_reason_lets_a_session_through_the_calendar():
    [e] = domain.schedule_session(given(planned()), session_cmd("2025-12-22", "2025-12-23", "Formateurs nationaux"),
                                  CALENDAR, False)
    assert e.data["starts_on"] == "2025-12-22"


def test_without_a_calendar_a_session_needs_an_override_reason():
    refused("school_calendar_not_loaded", domain.schedule_session, given(planned()),
            session_cmd("2025-11-10", "2025-11-12"), None, False)
    assert domain.schedule_session(given(planned()), session_cmd("2025-11-10", "2025-11-12", "Calendrier attendu"),
                                   None, False)


@pytest.mark.parametrize("starts, ends, ok", [
    ("2025-09-01", "2025-09-01", True), ("2026-08-31", "2026-08-31", True),
    ("2025-08-31", "2025-09-01", False), ("2026-08-31", "2026-09-01", False),
])
def test_a_session_stays_inside_the_training_s_school_year_even_with_an_override(starts, ends, ok):
    cmd = session_cmd(starts, ends, "Hors calendrier")
    if ok:
        assert domain.schedule_session(given(planned()), cmd, [], False)
    else:
        refused("session_outside_school_year", domain.schedule_session, given(planned()), cmd, [], False)


def test_a_session_needs_a_planned_training_and_a_new_id():
    refused("unknown_training", domain.schedule_session, Training("T1"), session_cmd("2025-11-10", "2025-11-12"),
            CALENDAR, False)
    refused("session_already_scheduled", domain.schedule_session, given(planned()),
            session_cmd("2025-11-10", "2025-11-12"), CALENDAR, True)
    refused("session_already_scheduled", domain.schedule_session, given(planned(), scheduled("S9")),
            session_cmd("2025-11-10", "2025-11-12"), CALENDAR, False)


# ---------------------------------------------------------------- invitations

def participant(staff_id, school="OED001", role="teacher", name=None):
    return domain.Participant(staff_id, name or staff_id, role, school)


def test_staff_of_registered_schools_are_invited():
    events = valid(domain.invite_participants(given(planned(), scheduled()), "S1",
                                              [participant("P1"), participant("I1", None, "inspector")], {"OED001"}))
    assert [e.data for e in events] == [
        {"session_id": "S1", "staff_id": "P1", "name": "P1", "role": "teacher", "school_code": "OED001"},
        {"session_id": "S1", "staff_id": "I1", "name": "I1", "role": "inspector", "school_code": None}]


def test_an_unregistered_school_is_refused():
    message = refused("unknown_school", domain.invite_participants, given(planned(), scheduled()), "S1",
                      [participant("P1"), participant("P2", "XYZ9")], {"OED001"})
    assert "XYZ9" in message


def test_inviting_again_records_nothing_unless_the_details_differ():
    state = given(planned(), scheduled(), invited("P1"))
    assert domain.invite_participants(state, "S1", [participant("P1")], {"OED001"}) == []
    [e] = domain.invite_participants(state, "S1", [participant("P1"), participant("P2")], {"OED001"})
    assert e.data["staff_id"] == "P2"
    refused("participant_already_invited", domain.invite_participants, state, "S1",
            [participant("P1", role="director")], {"OED001"})


def test_only_a_scheduled_session_takes_invitations():
    refused("unknown_session", domain.invite_participants, given(planned()), "S1", [participant("P1")], {"OED001"})
    refused("session_cancelled", domain.invite_participants, given(planned(), scheduled(), cancelled()), "S1",
            [participant("P1")], {"OED001"})
    refused("session_completed", domain.invite_participants, given(planned(), scheduled(), completed()), "S1",
            [participant("P1")], {"OED001"})


# ---------------------------------------------------------------- attendance

TODAY = date(2026, 3, 1)


def sheet(*marks):
    return [domain.AttendanceMark(s, st) for s, st in marks]


def test_attendance_is_recorded_for_invited_staff():
    state = given(planned(), scheduled(), invited("P1"), invited("P2"))
    events = valid(domain.record_attendance(state, "S1", date(2025, 11, 10),
                                            sheet(("P1", "present"), ("P2", "excused")), TODAY))
    assert [e.data for e in events] == [
        {"session_id": "S1", "staff_id": "P1", "day": "2025-11-10", "status": "present"},
        {"session_id": "S1", "staff_id": "P2", "day": "2025-11-10", "status": "excused"}]
    message = refused("participant_not_invited", domain.record_attendance, state, "S1", date(2025, 11, 10),
                      sheet(("P1", "present"), ("X9", "present")), TODAY)
    assert "X9" in message


@pytest.mark.parametrize("day, ok", [("2025-11-09", False), ("2025-11-10", True), ("2025-11-14", True),
                                     ("2025-11-15", False)])
def test_attendance_day_is_within_the_session_dates(day, ok):
    state = given(planned(), scheduled(starts="2025-11-10", ends="2025-11-14"), invited("P1"))
    args = (state, "S1", date.fromisoformat(day), sheet(("P1", "present")), TODAY)
    if ok:
        assert domain.record_attendance(*args)
    else:
        refused("day_outside_session", domain.record_attendance, *args)


def test_attendance_of_a_day_to_come_is_refused():
    state = given(planned(), scheduled(starts="2025-11-10", ends="2025-11-14"), invited("P1"))
    refused("attendance_day_in_future", domain.record_attendance, state, "S1", date(2025, 11, 12),
            sheet(("P1", "present")), date(2025, 11, 11))
    assert domain.record_attendance(state, "S1", date(2025, 11, 11), sheet(("P1", "present")), date(2025, 11, 11))


def test_a_day_is_recorded_once_per_person():
    state = given(planned(), scheduled(), invited("P1"), attended("P1", "2025-11-10"))
    assert domain.record_attendance(state, "S1", date(2025, 11, 10), sheet(("P1", "present")), TODAY) == []
    refused("attendance_already_recorded", domain.record_attendance, state, "S1", date(2025, 11, 10),
            sheet(("P1", "absent")), TODAY)


def test_a_completed_session_takes_late_sheets_a_cancelled_one_does_not():
    base = (planned(), scheduled(), invited("P1"))
    assert domain.record_attendance(given(*base, completed()), "S1", date(2025, 11, 11),
                                    sheet(("P1", "present")), TODAY)
    refused("session_cancelled", domain.record_attendance, given(*base, cancelled()), "S1", date(2025, 11, 11),
            sheet(("P1", "present")), TODAY)


# ---------------------------------------------------------------- completing and cancelling

def test_a_session_is_completed_from_its_last_day():
    state = given(planned(), scheduled(starts="2025-11-10", ends="2025-11-14"))
    refused("session_not_over", domain.complete_session, state, "S1", date(2025, 11, 13))
    [e] = valid(domain.complete_session(state, "S1", date(2025, 11, 14)))
    assert e.data == {"session_id": "S1"}


def test_a_closed_session_is_neither_completed_nor_cancelled_again():
    done = given(planned(), scheduled(), completed())
    gone = given(planned(), scheduled(), cancelled())
    refused("session_completed", domain.complete_session, done, "S1", TODAY)
    refused("session_completed", domain.cancel_session, done, "S1", "Trop tard")
    refused("session_cancelled", domain.complete_session, gone, "S1", TODAY)
    refused("session_cancelled", domain.cancel_session, gone, "S1", "Encore")


def test_a_scheduled_session_is_cancelled_with_its_reason():
    [e] = valid(domain.cancel_session(given(planned(), scheduled()), "S1", "Formateur absent"))
    assert e.data == {"session_id": "S1", "reason": "Formateur absent"}
    refused("unknown_session", domain.cancel_session, given(planned()), "S9", "x")


# ---------------------------------------------------------------- certification

FIVE_DAYS = ["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13", "2025-11-14"]


def five_day_events(present_days: dict[str, int], modality="certifying"):
    """One completed 5-day session; each person present on their first n days, absent after."""
    events = [planned(modality), scheduled()] + [invited(s) for s in present_days]
    for staff, n in present_days.items():
        events += [attended(staff, d, "present" if i < n else "absent") for i, d in enumerate(FIVE_DAYS)]
    return events + [completed()]


def five_day_training(present_days: dict[str, int], modality="certifying"):
    return given(*five_day_events(present_days, modality))


def certify(state, staff_ids, percent=80, first=1):
    return valid(domain.award_certificates(state, staff_ids, percent, "OED-2025-2026", first))


def test_present_on_exactly_80_percent_of_the_days_is_certified():
    [e] = certify(five_day_training({"P1": 4}), ["P1"], first=7)
    assert e.data == {"training_id": "T1", "staff_id": "P1", "certificate_no": "OED-2025-2026-0007"}


def test_below_80_percent_is_refused_with_the_count():
    message = refused("attendance_below_threshold", certify, five_day_training({"P1": 3}), ["P1"])
    assert "3 of 5 days (60%)" in message and "80%" in message


@pytest.mark.parametrize("present, percent, ok", [
    (4, 79, True), (4, 80, True), (4, 81, False), (4, 80.5, False),
    (5, 100, True), (4, 100, False), (3, 60, True), (3, 60.1, False),
])
def test_the_threshold_is_configurable_and_inclusive(present, percent, ok):
    state = five_day_training({"P1": present})
    if ok:
        assert certify(state, ["P1"], percent)
    else:
        refused("attendance_below_threshold", certify, state, ["P1"], percent)


def test_eight_of_nine_days_passes_seven_does_not():
    # 7/9 = 77.8%, 8/9 = 88.9%: over two completed sessions of 4 and 5 days
    days_a = ["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13"]
    events = [planned(), scheduled("A", "2025-11-10", "2025-11-13"), scheduled("B", "2026-02-09", "2026-02-13"),
              invited("P1", "A"), invited("P1", "B"), invited("P2", "A"), invited("P2", "B")]
    days_b = ["2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13"]
    for d in days_a:
        events += [attended("P1", d, session_id="A"), attended("P2", d, session_id="A")]
    for i, d in enumerate(days_b):
        events += [attended("P1", d, "present" if i < 4 else "absent", session_id="B"),
                   attended("P2", d, "present" if i < 3 else "excused", session_id="B")]
    state = given(*events, completed("A"), completed("B"))
    assert certify(state, ["P1"])
    assert "7 of 9 days" in refused("attendance_below_threshold", certify, state, ["P2"])


def test_excused_and_unrecorded_days_are_not_present_days():
    events = [planned(), scheduled(), invited("P1"), attended("P1", FIVE_DAYS[0]), attended("P1", FIVE_DAYS[1]),
              attended("P1", FIVE_DAYS[2]), attended("P1", FIVE_DAYS[3], "excused"), completed()]
    assert "3 of 5 days" in refused("attendance_below_threshold", certify, given(*events), ["P1"])


def test_a_non_certifying_training_awards_nothing():
    for modality in ("in_person", "remote"):
        refused("training_not_certifying", certify, five_day_training({"P1": 5}, modality), ["P1"])


def test_nobody_is_certified_twice_for_the_same_training():
    state = five_day_training({"P1": 5, "P2": 5})
    [first] = certify(state, ["P1"])
    state = given(*five_day_events({"P1": 5, "P2": 5}), first)
    message = refused("already_certified", certify, state, ["P1"])
    assert "OED-2025-2026-0001" in message
    refused("already_certified", certify, state, ["P2", "P1"])  # all or none
    [e] = certify(state, None, first=2)  # everyone eligible: P1 is skipped
    assert e.data["staff_id"] == "P2"
    state = given(*five_day_events({"P1": 5, "P2": 5}), first, e)
    refused("no_one_to_certify", certify, state, None)


def test_certifying_everyone_eligible_takes_only_those_above_the_threshold():
    events = certify(five_day_training({"P1": 5, "P2": 3, "P3": 4}), None, first=3)
    assert [(e.data["staff_id"], e.data["certificate_no"]) for e in events] == [
        ("P1", "OED-2025-2026-0003"), ("P3", "OED-2025-2026-0004")]
    refused("no_one_to_certify", certify, five_day_training({"P2": 3}), None)


def test_certification_waits_for_the_person_s_open_sessions():
    events = five_day_events({"P1": 5}) + [scheduled("S2", "2026-02-09", "2026-02-10"), invited("P1", "S2")]
    message = refused("sessions_still_open", certify, given(*events), ["P1"])
    assert "S2" in message
    # once the second session is cancelled, only the completed one counts
    assert certify(given(*events, cancelled("S2")), ["P1"])


def test_parallel_groups_count_only_the_sessions_a_person_was_invited_to():
    events = five_day_events({"P1": 4}) + [scheduled("G2", "2025-11-17", "2025-11-18"), invited("P9", "G2"),
                                           attended("P9", "2025-11-17", session_id="G2"),
                                           attended("P9", "2025-11-18", session_id="G2"),
                                           completed("G2")]
    assert [e.data["staff_id"] for e in certify(given(*events), None)] == ["P1", "P9"]


def test_only_participants_are_certified():
    refused("participant_not_invited", certify, five_day_training({"P1": 5}), ["X1"])
    refused("unknown_training", certify, Training("T9"), ["P1"])


def test_a_person_with_no_completed_day_is_not_certified():
    state = given(planned(), scheduled(), invited("P1"), cancelled())
    assert "no completed day" in refused("attendance_below_threshold", certify, state, ["P1"])


# ---------------------------------------------------------------- folding the history

def test_the_training_is_folded_from_its_events():
    state = given(planned(), scheduled(), invited("P1"), attended("P1", "2025-11-10"), completed())
    session = state.sessions["S1"]
    assert (state.modality, state.school_year, session.status) == ("certifying", YEAR, "completed")
    assert session.attendance == {("P1", date(2025, 11, 10)): "present"}
    tally = domain.attendance_tally(state, "P1")
    assert (tally.present_days, tally.session_days, tally.open_sessions) == (1, 5, ())


# ---------------------------------------------------------------- evaluation

EVALUATION = domain.EvaluateTraining("T1", 18, 4.2, "Très utile ; plus de pratique demandée")


def test_a_training_is_evaluated_once_a_session_is_completed():
    refused("unknown_training", domain.evaluate_training, given(), EVALUATION)
    refused("no_session_completed", domain.evaluate_training, given(planned(), scheduled()), EVALUATION)
    refused("no_session_completed", domain.evaluate_training, given(planned(), scheduled(), cancelled()), EVALUATION)
    state = given(planned(), scheduled("S1"), scheduled("S2", "2025-12-01", "2025-12-02"), completed("S1"))
    [e] = valid(domain.evaluate_training(state, EVALUATION))
    assert e.type == "training_evaluated"
    assert e.data == {"training_id": "T1", "respondents": 18, "mean_score": 4.2,
                      "remarks": "Très utile ; plus de pratique demandée"}


def test_a_later_evaluation_replaces_the_earlier():
    first = Event("training_evaluated", {"training_id": "T1", "respondents": 10, "mean_score": 3.0, "remarks": ""})
    second = Event("training_evaluated", {"training_id": "T1", "respondents": 12, "mean_score": 4.5,
                                          "remarks": "mieux"})
    state = given(planned(), scheduled(), completed(), first, second)
    assert state.evaluation == {"respondents": 12, "mean_score": 4.5, "remarks": "mieux"}
    valid(domain.evaluate_training(state, EVALUATION))  # and it can be evaluated again


@pytest.mark.parametrize("data", [
    {"respondents": 0, "mean_score": 4.0, "remarks": ""},
    {"respondents": 3, "mean_score": 0.9, "remarks": ""},
    {"respondents": 3, "mean_score": 5.1, "remarks": ""},
    {"respondents": 3, "mean_score": 4.25, "remarks": ""},
    {"respondents": 3.0, "mean_score": 4.0, "remarks": ""},
])
def test_the_catalogue_refuses_an_evaluation_out_of_its_bounds(data):
    with pytest.raises(Exception):
        registry.check_new("training", Event("training_evaluated", dict(data, training_id="T1")))
