"""Who may do what, and where. Pure: no HTTP, no database.

Scopes: `province:<code>` for the unit's members, `school:<code>` for a school director, `all` or
`region:<code>` for a viewer at the academy or the GENIE directorate.
"""
from __future__ import annotations

import re

ROLES = ("coordinator", "infrastructure", "resources", "training", "school_director", "technician", "viewer")
PROVINCE_ROLES = ("coordinator", "infrastructure", "resources", "training", "technician")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class AccountError(Exception):
    """A user-management request that cannot be done, said in words."""


class Refused(Exception):
    """The user may not do this (HTTP 403), with a stable code."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(code, message)


def validate_scope(role: str, scope: str | None) -> str:
    from shared.config import READING_TIERS, province_code, tier

    if tier() in READING_TIERS and role != "viewer":
        raise AccountError(f"This {tier()} system reads its provinces' figures and records nothing: "
                           f"its accounts are viewers (--role viewer).")
    if role in PROVINCE_ROLES:
        want = f"province:{province_code()}"
        if scope not in (None, "", want):
            raise AccountError(f"A {role} works for the province: scope {want}.")
        return want
    if role == "school_director":
        kind, _, code = (scope or "").partition(":")
        if kind != "school" or not _CODE.match(code):
            raise AccountError("A school director needs --scope school:<school_code>.")
        return scope
    kind, _, code = (scope or "all").partition(":")
    if scope in (None, "", "all"):
        return "all"
    if kind != "region" or not _CODE.match(code):
        raise AccountError("A viewer reads a region (--scope region:<code>) or the whole country (--scope all).")
    return scope


def can_run(role: str, roles: tuple[str, ...]) -> bool:
    return role == "coordinator" or role in roles


def check_command(user: dict, roles: tuple[str, ...], command: dict, school_fields: tuple[str, ...]) -> None:
    """Refuse a command the user's role does not allow, or one about a school outside their scope."""
    if user["role"] == "viewer":
        raise Refused("read_only", "A viewer reads; they record nothing.")
    if not can_run(user["role"], roles):
        raise Refused("role_not_allowed", f"The role {user['role']} may not do this.")
    if user["role"] == "school_director":
        own = user["scope"].partition(":")[2]
        for name in school_fields:
            value = command.get(name) if isinstance(command, dict) else None
            codes = value if isinstance(value, list) else [value]
            if any(code != own for code in codes):
                raise Refused("outside_scope", f"A school director acts only for their school ({own}).")


def check_school_read(user: dict, school: dict | None, school_code: str) -> None:
    """A school director reads their school; a regional viewer reads the schools of their region."""
    kind, _, code = user["scope"].partition(":")
    if kind == "school" and code != school_code:
        raise Refused("outside_scope", f"You read only school {code}.")
    if kind == "region" and (school is None or school.get("region_code") != code):
        raise Refused("outside_scope", f"You read only the schools of region {code}.")


def check_scope_read(user: dict, scope: str, school_region=None, province_region=None) -> None:
    """May the user read indicators at `scope`? `school_region(code)` gives a school's region,
    `province_region(code)` a province's."""
    kind, _, code = user["scope"].partition(":")
    if kind in ("", "all") and user["scope"] == "all":
        return
    asked_kind, _, asked = scope.partition(":")
    if kind == "province":
        return  # the unit reads its province; other provinces have no data here
    if kind == "school":
        if scope != user["scope"]:
            raise Refused("outside_scope", f"You read only school {code}.")
        return
    if kind == "region":
        if asked_kind == "region" and asked == code:
            return
        if asked_kind == "school" and school_region is not None and school_region(asked) == code:
            return
        if asked_kind == "province" and province_region is not None and province_region(asked) == code:
            return  # the region's provinces, where its dashboard drills down to
        raise Refused("outside_scope", f"You read only region {code}, its provinces and its schools.")
    raise Refused("outside_scope", "Not in your scope.")


def check_account_change(manager: dict, role: str | None, scope: str | None, username: str | None = None) -> None:
    """The coordinator manages the province's accounts (its members and its school directors); a viewer's
    account reads beyond the province and is made with `genie user` only. Nobody disables themselves."""
    if manager["role"] != "coordinator":
        raise Refused("role_not_allowed", "Only the coordinator manages accounts.")
    if role is not None and role not in PROVINCE_ROLES + ("school_director",):
        raise Refused("outside_scope", "A viewer's account is made with `genie user add`.")
    if scope is not None and not (scope == manager["scope"] or scope.startswith("school:")):
        raise Refused("outside_scope", "This account is not one of the province's.")
    if username is not None and username == manager["user"]:
        raise Refused("own_account", "You cannot disable or reset your own account here; change your password.")
