"""`flask backup` and `flask restore` with the real database of the run (SQLite, or PostgreSQL
when TEST_DATABASE_URL is set, restored into a scratch database `<name>_restore` that the
test creates and drops) and real photos filed through the form.

Each restore goes into a second app with its own database and upload folder, as on a new
host: the same cases, events and photo bytes come back, an old private link opens with the
old SECRET_KEY (and a restore under another key says so loudly), a damaged backup or a
target that holds cases is refused with the target untouched, and a backup taken while a
writer inserts is a consistent snapshot.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.backup import layout
from portal.complaints.models import Complaint, Event, Photo
from portal.complaints.storage import blob_path, save_blob
from portal.extensions import db
from portal.notifications.render import private_link
from tests import components
from tests.factories import stored_complaint

OTHER_SECRET = "another-secret-key-of-a-new-host-long-enough-0000"
OTHER_QR = "N1:new-host-signing-key-0000000001"
TITLE = "Lantai ruang tunggu licin dan basah"


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def tools(test_environ):
    """On PostgreSQL, the client tools the backup runs must be installed."""
    if _is_postgres(test_environ["DATABASE_URL"]):
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                components.unavailable(
                    f"{tool} is not installed (apt-get install postgresql-client)"
                )


def _scratch_databases(test_environ, tmp_path):
    """Make empty databases of the run's engine: files, or `<db>_restore<suffix>` on the
    PostgreSQL server of the run (dropped again at the end)."""
    url = test_environ["DATABASE_URL"]
    made: list[str] = []
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(base, isolation_level="AUTOCOMMIT") if _is_postgres(url) else None

    def scratch(suffix: str = "") -> str:
        if admin is None:
            folder = tmp_path / f"restored{suffix}"
            folder.mkdir(exist_ok=True)
            return f"sqlite:///{folder / 'aduan.sqlite3'}"
        name = f"{base.database}_restore{suffix}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        if admin is None:
            return
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return scratch, drop


@pytest.fixture
def scratch_url(test_environ, tmp_path, tools):
    scratch, drop = _scratch_databases(test_environ, tmp_path)
    yield scratch
    drop()


@pytest.fixture
def target_url(scratch_url):
    """An empty database of the run's engine for the restore: a file, or `<db>_restore`."""
    return scratch_url()


def make_target(test_environ, tmp_path, url, folder_name="restored", **env):
    """The app of a new host: its own database, instance folder and upload folder."""
    folder = tmp_path / folder_name
    environ = {
        **test_environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(folder),
        "UPLOAD_FOLDER": str(folder / "uploads"),
        **env,
    }
    return create_app(environ=environ)


def file_report(client, h, payload, *photos: bytes, title: str = TITLE):
    files = [(io.BytesIO(data), f"p{i}.jpg", "image/jpeg") for i, data in enumerate(photos)]
    return h.receipt(h.post_report(client, f"/q/{payload}", files=files, title=title))


def seed(client, h, payload):
    """Two reports with photos through the form, three stored ones with a staff note."""
    receipts = [
        file_report(client, h, payload, h.image_bytes(color=(10, 200, 30))),
        file_report(
            client, h, payload, h.image_bytes(color=(200, 10, 30)), h.image_bytes(size=(30, 90))
        ),
    ]
    for n in range(3):
        case = stored_complaint(title=f"Kasus pabrik {n}")
        case.events.append(Event(kind="note", public=False, note=f"catatan {n}"))
    db.session.commit()
    return receipts


def snapshot(upload_folder: str) -> dict:
    """What must come back: cases, their events, the photos' rows and bytes."""
    cases = {
        c.tracking_code: (c.title, c.status, c.access_token_hash, c.submission_digest)
        for c in db.session.execute(select(Complaint)).scalars()
    }
    events = sorted(
        (e.complaint.tracking_code, e.kind, e.note or "", e.public)
        for e in db.session.execute(select(Event)).scalars()
    )
    photos = {
        p.storage_key: (
            p.complaint.tracking_code,
            p.sha256,
            blob_path(upload_folder, p.storage_key).read_bytes(),
        )
        for p in db.session.execute(select(Photo)).scalars()
    }
    return {"cases": cases, "events": events, "photos": photos}


def run_backup(app, out: Path, *args: str) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    (made,) = [p for p in out.iterdir() if p.name.startswith(layout.PREFIX)]
    assert str(made) in result.output
    return made


def run_restore(target, source: Path, *args: str):
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(source), *args])
        db.session.remove()
    return result


def upgrade_target(target) -> None:
    from flask_migrate import upgrade

    with target.app_context():
        upgrade()
        db.session.remove()


def tracking_page(target, code: str, token: str) -> str:
    with target.app_context():
        page = target.test_client().get(f"/lacak/{code}?t={token}")
        db.session.remove()
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_backup_and_restore_give_back_every_case_event_and_photo(
    app, client, h, ulin_payload, tmp_path, test_environ, target_url
):
    receipts = seed(client, h, ulin_payload)
    before = snapshot(app.config["UPLOAD_FOLDER"])
    assert len(before["cases"]) == 5 and len(before["photos"]) == 3

    made = run_backup(app, tmp_path / "out")
    assert made.stat().st_mode & 0o077 == 0  # personal data: readable by the owner only
    body = json.loads((made / layout.MANIFEST).read_text())
    assert body["tables"]["complaints"] == 5 and body["tables"]["complaint_photos"] == 3
    assert body["photos"]["rows"] == 3 and body["photos"]["rows_without_file"] == 0
    assert body["revision"] and body["engine"] in ("sqlite", "postgresql")
    assert set(body["parts"]) >= {body["database_part"], layout.UPLOADS_PART, layout.CHECKLIST}
    # No secret value anywhere in the backup, only fingerprints of them.
    for part in made.iterdir():
        data = part.read_bytes()
        assert app.config["SECRET_KEY"].encode() not in data, part.name
        for secret in app.config["QR_SIGNING_KEYS"].keys.values():
            assert secret not in data, part.name
    checklist = (made / layout.CHECKLIST).read_text()
    assert "SECRET_KEY" in checklist and "QR_SIGNING_KEYS" in checklist
    assert body["fingerprints"]["secret_key"] in checklist

    target = make_target(test_environ, tmp_path, target_url)
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    assert "5 case(s)" in result.output and "3 photo(s)" in result.output
    assert "SECRET_KEY and QR_SIGNING_KEYS are the ones the backup was made with" in result.output
    assert "WARNING" not in result.output

    with target.app_context():
        after = snapshot(target.config["UPLOAD_FOLDER"])
        db.session.remove()
    assert after == before
    for _code, sha, data in after["photos"].values():
        assert hashlib.sha256(data).hexdigest() == sha
    # The private link of the receipt, made before the backup, opens the restored report.
    code, token = receipts[0]
    assert TITLE in tracking_page(target, code, token)
    assert TITLE not in tracking_page(target, code, "A" * 24)
    # And an e-mail sent after the restore carries that same link (rebuilt from SECRET_KEY).
    with target.app_context():
        case = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
        assert private_link(case).endswith(f"/lacak/{code}?t={token}")
        db.session.remove()


def test_a_restore_under_another_secret_key_says_links_and_posters_break(
    app, client, h, ulin_payload, tmp_path, test_environ, target_url
):
    (code, token), _ = seed(client, h, ulin_payload)
    made = run_backup(app, tmp_path / "out")
    target = make_target(
        test_environ, tmp_path, target_url, SECRET_KEY=OTHER_SECRET, QR_SIGNING_KEYS=OTHER_QR
    )
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    warning = result.stderr
    assert "SECRET_KEY IS NOT THE ONE THIS BACKUP WAS MADE WITH" in warning
    assert "carries a private link that does NOT open the citizen's report" in warning
    assert "abuse list" in warning and "set SECRET_KEY to the old value" in warning
    manifest = json.loads((made / layout.MANIFEST).read_text())
    assert manifest["fingerprints"]["secret_key"] in warning
    assert "QR_SIGNING_KEYS LACKS KEYS OF THIS BACKUP: T1" in warning and "T2" in warning
    assert "Posters printed under them are refused" in warning
    # What the warning says is true: a link e-mailed from now on does not open the report
    # on this host, while the one the citizen already has still does.
    with target.app_context():
        case = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
        link = private_link(case)
        db.session.remove()
    new_token = link.split("?t=", 1)[1]
    assert new_token != token
    assert TITLE not in tracking_page(target, code, new_token)
    assert TITLE in tracking_page(target, code, token)


def test_the_archive_form_restores_too(
    app, client, h, ulin_payload, tmp_path, test_environ, target_url
):
    seed(client, h, ulin_payload)
    before = snapshot(app.config["UPLOAD_FOLDER"])
    made = run_backup(app, tmp_path / "out", "--archive")
    assert made.name.endswith(".tar.gz") and made.is_file()
    assert made.stat().st_mode & 0o077 == 0
    target = make_target(test_environ, tmp_path, target_url)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(made.read_bytes()[: made.stat().st_size // 2])
    refused = run_restore(target, cut)
    assert refused.exit_code == 1
    assert "is not a readable backup archive" in refused.stderr
    with target.app_context():
        assert not inspect(db.engine).has_table("complaints")
        db.session.remove()

    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert snapshot(target.config["UPLOAD_FOLDER"]) == before
        db.session.remove()


def _flip_byte(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2 if at is None else at
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _flip_database(made: Path) -> None:
    body = json.loads((made / layout.MANIFEST).read_text())
    _flip_byte(made / body["database_part"])


def _flip_photo(made: Path) -> None:
    _flip_byte(made / layout.UPLOADS_PART, at=2048)  # inside the first photo's bytes


def _drop_uploads(made: Path) -> None:
    (made / layout.UPLOADS_PART).unlink()


def _drop_database(made: Path) -> None:
    body = json.loads((made / layout.MANIFEST).read_text())
    (made / body["database_part"]).unlink()


def _edit_manifest(made: Path) -> None:
    path = made / layout.MANIFEST
    path.write_text(path.read_text().replace('"complaints": 2', '"complaints": 3'))


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (_flip_database, "damaged (its sha256 does not match)"),
        (_flip_photo, "part uploads.tar is damaged"),
        (_drop_uploads, "part uploads.tar is missing"),
        (_drop_database, "is missing"),
        (_edit_manifest, "manifest.json was altered"),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_is_touched(
    app, client, h, ulin_payload, tmp_path, test_environ, target_url, damage, says
):
    file_report(client, h, ulin_payload, h.image_bytes())
    file_report(client, h, ulin_payload, h.image_bytes(color=(1, 2, 3)))
    made = run_backup(app, tmp_path / "out")
    damage(made)

    target = make_target(test_environ, tmp_path, target_url)
    upgrade_target(target)
    with target.app_context():
        kept = stored_complaint(title="Kasus yang sudah ada di sini")
        kept_code = kept.tracking_code
        db.session.remove()
    uploads = Path(target.config["UPLOAD_FOLDER"])
    uploads.mkdir(parents=True, exist_ok=True)
    key = save_blob(uploads, b"a photo already on the new host")
    files_before = sorted(p for p in uploads.rglob("*") if p.is_file())

    result = run_restore(target, made, "--yes")
    assert result.exit_code == 1, result.output
    assert "damaged backup, refused; nothing was changed" in result.stderr
    assert says in result.stderr
    with target.app_context():
        codes = db.session.scalars(select(Complaint.tracking_code)).all()
        db.session.remove()
    assert codes == [kept_code]
    assert sorted(p for p in uploads.rglob("*") if p.is_file()) == files_before
    assert blob_path(uploads, key).read_bytes() == b"a photo already on the new host"


def test_a_database_that_holds_cases_is_replaced_only_with_yes(
    app, client, h, ulin_payload, tmp_path, test_environ, target_url
):
    seed(client, h, ulin_payload)
    before = snapshot(app.config["UPLOAD_FOLDER"])
    made = run_backup(app, tmp_path / "out")
    target = make_target(test_environ, tmp_path, target_url)
    upgrade_target(target)
    with target.app_context():
        kept_code = stored_complaint(title="Kasus host baru").tracking_code
        db.session.remove()

    refused = run_restore(target, made)
    assert refused.exit_code == 1
    assert "already holds 1 case(s)" in refused.stderr
    assert "Nothing was changed" in refused.stderr and "--yes" in refused.stderr
    with target.app_context():
        assert db.session.scalars(select(Complaint.tracking_code)).all() == [kept_code]
        db.session.remove()

    replaced = run_restore(target, made, "--yes")
    assert replaced.exit_code == 0, replaced.output
    with target.app_context():
        assert snapshot(target.config["UPLOAD_FOLDER"]) == before
        db.session.remove()


class Writer(threading.Thread):
    """Files cases as fast as it can, each with its event and a photo in one transaction."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.stop = threading.Event()
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                folder = self.app.config["UPLOAD_FOLDER"]
                while not self.stop.is_set():
                    case = stored_complaint(title="Ditulis saat pencadangan", commit=False)
                    data = f"photo of case {self.written}".encode()
                    key = save_blob(folder, data)
                    case.photos.append(
                        Photo(
                            storage_key=key,
                            content_type="image/jpeg",
                            width=1,
                            height=1,
                            byte_size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                        )
                    )
                    db.session.commit()
                    self.written += 1
                db.session.remove()
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_a_backup_taken_while_a_writer_inserts_is_consistent(
    app, tmp_path, test_environ, target_url
):
    writer = Writer(app)
    writer.start()
    try:
        while writer.written < 20 and writer.is_alive():
            writer.join(0.01)
        made = run_backup(app, tmp_path / "out")
        started_at = writer.written
        while writer.written < started_at + 5 and writer.is_alive():
            writer.join(0.01)
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error
    body = json.loads((made / layout.MANIFEST).read_text())
    backed = body["tables"]["complaints"]
    assert 20 <= backed < writer.written

    target = make_target(test_environ, tmp_path, target_url)
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    with target.app_context():
        cases = db.session.scalar(select(func.count()).select_from(Complaint))
        events = db.session.scalar(select(func.count()).select_from(Event))
        photos = db.session.execute(select(Photo)).scalars().all()
        db.session.remove()
    # Every case of the snapshot came whole: its event and its photo, the photo's file.
    assert cases == backed == events == len(photos)
    assert body["tables"]["complaint_events"] == events
    for photo in photos:
        data = blob_path(target.config["UPLOAD_FOLDER"], photo.storage_key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == photo.sha256


def test_an_older_backup_is_brought_to_this_code_by_db_upgrade(
    app, tmp_path, test_environ, scratch_url
):
    from flask_migrate import upgrade

    old = make_target(test_environ, tmp_path, scratch_url("_src"), folder_name="old-host")
    with old.app_context():
        upgrade(revision="0011")
        db.session.remove()
        made = run_backup(old, tmp_path / "out")
        db.engine.dispose()
    assert json.loads((made / layout.MANIFEST).read_text())["revision"] == "0011"

    target = make_target(test_environ, tmp_path, scratch_url())
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    head = _head_revision()
    assert f"Database upgraded from migration 0011 to {head}" in result.output
    with target.app_context():
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.session.remove()
    assert revision == head


def _head_revision() -> str:
    """The newest migration of this code, read from migrations/ (not written down here)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    folder = Path(__file__).resolve().parents[2] / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    return ScriptDirectory.from_config(config).get_current_head()


def test_a_backup_of_a_newer_portal_is_refused(app, tmp_path, test_environ, target_url):
    from portal.backup import manifest

    made = run_backup(app, tmp_path / "out")
    body = manifest.read(made)
    manifest.write(made, {**body, "revision": "9999"})
    target = make_target(test_environ, tmp_path, target_url)
    result = run_restore(target, made, "--yes")
    assert result.exit_code == 1
    assert "migration 9999, which this code does not know" in result.stderr
    assert "update this checkout first" in result.stderr
    with target.app_context():
        assert not inspect(db.engine).has_table("complaints")  # nothing restored
        db.session.remove()


def test_a_missing_pg_dump_is_named_and_sqlite_needs_no_tool(
    app, tmp_path, test_environ, monkeypatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(out)])
    if _is_postgres(test_environ["DATABASE_URL"]):
        assert result.exit_code == 1
        assert "pg_dump is not installed (or not on PATH)" in result.stderr
        assert list(out.iterdir()) == []  # no half-written backup left behind
    else:
        assert result.exit_code == 0, result.output
        assert next(p.name for p in out.iterdir()).startswith(layout.PREFIX)


def test_a_routing_file_of_its_own_is_kept_and_given_back(
    app, tmp_path, test_environ, target_url, monkeypatch
):
    from portal.config import PROJECT_ROOT

    own = tmp_path / "rules" / "kalsel.yaml"
    own.parent.mkdir()
    own.write_bytes((PROJECT_ROOT / "routing_rules.yaml").read_bytes() + b"# edited here\n")
    monkeypatch.setitem(app.config, "ROUTING_FILE", str(own))
    made = run_backup(app, tmp_path / "out")
    assert (made / layout.ROUTING_PART).read_bytes() == own.read_bytes()

    here = tmp_path / "new-host-rules.yaml"
    here.write_bytes((PROJECT_ROOT / "routing_rules.yaml").read_bytes())
    target = make_target(test_environ, tmp_path, target_url, ROUTING_FILE=str(here))
    result = run_restore(target, made)
    assert result.exit_code == 0, result.output
    assert f"ROUTING_FILE {here} differs from the backup's ({own})" in result.output
    assert here.read_bytes() == (PROJECT_ROOT / "routing_rules.yaml").read_bytes()  # kept
    assert (tmp_path / "new-host-rules.yaml.from-backup").read_bytes() == own.read_bytes()


def test_backups_are_not_written_into_the_upload_folder(app):
    inside = Path(app.config["UPLOAD_FOLDER"]) / "backups"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(inside)])
    assert result.exit_code == 1
    assert "is inside UPLOAD_FOLDER" in result.stderr
    assert not inside.exists()
