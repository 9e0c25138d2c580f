"""Reporting's handlers of training's events: trainings, sessions, invitations, attendance,
certificates, evaluations."""
from __future__ import annotations

from .folding import fold_data
from .model import day_start


# Folds the class names (`fold_data`): each takes (batch, current row or None, data, at), returns the new row.

def _complete_session(b, session, d, at):
    return {"session_id": d["session_id"], "completed_at": min(session["completed_at"], at) if session else at}


class TrainingHandlers:
    def on_training_planned(self, b, env):
        d = env["data"]
        b.flow(self.trainings, training_id=d["training_id"], school_year=d["school_year"],
               province_code=env["province_code"])

    def on_session_scheduled(self, b, env):
        d = env["data"]
        b.history(self.schedules, d["session_id"], session_id=d["session_id"],
                  starts_at=day_start(d["starts_on"]), hours=float(d["hours"]), province_code=env["province_code"])

    def on_participant_invited(self, b, env):
        d = env["data"]
        b.history(self.invitations, d["staff_id"], staff_id=d["staff_id"], school_code=d.get("school_code"),
                  role=d["role"])

    def on_attendance_recorded(self, b, env):
        d = env["data"]
        b.flow(self.attendance, session_id=d["session_id"], staff_id=d["staff_id"], status=d["status"],
               province_code=env["province_code"])
        if d["status"] == "present":
            b.fold(self.presences, (d["session_id"], d["staff_id"]), _present, d, env["province_code"], b.at)

    on_session_completed = fold_data("completions", "session_id", _complete_session)

    def on_certification_awarded(self, b, env):
        b.flow(self.certifications, staff_id=env["data"]["staff_id"], province_code=env["province_code"])

    def on_training_evaluated(self, b, env):
        d = env["data"]
        b.history(self.evaluations, d["training_id"], training_id=d["training_id"],
                  respondents=d["respondents"], score_tenths=round(d["mean_score"] * 10),
                  province_code=env["province_code"])


# Folds: each takes (batch, current row or None, ...) and returns the new row.



def _present(b, presence, d, province, at):
    if presence is not None and presence["first_at"] <= at:
        return presence
    return {"session_id": d["session_id"], "staff_id": d["staff_id"], "first_at": at, "province_code": province}
