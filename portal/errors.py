"""Error pages that tell a citizen what happened and what to do next, in their language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from portal.extensions import db
from portal.machine_errors import machine_answer


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template(
            "errors/error.html",
            title=_("Formulir kedaluwarsa"),
            message=_(
                "Formulir ini sudah terlalu lama dibuka atau tidak dikirim dari halaman kami. "
                "Tidak ada yang tersimpan. Silakan buka kembali formulirnya dan kirim ulang."
            ),
        ), 400

    @app.errorhandler(403)
    def forbidden(exc):
        answer = machine_answer(403)
        if answer is not None:
            return answer
        return render_template(
            "errors/error.html",
            title=_("Akses ditolak"),
            message=_(
                "Akun Anda tidak berwenang melakukan ini. Tidak ada yang diubah. Jika menurut "
                "Anda ini keliru, hubungi admin wilayah Anda."
            ),
        ), 403

    @app.errorhandler(405)
    def method_not_allowed(exc):
        response = exc.get_response()  # keeps the Allow header Werkzeug computed
        answer = machine_answer(405, {"Allow": response.headers.get("Allow", "")})
        if answer is not None:
            return answer
        page = render_template(
            "errors/error.html",
            title=_("Cara membuka halaman ini tidak didukung"),
            message=_(
                "Alamat ini tidak dapat dibuka dengan cara tersebut. Tidak ada yang tersimpan. "
                "Kembali ke halaman sebelumnya dan gunakan tombol atau tautan di sana."
            ),
        )
        return page, 405, {"Allow": response.headers.get("Allow", "")}

    @app.errorhandler(404)
    def not_found(exc):
        answer = machine_answer(404)
        if answer is not None:
            return answer
        return render_template(
            "errors/error.html",
            title=_("Halaman tidak ditemukan"),
            message=_("Alamat yang Anda buka tidak ada atau tidak dapat Anda akses."),
        ), 404

    @app.errorhandler(413)
    def too_large(exc):
        answer = machine_answer(413)
        if answer is not None:
            return answer
        return render_template(
            "errors/error.html",
            title=_("Kiriman terlalu besar"),
            message=_(
                "Ukuran total kiriman melebihi batas. Tidak ada yang tersimpan. Kembali, lalu "
                "lampirkan foto yang lebih kecil (paling banyak 3 foto)."
            ),
        ), 413

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        answer = machine_answer(500)
        if answer is not None:
            return answer
        return render_template(
            "errors/error.html",
            title=_("Terjadi kesalahan"),
            message=_("Maaf, terjadi kesalahan di sisi kami. Tidak ada yang tersimpan; coba lagi."),
        ), 500
