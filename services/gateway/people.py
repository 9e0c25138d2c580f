"""The pages about people: who did what (the activity log) and the accounts of the province, with a
user's own password. Each is `name(page, ...)` over the `Pages` of one request."""
from __future__ import annotations

import uuid
from urllib.parse import quote

from shared.config import READING_TIERS, SOURCES, tier
from shared.territory import name as territory_name

from .access import PROVINCE_ROLES, Refused, check_account_change
from .accounts import AccountError, new_account_problems, password_problems
from .activity import AXIS
from .form_pages import go
from .i18n import plainly
from .indicator_pages import by_name
from .picking import school_named, school_said
from .queries import EVENT_TYPES
from .templating import isolated, query_string
from .vocabulary import N_

ACCOUNT_ROLES = PROVINCE_ROLES + ("school_director",)


# ---- the activity log

def activity(page):
    args = dict(page.request.args)
    schools = page.q.schools(page.user, {})
    school_error = None
    if args.get("school_code"):
        args["school_code"], problem = school_named(args["school_code"], schools)
        if problem:
            school_error = page.L.term("account_rule", problem)
            args.pop("school_code")
    params, errors = page._params("activity", {"user", "school_code", "province", "axis", "kind", "since", "until",
                                               "page"}, values=args)
    if school_error:
        errors["school_code"] = school_error
    provinces = _provinces(page, schools)
    if params.get("province") and params["province"] not in provinces:
        errors["province"] = page.L.term("rule", "outside_scope")
        params["province"] = None
    answer = page.q.activity(page.user, params, page.L.code)
    page.school_shown["school_code"] = (page.request.args.get("school_code", "") if school_error else
                                        school_said(page, params.get("school_code"), schools))
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
             if v not in (None, "") and k not in ("per_page", "lang")}
    filters = {k: v for k, v in shown.items() if k != "page"}
    kinds = sorted(EVENT_TYPES, key=lambda k: page.L.term("event", k))
    # Above the provinces the log holds every province's actions: each says whose it is.
    province_of = (lambda code: territory_name("province", code, page.L.code)) if tier() in READING_TIERS else None
    return page.render("activity.html", page._("Activity log"), answer=answer, params=shown, errors=errors,
                       province_of=province_of, provinces=[(p, province_of(p)) for p in provinces],
                       people=answer["people"], axes=[(a, page._(AXIS[a])) for a in SOURCES],
                       kinds=kinds, query=query_string(filters),
                       args=lambda **kw: query_string(filters, **kw),
                       result={"page": answer["page"], "per_page": answer["per_page"], "total": answer["total"]},
                       pick={"schools": schools})


def _provinces(page, schools: list[dict]) -> list[str]:
    """The provinces a reader above them may narrow the log to, by name; none at a province or a school."""
    if tier() not in READING_TIERS or page.user["scope"].partition(":")[0] not in ("region", "all"):
        return []
    codes = {s["province_code"] for s in schools if s.get("province_code")}
    return sorted(codes, key=lambda p: by_name("province", p, page.L.code))


# ---- accounts

def _accounts(page):
    return page.web.api.accounts


def _province_rows(page):
    """The accounts the coordinator manages: the province's members and its school directors."""
    scope = page.user["scope"]
    return _accounts(page).listing((scope, "school:"))


# What the page says once a change is made, naming the account and, where it changed, its role.
DONE = {"account_added": N_("Account %(user)s added: %(role)s."),
        "role_changed": N_("Account %(user)s is now: %(role)s."),
        "account_disabled": N_("Account %(user)s disabled: it can no longer sign in."),
        "password_reset": N_("New password set for %(user)s: give it to them in person."),
        "account_enabled": N_("Account %(user)s enabled again, with the new password.")}


def accounts(page, ctx=None, status=200):
    check_account_change(page.user, None, None)
    ctx = ctx or {"errors": {}, "values": {}, "general_error": None}
    schools = {s["school_code"]: s for s in page.q.schools(page.user, {})}
    every = _province_rows(page)
    changed = page.request.args.get("user") if page.request.args.get("done") in DONE else None
    changed_row = next((r for r in every if r["username"] == changed), None)
    find, find_role = page.request.args.get("q", "").strip(), page.request.args.get("role", "")
    rows = [r for r in every if (not find_role or r["role"] == find_role) and _found(r, find, schools)]
    return page.render("accounts.html", page._("Accounts"), http_status=status, rows=rows, total=len(every),
                       find=find, find_role=find_role,
                       roles=ACCOUNT_ROLES, schools=schools, csrf=page.web.csrf(page.request),
                       idem=uuid.uuid4().hex, pick={"schools": list(schools.values())},
                       done=None, changed=changed_row and changed,
                       done_said=_done_said(page, changed_row, list(schools.values())) if changed_row else None,
                       school_of=lambda row: school_said(page, row["scope"][len("school:"):], list(schools.values()))
                       if row["scope"].startswith("school:") else "", **ctx)


def _found(row: dict, find: str, schools: dict) -> bool:
    """Whether an account answers what was typed to find it: part of its user name, or of its school's name (in
    either language, accents aside) or code."""
    if not find:
        return True
    wanted = plainly(find)
    school = schools.get(row["scope"][len("school:"):]) if row["scope"].startswith("school:") else None
    said = [row["username"], *((school["school_code"], school.get("name_ar"), school.get("name_fr")) if school else ())]
    return any(wanted in plainly(text) for text in said if text)


def _done_said(page, row: dict, schools: list[dict]):
    """The change just made, in words: whose account, and what it now is."""
    role = page.L.term("role", row["role"])
    if row["scope"].startswith("school:"):
        school = school_said(page, row["scope"][len("school:"):], schools)
        role = page._("%(role)s, %(school)s", role=role, school=school)
    sentence = DONE[page.request.args.get("done")]
    return isolated(page._(sentence), {"user": row["username"], "role": role}, page.L.dir == "rtl")


def _refusal(page, exc: AccountError) -> dict:
    field = getattr(exc, "field", None) or "username"
    code = getattr(exc, "code", None)
    return {field: page.L.term("account_rule", code) if code else str(exc)}


def _director_scope(page, role: str, form) -> str | None:
    """A school director works in their school, named in the form by its name or code; the others in the
    province."""
    if role != "school_director":
        return None
    if not form.get("school_code", "").strip():
        raise _field_error("school_code", "school_required")
    code, problem = school_named(form["school_code"], page.q.schools(page.user, {}))
    if problem:
        raise _field_error("school_code", problem)
    return f"school:{code}"


def account_command(page, action):
    """The coordinator's changes: add, change a role, disable, reset a password (which enables a disabled
    account again). Each checked by the same rules as `genie user`, and the refusal said next to its field."""
    form = page.request.form
    values = {k: v for k, v in form.items() if k not in ("csrf", "password")}
    ctx = {"errors": {}, "values": values, "general_error": None, "action": action}
    store = _accounts(page)
    username = form.get("username", "").strip()
    try:
        if action == "add":
            role = form.get("role", "")
            problems = new_account_problems(username, form.get("password", ""))
            try:
                scope = _director_scope(page, role, form)
            except AccountError as exc:
                problems[exc.field] = exc.code
            if problems:
                ctx["errors"] = {field: page.L.term("account_rule", code) for field, code in problems.items()}
                return accounts(page, ctx, status=400)
            check_account_change(page.user, role if role in ACCOUNT_ROLES else None, scope)
            store.add(username, form.get("password", ""), role, scope)
            return go(f"/accounts?done=account_added&user={quote(username)}")
        row = store.get(username)
        if row is None or not (row["scope"] == page.user["scope"] or row["scope"].startswith("school:")):
            raise _field_error("username", "no_such_user")
        check_account_change(page.user, row["role"], row["scope"], username)
        if action == "role":
            role = form.get("role", "")
            scope = _director_scope(page, role, form)
            check_account_change(page.user, role if role in ACCOUNT_ROLES else None, scope)
            store.change_role(username, role, scope)
            return go(f"/accounts?done=role_changed&user={quote(username)}")
        if action == "disable":
            store.disable(username)
            return go(f"/accounts?done=account_disabled&user={quote(username)}")
        store.reset_password(username, form.get("password", ""))
        done = "account_enabled" if row["disabled"] else "password_reset"
        return go(f"/accounts?done={done}&user={quote(username)}")
    except AccountError as exc:
        ctx["errors"] = _refusal(page, exc)
    except Refused as exc:
        ctx["general_error"] = page.L.term("rule", exc.code)
    return accounts(page, ctx, status=400)


def _several(problems: dict) -> AccountError:
    error = AccountError("; ".join(problems.values()))
    error.problems = problems
    return error


def _field_error(field, code):
    error = AccountError(code)
    error.field, error.code = field, code
    return error


def own_password(page):
    ctx = {"errors": {}, "values": {}, "general_error": None}
    status = 200
    if page.request.method == "POST":
        form = page.request.form
        # The new password's problems said together, before the current password is checked.
        problems = password_problems(form.get("new_password", ""), "new_password")
        if form.get("new_password", "") != form.get("again", ""):
            problems["again"] = "passwords_differ"
        try:
            if problems:
                raise _several(problems)
            store = page.web.api.accounts
            store.change_password(page.user["user"], form.get("current_password", ""), form.get("new_password", ""))
            return _signed_in_again(page, store.get(page.user["user"]), go("/password?done=password_changed"))
        except AccountError as exc:
            ctx["errors"] = {field: page.L.term("account_rule", code) for field, code in exc.problems.items()} \
                if hasattr(exc, "problems") else _refusal(page, exc)
            status = 400
    return page.render("password.html", page._("Change my password"), http_status=status,
                       csrf=page.web.csrf(page.request), **ctx)


def _signed_in_again(page, row, resp):
    """A new password revokes the earlier tokens, this page's too: its holder gets a fresh one."""
    from .accounts import identity_of

    return page.web.signed_in(resp, identity_of(row))


def route(page, path):
    if path == "/activity":
        return activity(page)
    if path == "/accounts":
        return accounts(page)
    if path == "/password" or path == "/forms/accounts/password":
        return own_password(page)
    if path.startswith("/forms/accounts/") and page.request.method == "POST":
        action = path[len("/forms/accounts/"):]
        if action in ("add", "role", "disable", "reset"):
            return account_command(page, action)
    return None
