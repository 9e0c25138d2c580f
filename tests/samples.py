"""Answers of the services as their published schemas describe them, written out once for the tests of what
reads them (the gateway's API, the documents)."""

# The training axis' annual summary (training's `annual_summary`) of one school year: 24.5 hours of sessions,
# 180 participant-hours.
ANNUAL_SUMMARY = {
    "school_year": "2025-2026",
    "trainings": {"planned": 2, "done": 1, "planned_participants": 30,
                  "by_modality": {"in_person": {"planned": 1, "done": 0}, "remote": {"planned": 0, "done": 0},
                                  "certifying": {"planned": 1, "done": 1}}},
    "sessions": {"scheduled": 3, "completed": 2, "cancelled": 0, "open": 1},
    "people": {"invited": 12, "trained": 9, "by_role": {"teacher": 8, "director": 1, "inspector": 0,
                                                        "trainer": 0, "other": 0}},
    "hours": {"sessions": 24.5, "participant_hours": 180.0},
    "certifications": {"awarded": 7, "staff": 7},
    "by_training": [{"training_id": "T1", "title": "TICE", "modality": "certifying", "audience": "teachers",
                     "status": "done", "planned_participants": 20, "trained": 9, "sessions": 2,
                     "sessions_completed": 2, "sessions_cancelled": 0, "hours": 24.5, "certified": 7}],
}
