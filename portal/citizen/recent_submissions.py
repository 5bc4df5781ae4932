"""This browser's last few web reports, so Back-then-submit never files a second one.

The form's one-time key makes a double tap safe, but a browser that reloads the form on
Back (low memory, in-app browsers, a page it may not keep) gets a fresh key, and sending the
same text again would file a second report. After a successful web submission the browser
keeps a signed, HttpOnly cookie with its few most recent submissions: a truncated content
digest and the key that filed it. A POST whose content matches one of them is sent with
that first key, so `submit_report` replays it: the first receipt, no second row, message or
photo. Another browser typing the same words has no such cookie and files its own report;
the cookie alone opens nothing (its key only replays a report whose content is typed again).
"""

from __future__ import annotations

import time
from dataclasses import replace

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.complaints.access import content_digest
from portal.intake.report import NewReport
from portal.intake.submission import Receipt, SubmissionConflict, report_content, submit_report

COOKIE = "aduan_terkirim"
KEEP = 5  # reports one browser may send again by accident; older ones are forgotten
MAX_AGE = 24 * 3600  # seconds: a resubmit after a day is treated as a new report
DIGEST_CHARS = 32  # 128 bits of the HMAC: enough to tell this browser's reports apart
_SALT = "recent-submissions"

Entry = tuple[str, str, int]  # (content digest prefix, submission key, unix time sent)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _digest(service_point: tuple[str, str, str], report: NewReport) -> str:
    secret = current_app.config["SECRET_KEY"]
    return content_digest(secret, report_content(service_point, report))[:DIGEST_CHARS]


def _entries(now: int) -> list[Entry]:
    """The cookie's entries still young enough; anything unsigned or malformed is none."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        data = _serializer().loads(raw, max_age=MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return []
    if not isinstance(data, list):
        return []
    kept: list[Entry] = []
    for item in data:
        if (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            and isinstance(item[2], int)
            and now - MAX_AGE < item[2] <= now + 60
        ):
            kept.append((item[0], item[1], item[2]))
    return kept[-KEEP:]


def as_resubmission(service_point: tuple[str, str, str], report: NewReport) -> NewReport | None:
    """The report under the key of this browser's earlier submission of the same content,
    or None when this browser sent nothing like it (or sends it under that key already)."""
    digest = _digest(service_point, report)
    for seen, key, _at in reversed(_entries(int(time.time()))):
        if seen == digest:
            return None if key == report.submission_key else replace(report, submission_key=key)
    return None


def submit_once(
    service_point: tuple[str, str, str], report: NewReport, photos, **options
) -> tuple[Receipt, NewReport]:
    """`submit_report`, replaying this browser's earlier submission of the same content.

    Returns the receipt and the report as filed (under the key to remember). Should the
    earlier key have filed other content after all (it cannot, unless the digest rules
    changed), the report is filed under its own key as if no cookie had been sent.
    """
    earlier = as_resubmission(service_point, report)
    if earlier is not None:
        try:
            return submit_report(service_point, earlier, photos, **options), earlier
        except SubmissionConflict:
            pass
    return submit_report(service_point, report, photos, **options), report


def remember(
    response: Response, service_point: tuple[str, str, str], report: NewReport
) -> Response:
    """Add the report just filed (or replayed) under its key to this browser's cookie."""
    now = int(time.time())
    digest = _digest(service_point, report)
    entries = [e for e in _entries(now) if e[0] != digest]
    entries.append((digest, report.submission_key, now))
    response.set_cookie(
        COOKIE,
        _serializer().dumps([list(e) for e in entries[-KEEP:]]),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response
