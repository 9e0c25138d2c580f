"""People who may use the system: a plain table (accounts are not domain events), argon2 passwords, and
signed, expiring tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, inspect, insert, select, update

from shared import db

from .access import ROLES, AccountError, validate_scope  # noqa: F401  (AccountError is said from here too)
from .passwords import PasswordChecks

metadata = MetaData()
accounts = Table(
    "accounts", metadata,
    Column("username", String(80), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("scope", String(80), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(40), nullable=False),
    # Raised by a disable or a password change: tokens carrying an older generation stop working.
    Column("token_generation", Integer, nullable=False, default=0, server_default="0"),
    Column("last_signed_in_at", String(40)),
)
# Columns added after the first accounts were made (a plain table: no migration tool).
LATER_COLUMNS = {"token_generation": "INTEGER NOT NULL DEFAULT 0", "last_signed_in_at": "VARCHAR(40)"}

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,80}$")
TOKEN_TTL = 8 * 3600
_hasher = PasswordHasher()


def secret() -> bytes:
    value = os.environ.get("GATEWAY_SECRET")
    if not value:
        # One machine, no secret configured: a per-install secret kept under ./var/, for its owner only.
        from shared.config import private_file, private_var_dir

        path = private_file(private_var_dir() / "gateway.secret")
        if not path.read_text().strip():
            path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        value = path.read_text().strip()
    return value.encode()


def token_ttl() -> int:
    return int(os.environ.get("GATEWAY_TOKEN_TTL", TOKEN_TTL))


ACCOUNT_CACHE_SECONDS = 2.0


def account_cache_seconds() -> float:
    """How long a request may go on an account as read a moment ago, rather than read it again."""
    return float(os.environ.get("GATEWAY_ACCOUNT_CACHE_SECONDS", ACCOUNT_CACHE_SECONDS))


class Accounts:
    def __init__(self, url: str):
        self.engine = db.make_engine(url)
        self.checks = PasswordChecks()
        # Every request names its account: kept a moment (username -> (until, row)). A change made here
        # forgets it at once; one made elsewhere (`genie user`, another gateway) is seen within the moment.
        self._recent: dict[str, tuple[float, dict]] = {}
        self.cache_seconds = account_cache_seconds()
        metadata.create_all(self.engine)
        self._add_later_columns()

    def _add_later_columns(self) -> None:
        have = {c["name"] for c in inspect(self.engine).get_columns("accounts")}
        for name, kind in LATER_COLUMNS.items():
            if name not in have:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(f"ALTER TABLE accounts ADD COLUMN {name} {kind}")

    def add(self, username: str, password: str, role: str, scope: str | None = None) -> dict:
        if not USERNAME.match(username or ""):
            raise refusal("username", "bad_username",
                          "The user name must be 2 to 80 letters, digits, '.', '_', '-' or '@'.")
        scope = _role_scope(role, scope)
        _check_password(password)
        if self.get(username):
            raise refusal("username", "username_taken", f"User {username} already exists.")
        password_hash = self._hash(password)
        with self.engine.begin() as conn:
            if conn.execute(select(accounts.c.username).where(accounts.c.username == username)).first():
                raise refusal("username", "username_taken", f"User {username} already exists.")
            conn.execute(insert(accounts).values(
                username=username, password_hash=password_hash, role=role, scope=scope,
                disabled=False, created_at=datetime.now(timezone.utc).isoformat()))
        return {"username": username, "role": role, "scope": scope}

    def change_role(self, username: str, role: str, scope: str | None = None) -> dict:
        """A new role (and the scope it works in) for an account: its holder works in it at their next page,
        signed in still (each request reads the role from the account)."""
        scope = _role_scope(role, scope)
        with self.engine.begin() as conn:
            if not conn.execute(update(accounts).where(accounts.c.username == username)
                                .values(role=role, scope=scope)).rowcount:
                raise refusal("username", "no_such_user", f"No user {username}.")
        self._recent.pop(username, None)
        return {"username": username, "role": role, "scope": scope}

    def disable(self, username: str) -> None:
        with self.engine.begin() as conn:
            if not conn.execute(update(accounts).where(accounts.c.username == username)
                                .values(disabled=True, token_generation=accounts.c.token_generation + 1)).rowcount:
                raise refusal("username", "no_such_user", f"No user {username}.")
        self._recent.pop(username, None)  # after the commit: a request meanwhile may have kept the old row

    def reset_password(self, username: str, password: str, field: str = "password") -> None:
        _check_password(password, field)
        if self.get(username) is None:
            raise refusal("username", "no_such_user", f"No user {username}.")
        password_hash = self._hash(password)
        with self.engine.begin() as conn:
            if not conn.execute(update(accounts).where(accounts.c.username == username)
                                .values(password_hash=password_hash, disabled=False,
                                        token_generation=accounts.c.token_generation + 1)).rowcount:
                raise refusal("username", "no_such_user", f"No user {username}.")
        self._recent.pop(username, None)

    def change_password(self, username: str, current: str, new: str) -> None:
        """A user's own change: the current password first, then the same rule as every password."""
        row = self.get(username)
        if row is None or row["disabled"]:
            raise refusal("username", "no_such_user", f"No user {username}.")
        if not self.checks.run(_password_matches, row["password_hash"], current or "", wait=True):
            raise refusal("current_password", "wrong_password", "The current password is not right.")
        if new == current:
            raise refusal("new_password", "same_password", "The new password must differ from the current one.")
        self.reset_password(username, new, field="new_password")

    def _hash(self, password: str) -> str:
        """A new password's hash, made aside (it takes argon2's time) and waiting its turn among the checks."""
        return self.checks.run(_hasher.hash, password, wait=True)

    def listing(self, scopes: tuple[str, ...] | None = None) -> list[dict]:
        """Every account (or those of `scopes`, by prefix), without its password, by user name."""
        query = select(accounts.c.username, accounts.c.role, accounts.c.scope, accounts.c.disabled,
                       accounts.c.created_at, accounts.c.last_signed_in_at).order_by(accounts.c.username)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        if scopes is not None:
            rows = [r for r in rows if r["scope"].startswith(scopes)]
        return rows

    def signed_in(self, username: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(accounts).where(accounts.c.username == username)
                         .values(last_signed_in_at=datetime.now(timezone.utc).isoformat()))

    def get(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts).where(accounts.c.username == username)).mappings().first()
        return dict(row) if row else None

    def authenticate(self, username: str, password: str) -> dict | None:
        """The account if the password is right and the account is active, else None.

        argon2 runs aside (see passwords.py); `Busy` when too many checks are already under way."""
        row = self.get(username) if isinstance(username, str) else None
        usable = row is not None and not row["disabled"]
        # An unknown or disabled account is checked against a dummy hash: the same wait, so timing tells nothing.
        if not self.checks.run(_password_matches, row["password_hash"] if usable else None, password or ""):
            return None
        self.signed_in(row["username"])
        return identity_of(row)

    def current(self, claims: dict) -> dict | None:
        """Who a valid token's holder is now: role and scope from the account, not from the token; None if
        the account is gone, disabled, or its tokens were revoked since this one was issued."""
        row = self.recent(claims.get("user")) if isinstance(claims.get("user"), str) else None
        if row is None or row["disabled"] or claims.get("gen", 0) != row["token_generation"]:
            return None
        return {k: v for k, v in identity_of(row).items() if k != "gen"}

    def recent(self, username: str) -> dict | None:
        """The account as read at most `cache_seconds` ago."""
        kept = self._recent.get(username)
        at = time.monotonic()
        if kept is not None and kept[0] > at:
            return kept[1]
        row = self.get(username)
        if row is None:
            self._recent.pop(username, None)
        elif self.cache_seconds > 0:
            if len(self._recent) > 10000:
                self._recent.clear()
            self._recent[username] = (at + self.cache_seconds, row)
        return row

    def active(self, username: str) -> bool:
        row = self.get(username)
        return bool(row) and not row["disabled"]


def identity_of(row) -> dict:
    return {"user": row["username"], "role": row["role"], "scope": row["scope"], "gen": row["token_generation"]}




def _password_matches(stored: str | None, password: str) -> bool:
    """argon2's verdict on `password` (run aside). Without a stored hash (an unknown or disabled account) a
    dummy hash of the same costs is verified instead: the answer is no, after the same time."""
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


_dummy: tuple = (None, "")


def _dummy_hash() -> str:
    """A hash of no one's password, made with the costs of the hasher in use."""
    global _dummy
    if _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(base64.b64encode(os.urandom(24)).decode()))
    return _dummy[1]


def refusal(field: str, code: str, message: str) -> AccountError:
    """An AccountError that names the field it is about and a stable code, for a form to show by it."""
    error = AccountError(message)
    error.field, error.code = field, code
    return error


def new_account_problems(username: str, password: str) -> dict[str, str]:
    """What is wrong with a new account's user name and password, each field with its rule's code: a form says
    them all at once rather than one at each try."""
    found = password_problems(password)
    if not USERNAME.match(username or ""):
        found["username"] = "bad_username"
    return found


def password_problems(password: str, field: str = "password") -> dict[str, str]:
    """What is wrong with a new password, as `field`'s rule code; nothing if it may be used."""
    try:
        _check_password(password, field)
    except AccountError as exc:
        return {exc.field: exc.code}
    return {}


def _check_password(password: str, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < 8:
        raise refusal(field, "password_too_short", "The password must have at least 8 characters.")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(identity: dict, key: bytes, ttl: int | None = None, now: float | None = None) -> tuple[str, int]:
    expires = int((now or time.time()) + (ttl or token_ttl()))
    body = _b64(json.dumps({**identity, "exp": expires}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}", expires


def read_token(token: str, key: bytes, now: float | None = None) -> dict | None:
    """The identity in a token, or None if it is forged, damaged or expired."""
    try:
        body, sig = token.split(".")
        expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(sig, expected):
            return None
        claims = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    if not isinstance(claims, dict) or claims.get("exp", 0) <= (now or time.time()):
        return None
    return {k: claims[k] for k in ("user", "role", "scope", "gen") if k in claims}


def _role_scope(role: str, scope: str | None) -> str:
    """The scope an account of `role` works in, refused naming the field when the role or the scope is not one."""
    if role not in ROLES:
        raise refusal("role", "unknown_role", f"Unknown role {role!r}; one of: {', '.join(ROLES)}.")
    try:
        return validate_scope(role, scope)
    except AccountError as exc:
        raise refusal("scope", "bad_scope", str(exc)) from None
