"""`flask --app wsgi backup` and `flask --app wsgi restore`: thin wrappers over create.py
and restore.py that read the config and print what an operator needs to know."""

from __future__ import annotations

import hmac
import sys
from importlib import metadata
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.backup import fingerprints
from portal.backup.create import BackupSettings, make_backup, prune
from portal.backup.manifest import DamagedBackup
from portal.backup.postgres_db import ToolProblem
from portal.backup.restore import (
    PhotosNotWritten,
    RestoreRefused,
    RestoreResult,
    RestoreTarget,
    restore_backup,
)
from portal.backup.sqlite_db import DatabaseInUse
from portal.config import PROJECT_ROOT
from portal.extensions import db
from portal.photo_store import StorageFailure, photo_store
from portal.timeutil import utcnow


def running_fingerprints(app: Flask) -> dict:
    keys = app.config["QR_SIGNING_KEYS"]
    return fingerprints.of_secrets(app.config["SECRET_KEY"], keys.keys, keys.active)


def _secret_key_file(app: Flask) -> str | None:
    """The generated key's file, when that is where SECRET_KEY came from (a laptop)."""
    path = Path(app.instance_path) / "secret_key"
    if path.is_file() and hmac.compare_digest(
        path.read_text().strip(), str(app.config["SECRET_KEY"])
    ):
        return str(path)
    return None


def _app_version() -> str:
    try:
        return metadata.version("aduan-langsung")
    except metadata.PackageNotFoundError:
        return "unknown"


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return [rev.revision for rev in script.walk_revisions()][::-1]


def _local_folder(app) -> Path | None:
    """UPLOAD_FOLDER when photos live there (a backup must not be written inside it)."""
    return Path(app.config["UPLOAD_FOLDER"]) if app.config["UPLOAD_STORAGE"] == "local" else None


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the backup into (default: INSTANCE_PATH/backups).",
)
@click.option("--archive", is_flag=True, help="Write one .tar.gz instead of a folder.")
@click.option("--keep", type=click.IntRange(min=1), help="Then delete all but the N newest.")
@with_appcontext
def backup_cmd(output: Path | None, archive: bool, keep: int | None) -> None:
    """Back up the database, the uploaded photos and a checklist of the secrets.

    Safe while the portal serves. The secrets themselves are NOT in the backup: keep them
    elsewhere (the checklist says which).
    """
    app = current_app
    output = output or Path(app.instance_path) / "backups"
    settings = BackupSettings(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        photos=photo_store(),
        upload_folder=_local_folder(app),
        routing_file=Path(app.config["ROUTING_FILE"]),
        default_routing_file=PROJECT_ROOT / "routing_rules.yaml",
        fingerprints=running_fingerprints(app),
        secret_key_file=_secret_key_file(app),
        mail_password_set=bool(app.config.get("MAIL_PASSWORD")),
        national_token_set=bool(app.config.get("NATIONAL_TOKEN")),
        app_version=_app_version(),
    )
    try:
        result = make_backup(settings, output, utcnow(), archive=archive)
    except (ToolProblem, FileExistsError, ValueError, RuntimeError) as exc:
        _fail(str(exc))
    except StorageFailure as exc:
        where = settings.photos.describe()
        _fail(f"the photos could not be read from {where} ({exc}); no backup was written")
    body = result.manifest
    photos = body["photos"]
    size = sum(part["bytes"] for part in body["parts"].values())
    click.echo(f"backup written: {result.path}")
    click.echo(
        f"  {body['tables']['complaints'] or 0} case(s), {photos['rows']} photo(s) "
        f"({photos['files']} file(s), {photos['file_bytes']} bytes), "
        f"database {body['engine']} at migration {body['revision']}, {size} bytes in all"
    )
    if photos["rows_without_file"]:
        click.echo(
            f"warning: {photos['rows_without_file']} photo row(s) have no file in "
            f"{settings.photos.describe()}: those photos were already missing",
            err=True,
        )
    click.echo(
        "  The secrets are NOT in the backup: keep SECRET_KEY and QR_SIGNING_KEYS "
        "elsewhere (see SECRETS-CHECKLIST.txt in the backup)."
    )
    if keep:
        for gone in prune(output, keep):
            click.echo(f"  deleted old backup {gone.name}")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that already holds cases.")
@click.option("--no-upgrade", is_flag=True, help="Do not run `db upgrade` after restoring.")
@with_appcontext
def restore_cmd(source: Path, yes: bool, no_upgrade: bool) -> None:
    """Restore a backup (folder or .tar.gz) into DATABASE_URL and the photo store.

    Stop the portal and the outbox workers first. A damaged backup is refused before
    anything is touched; a database that holds cases is replaced only with --yes.
    """
    app = current_app
    target = RestoreTarget(
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        photos=photo_store(),
        routing_file=Path(app.config["ROUTING_FILE"]),
        fingerprints=running_fingerprints(app),
        revisions=known_revisions(),
    )
    db.session.remove()
    db.engine.dispose()  # this process's own connections must not hold the target
    try:
        result = restore_backup(source, target, confirmed=yes)
    except DamagedBackup as exc:
        _fail(f"damaged backup, refused; nothing was changed: {exc}")
    except (RestoreRefused, DatabaseInUse, ToolProblem, PhotosNotWritten) as exc:
        _fail(str(exc))
    db.engine.dispose()
    _summary(result)
    if result.needs_upgrade:
        if no_upgrade:
            click.echo(
                "The backup's database is older than this code: run "
                "`flask --app wsgi db upgrade`, then `flask --app wsgi stats rebuild`."
            )
        else:
            from flask_migrate import upgrade

            upgrade()
            click.echo(
                f"Database upgraded from migration {result.contents.revision} to "
                f"{known_revisions()[-1]}; run `flask --app wsgi stats rebuild` once."
            )
    _secret_warnings(result)


def _summary(result: RestoreResult) -> None:
    tables = result.contents.tables
    backed = result.manifest["tables"]
    click.echo(f"Restored the backup of {result.manifest['created_at']}:")
    click.echo(
        f"  {tables['complaints'] or 0} case(s), {tables['complaint_events'] or 0} event(s), "
        f"{tables['users'] or 0} staff account(s), {len(result.contents.photo_keys)} photo(s) "
        f"({result.photos_written} file(s) written, {result.photos_already_there} already "
        "in place)"
    )
    if tables != backed:
        click.echo(f"warning: row counts differ from the manifest: {backed} → {tables}", err=True)
    if result.photos_missing:
        click.echo(
            f"warning: {result.photos_missing} photo(s) have no file after the restore "
            "(missing at backup time too, see the manifest)",
            err=True,
        )
    if result.routing_note:
        click.echo(f"  {result.routing_note}")


def _secret_warnings(result: RestoreResult) -> None:
    old = result.manifest["fingerprints"]
    secrets = result.secrets
    if secrets.secret_key_same and secrets.qr_same:
        click.echo("  SECRET_KEY and QR_SIGNING_KEYS are the ones the backup was made with.")
        return
    lines = []
    if not secrets.secret_key_same:
        lines += [
            "SECRET_KEY IS NOT THE ONE THIS BACKUP WAS MADE WITH",
            f"(backup's fingerprint {old['secret_key']}).",
            "- Every e-mail sent from now on (and every one still queued in the outbox)",
            "  carries a private link that does NOT open the citizen's report: the link is",
            "  rebuilt from SECRET_KEY when the e-mail is sent. Links in e-mails sent before",
            "  the backup still open.",
            "- The abuse list (Daftar blokir) matches nothing: blocked senders get through.",
            "- A citizen who sends the same form twice gets no receipt; staff sign in again.",
            "Fix: set SECRET_KEY to the old value (kept outside the backup, see",
            "SECRETS-CHECKLIST.txt; its fingerprint must be the one above) and restart",
            "the portal and the workers. No new restore is needed.",
        ]
    if not secrets.qr_same:
        gone = ", ".join(
            f"{kid} (fingerprint {old['qr_signing_keys'][kid]})"
            for kid in (*secrets.qr_missing, *secrets.qr_changed)
        )
        lines += [
            "QR_SIGNING_KEYS LACKS KEYS OF THIS BACKUP: " + gone,
            "- Posters printed under them are refused when a citizen scans them.",
            "Fix: add the old KEYID:SECRET entries back to QR_SIGNING_KEYS (keep the",
            "active key last) and restart, or reprint those posters.",
        ]
    width = max(len(line) for line in lines) + 4
    bar = "!" * width
    click.echo(bar, err=True)
    click.echo("!! WARNING", err=True)
    for line in lines:
        click.echo(f"!! {line}", err=True)
    click.echo(bar, err=True)
    sys.stderr.flush()
