"""Issued reports: each one recorded (scope, period, T, positions, who, when) so it can be made again."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy import MetaData, Table, insert, select
from sqlalchemy.engine import Connection, Engine

from shared import columns
from shared.events import now


def digest(indicators: list, schools: list) -> str:
    """A fingerprint of a report's figures: equal figures, equal digest."""
    body = json.dumps({"indicators": indicators, "schools": schools}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


class ReportLog:
    """Kept apart from the read model: a rebuild must not forget what was issued."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.metadata = MetaData()
        self.table = Table(
            "issued_reports", self.metadata,
            columns.key("report_id", 36),
            columns.ref("scope", 80),
            columns.ref("period", 20),
            columns.instant("as_of"),
            columns.text("positions"),
            columns.text("issued_by"),
            columns.instant("issued_at"),
            columns.label("format", 10),
            columns.ref("digest", 64),
        )

    def record(self, conn: Connection, scope: str, period: str, as_of: str, positions: dict, actor: dict,
               fmt: str, fingerprint: str, made=None) -> dict:
        """Record a report as issued; with `made(report)`, only once that has made its file (else nothing)."""
        row = {"report_id": str(uuid.uuid4()), "scope": scope, "period": period, "as_of": as_of,
               "positions": json.dumps(positions, sort_keys=True), "issued_by": json.dumps(actor),
               "issued_at": now().isoformat(), "format": fmt, "digest": fingerprint}
        report = self._out(row)
        if made is not None:
            made(report)
        conn.execute(insert(self.table).values(**row))
        return report

    def get(self, report_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(self.table).where(self.table.c.report_id == report_id)).mappings().first()
        return self._out(dict(row)) if row else None

    def latest(self, limit: int = 50) -> list[dict]:
        t = self.table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).order_by(t.c.issued_at.desc()).limit(limit)).mappings().all()
        return [self._out(dict(r)) for r in rows]

    @staticmethod
    def _out(row: dict) -> dict:
        return dict(row, positions=json.loads(row["positions"]), issued_by=json.loads(row["issued_by"]))


def instant(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()
