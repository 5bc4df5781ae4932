"""The photo journeys against both stores: the local folder and an S3 bucket.

The S3 store talks HTTP to moto's `moto_server`, started once for the session as a process
of its own (tests/components.py, S3Server): a protocol-level stand-in for MinIO, Ceph or
AWS, not a storage product. A test on "s3" swaps the session app's store for one on a
fresh bucket, so the same web form, staff page, private page, Open311 media, sweep and
backup code run against both. The outage tests stop the server process mid-test.
"""

from __future__ import annotations

import io
import logging
import time
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.complaints import orphans
from portal.complaints.models import Complaint, Photo
from portal.extensions import db
from portal.photo_store import LocalPhotoStore, PhotoMissing, StorageFailure, new_key
from portal.photo_store.s3 import S3PhotoStore
from tests import components
from tests.functional.open311_helpers import API, pin_routing, published, with_photo
from tests.functional.test_backup import (  # noqa: F401  (fixtures: the restore's database)
    make_target,
    run_backup,
    run_restore,
    scratch_url,
    target_url,
    tools,
)

TITLE = "Atap ruang tunggu bocor saat hujan"
PASSWORD = "kata-sandi-uji-foto-123"


@pytest.fixture(scope="session")
def s3():
    server = components.s3_server()
    yield server
    server.stop()


def s3_store(server, bucket: str) -> S3PhotoStore:
    return S3PhotoStore(
        bucket=bucket,
        endpoint_url=server.endpoint,
        access_key=server.ACCESS_KEY,
        secret_key=server.SECRET_KEY,
        region=server.REGION,
    )


@pytest.fixture(autouse=True)
def _no_pending():
    orphans.PENDING._items.clear()
    yield
    orphans.PENDING._items.clear()


@pytest.fixture(params=["local", "s3"])
def store(request, app, monkeypatch, tmp_path):
    """The app's photo store for this test: a fresh upload folder, or a fresh S3 bucket."""
    if request.param == "local":
        folder = str(tmp_path / "uploads")
        monkeypatch.setitem(app.config, "UPLOAD_FOLDER", folder)
        chosen = LocalPhotoStore(folder)
    else:
        server = request.getfixturevalue("s3")
        chosen = s3_store(server, server.new_bucket())
        monkeypatch.setitem(app.config, "UPLOAD_STORAGE", "s3")
    monkeypatch.setitem(app.extensions, "photo_store", chosen)
    return chosen


def keys_in(store) -> set[str]:
    return {item.key for item in store.items() if not item.unfinished}


def photo_form(h):
    data = h.image_bytes(size=(900, 600), color=(180, 40, 40))
    return [(io.BytesIO(data), "atap.jpg", "image/jpeg")]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_photo(code: str) -> Photo:
    return db.session.execute(
        select(Photo).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()


# --- the web report, staff and the citizen ------------------------------------------------


def test_web_report_photo_is_stored_and_shown_to_staff_and_citizen(
    store, client, h, ulin_payload, router
):
    before = keys_in(store)
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", files=photo_form(h), title=TITLE)
    )
    photo = the_photo(code)
    assert keys_in(store) - before == {photo.storage_key}
    stored = store.read(photo.storage_key)
    assert len(stored) == photo.byte_size

    # The citizen's private page: the whole photo and its preview, never cached.
    whole = client.get(f"/lacak/{code}/foto/{photo.id}?t={token}")
    assert whole.status_code == 200 and whole.data == stored
    assert whole.headers["Cache-Control"] == "private, no-store"
    small = client.get(f"/lacak/{code}/foto/{photo.id}?t={token}&ukuran=kecil")
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert small.headers["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(small.data)) as preview:
        assert max(preview.size) == 480

    # Staff see the same bytes on the case page's route.
    h.cheap_kalsel_admin(router, PASSWORD)
    officer = client.application.test_client()
    assert h.login(officer, "admin.kalsel@example.org", PASSWORD).status_code in (302, 303)
    full = officer.get(f"/staf/kasus/{code}/foto/{photo.id}")
    assert full.status_code == 200 and full.data == stored
    assert full.headers["Cache-Control"] == "private, no-store"
    thumb = officer.get(f"/staf/kasus/{code}/foto/{photo.id}?ukuran=kecil")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert len(thumb.data) < len(stored)

    # A photo the store lacks (restored without its photos) is the 404 picture, not a 500.
    store.delete(photo.storage_key)
    gone = client.get(f"/lacak/{code}/foto/{photo.id}?t={token}")
    assert gone.status_code == 404 and gone.mimetype == "image/svg+xml"


def test_open311_media_comes_from_the_store(store, client, app, monkeypatch, tmp_path):
    pin_routing(app, monkeypatch, tmp_path, public_photos=True)
    case = published()
    data = with_photo(case)
    assert case.photos[0].storage_key in keys_in(store)
    media = client.get(f"{API}/media/{case.tracking_code}/1.jpg")
    assert media.status_code == 200 and media.data == data
    assert media.headers["Cache-Control"].startswith("public, max-age=")
    store.delete(case.photos[0].storage_key)
    assert client.get(f"{API}/media/{case.tracking_code}/1.jpg").status_code == 404


def _boom(_conn):
    raise OperationalError("COMMIT", {}, ConnectionError("refused before it reached the server"))


def test_a_failed_commit_removes_its_photos_once_settled(store, client, h, ulin_payload):
    before = keys_in(store)
    url = f"/q/{ulin_payload}"
    event.listen(db.engine, "commit", _boom)
    try:
        try:
            response = h.post_report(client, url, files=photo_form(h), title=TITLE)
        except OperationalError:
            response = None
        assert response is None or response.status_code >= 500
    finally:
        event.remove(db.engine, "commit", _boom)
    db.session.rollback()
    assert count(Complaint) == 0
    # Kept until the outcome is sure (a COMMIT in flight may still land), then removed.
    assert len(keys_in(store) - before) == 1 and len(orphans.PENDING) == 1
    orphans.PENDING.settle(now=time.monotonic() + orphans.SETTLE_AFTER.total_seconds() + 1)
    assert keys_in(store) == before and len(orphans.PENDING) == 0


def test_the_sweep_removes_only_old_photos_no_row_holds(store, client, h, ulin_payload):
    code, _token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", files=photo_form(h), title=TITLE)
    )
    held = the_photo(code).storage_key
    stray = new_key()
    store.put(stray, b"a photo whose report never committed")
    foreign = "not-a-portal-name.txt"
    if isinstance(store, S3PhotoStore):
        store._s3().put_object(Bucket=store.bucket, Key=foreign, Body=b"someone else's")
    # Young: nothing is touched (it may be mid-commit).
    assert orphans.sweep_uploads(store) == []
    later = time.time() + timedelta(hours=48).total_seconds()
    dry = orphans.sweep_uploads(store, dry_run=True, now=later)
    assert [(s.path, s.reason) for s in dry] == [(store.where(stray), "unreferenced")]
    assert store.exists(stray)
    swept = orphans.sweep_uploads(store, now=later)
    assert [s.reason for s in swept] == ["unreferenced"]
    assert not store.exists(stray) and store.exists(held)
    if isinstance(store, S3PhotoStore):
        store._s3().head_object(Bucket=store.bucket, Key=foreign)  # still there


def test_the_sweep_command_names_the_store(store, app):
    result = app.test_cli_runner().invoke(args=["complaints", "sweep-uploads", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"0 file(s) would remove in {store.describe()}" in result.output


# --- backup and restore -------------------------------------------------------------------


def test_backup_and_restore_round_trip_through_the_store(
    store,
    app,
    client,
    h,
    ulin_payload,
    tmp_path,
    test_environ,
    target_url,  # noqa: F811  (the fixture imported from test_backup)
    request,
):
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", files=photo_form(h), title=TITLE)
    )
    key = the_photo(code).storage_key
    data = store.read(key)
    made = run_backup(app, tmp_path / "out")

    env = {}
    if isinstance(store, S3PhotoStore):
        server = request.getfixturevalue("s3")
        env = server.settings(server.new_bucket())  # the new host's own, empty bucket
    target = make_target(test_environ, tmp_path, target_url, **env)
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    assert "1 photo(s)" in result.output
    restored = target.extensions["photo_store"]
    assert restored.kind == store.kind
    assert restored.read(key) == data
    with target.app_context():
        page = target.test_client().get(f"/lacak/{code}/foto/{the_photo(code).id}?t={token}")
        db.session.remove()
    assert page.status_code == 200 and page.data == data
    # Run again: every photo is already there, nothing is written twice.
    again = run_restore(target, made, "--yes")
    assert again.exit_code == 0, again.output


# --- S3 only: building without S3, an outage, a wrong bucket ------------------------------


def test_the_app_builds_and_serves_with_s3_unreachable(test_environ, tmp_path):
    """No network call in create_app: a dead endpoint only shows on /readyz and on a photo."""
    env = {
        **test_environ,
        "UPLOAD_STORAGE": "s3",
        "S3_BUCKET": "photos",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9",  # discard: nothing listens
        "S3_ACCESS_KEY": "a",
        "S3_SECRET_KEY": "b",
        "INSTANCE_PATH": str(tmp_path),
    }
    started = time.monotonic()
    web = create_app(environ=env)
    assert time.monotonic() - started < 5
    store = web.extensions["photo_store"]
    assert isinstance(store, S3PhotoStore) and store._client is None  # not even a client yet
    with web.app_context():
        ready = web.test_client().get("/readyz")
        db.session.remove()
    assert ready.status_code == 200
    # /readyz is unauthenticated: the kind of failure, never the endpoint or the bucket.
    assert ready.get_data(as_text=True).splitlines() == ["ready", "photos: S3 unreachable"]
    with pytest.raises(StorageFailure) as failed:
        store.save(b"x")
    assert failed.value.errno_name == "S3 unreachable"


@pytest.mark.engine_once
def test_s3_outage_gives_the_clear_answer_then_recovers_by_itself(
    s3, app, client, h, ulin_payload, monkeypatch, caplog
):
    bucket = s3.new_bucket()
    store = s3_store(s3, bucket)
    monkeypatch.setitem(app.extensions, "photo_store", store)
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    s3.stop()
    try:
        with caplog.at_level(logging.ERROR):
            started = time.monotonic()
            down = h.post_report(client, url, files=photo_form(h), title=TITLE, hidden=hidden)
            took = time.monotonic() - started
        text = down.get_data(as_text=True)
        assert down.status_code == 503 and down.headers["Retry-After"].isdigit()
        assert "Foto tidak dapat disimpan saat ini" in text and "Kirim tanpa foto" in text
        assert TITLE in text  # the citizen's text is kept
        assert took < 5  # a dead S3 does not hold the worker
        assert count(Complaint) == 0 and len(orphans.PENDING) == 0
        assert any("S3 unreachable" in r.getMessage() for r in caplog.records)
    finally:
        s3.start()  # the same port; moto keeps no data, so the bucket is made again
    s3.client().create_bucket(Bucket=bucket)
    # The next report with a photo is stored, with no restart of the portal.
    code, _token = h.receipt(
        h.post_report(client, url, files=photo_form(h), title=TITLE, hidden=hidden)
    )
    photo = the_photo(code)
    assert store.read(photo.storage_key)
    assert keys_in(store) == {photo.storage_key}  # nothing half-written from the outage


def test_a_wrong_bucket_is_named_in_the_log_and_readiness_never_a_500(
    s3, app, client, h, ulin_payload, monkeypatch, caplog
):
    store = s3_store(s3, "no-such-bucket-here")
    monkeypatch.setitem(app.extensions, "photo_store", store)
    with caplog.at_level(logging.WARNING):
        ready = client.get("/readyz")
    body = ready.get_data(as_text=True)
    assert ready.status_code == 200 and body.splitlines() == ["ready", "photos: S3 NoSuchBucket"]
    # The public probe names neither the bucket nor the endpoint; the operator's log does.
    assert "no-such-bucket-here" not in body and s3.endpoint not in body
    assert any(
        "no-such-bucket-here" in r.getMessage() and s3.endpoint in r.getMessage()
        for r in caplog.records
    )
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        answer = h.post_report(client, f"/q/{ulin_payload}", files=photo_form(h), title=TITLE)
    assert answer.status_code == 503
    assert "Foto tidak dapat disimpan saat ini" in answer.get_data(as_text=True)
    assert any(
        "S3 NoSuchBucket" in r.getMessage() and "no-such-bucket-here" in r.getMessage()
        for r in caplog.records
    )
    # Without the photo the report is filed.
    h.receipt(h.post_report(client, f"/q/{ulin_payload}", title=TITLE))
    with pytest.raises(PhotoMissing):
        LocalPhotoStore(str(app.config["UPLOAD_FOLDER"])).read(new_key())


def test_copy_to_s3_moves_a_folder_into_the_bucket(s3, app, client, h, ulin_payload, monkeypatch):
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", files=photo_form(h), title=TITLE)
    )
    photo = the_photo(code)
    data = app.extensions["photo_store"].read(photo.storage_key)  # in the local folder
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["photos", "copy-to-s3"])
    assert refused.exit_code != 0 and "UPLOAD_STORAGE is local" in refused.output

    bucket = s3.new_bucket()
    monkeypatch.setitem(app.extensions, "photo_store", s3_store(s3, bucket))
    first = runner.invoke(args=["photos", "copy-to-s3"])
    assert first.exit_code == 0, first.output
    assert "copied" in first.output and f"S3 bucket {bucket}" in first.output
    assert app.extensions["photo_store"].read(photo.storage_key) == data
    again = runner.invoke(args=["photos", "copy-to-s3"])
    assert "copied 0 photo(s)" in again.output and "already there" in again.output
    # The portal on the bucket shows the copied photo.
    page = client.get(f"/lacak/{code}/foto/{photo.id}?t={token}")
    assert page.status_code == 200 and page.data == data
    where = runner.invoke(args=["photos", "where"])
    assert where.exit_code == 0 and where.output.strip().endswith(": ok")
