"""When photos cannot be stored, or the commit's outcome is unknown: no orphan, no lost text.

How each failure is made real (the tests run as root, for whom chmod stops nothing):
- a folder that cannot be created: UPLOAD_FOLDER under a regular file (the kernel says
  ENOTDIR), or a photo's two-letter subfolder taken by a regular file (EEXIST). Only the
  key of the photos is chosen by the test (storage.new_key), so it knows which one fails;
- a full and a read-only filesystem: a 64 KB tmpfs mounted in a private mount namespace
  (`unshare --mount`, invisible to the rest of the machine), see full_disk_app.py;
- a connection cut during COMMIT on PostgreSQL: a TCP proxy that swallows the COMMIT (the
  server aborts) or lets it through and drops the answer (the row exists), see
  pg_drop_proxy.py. On SQLite there is no connection to cut: the same two outcomes are
  injected at the database client (an engine `commit` listener that raises before the
  commit, or that commits on the DBAPI connection and then raises).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from portal.complaints import orphans, storage
from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from portal.photo_store import LocalPhotoStore
from portal.photo_store import local as local_store
from tests import components

TITLE = "Atap ruang tunggu bocor saat hujan"
DESCRIPTION = "Air menetes ke kursi pasien di ruang tunggu poli umum sejak pagi tadi."
ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture(autouse=True)
def _no_pending():
    orphans.PENDING._items.clear()
    yield
    orphans.PENDING._items.clear()


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """This test's own upload folder (the session's is shared by every test)."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    monkeypatch.setitem(app.extensions, "photo_store", LocalPhotoStore(str(folder)))
    return folder


def files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def count(model) -> int:
    db.session.rollback()  # a fresh snapshot on PostgreSQL
    return db.session.scalar(select(func.count()).select_from(model))


def photo_files(n: int, h) -> list:
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    return [
        (io.BytesIO(h.image_bytes(color=colors[i])), f"foto{i}.jpg", "image/jpeg") for i in range(n)
    ]


def send(client, h, url, hidden=None, photos=0, **extra):
    return h.post_report(
        client,
        url,
        hidden=hidden,
        files=photo_files(photos, h) if photos else None,
        title=TITLE,
        description=DESCRIPTION,
        **extra,
    )


def fixed_keys(monkeypatch, *prefixes: str) -> list[str]:
    keys = [p + "0" * 30 + ".jpg" for p in prefixes]
    drawn = iter(keys)
    monkeypatch.setattr(local_store, "new_key", lambda suffix=".jpg": next(drawn))
    return keys


def assert_storage_page(response, *phrases):
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    for phrase in phrases:
        assert phrase in text, phrase
    # Everything typed comes back; the button that sends it without the photo is there.
    assert f'value="{TITLE}"' in text and DESCRIPTION in text
    assert "Siti Aminah" in text and "0812 3456 7890" in text
    assert 'name="tanpa_foto" value="1"' in text
    return text


def test_upload_folder_that_cannot_be_made_gives_the_storage_page(
    client, h, app, ulin_payload, tmp_path, monkeypatch, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the upload folder's parent should be")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocker / "uploads"))
    monkeypatch.setitem(app.extensions, "photo_store", LocalPhotoStore(str(blocker / "uploads")))
    url = f"/q/{ulin_payload}"
    with caplog.at_level(logging.ERROR):
        response = send(client, h, url, photos=1)
    assert_storage_page(response, "Foto tidak dapat disimpan saat ini", "Kirim tanpa foto")
    assert count(Complaint) == 0 and count(Photo) == 0
    assert files(tmp_path) == [blocker]
    logged = [r.getMessage() for r in caplog.records if "photo not stored" in r.getMessage()]
    assert len(logged) == 1 and "ENOTDIR" in logged[0]
    assert TITLE not in logged[0] and "Siti" not in logged[0] and "0812" not in logged[0]

    # "Kirim tanpa foto": the same form (same key, same text) is filed once, without photos.
    hidden = {**h.hidden_fields(response.data), "tanpa_foto": "1"}
    code, token = h.receipt(send(client, h, url, hidden=hidden, photos=1))
    again = h.receipt(send(client, h, url, hidden=hidden))  # a double tap: the same receipt
    assert again == (code, token)
    assert count(Complaint) == 1 and count(Photo) == 0


def test_second_photo_fails_nothing_left_then_sent_without_photos(
    client, h, app, ulin_payload, uploads, monkeypatch
):
    first, _second = fixed_keys(monkeypatch, "aa", "bb")
    uploads.mkdir()
    (uploads / "bb").write_text("a regular file where the second photo's folder should be")
    url = f"/q/{ulin_payload}"
    response = send(client, h, url, photos=2)
    assert_storage_page(response, "Foto tidak dapat disimpan saat ini")
    # The first photo was complete on disk before the second failed: it is gone too.
    assert not (uploads / "aa" / first).exists()
    assert files(uploads) == [uploads / "bb"]
    assert count(Complaint) == 0 and count(Photo) == 0

    hidden = {**h.hidden_fields(response.data), "tanpa_foto": "1"}
    code, _token = h.receipt(send(client, h, url, hidden=hidden))
    assert count(Complaint) == 1 and count(Photo) == 0
    assert db.session.scalar(select(Complaint.title).where(Complaint.tracking_code == code)) == (
        TITLE
    )
    # The same form again (the button pressed twice) is the same report, not a conflict.
    assert h.receipt(send(client, h, url, hidden=hidden))[0] == code
    assert count(Complaint) == 1


def test_storage_page_in_english(client, h, app, ulin_payload, uploads, monkeypatch):
    fixed_keys(monkeypatch, "cc")
    uploads.mkdir()
    (uploads / "cc").write_text("taken")
    client.get("/bahasa/en")
    response = send(client, h, f"/q/{ulin_payload}", photos=1)
    assert_storage_page(response, "The photo cannot be saved right now", "Send without photo")
    assert files(uploads) == [uploads / "cc"]


def test_photos_are_written_whole_and_in_place(client, h, app, ulin_payload, uploads):
    h.receipt(send(client, h, f"/q/{ulin_payload}", photos=2))
    stored = db.session.execute(select(Photo.storage_key, Photo.sha256)).all()
    on_disk = files(uploads)
    assert sorted(p.name for p in on_disk) == sorted(k for k, _s in stored)
    assert not [p for p in on_disk if p.name.endswith(storage.PART)]
    for key, sha in stored:
        assert hashlib.sha256(storage.blob_path(uploads, key).read_bytes()).hexdigest() == sha


# --- the commit's outcome unknown -------------------------------------------------------


def _boom(*_args, **_kwargs):
    raise OperationalError("COMMIT", {}, ConnectionError("connection lost during COMMIT"))


def _commit_then_boom(conn):
    """The database commits, then the answer is lost on the way back."""
    conn.connection.dbapi_connection.commit()
    _boom()


def _settle_later() -> None:
    """What a submission does SETTLE_AFTER after an in-doubt commit."""
    orphans.PENDING.settle(now=time.monotonic() + orphans.SETTLE_AFTER.total_seconds() + 1)


def _post_expecting_db_error(client, h, url, hidden=None, photos=2):
    """The database error reaches the error pages (500 here; 503 once the outage page is
    in place), never a success."""
    try:
        response = send(client, h, url, hidden=hidden, photos=photos)
    except OperationalError:
        return None
    assert response.status_code >= 500
    return response


def test_commit_lost_before_it_reached_the_database_leaves_no_file(
    client, h, app, ulin_payload, uploads
):
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    event.listen(db.engine, "commit", _boom)
    try:
        _post_expecting_db_error(client, h, url, hidden)
    finally:
        event.remove(db.engine, "commit", _boom)
    assert count(Complaint) == 0
    # Not deleted at once: a row not visible yet may still be committed by the server.
    assert len(files(uploads)) == 2 and len(orphans.PENDING) == 2
    _settle_later()  # the next submission, SETTLE_AFTER later: no row holds them
    assert files(uploads) == [] and len(orphans.PENDING) == 0
    # The same form sent again is filed once, with its photos.
    h.receipt(send(client, h, url, hidden=hidden, photos=2))
    assert count(Complaint) == 1 and count(Photo) == 2 and len(files(uploads)) == 2


def test_commit_that_went_through_keeps_its_files(client, h, app, ulin_payload, uploads):
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    event.listen(db.engine, "commit", _commit_then_boom)
    try:
        _post_expecting_db_error(client, h, url, hidden)
    finally:
        event.remove(db.engine, "commit", _commit_then_boom)
    assert count(Complaint) == 1 and count(Photo) == 2
    kept = files(uploads)
    assert len(kept) == 2
    _age(kept, hours=48)
    assert orphans.sweep_uploads(LocalPhotoStore(str(uploads))) == []  # referenced: never removed
    assert files(uploads) == kept
    # The citizen, who saw an error, sends again: the same report's receipt, no second case.
    h.receipt(send(client, h, url, hidden=hidden, photos=2))
    assert count(Complaint) == 1 and count(Photo) == 2 and files(uploads) == kept


def _proxied_app(test_environ, proxy_port: int, folder: Path):
    from portal import create_app

    url = urlsplit(test_environ["DATABASE_URL"])
    proxied = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy_port}").geturl()
    environ = {**test_environ, "DATABASE_URL": proxied, "UPLOAD_FOLDER": str(folder)}
    return create_app(environ=environ)


@pytest.fixture
def proxy(app, test_environ):
    if not ON_POSTGRES:
        pytest.skip("the connection-cut tests need PostgreSQL (TEST_DATABASE_URL)")
    from tests.functional.pg_drop_proxy import CommitDropProxy

    url = urlsplit(test_environ["DATABASE_URL"])
    running = CommitDropProxy(url.hostname or "localhost", url.port or 5432)
    yield running
    running.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="connection-cut tests run in the PostgreSQL run")
@pytest.mark.parametrize("cut", ["before", "after"])
def test_connection_cut_during_commit(app, h, ulin_payload, proxy, test_environ, tmp_path, cut):
    folder = tmp_path / "uploads"
    web = _proxied_app(test_environ, proxy.port, folder)
    client = web.test_client()
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    proxy.arm(cut)
    _post_expecting_db_error(client, h, url, hidden)
    assert proxy.fired.is_set()
    assert len(files(folder)) == 2  # undecided at first, whatever the server did
    with web.app_context():
        _settle_later()
    if cut == "before":  # the server aborted: no row, and the files go once settled
        assert count(Complaint) == 0 and files(folder) == []
    else:  # the row exists: its files stay, settled or swept
        assert count(Complaint) == 1 and count(Photo) == 2
        kept = files(folder)
        assert len(kept) == 2
        _age(kept, hours=48)
        assert orphans.sweep_uploads(LocalPhotoStore(str(folder))) == [] and files(folder) == kept
    # Either way the same form sent again ends with exactly one report.
    h.receipt(send(client, h, url, hidden=hidden, photos=2))
    assert count(Complaint) == 1 and count(Photo) == 2 and len(files(folder)) == 2
    with web.app_context():
        db.engine.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="connection-cut tests run in the PostgreSQL run")
def test_database_away_after_the_cut_settles_on_the_next_submission(
    app, h, ulin_payload, proxy, test_environ, tmp_path
):
    folder = tmp_path / "uploads"
    web = _proxied_app(test_environ, proxy.port, folder)
    client = web.test_client()
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    proxy.arm("before")
    proxy.refuse = True  # after the cut the database does not answer for a while
    _post_expecting_db_error(client, h, url, hidden)
    assert proxy.fired.is_set()
    assert len(files(folder)) == 2  # undecided: kept, remembered
    assert len(orphans.PENDING) == 2
    with web.app_context():
        _settle_later()  # due, but the database does not answer: still kept, still pending
    assert len(files(folder)) == 2 and len(orphans.PENDING) == 2
    proxy.refuse = False
    # The next submission (another citizen, no photo) right away leaves them: too young.
    h.receipt(send(client, h, url))
    assert len(files(folder)) == 2 and len(orphans.PENDING) == 2
    with web.app_context():
        _settle_later()  # a submission SETTLE_AFTER later decides them
    assert files(folder) == [] and len(orphans.PENDING) == 0
    assert count(Complaint) == 1
    with web.app_context():
        db.engine.dispose()


# --- the sweep ----------------------------------------------------------------------------


def _age(paths, *, hours: float) -> None:
    then = time.time() - hours * 3600
    for path in paths:
        os.utime(path, (then, then))


def test_sweep_removes_only_old_unreferenced_files(client, h, app, ulin_payload, uploads):
    h.receipt(send(client, h, f"/q/{ulin_payload}", photos=1))
    (referenced,) = files(uploads)

    def put(name: str) -> Path:
        path = uploads / name[:2] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8\xff leftover")
        return path

    old_orphan = put("ab" + "1" * 30 + ".jpg")
    old_part = put("ab" + "2" * 30 + ".jpg.part")
    young_orphan = put("cd" + "3" * 30 + ".jpg")
    young_part = put("cd" + "4" * 30 + ".jpg.part")
    foreign = put("ab-notes.txt")
    _age([referenced, old_orphan, old_part, foreign], hours=30)
    _age([young_orphan, young_part], hours=0.5)

    runner = app.test_cli_runner()
    dry = runner.invoke(args=["complaints", "sweep-uploads", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove {old_orphan} (unreferenced)" in dry.output
    assert f"would remove {old_part} (part)" in dry.output
    assert "2 file(s) would remove" in dry.output
    assert old_orphan.exists() and old_part.exists()

    done = runner.invoke(args=["complaints", "sweep-uploads"])
    assert done.exit_code == 0, done.output
    assert "2 file(s) removed" in done.output
    assert not old_orphan.exists() and not old_part.exists()
    assert set(files(uploads)) == {referenced, young_orphan, young_part, foreign}

    # A shorter age reaches the young ones, never the referenced photo; too short is refused.
    assert runner.invoke(args=["complaints", "sweep-uploads", "--older-than", "0.1"]).exit_code
    _age([young_orphan, young_part], hours=3)
    done = runner.invoke(args=["complaints", "sweep-uploads", "--older-than", "2"])
    assert "2 file(s) removed" in done.output
    assert set(files(uploads)) == {referenced, foreign}


def test_sweep_against_a_database_without_photos_removes_nothing(app, uploads):
    """Cron without the portal's settings opens an empty default database: every photo
    would look unreferenced. The sweep refuses instead."""
    photo = uploads / "ab" / ("ab" + "5" * 30 + ".jpg")
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(b"\xff\xd8\xff a citizen's photo")
    _age([photo], hours=30)
    result = app.test_cli_runner().invoke(args=["complaints", "sweep-uploads"])
    assert result.exit_code == 1
    assert "the database holds no photo at all" in result.output
    assert "Nothing was removed" in result.output and photo.exists()


# --- the staff side -----------------------------------------------------------------------


def test_staff_photo_whose_file_is_missing_gets_a_placeholder(
    client, h, app, ulin_payload, uploads, staff
):
    code, _token = h.receipt(send(client, h, f"/q/{ulin_payload}", photos=1))
    photo_id = db.session.scalar(select(Photo.id))
    shutil.rmtree(uploads)  # a database restored without its uploads
    response = staff["admin"].get(f"/staf/kasus/{code}/foto/{photo_id}")
    assert response.status_code == 404
    assert response.mimetype == "image/svg+xml"
    assert "Foto tidak tersedia" in response.get_data(as_text=True)
    assert staff["admin"].get(f"/staf/kasus/{code}").status_code == 200


# --- a full and a read-only filesystem, for real --------------------------------------------


@pytest.mark.skipif(ON_POSTGRES, reason="filesystem faults run once, in the SQLite run")
def test_full_and_read_only_filesystem(test_environ, tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None:
        components.unavailable("util-linux unshare is not installed")
    probe = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "true"], capture_output=True
    )
    if probe.returncode != 0:
        components.unavailable(f"cannot make a private mount namespace: {probe.stderr!r}")
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    environ = {
        **test_environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fs.sqlite3'}",
        "UPLOAD_FOLDER": str(mount_point / "uploads"),
    }
    script = (
        f"mount -t tmpfs -o size=64k tmpfs {mount_point} && "
        f"exec {sys.executable} -m tests.functional.full_disk_app"
    )
    done = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "sh", "-c", script],
        input=json.dumps(environ),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for case in ("full", "read-only"):
        got = results[case]
        assert got["status"] == 503, got
        assert got["kept_text"] and got["offers_without_photo"], got
        assert got["leftovers"] == [], got  # no .part, no photo
        assert got["complaints"] == 0, got
        assert got["then_without_photo"] == 303 and got["complaints_after"] == 1, got
    assert results["full"]["errno"] == "ENOSPC"
    assert results["read-only"]["errno"] == "EROFS"
