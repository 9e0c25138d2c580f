"""The web application: server-rendered pages in Arabic (default, right to left) or French.

Pages read through the same queries as the HTTP API (so roles and scopes are the same) and run commands
through the same `commands.run`; a refused form comes back with each field's message next to it, in the
page's language. Templates are Jinja2 (autoescaped), the words gettext catalogues (see `i18n`).
"""
from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from shared.config import province_code

from . import indicator_pages, pages
from .access import Refused, can_run
from .accounts import issue_token, read_token
from .api import COOKIE
from .commands import COMMAND_BY_PATH
from .http import RETRY_AFTER, HttpProblem, failure_status
from .i18n import LANGS
from .templating import semesters, sparkline  # noqa: F401  (the pages' pieces, said from here too)

STATIC = Path(__file__).with_name("static")


def _safe_next(target) -> str:
    """Only a path of this site, else `/`: never an open redirect.

    Browsers read `\\` as `/` and drop tabs and line breaks, so `/\\evil`, `/\t/evil` or `/%09/evil`
    would leave the site; a decoded form that names a scheme or a host is refused as well."""
    if not isinstance(target, str) or not _same_site_path(target) or not _same_site_path(unquote(target)):
        return "/"
    return target


def _same_site_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def secure_cookies() -> bool:
    """GATEWAY_HTTPS=1 when the gateway is served over HTTPS (behind a proxy): cookies then travel only so."""
    return os.environ.get("GATEWAY_HTTPS", "").lower() in ("1", "true", "yes")


def redirect(location: str) -> Response:
    return Response("", status=303, headers={"Location": location})


class Web:
    def __init__(self, api):
        self.api = api

    @property
    def q(self):
        return self.api.queries

    # ---- plumbing

    def handle(self, request: Request) -> Response:
        lang = request.args.get("lang") if request.args.get("lang") in LANGS else None
        lang = lang or (request.cookies.get("lang") if request.cookies.get("lang") in LANGS else "ar")
        path = request.path.rstrip("/") or "/"
        user = None
        page = pages.Pages(self, request, lang)
        try:
            if path.startswith("/static/"):
                return self.static(path[len("/static/"):])
            if path == "/login":
                return self.login(page)
            if path == "/logout":
                resp = redirect("/login")
                resp.delete_cookie(COOKIE, path="/")
                return resp
            if path.startswith("/lang/") and path[6:] in LANGS:
                resp = redirect(_safe_next(request.args.get("next")))
                resp.set_cookie("lang", path[6:], max_age=365 * 86400, samesite="Lax", path="/",
                                secure=secure_cookies())
                return resp
            user = self._identify(request)
            if user is None:
                return redirect("/login?next=" + quote(request.full_path.rstrip("?")))
            page.user = user
            if request.method == "POST" and path.startswith("/forms/"):
                self._check_csrf(request)
                return page.route(path)
            if request.method not in ("GET", "HEAD"):
                return page.error(page._("Not found"), 405)
            return page.route(path)
        except Refused as exc:
            page.user = page.user or user
            return page.error(page.L.term("rule", exc.code) if exc.code else exc.message, 403,
                              title=page._("Not allowed"))
        except HttpProblem as exc:
            message = page.L.term("rule", exc.code) if exc.code else page._("The request is not valid.")
            if exc.code == "unknown_scope" and page.user is not None:
                message = indicator_pages.unknown_scope_said(page) or message
            return page.error(message, exc.status, title=page._("Not found") if exc.status == 404 else None)
        except Exception as exc:
            status, _title, _detail = failure_status(exc)
            if status != 503:
                return page.error(page._("A service is not answering; try again in a moment."), status)
            resp = page.error(page._("The system is temporarily unavailable; try again in a moment. "
                                     "Nothing recorded is lost."), status, title=page._("Temporarily unavailable"))
            resp.headers.update(RETRY_AFTER)
            return resp

    def _identify(self, request):
        # Pages read with the cookie; a page's form posts carry the signed form token instead of a header.
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        claims = read_token(token, self.api.key)
        # Role and scope are the account's as it is now; revoked and disabled accounts' tokens stop at once.
        return self.api.accounts.current(claims) if claims else None

    def csrf(self, request) -> str:
        token = request.cookies.get(COOKIE, "")
        return hmac.new(self.api.key, b"form:" + token.encode(), hashlib.sha256).hexdigest()[:40]

    def _check_csrf(self, request):
        if not hmac.compare_digest(request.form.get("csrf", ""), self.csrf(request)):
            raise Refused("role_not_allowed", "The form is not one of this site's pages.")

    @staticmethod
    def static(name: str) -> Response:
        target = (STATIC / name).resolve()
        if STATIC.resolve() not in target.parents or not target.is_file():
            return Response("", status=404)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        resp = Response(target.read_bytes(), mimetype=kind)
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    def login(self, page) -> Response:
        request = page.request
        failed, username = False, ""
        if request.method == "POST":
            username = request.form.get("username", "")
            try:
                identity = self.api.sign_in(username, request.form.get("password", ""), request.remote_addr)
            except HttpProblem as exc:  # throttled or busy: the page says so, and how long to wait
                message = page._("Too many failed sign-ins: try again in %(seconds)s seconds.",
                                 seconds=exc.headers.get("Retry-After", "60")) if exc.status == 429 else \
                    page._("Too many sign-ins at once; try again in a moment.")
                resp = page.render("login.html", page._("Sign in"), http_status=exc.status, failed=False,
                                   username=username, page_error=message)
                resp.headers.update(exc.headers)
                return resp
            if identity:
                return self.signed_in(redirect(_safe_next(request.args.get("next"))), identity)
            failed = True
        return page.render("login.html", page._("Sign in"), http_status=401 if failed else 200, failed=failed,
                           username=username)

    def signed_in(self, resp: Response, identity: dict) -> Response:
        """`resp` with the cookie of a fresh token for `identity`."""
        token, expires = issue_token(identity, self.api.key)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/", secure=secure_cookies(),
                        expires=datetime.fromtimestamp(expires, timezone.utc))
        return resp

    # ---- what pages share

    def default_scope(self, user):
        scope = user["scope"]
        return scope if scope.split(":")[0] in ("school", "region", "all") else f"province:{province_code()}"

    @staticmethod
    def may(user, path: str) -> bool:
        route = COMMAND_BY_PATH[tuple(path.split("/"))]
        return user["role"] != "viewer" and can_run(user["role"], route.roles)
