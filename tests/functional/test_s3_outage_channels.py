"""S3 down while a clerk files at the counter (Loket), a citizen confirms a WhatsApp report
with a photo, or a partner posts Open311 media.

The real S3 protocol (moto_server, stopped mid-test): the answer is the clear one (503
with Retry-After, the counter form kept and offered without photos), nothing is stored
(no case, no object), and once the server is back the same form files with its photo,
with no restart of the portal.
"""

from __future__ import annotations

import ipaddress
import runpy
import socket
import threading
import time
from pathlib import Path

import pytest

from portal.photo_store import StorageFailure, new_key
from portal.photo_store import s3 as s3_module
from portal.photo_store.s3 import S3PhotoStore
from tests import photo_samples
from tests.functional.chat_helpers import (  # noqa: F401  (the chat fixtures)
    REPORT_TEXT,
    Citizen,
    chat_app,
    cloud,
    conversation,
    last,
    ulin_code,
)
from tests.functional.open311_peers import PhotoHost
from tests.functional.test_chat_conversation import complaints, draft_photos
from tests.functional.test_counter_intake import (  # noqa: F401  (the staff fixture)
    open_counter,
    post_counter,
    slip_code,
    staff,
    stored,
)
from tests.functional.test_open311_post import URL, form, key, posts  # noqa: F401
from tests.functional.test_open311_post import stored as stored_rows
from tests.functional.test_photo_store import photo_form, s3, s3_store  # noqa: F401

pytestmark = pytest.mark.engine_once
ROOT = Path(__file__).resolve().parents[2]
READ_TIMEOUT_REAL = s3_module.READ_TIMEOUT  # before a test shortens it


def objects(store: S3PhotoStore) -> list[str]:
    return [item.key for item in store.items()]


@pytest.fixture
def bucket_store(s3, app, monkeypatch):  # noqa: F811
    bucket = s3.new_bucket()
    chosen = s3_store(s3, bucket)
    monkeypatch.setitem(app.config, "UPLOAD_STORAGE", "s3")
    monkeypatch.setitem(app.extensions, "photo_store", chosen)
    return s3, bucket, chosen


def test_counter_intake_with_s3_down_keeps_the_form_then_files_once_back(
    staff,  # noqa: F811
    h,
    bucket_store,
):
    server, bucket, store = bucket_store
    clerk = staff["unit"]
    hidden = open_counter(clerk, h)
    server.stop()
    try:
        down = post_counter(clerk, h, hidden=hidden, files=photo_form(h))
    finally:
        server.start()
    text = down.get_data(as_text=True)
    assert down.status_code == 503 and down.headers["Retry-After"].isdigit()
    assert "Foto tidak dapat disimpan saat ini" in text
    assert stored() == 0
    server.client().create_bucket(Bucket=bucket)  # moto keeps no data across a restart
    assert objects(store) == []  # nothing half-written
    code = slip_code(post_counter(clerk, h, hidden=hidden, files=photo_form(h)))
    assert code and stored() == 1
    assert len(objects(store)) == 1


def test_open311_media_with_s3_down_is_503_and_stores_nothing_then_heals(
    app,
    client,
    key,  # noqa: F811
    bucket_store,
    monkeypatch,
):
    server, bucket, store = bucket_store
    monkeypatch.setitem(
        app.config, "OPEN311_MEDIA_ALLOWED_NETWORKS", (ipaddress.ip_network("127.0.0.1/32"),)
    )
    host = PhotoHost().start()
    try:
        before = stored_rows()
        server.stop()
        try:
            down = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
        finally:
            server.start()
        assert down.status_code == 503, down.data
        assert down.headers["Retry-After"].isdigit()
        assert stored_rows() == before
        assert bucket.encode() not in down.data and server.endpoint.encode() not in down.data
        server.client().create_bucket(Bucket=bucket)
        up = client.post(URL, data=form(key, media_url=host.url("/photo.jpg")))
    finally:
        host.stop()
    assert up.status_code == 201, up.data
    assert [p.outcome for p in posts()] == ["error", "created"]
    assert len(objects(store)) == 1


def test_a_whatsapp_report_with_s3_down_keeps_the_draft_and_files_on_the_next_ya(
    chat_app,  # noqa: F811
    cloud,  # noqa: F811
    router,
    bucket_store,
):
    server, bucket, store = bucket_store
    citizen = Citizen(chat_app.test_client())
    citizen.says(ulin_code(router))
    citizen.picks("1", "Pengaduan")
    citizen.says(REPORT_TEXT)
    citizen.sends_photo(cloud.add_media(photo_samples.jpeg_with_every_metadata(size=(120, 90))))
    assert "Foto 1 tersimpan" in last()
    citizen.picks("SELESAI")
    citizen.picks("1", "Biasa", kind="list_reply")
    citizen.picks("YA")
    assert "Periksa laporan" in last()
    step = conversation().step
    server.stop()
    try:
        citizen.says("YA")
    finally:
        server.start()
    assert "gangguan teknis" in last() and "Balas YA lagi" in last()
    assert complaints() == [] and draft_photos() == 1 and conversation().step == step
    server.client().create_bucket(Bucket=bucket)
    assert objects(store) == []
    citizen.says("YA")  # a new message: the citizen answers as told
    [case] = complaints()
    [photo] = case.photos
    assert objects(store) == [photo.storage_key] and draft_photos() == 0


class HungS3:
    """A server that accepts connections and never answers: S3 hung, not down."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung():
    server = HungS3()
    yield server
    server.close()


def test_a_hung_s3_answers_readyz_within_a_balancers_check(hung):
    store = S3PhotoStore(
        bucket="photos", endpoint_url=hung.endpoint, access_key="a", secret_key="b"
    )
    started = time.monotonic()
    assert store.problem() == "S3 unreachable"
    assert time.monotonic() - started < 1.9  # well inside HAProxy's `timeout check`
    assert len(hung.accepted) == 1  # one try


def test_a_hung_s3_lets_a_save_fail_inside_gunicorns_timeout(hung, monkeypatch):
    """Measured with a 1 s read timeout (so the test is short), counted in tries: the PUT
    and one retry, then one quick delete. With the real timeouts that is the budget below."""
    monkeypatch.setattr(s3_module, "READ_TIMEOUT", 1)
    store = S3PhotoStore(
        bucket="photos", endpoint_url=hung.endpoint, access_key="a", secret_key="b"
    )
    started = time.monotonic()
    with pytest.raises(StorageFailure) as failed:
        store.save(b"\xff\xd8 a photo")
    took = time.monotonic() - started
    assert failed.value.errno_name == "S3 unreachable"
    assert len(hung.accepted) == 3  # PUT, its one retry, the quick delete: not 3 + 3
    assert took < 2 * 1 + s3_module.PROBE_TIMEOUT + 3  # plus botocore's backoff (< 1 s each)
    gunicorn = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))["timeout"]
    worst = (
        s3_module.MAX_ATTEMPTS * (s3_module.CONNECT_TIMEOUT + READ_TIMEOUT_REAL + 1)
        + 2 * s3_module.PROBE_TIMEOUT
    )
    assert worst < gunicorn - 2, (worst, gunicorn)


def test_after_a_timeout_photo_calls_fail_fast_then_ask_again(hung, monkeypatch):
    """A case page's thumbnails with S3 hung: the first read waits out the timeout, the
    next ones fail at once (no new connection, no worker held), and after the hold the
    store asks S3 again by itself."""
    monkeypatch.setattr(s3_module, "READ_TIMEOUT", 1)
    monkeypatch.setattr(s3_module, "HOLD_AFTER_TIMEOUT", 1.5)
    store = S3PhotoStore(
        bucket="photos", endpoint_url=hung.endpoint, access_key="a", secret_key="b"
    )
    with pytest.raises(StorageFailure):
        store.read(new_key())
    tried = len(hung.accepted)
    assert tried == 2
    for call in (
        lambda: store.read(new_key()),
        lambda: store.save(b"x"),
        lambda: store.exists("k"),
    ):
        started = time.monotonic()
        with pytest.raises(StorageFailure) as failed:
            call()
        assert time.monotonic() - started < 0.2 and failed.value.errno_name == "S3 unreachable"
    assert len(hung.accepted) == tried
    time.sleep(1.6)
    with pytest.raises(StorageFailure):
        store.read(new_key())
    assert len(hung.accepted) == tried + 2  # asked again
