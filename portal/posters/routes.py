"""The staff page "Cetak Poster"."""

from flask import Blueprint

bp = Blueprint("posters", __name__, url_prefix="/staf/poster")
