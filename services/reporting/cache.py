"""What a stored batch may have changed, for the caches of figures (`indicators.Memo`)."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from shared.db import chunks

CHUNK = 900  # keys per IN (...) list: under SQLite's parameter limit


class Changes:
    """Which schools' figures a stored batch may have changed: a superset, for caches of figures.

    A row names a school directly, or through an asset (the schools it was placed at: its
    observations and faults count there), a session (the staff who attended it) or a member of
    staff (the schools they were invited for).
    """

    def __init__(self, latest: float, everything: bool = False):
        self.latest = latest  # the latest occurred_at stored
        self.everything = everything
        self.schools, self.assets, self.sessions, self.staff = set(), set(), set(), set()

    def note_all(self, rows) -> None:
        if self.everything:
            return
        for r in rows:
            for column in ("school_code", "from_school", "to_school"):
                if r.get(column) is not None:
                    self.schools.add(r[column])
            if r.get("asset_id") is not None:
                self.assets.add(r["asset_id"])
            if r.get("session_id") is not None:
                self.sessions.add(r["session_id"])
            if r.get("staff_id") is not None:
                self.staff.add(r["staff_id"])
            if r.get("asset_ids"):
                self.assets.update(json.loads(r["asset_ids"]))

    def expand(self, conn: Connection, p) -> None:
        """From sessions to their staff, from staff and assets to their schools, in the model `p`."""
        for part in chunks(self.sessions, CHUNK):
            self.staff.update(conn.execute(select(p.attendance.c.staff_id).distinct()
                                           .where(p.attendance.c.session_id.in_(part))).scalars())
        for part in chunks(self.staff, CHUNK):
            self.schools.update(s for s in conn.execute(select(p.invitations.c.school_code).distinct()
                                                        .where(p.invitations.c.staff_id.in_(part))).scalars() if s)
        for part in chunks(self.assets, CHUNK):
            self.schools.update(conn.execute(select(p.placements.c.school_code).distinct()
                                             .where(p.placements.c.asset_id.in_(part))).scalars())
