"""Security headers on every response, one small after-request hook instead of Flask-Talisman.

Why not Talisman: the portal needs five fixed headers, a cache rule and a versioned static
URL. Talisman would add a dependency whose defaults we would override one by one (its
HTTPS redirect belongs to the proxy, its nonce machinery is unused because no page has an
inline script or style, its session-cookie settings live in portal/config.py already), and
the policy would end up spread over its keyword arguments. Here it is in one place to read.

- Content-Security-Policy: only this origin's stylesheet, scripts and images; no inline
  script or style (every template keeps its CSS in portal/static/app.css and its scripts in
  portal/static/*.js, loaded with `defer`), no framing, forms post only here. Scripts only
  add comfort (photo shrinking, progress, copy buttons): every page works without them.
  `img-src data:` is absent: no page uses data: images.
- Referrer-Policy: no-referrer, since a private link carries its token in the URL
  (`/lacak/<code>?t=…`): no request leaving such a page (not even for the stylesheet) may
  repeat it. That also empties `Origin` on form posts, so Flask-WTF's HTTPS Referer check
  (WTF_CSRF_SSL_STRICT) would refuse every form in production; it is replaced by a check of
  `Sec-Fetch-Site`, which browsers send whatever the referrer policy, on top of the CSRF
  token every form carries.
- HSTS only with APP_ENV=production (a laptop on http must not pin itself to https).
- Cache-Control: no-store on every staff page, export and download (under /staf/) and on
  case pages (`/lacak/<code>`, with or without the private link's token), unless the view
  chose its own (the public statistics say `public, max-age=300`). The citizen form stays
  cacheable by the browser only as the browser likes, so "back" keeps a half-typed report.
- Static files: `url_for('static', …)` adds `?v=<content hash>`; a request naming the
  current hash is cached for a year as immutable (its 304 too: a revalidation answered
  `no-cache` would overwrite the cached headers, and every later page would ask again),
  anything else is revalidated. A static file is the same for every visitor, so it carries
  no `Vary: Cookie` (Flask-Login reads the session on every response): with it, each new
  cookie (the language, the form's CSRF session) made the browser ask for the stylesheet
  again. `/favicon.ico`, which browsers ask for by that name, is cached for a week.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
FIXED_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
STATIC_FOREVER = "public, max-age=31536000, immutable"
FAVICON = "favicon.ico"
FAVICON_CACHE = "public, max-age=604800"
# Where a page holds staff data, an export or a private link's content.
NO_STORE_PREFIXES = ("/staf/", "/lacak/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_security_headers(app: Flask) -> None:
    # Replaced by the Sec-Fetch-Site check below (see the module docstring).
    app.config["WTF_CSRF_SSL_STRICT"] = False
    static_folder = Path(app.static_folder or "")
    # Deploys restart the workers, so outside debug mode a file's version is looked up once
    # per process; with FLASK_DEBUG an edited stylesheet gets its new URL on the next page.
    known: dict[str, str] = {}
    # Browsers ask for /favicon.ico whatever the page says: the static file under that name.
    app.add_url_rule(
        f"/{FAVICON}",
        endpoint="static",
        view_func=app.view_functions["static"],
        defaults={"filename": FAVICON},
    )
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = StaticFilesVaryNot()

    def version_of(filename: str) -> str | None:
        if app.debug:
            return static_version(static_folder, filename)
        if filename not in known:
            version = static_version(static_folder, filename)
            if version is None:
                return None  # not remembered: any name can be asked for, few files exist
            known[filename] = version
        return known[filename]

    @app.before_request
    def refuse_cross_site_posts() -> None:
        """A form sent from another site (or a sibling subdomain) is refused before the
        view runs; a browser too old to send the header still needs the CSRF token."""
        if request.method in UNSAFE_METHODS and request.headers.get("Sec-Fetch-Site") in (
            "cross-site",
            "same-site",
        ):
            raise CSRFError("cross-site form post")

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = version_of(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in FIXED_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("APP_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint == "static":
            current = version_of((request.view_args or {}).get("filename", ""))
            fresh = response.status_code in (200, 304)
            if current and request.args.get("v") == current and fresh:
                response.headers["Cache-Control"] = STATIC_FOREVER
                response.headers.pop("Expires", None)
            elif request.path == f"/{FAVICON}" and fresh:
                response.headers["Cache-Control"] = FAVICON_CACHE
        elif needs_no_store(request.path) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = NO_STORE
        return response


class StaticFilesVaryNot(SecureCookieSessionInterface):
    """Flask's cookie session, minus `Vary: Cookie` on static files (see the docstring)."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint == "static" and not session.modified:
            return  # nothing to write, and the file does not depend on the cookie
        super().save_session(app, session, response)


def needs_no_store(path: str) -> bool:
    return path == "/staf" or path.startswith(NO_STORE_PREFIXES)


_versions: dict[tuple[str, int, int], str] = {}


def static_version(folder: Path, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, recomputed when the file changes
    (size or mtime), so an edited stylesheet gets a new URL without a restart."""
    try:
        path = (folder / filename).resolve()
        if not path.is_relative_to(folder.resolve()) or not path.is_file():
            return None
        stat = path.stat()
    except (OSError, ValueError):  # a NUL or an over-long name in the URL: no such file
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _versions:
        _versions[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return _versions[key]
