"""No photo key from outside the portal names a place outside its folder or its bucket.

A backup archive is restore input from elsewhere (another host, a colleague's laptop):
its manifest is only a checksum, so whoever crafts the tar can sign it too. Every entry
must be `ab/<key>` for a key photo_store.new_key could draw, checked before the database
is touched; put() itself refuses any other key on both stores (local folder, moto_server
S3), and a backup never packs a stray file that a restore would then refuse.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.backup import layout, manifest
from portal.backup.uploads import pack
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.photo_store import LocalPhotoStore, new_key
from tests.functional.test_backup import (  # noqa: F401  (fixtures: the restore's database)
    file_report,
    make_target,
    run_backup,
    run_restore,
    scratch_url,
    target_url,
    tools,
    upgrade_target,
)
from tests.functional.test_photo_store import s3, s3_store  # noqa: F401  (the fixture)

BAD_KEYS = ["../escape.jpg", "ab/../../escape.jpg", ".htaccess", "index.html", "x/y.jpg", ""]


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_put_refuses_a_key_new_key_could_not_draw(kind, tmp_path, request):
    if kind == "local":
        store = LocalPhotoStore(str(tmp_path / "uploads"))
    else:
        server = request.getfixturevalue("s3")
        store = s3_store(server, server.new_bucket())
    for key in BAD_KEYS:
        with pytest.raises(ValueError, match="not a photo key"):
            store.put(key, b"attacker bytes")
    good = new_key()
    store.put(good, b"a photo")
    assert store.read(good) == b"a photo"
    assert [i.key for i in store.items()] == [good]  # nothing else was written anywhere
    assert not (tmp_path / "escape.jpg").exists()


def _add_entry(made: Path, name: str, *, symlink: bool = False) -> None:
    """Append one entry to the backup's uploads.tar and sign the manifest again, as an
    attacker who crafts the archive would."""
    part = made / layout.UPLOADS_PART
    with tarfile.open(part, "a") as tar:
        info = tarfile.TarInfo(name)
        if symlink:
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
        else:
            data = b"<script>alert(1)</script>"
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    body = manifest.read(made)
    body.pop("checksum", None)
    body["parts"][layout.UPLOADS_PART] = manifest.describe_part(made, layout.UPLOADS_PART)
    manifest.write(made, body)


@pytest.mark.parametrize(
    ("name", "symlink"),
    [
        ("zz/index.html", False),  # any name in the folder or the bucket
        ("ab/.htaccess", False),
        (f"ab/{'cd' + new_key()[2:]}", False),  # a key outside its own folder
        (f"{new_key()[:2]}/../../../escape.jpg", False),
        (f"{(k := new_key())[:2]}/{k}", True),  # a symlink with a photo's name
    ],
)
def test_a_crafted_uploads_tar_is_refused_before_the_database(
    app,
    client,
    h,
    ulin_payload,
    tmp_path,
    test_environ,
    target_url,  # noqa: F811
    name,
    symlink,
):
    file_report(client, h, ulin_payload, h.image_bytes())
    made = run_backup(app, tmp_path / "out")
    _add_entry(made, name, symlink=symlink)

    target = make_target(test_environ, tmp_path, target_url)
    upgrade_target(target)
    result = run_restore(target, made, "--yes")
    assert result.exit_code == 1, result.output
    assert "uploads.tar holds an unexpected entry" in result.stderr
    with target.app_context():
        assert db.session.scalars(select(Complaint.tracking_code)).all() == []  # untouched
        db.session.remove()
    uploads = Path(target.config["UPLOAD_FOLDER"])
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]
    assert not (tmp_path / "escape.jpg").exists()


def test_a_stray_file_in_the_folder_is_not_packed(tmp_path):
    folder = tmp_path / "uploads"
    store = LocalPhotoStore(str(folder))
    key = new_key()
    store.put(key, b"a photo")
    (folder / key[:2] / "notes.txt").write_text("an operator's note")
    (folder / "zz").mkdir()
    (folder / "zz" / new_key()).write_bytes(b"a key in the wrong folder")
    packed = pack(store, tmp_path / "uploads.tar")
    assert packed.names == {f"{key[:2]}/{key}"}


def test_copy_to_s3_skips_symlinks_fifos_and_stray_names(s3, app, tmp_path, monkeypatch):  # noqa: F811
    import os

    folder = tmp_path / "uploads"
    local = LocalPhotoStore(str(folder))
    real = new_key()
    local.put(real, b"a real photo")
    secret = tmp_path / "secret.env"
    secret.write_text("SECRET_KEY=do-not-copy")
    linked, piped, linked_dir = new_key(), new_key(), new_key()
    (folder / linked[:2]).mkdir(exist_ok=True)
    (folder / linked[:2] / linked).symlink_to(secret)  # a photo's name, outside the folder
    (folder / piped[:2]).mkdir(exist_ok=True)
    os.mkfifo(folder / piped[:2] / piped)  # would block a naive read forever
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / linked_dir).write_bytes(b"outside")
    if not (folder / linked_dir[:2]).exists():
        (folder / linked_dir[:2]).symlink_to(elsewhere, target_is_directory=True)
    (folder / real[:2] / "notes.txt").write_text("not a photo")

    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    bucket = s3_store(s3, s3.new_bucket())
    monkeypatch.setitem(app.extensions, "photo_store", bucket)
    result = app.test_cli_runner().invoke(args=["photos", "copy-to-s3"])
    assert result.exit_code == 0, result.output
    assert "copied 1 photo(s)" in result.output
    assert [item.key for item in bucket.items()] == [real]


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_photo_routes_stay_scoped_whichever_store(
    kind,
    app,
    client,
    h,
    ulin_payload,
    router,
    tmp_path,
    monkeypatch,
    request,
):
    """A request names a case and a photo id, never a key: another region's staff, a wrong
    token, or a photo id of another case get 404 before the store is asked."""
    from portal.accounts.services import create_user
    from portal.complaints.models import Photo

    if kind == "local":
        chosen = LocalPhotoStore(str(tmp_path / "uploads"))
    else:
        server = request.getfixturevalue("s3")
        chosen = s3_store(server, server.new_bucket())
        monkeypatch.setitem(app.config, "UPLOAD_STORAGE", "s3")
    monkeypatch.setitem(app.extensions, "photo_store", chosen)
    files = [(io.BytesIO(h.image_bytes()), "a.jpg", "image/jpeg")]
    code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", files=files))
    other, other_token = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    photo = db.session.execute(
        select(Photo).join(Complaint).where(Complaint.tracking_code == code)
    ).scalar_one()

    password = "kata-sandi-wilayah-lain-123"
    create_user(
        router, email="admin.hst@example.org", password=password, role="regional-admin",
        region="hst",
    )  # fmt: skip
    outsider = app.test_client()
    assert h.login(outsider, "admin.hst@example.org", password).status_code in (302, 303)
    assert outsider.get(f"/staf/kasus/{code}/foto/{photo.id}").status_code == 404
    assert client.get(f"/lacak/{code}/foto/{photo.id}?t={other_token}").status_code == 404
    assert client.get(f"/lacak/{other}/foto/{photo.id}?t={other_token}").status_code == 404
    assert client.get(f"/lacak/{code}/foto/{photo.id}?t={token}").status_code == 200
