"""The bare baseline for the citizen's pages: a static page, a plain form, a receipt.

GET / answers a minimal static HTML page (no stylesheet, no script); GET /r a plain
multipart form (title, text, one photo); POST /r writes the photo to BARE_UPLOAD_FOLDER as
it came and answers 303 to /selesai/<n>, a receipt page with the number in
#tracking-code. No database, no checks, no CSRF: the least a report page can weigh and
cost. bench/citizen_pages.py serves it with the same gunicorn settings as the portal and
drives it through the same throttled browser, so the ratio portal/bare is what the portal's
own pages add for a citizen on a slow phone.

    BARE_UPLOAD_FOLDER=/tmp/x gunicorn --pythonpath bench bare_citizen:app
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from flask import Flask, redirect, request

HEAD = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head><body>
"""
HOME = (
    HEAD.format(title="Lapor")
    + '<h1>Lapor</h1><p><a href="/r">Buat laporan</a></p></body></html>\n'
)
FORM = (
    HEAD.format(title="Lapor")
    + """<h1>Sampaikan laporan Anda</h1>
<form method="post" enctype="multipart/form-data">
<p><label>Judul <input name="title"></label></p>
<p><label>Isi <textarea name="description"></textarea></label></p>
<p><label>Foto <input type="file" name="photos" accept="image/*"></label></p>
<p><button type="submit">Kirim laporan</button></p>
</form></body></html>
"""
)
RECEIPT = (
    HEAD.format(title="Terkirim")
    + '<p>Kode:</p><p id="tracking-code">BARE-{n:06d}</p></body></html>\n'
)

app = Flask(__name__)
_numbers = itertools.count(1)


@app.get("/")
def home() -> str:
    return HOME


@app.get("/r")
def form() -> str:
    return FORM


@app.post("/r")
def submit():
    n = next(_numbers) + 1000 * os.getpid()
    photo = request.files.get("photos")
    if photo and photo.filename:
        folder = Path(os.environ.get("BARE_UPLOAD_FOLDER", "/tmp"))
        folder.mkdir(parents=True, exist_ok=True)
        photo.save(folder / f"{n}.jpg")
    return redirect(f"/selesai/{n}", code=303)


@app.get("/selesai/<int:n>")
def receipt(n: int) -> str:
    return RECEIPT.format(n=n)
