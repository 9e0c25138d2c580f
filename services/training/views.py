"""Training's read models.

- `TrainingViews`: trainings, sessions, invitations, attendance and
  certificates, kept by the store in the same transaction as training's log.
- `RegisteredSchools`: the schools inventory registered, projected from its
  `school_registered` events by the core's projector.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Index, MetaData, Table, func, insert, select, update
from sqlalchemy.engine import Connection

from shared.columns import (DAY, YEAR, amount, count, day, filled_later, instant, key, label, log_position, ref, text,
                            timestamp, words)
from shared.projector import Projection
from shared.schools import KnownSchools

from .domain import MODALITIES, ROLES


def _instant(envelope: dict) -> tuple[float, int]:
    """When an event happened, as a sortable key: its occurred_at, then its position."""
    return datetime.fromisoformat(envelope["occurred_at"]).timestamp(), envelope["position"]


class TrainingViews(Projection):
    name = "training_views"

    def define_tables(self, metadata: MetaData) -> None:
        def member_of_staff():
            """A member of staff as an invitation names them."""
            return [key("staff_id"), words("name", 200), label("role"), ref("school_code", optional=True)]

        self.trainings = Table(
            "trainings", metadata,
            key("training_id"),
            words("title"),
            label("modality"),
            label("audience"),
            count("planned_participants"),
            ref("school_year", YEAR, index=True),
            instant("planned_at"),
        )
        self.sessions = Table(
            "sessions", metadata,
            key("session_id"),
            ref("training_id", index=True),
            day("starts_on"),
            day("ends_on"),
            amount("hours"),
            words("venue"),
            label("status"),  # scheduled, completed, cancelled
            *filled_later(text("cancel_reason"), instant("closed_at")),
        )
        self.invitations = Table("invitations", metadata, key("session_id"), *member_of_staff(), log_position())
        self.attendance = Table(
            "attendance", metadata,
            key("session_id"),
            key("staff_id"),
            key("day", DAY),
            label("status", 10),
        )
        # A member of staff has the role and school of their latest invitation (CONTRACT §4).
        self.staff = Table("staff", metadata, *member_of_staff(), timestamp("at"), log_position())
        self.certifications = Table(
            "certifications", metadata,
            key("training_id"),
            key("staff_id"),
            ref("certificate_no", 80, unique=True),
            ref("school_year", YEAR),
            instant("awarded_at"),
            Index("ix_certifications_year", "school_year"),
        )

    # ---- handlers

    def on_training_planned(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.trainings).values(
            training_id=d["training_id"], title=d["title"], modality=d["modality"], audience=d["audience"],
            planned_participants=d["planned_participants"], school_year=d["school_year"],
            planned_at=env["occurred_at"]))

    def on_session_scheduled(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.sessions).values(
            session_id=d["session_id"], training_id=d["training_id"], starts_on=d["starts_on"], ends_on=d["ends_on"],
            hours=d["hours"], venue=d["venue"], status="scheduled"))

    def on_participant_invited(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.invitations).values(
            session_id=d["session_id"], staff_id=d["staff_id"], name=d["name"], role=d["role"],
            school_code=d["school_code"], position=env["position"]))
        at, position = _instant(env)
        row = conn.execute(select(self.staff.c.at, self.staff.c.position)
                           .where(self.staff.c.staff_id == d["staff_id"])).first()
        values = dict(name=d["name"], role=d["role"], school_code=d["school_code"], at=at, position=position)
        if row is None:
            conn.execute(insert(self.staff).values(staff_id=d["staff_id"], **values))
        elif (at, position) >= (row.at, row.position):
            conn.execute(update(self.staff).where(self.staff.c.staff_id == d["staff_id"]).values(**values))

    def on_attendance_recorded(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.attendance).values(session_id=d["session_id"], staff_id=d["staff_id"],
                                                    day=d["day"], status=d["status"]))

    def on_session_completed(self, conn, env):
        conn.execute(update(self.sessions).where(self.sessions.c.session_id == env["data"]["session_id"])
                     .values(status="completed", closed_at=env["occurred_at"]))

    def on_session_cancelled(self, conn, env):
        d = env["data"]
        conn.execute(update(self.sessions).where(self.sessions.c.session_id == d["session_id"])
                     .values(status="cancelled", cancel_reason=d["reason"], closed_at=env["occurred_at"]))

    def on_certification_awarded(self, conn, env):
        d = env["data"]
        year = conn.execute(select(self.trainings.c.school_year)
                            .where(self.trainings.c.training_id == d["training_id"])).scalar_one()
        conn.execute(insert(self.certifications).values(
            training_id=d["training_id"], staff_id=d["staff_id"], certificate_no=d["certificate_no"],
            school_year=year, awarded_at=env["occurred_at"]))

    # ---- what commands need

    def session_training(self, conn: Connection, session_id: str) -> str | None:
        return conn.execute(select(self.sessions.c.training_id)
                            .where(self.sessions.c.session_id == session_id)).scalar()

    def certificates_in_year(self, conn: Connection, school_year: str) -> int:
        return conn.execute(select(func.count()).select_from(self.certifications)
                            .where(self.certifications.c.school_year == school_year)).scalar_one()

    def open_sessions_of_year(self, conn: Connection, school_year: str) -> list[dict]:
        s, t = self.sessions, self.trainings
        rows = conn.execute(select(s).join(t, t.c.training_id == s.c.training_id)
                            .where(t.c.school_year == school_year, s.c.status == "scheduled")
                            .order_by(s.c.starts_on, s.c.session_id)).mappings()
        return [dict(r) for r in rows]

    # ---- queries

    def training(self, conn: Connection, training_id: str) -> dict | None:
        row = conn.execute(select(self.trainings).where(self.trainings.c.training_id == training_id)).mappings().first()
        if row is None:
            return None
        training = dict(row)
        training["sessions"] = self._sessions(conn, self.sessions.c.training_id == training_id)
        c = self.certifications
        training["certificates"] = [dict(r) for r in conn.execute(
            select(c.c.staff_id, c.c.certificate_no, c.c.awarded_at).where(c.c.training_id == training_id)
            .order_by(c.c.certificate_no)).mappings()]
        return training

    def trainings_of(self, conn: Connection, school_year: str | None = None) -> list[dict]:
        q = select(self.trainings).order_by(self.trainings.c.school_year, self.trainings.c.planned_at,
                                            self.trainings.c.training_id)
        if school_year is not None:
            q = q.where(self.trainings.c.school_year == school_year)
        return [dict(r) for r in conn.execute(q).mappings()]

    def _sessions(self, conn: Connection, where) -> list[dict]:
        s, i, a = self.sessions, self.invitations, self.attendance
        invited = (select(i.c.session_id, func.count().label("n")).group_by(i.c.session_id).subquery())
        present = (select(a.c.session_id, func.count(func.distinct(a.c.staff_id)).label("n"))
                   .where(a.c.status == "present").group_by(a.c.session_id).subquery())
        rows = conn.execute(
            select(s, func.coalesce(invited.c.n, 0).label("invited"), func.coalesce(present.c.n, 0).label("present"))
            .outerjoin(invited, invited.c.session_id == s.c.session_id)
            .outerjoin(present, present.c.session_id == s.c.session_id)
            .where(where).order_by(s.c.starts_on, s.c.session_id)).mappings()
        return [dict(r) for r in rows]

    def session(self, conn: Connection, session_id: str) -> dict | None:
        found = self._sessions(conn, self.sessions.c.session_id == session_id)
        if not found:
            return None
        session = found[0]
        session["participants"] = self.invited(conn, session_id)
        marks = defaultdict(dict)
        a = self.attendance
        for r in conn.execute(select(a).where(a.c.session_id == session_id)):
            marks[r.staff_id][r.day] = r.status
        for p in session["participants"]:
            p["attendance"] = dict(sorted(marks[p["staff_id"]].items()))
        return session

    def invited(self, conn: Connection, session_id: str) -> list[dict]:
        i = self.invitations
        rows = conn.execute(select(i.c.staff_id, i.c.name, i.c.role, i.c.school_code)
                            .where(i.c.session_id == session_id).order_by(i.c.position)).mappings()
        return [dict(r) for r in rows]

    def staff_directory(self, conn: Connection, q: str | None = None, school_code: str | None = None,
                        role: str | None = None, staff_ids: list[str] | None = None, limit: int = 200) -> dict:
        """The staff training knows (everyone invited once), each with the name, role and school of their
        latest invitation, by name: those whose name or number holds `q`, of a school, of a role, or named
        by number. `total` counts them all, `staff` holds the first `limit`."""
        st = self.staff
        where = []
        if q:
            needle = q.strip().lower()
            where.append(func.lower(st.c.name).contains(needle, autoescape=True)
                         | func.lower(st.c.staff_id).contains(needle, autoescape=True))
        if school_code:
            where.append(st.c.school_code == school_code)
        if role:
            where.append(st.c.role == role)
        if staff_ids is not None:
            where.append(st.c.staff_id.in_(list(staff_ids)))
        total = conn.execute(select(func.count()).select_from(st).where(*where)).scalar_one()
        rows = conn.execute(select(st.c.staff_id, st.c.name, st.c.role, st.c.school_code).where(*where)
                            .order_by(st.c.name, st.c.staff_id).limit(max(0, int(limit)))).mappings()
        return {"total": total, "staff": [dict(r) for r in rows]}

    def annual_summary(self, conn: Connection, school_year: str) -> dict:
        """The حصيلة سنوية: what was planned for the school year and what was done."""
        t, s, a, st, c = self.trainings, self.sessions, self.attendance, self.staff, self.certifications
        i = self.invitations
        trainings = self.trainings_of(conn, school_year)
        sessions = [dict(r) for r in conn.execute(
            select(s).join(t, t.c.training_id == s.c.training_id).where(t.c.school_year == school_year)).mappings()]
        # (session, staff) present at least once, at completed sessions only
        present = conn.execute(
            select(a.c.session_id, a.c.staff_id).distinct()
            .join(s, s.c.session_id == a.c.session_id).join(t, t.c.training_id == s.c.training_id)
            .where(t.c.school_year == school_year, s.c.status == "completed", a.c.status == "present")).all()
        invited = conn.execute(
            select(func.count(func.distinct(i.c.staff_id)))
            .join(s, s.c.session_id == i.c.session_id).join(t, t.c.training_id == s.c.training_id)
            .where(t.c.school_year == school_year, s.c.status != "cancelled")).scalar_one()
        roles = dict(conn.execute(
            select(st.c.staff_id, st.c.role).where(st.c.staff_id.in_({staff for _, staff in present} or {""}))).all())
        certificates = conn.execute(select(c.c.training_id, c.c.staff_id).where(c.c.school_year == school_year)).all()

        training_of = {x["session_id"]: x["training_id"] for x in sessions}
        hours_of = {x["session_id"]: x["hours"] for x in sessions}
        present_by_session = defaultdict(set)
        trained_by_training = defaultdict(set)
        for session_id, staff_id in present:
            present_by_session[session_id].add(staff_id)
            trained_by_training[training_of[session_id]].add(staff_id)
        certified_by_training = defaultdict(set)
        for training_id, staff_id in certificates:
            certified_by_training[training_id].add(staff_id)

        detail = []
        for tr in trainings:
            mine = [x for x in sessions if x["training_id"] == tr["training_id"]]
            count = {k: sum(1 for x in mine if x["status"] == k) for k in ("scheduled", "completed", "cancelled")}
            detail.append({
                "training_id": tr["training_id"], "title": tr["title"], "modality": tr["modality"],
                "audience": tr["audience"], "planned_participants": tr["planned_participants"],
                "status": _training_status(count, len(mine)), "sessions": len(mine),
                "sessions_completed": count["completed"], "sessions_cancelled": count["cancelled"],
                "trained": len(trained_by_training[tr["training_id"]]),
                "certified": len(certified_by_training[tr["training_id"]]),
                "hours": _round(sum(x["hours"] for x in mine if x["status"] == "completed")),
            })

        trained = {staff for _, staff in present}
        by_role = {role: 0 for role in ROLES}
        for staff_id in trained:
            by_role[roles.get(staff_id, "other")] += 1
        completed = [x for x in sessions if x["status"] == "completed"]
        return {
            "school_year": school_year,
            "trainings": {
                "planned": len(trainings),
                "done": sum(1 for d in detail if d["status"] == "done"),
                "by_modality": {m: {"planned": sum(1 for d in detail if d["modality"] == m),
                                    "done": sum(1 for d in detail if d["modality"] == m and d["status"] == "done")}
                                for m in MODALITIES},
                "planned_participants": sum(d["planned_participants"] for d in detail),
            },
            "sessions": {"scheduled": len(sessions),
                         "completed": len(completed),
                         "cancelled": sum(1 for x in sessions if x["status"] == "cancelled"),
                         "open": sum(1 for x in sessions if x["status"] == "scheduled")},
            "people": {"invited": invited, "trained": len(trained), "by_role": by_role},
            "hours": {"sessions": _round(sum(x["hours"] for x in completed)),
                      "participant_hours": _round(sum(hours_of[sid] * len(staff)
                                                      for sid, staff in present_by_session.items()))},
            "certifications": {"awarded": len(certificates), "staff": len({staff for _, staff in certificates})},
            "by_training": detail,
        }


def _training_status(count: dict, total: int) -> str:
    if count["completed"] and not count["scheduled"]:
        return "done"
    if count["completed"]:
        return "in_progress"
    if total and count["cancelled"] == total:
        return "cancelled"
    return "planned"


def _round(hours: float) -> float:
    return round(hours, 2)


class RegisteredSchools(KnownSchools):
    """The schools inventory registered, as training knows them."""

    name = "training_schools"

    def known(self, conn: Connection, codes) -> set[str]:
        codes = {c for c in codes if c}
        if not codes:
            return set()
        return {r["school_code"] for r in self.listing(conn, codes)}

    def by_code(self, conn: Connection, codes=None) -> dict[str, dict]:
        return {r["school_code"]: r for r in self.listing(conn, codes)}
