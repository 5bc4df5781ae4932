"""Run by test_upload_failures.py inside a private mount namespace (`unshare --mount`) with a
64 KB tmpfs holding UPLOAD_FOLDER: fills it (ENOSPC), then makes it read-only (EROFS),
and files a report with a photo each time through the real form. Prints one JSON line.

The environment arrives as JSON on stdin; nothing here is seen outside the namespace.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

from flask import g
from sqlalchemy import func, select

from portal import create_app
from portal.complaints.models import Complaint
from portal.extensions import db
from tests import helpers as h

TITLE = "Lantai licin di depan loket tanpa tanda"


class Captured(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main() -> None:
    from flask_migrate import upgrade

    from qr.payload import ServiceRef, encode

    environ = json.load(sys.stdin)
    app = create_app(environ=environ)

    @app.teardown_request
    def _forget(exc):
        g.__dict__.clear()

    captured = Captured()
    app.logger.addHandler(captured)
    uploads = Path(environ["UPLOAD_FOLDER"])
    mount = uploads.parent
    results = {}
    with app.app_context():
        upgrade()
        payload = encode(
            ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), app.config["QR_SIGNING_KEYS"]
        )
        url = f"/q/{payload}"
        client = app.test_client()
        for n in range(256):  # every photo folder exists: the failure is the file itself
            (uploads / f"{n:02x}").mkdir(parents=True, exist_ok=True)
        filler = mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 1024):
                pass
        except OSError:  # ENOSPC: the filesystem is full
            pass
        finally:
            os.close(fd)
        results["full"] = attempt(client, url, uploads, captured)
        filler.unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        results["read-only"] = attempt(client, url, uploads, captured)
    print(json.dumps(results))


def rows() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Complaint))


def attempt(client, url: str, uploads: Path, captured: Captured) -> dict:
    before = rows()
    captured.lines.clear()
    photo = [(io.BytesIO(h.image_bytes(size=(640, 480))), "foto.jpg", "image/jpeg")]
    response = h.post_report(client, url, files=photo, title=TITLE)
    text = response.get_data(as_text=True)
    logged = [line for line in captured.lines if "photo not stored" in line]
    errno = re.search(r"\((E[A-Z]+):", logged[0]).group(1) if logged else None
    failed_rows = rows() - before
    hidden = {**h.hidden_fields(text), "tanpa_foto": "1"}
    again = h.post_report(client, url, hidden=hidden, title=TITLE)
    return {
        "status": response.status_code,
        "errno": errno,
        "kept_text": TITLE in text and "Siti Aminah" in text,
        "offers_without_photo": 'name="tanpa_foto"' in text,
        "leftovers": [str(p) for p in uploads.rglob("*") if p.is_file()],
        "complaints": failed_rows,
        "then_without_photo": again.status_code,
        "complaints_after": rows() - before,
    }


if __name__ == "__main__":
    main()
