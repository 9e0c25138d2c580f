"""Headers every answer carries, so that browsers neither guess types, frame the pages, leak addresses nor
keep personal data in their caches."""
from __future__ import annotations

from werkzeug.wrappers import Request, Response

# The pages use their own script file and one inline style element; nothing else is loaded.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
STATIC = ("/app.js",)


def protect(request: Request, response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    html = (response.mimetype or "").startswith("text/html")
    headers.setdefault("Content-Security-Policy", PAGE_POLICY if html else API_POLICY)
    if request.path not in STATIC:
        # Signed-in answers hold names, schools and tokens: never kept by a browser or a proxy.
        headers.setdefault("Cache-Control", "no-store")
    return response
