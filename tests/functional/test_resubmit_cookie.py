"""Back, then send again, with a form the browser reloaded (so a fresh one-time key): the
browser's recent-submissions cookie makes it a replay of its first report. Another browser
typing the same words files its own report and learns nothing of the first."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from portal.citizen import recent_submissions
from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.helpers import hidden_fields, image_bytes, open_form, post_report, receipt

EMAIL = "siti@example.org"  # valid_report()'s reporter e-mail: the receipt goes there


def _post(client, url: str, *args, **fields):
    """The report form sent from this test client as one browser (its cookies kept)."""
    return post_report(client, url, *args, same_browser=True, **fields)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _receipts() -> int:
    return _count(OutboxMessage, OutboxMessage.recipient == EMAIL)


def _files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}


def _photo():
    import io

    return (io.BytesIO(image_bytes()), "antrean.jpg")


def test_a_reloaded_form_sent_again_is_the_first_report(app, client, ulin_payload):
    url = f"/q/{ulin_payload}"
    before = _files(app)  # the upload folder is shared by the session's tests
    first_form = open_form(client, url)
    first = receipt(_post(client, url, first_form, files=[_photo()]))
    files = _files(app)
    assert _count(Complaint) == 1 and _receipts() == 1 and len(files - before) == 1
    # Back: the browser loads the form again (a new key), the same text is sent again,
    # with the photo chosen again or without it.
    for files_again in ([_photo()], None):
        reloaded = open_form(client, url)
        assert reloaded["submission_key"] != first_form["submission_key"]
        assert receipt(_post(client, url, reloaded, files=files_again)) == first
    assert _count(Complaint) == 1
    assert _receipts() == 1  # no second receipt
    assert _count(Photo) == 1 and _files(app) == files  # no second copy of the photo


def test_another_browser_with_the_same_text_files_its_own_report(app, client, ulin_payload):
    url = f"/q/{ulin_payload}"
    code, token = receipt(_post(client, url))
    other = app.test_client()
    response = _post(other, url)
    other_code, other_token = receipt(response)
    assert other_code != code and other_token != token
    assert code not in response.headers["Location"] and token not in response.get_data(True)
    assert _count(Complaint) == 2 and _receipts() == 2


def test_the_same_browser_with_other_text_files_a_new_report(client, ulin_payload):
    url = f"/q/{ulin_payload}"
    code, _ = receipt(_post(client, url))
    other, _ = receipt(_post(client, url, title="Pungutan liar di loket"))
    assert other != code and _count(Complaint) == 2
    # ... and each of them is replayed by its own text.
    assert receipt(_post(client, url))[0] == code
    assert receipt(_post(client, url, title="Pungutan liar di loket"))[0] == other
    assert _count(Complaint) == 2


def test_a_double_tap_and_a_key_reused_with_other_text_behave_as_before(client, ulin_payload):
    url = f"/q/{ulin_payload}"
    form = open_form(client, url)
    first = receipt(_post(client, url, form))
    assert receipt(_post(client, url, form)) == first  # the double tap
    conflict = _post(client, url, form, title="Pungutan liar di loket")
    assert conflict.status_code == 409
    assert first[0] not in conflict.get_data(True) and first[1] not in conflict.get_data(True)
    fresh = hidden_fields(conflict.data)["submission_key"]
    new = receipt(
        _post(client, url, {**form, "submission_key": fresh}, title="Pungutan liar di loket")
    )
    assert new[0] != first[0] and _count(Complaint) == 2


def test_the_cookie_is_signed_httponly_lax_and_short_lived(app, client, ulin_payload):
    url = f"/q/{ulin_payload}"
    response = _post(client, url)
    receipt(response)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("aduan_terkirim=")
    )
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "max-age", "path"} <= attributes
    assert "SameSite=Lax" in cookie and "Max-Age=86400" in cookie
    assert "secure" not in attributes  # SESSION_COOKIE_SECURE is off in the tests
    assert "siti" not in cookie.lower() and "antrean" not in cookie.lower()  # no text in it
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        secure = _post(client, url, title="Pungutan liar di loket")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" in next(
        c for c in secure.headers.getlist("Set-Cookie") if c.startswith("aduan_terkirim=")
    )


def test_a_forged_cookie_is_ignored(client, ulin_payload):
    url = f"/q/{ulin_payload}"
    code, _ = receipt(_post(client, url))
    client.set_cookie(recent_submissions.COOKIE, "W1siYWJjIiwieHl6IiwxXV0.forged.signature")
    assert receipt(_post(client, url))[0] != code
    assert _count(Complaint) == 2


def test_it_keeps_the_last_five_for_a_day(client, ulin_payload, monkeypatch):
    url = f"/q/{ulin_payload}"
    titles = [f"Laporan nomor {i} tentang antrean" for i in range(recent_submissions.KEEP + 1)]
    codes = [receipt(_post(client, url, title=t))[0] for t in titles]
    assert len(set(codes)) == len(titles)
    # The newest five are replayed; the first, pushed out, is filed anew.
    assert receipt(_post(client, url, title=titles[-1]))[0] == codes[-1]
    assert receipt(_post(client, url, title=titles[0]))[0] != codes[0]
    assert _count(Complaint) == len(titles) + 1
    # A day later the same text is a new report.
    later = time.time() + recent_submissions.MAX_AGE + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert receipt(_post(client, url, title=titles[-1]))[0] != codes[-1]
    assert _count(Complaint) == len(titles) + 2
