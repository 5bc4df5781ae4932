"""The form's one-time key: a double submit still stores one report, but the key is kept
only as an HMAC and a replay gets the first receipt only when it is the same form (same key,
same content). Migration 0012 keeps every private link already e-mailed working."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Text,
    create_engine,
    func,
    inspect,
    select,
    text,
)

from portal import create_app
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.render import private_link
from tests.helpers import hidden_fields, open_form, post_report, receipt

ANOTHER_TEXT = "Petugas meminta uang tambahan di loket tanpa tanda terima apa pun."


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def test_a_replay_of_the_same_form_gets_the_same_receipt(client, ulin_payload):
    url = f"/q/{ulin_payload}"
    form = open_form(client, url)
    first = receipt(post_report(client, url, form))
    again = receipt(post_report(client, url, form))
    assert again == first
    assert _count() == 1
    # Blanks around the text are not "other content": the same form, stripped differently.
    spaced = receipt(post_report(client, url, form, title="  Antrean pendaftaran sangat lama "))
    assert spaced == first


def test_the_same_key_with_other_content_reveals_nothing(client, ulin_payload):
    url = f"/q/{ulin_payload}"
    form = open_form(client, url)
    code, token = receipt(post_report(client, url, form))
    replay = post_report(client, url, form, description=ANOTHER_TEXT, title="Pungutan di loket")
    assert replay.status_code == 409
    page = replay.get_data(as_text=True)
    assert code not in page and token not in page and "Location" not in replay.headers
    assert "Siti Aminah" in page  # the typed form is kept (the same browser typed it)
    assert ANOTHER_TEXT in page and "Pungutan di loket" in page
    assert "isi yang berbeda" in page
    fresh = hidden_fields(replay.data)["submission_key"]
    assert fresh and fresh != form["submission_key"]
    assert _count() == 1
    # Sending the kept form again (with its fresh key) files a new report.
    new_code, _ = receipt(
        post_report(
            client,
            url,
            {**form, "submission_key": fresh},
            description=ANOTHER_TEXT,
            title="Pungutan di loket",
        )
    )
    assert new_code != code and _count() == 2


def test_a_copied_key_cannot_fetch_someone_elses_report_even_with_other_identity(
    client, ulin_payload
):
    url = f"/q/{ulin_payload}"
    form = open_form(client, url)
    code, _ = receipt(post_report(client, url, form, confidential="y"))
    other = client.application.test_client()
    copied = {**open_form(other, url), "submission_key": form["submission_key"]}
    replay = post_report(other, url, copied, reporter_name="Penyerang", confidential="y")
    assert replay.status_code == 409
    assert code not in replay.get_data(as_text=True)


def test_the_raw_key_is_in_no_column(app, client, ulin_payload):
    url = f"/q/{ulin_payload}"
    form = open_form(client, url)
    receipt(post_report(client, url, form))
    key = form["submission_key"]
    meta = MetaData()
    with db.engine.connect() as connection:
        meta.reflect(connection)
        found = []
        for table in meta.sorted_tables:
            for row in connection.execute(table.select()):
                found += [
                    (table.name, name)
                    for name, value in row._mapping.items()
                    if value is not None and key in str(value)
                ]
    assert found == []
    assert _count() == 1  # the scan looked at the stored report


# --- migration 0012 ------------------------------------------------------------------------


def _scratch_url(test_environ, tmp_path) -> str:
    """A database of its own: the suite's database is already at the newest revision."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path / 'migration.sqlite3'}"
    name = base.rsplit("/", 1)[1].split("?")[0] + "_migration0012"
    admin = create_engine(
        base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _filler(column):
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, DateTime):
        return datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 12, 3)
    if isinstance(kind, String | Text):
        return "x"
    raise AssertionError(f"no filler for {column.name}: {kind}")


def test_links_sent_before_migration_0012_still_open_the_case(test_environ, tmp_path):
    from flask_migrate import downgrade, upgrade

    from portal.complaints.access import token_hash

    url = _scratch_url(test_environ, tmp_path)
    app = create_app(environ={**test_environ, "DATABASE_URL": url})
    raw_key = "a-form-key-from-before-0012-xyz"
    with app.app_context():
        upgrade(revision="0009")
        # The token as 0009 derived it, from the raw key.
        import base64
        import hmac

        secret = app.config["SECRET_KEY"]
        mac = hmac.new(secret.encode(), b"access-token:" + raw_key.encode(), "sha256")
        old_token = base64.urlsafe_b64encode(mac.digest()[:18]).decode().rstrip("=")
        meta = MetaData()
        with db.engine.begin() as connection:
            meta.reflect(connection, only=["complaints"])
            table = meta.tables["complaints"]
            values = {
                c.name: _filler(c)
                for c in table.columns
                if not c.nullable and c.server_default is None and not c.primary_key
            }
            values.update(
                tracking_code="KSL-7K3Q9M",
                submission_key=raw_key,
                access_token_hash=token_hash(old_token),
                region_id="kalsel",
                agency_id="rsud-ulin",
                unit_id="poli-umum",
                origin_agency_id="rsud-ulin",
                origin_unit_id="poli-umum",
                origin_service_id="pendaftaran",
                classification="complaint",
                status="new",
                title="Laporan dari sebelum pembaruan",
                description="Laporan ini disimpan sebelum migrasi 0012 dijalankan.",
                clocks_json="{}",
            )
            connection.execute(table.insert().values(**values))
        upgrade()
        try:
            columns = {c["name"] for c in inspect(db.engine).get_columns("complaints")}
            assert "submission_key" not in columns
            with db.engine.connect() as connection:
                rows = [tuple(r) for r in connection.execute(text("SELECT * FROM complaints"))]
            assert not any(raw_key in str(v) for row in rows for v in row)

            client = app.test_client()
            opened = client.get(f"/lacak/KSL-7K3Q9M?t={old_token}")
            assert opened.status_code == 200
            assert "disimpan sebelum migrasi" in opened.get_data(as_text=True)
            # A link rendered after the upgrade (a later e-mail) opens it too.
            complaint = db.session.execute(select(Complaint)).scalar_one()
            later = private_link(complaint).split("/lacak/", 1)[1]
            assert later.split("?t=")[1] != old_token
            assert "disimpan sebelum migrasi" in client.get(f"/lacak/{later}").get_data(
                as_text=True
            )
            assert client.get("/lacak/KSL-7K3Q9M?t=" + "A" * 24).status_code == 200
            assert "disimpan sebelum migrasi" not in client.get(
                "/lacak/KSL-7K3Q9M?t=" + "A" * 24
            ).get_data(as_text=True)
            db.session.remove()
            downgrade(revision="0009")  # and back: the later link still works on 0009's code
            with db.engine.connect() as connection:
                stored = connection.execute(text("SELECT submission_key FROM complaints")).scalar()
            assert stored == complaint.submission_digest
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_leftover_scratch_db():
    yield
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        name = base.rsplit("/", 1)[1].split("?")[0] + "_migration0012"
        admin = create_engine(
            base.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
