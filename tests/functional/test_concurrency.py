"""Tracking codes stay unique and a double tap stores one report, even when requests race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.intake import submission


def _post_in_thread(app, h, url, hidden=None):
    """Each thread is its own browser with its own app context, as under gunicorn."""
    with app.app_context():
        client = app.test_client()
        if hidden is not None:
            client.set_cookie("session", hidden.pop("_cookie"))
        response = h.post_report(client, url, hidden=hidden)
        code = h.receipt(response)
        db.session.remove()
        return code


def test_concurrent_submissions_get_distinct_codes(app, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    with ThreadPoolExecutor(max_workers=8) as pool:
        receipts = list(pool.map(lambda _: _post_in_thread(app, h, url), range(24)))
    codes = [code for code, _ in receipts]
    assert len(set(codes)) == 24
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 24


def test_double_tap_race_stores_one_report(app, h, ulin_payload):
    url = f"/q/{ulin_payload}"
    client = app.test_client()
    hidden = h.open_form(client, url)
    cookie = client.get_cookie("session").value

    def tap(_):
        return _post_in_thread(app, h, url, hidden={**hidden, "_cookie": cookie})

    with ThreadPoolExecutor(max_workers=4) as pool:
        receipts = list(pool.map(tap, range(4)))
    assert len(set(receipts)) == 1  # every tap answers with the same code and private link
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_tracking_code_collision_draws_another(app, client, h, ulin_payload, monkeypatch):
    drawn = iter(["KSL-AAAAAA", "KSL-AAAAAA", "KSL-BBBBBB"])
    monkeypatch.setattr(submission, "new_tracking_code", lambda prefix: next(drawn))
    url = f"/q/{ulin_payload}"
    first, _ = h.receipt(h.post_report(client, url))
    second, _ = h.receipt(h.post_report(client, url))
    assert (first, second) == ("KSL-AAAAAA", "KSL-BBBBBB")
