"""Idempotency keys: a client that retries a command with the same `Idempotency-Key` gets the first answer
again instead of recording twice. Kept 24 hours, per user, in the gateway's own database."""
from __future__ import annotations

import hashlib
import json
import re
import time

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

KEEP_SECONDS = 24 * 3600
KEY = re.compile(r"^[\x21-\x7e]{1,200}$")

metadata = MetaData()
answers = Table(
    "idempotency_keys", metadata,
    Column("username", String(80), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # the command and its body
    Column("status", Integer),  # None while the first request is still running
    Column("answer", Text),
    Column("created_at", Float, nullable=False, index=True),
)


class KeyConflict(Exception):
    """The key was used for another command or body, or its first request is still running."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(code, message)


def fingerprint(command: str, body) -> str:
    return hashlib.sha256(json.dumps([command, body], sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


class Remembered:
    def __init__(self, engine):
        self.engine = engine
        metadata.create_all(engine)

    def claim(self, user: str, key: str, print_: str, now: float | None = None) -> tuple[int, dict] | None:
        """None if this request is the key's first (it runs, then `keep` or `forget`); else the first answer,
        (status, {"mimetype": ..., "body": ...})."""
        now = now or time.time()
        with self.engine.begin() as conn:
            conn.execute(delete(answers).where(answers.c.created_at < now - KEEP_SECONDS))
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(answers).values(username=user, key=key, fingerprint=print_, created_at=now))
            return None
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(select(answers).where(answers.c.username == user, answers.c.key == key)).first()
        if row is None:  # expired and removed in between: this request is the first again
            return self.claim(user, key, print_, now)
        if row.fingerprint != print_:
            raise KeyConflict("idempotency_key_reused",
                              "This Idempotency-Key was already used for another command or body.")
        if row.status is None:
            raise KeyConflict("idempotency_key_in_use", "The first request with this Idempotency-Key is running.")
        return row.status, json.loads(row.answer)

    def keep(self, user: str, key: str, status: int, mimetype: str, body: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(answers).where(answers.c.username == user, answers.c.key == key)
                         .values(status=status, answer=json.dumps({"mimetype": mimetype, "body": body},
                                                                  ensure_ascii=False)))

    def forget(self, user: str, key: str) -> None:
        """The request failed before a definite answer: a retry with the key runs it again."""
        with self.engine.begin() as conn:
            conn.execute(delete(answers).where(answers.c.username == user, answers.c.key == key,
                                               answers.c.status.is_(None)))
