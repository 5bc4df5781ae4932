"""A small Kalimantan Selatan history whose recap is worked out by hand (in the tests).

Filed and handled through the real services (submit_report, perform) with the clock set
to March–May 2026, around Nyepi and Eid al-Fitr: 18–20 and 23–24 March 2026 are national
holidays or cuti bersama, 3 April is Good Friday. Times are 09:00 WITA (01:00 UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.channels import WEB
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.intake.report import NewReport
from portal.intake.submission import submit_report

ADMIN = Actor("regional-admin")
CITIZEN = Actor(transitions.CITIZEN)


def wita(day: str) -> datetime:
    """09:00 in Banjarmasin on that day, as the UTC instant the code stores."""
    y, m, d = (int(p) for p in day.split("-"))
    return datetime(y, m, d, 1, 0, tzinfo=UTC)


@dataclass
class Cases:
    a: str  # poli umum, complaint: answered after the Eid holidays, closed
    b: str  # poli umum, information: on hold two days, answered a day late, rated 4, closed
    c: str  # instalasi farmasi: rejected as spam
    d: str  # samsat (Bapenda), complaint: verified, never answered, overdue
    e: str  # poli umum, aspiration, RAHASIA: answered next day, closed, rated 5
    f: str  # poli umum, filed in May (outside March–April), never answered, overdue


def _file(router, point, key, when, classification, title, **extra) -> Complaint:
    receipt = submit_report(
        point,
        NewReport(
            submission_key=f"dashboard-report-{key}",
            classification=classification,
            category=extra.pop("category", "kualitas-layanan"),
            title=title,
            description=f"Uraian laporan {key} untuk uji rekap.",
            reporter_name="Warga Uji",
            reporter_email="warga@example.org",
            **extra,
        ),
        [],
        channel=WEB,
        router=router,
        store=current_app.extensions["photo_store"],
        secret=current_app.config["SECRET_KEY"],
        now=wita(when),
    )
    return case_by_code(receipt.tracking_code)


def case_by_code(code: str) -> Complaint:
    return db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()


def act_at(router, complaint, action, when, actor=ADMIN, **data):
    perform(
        complaint,
        action,
        actor,
        ActionInput(**data),
        router=router,
        expected_version=None,
        now=wita(when),
    )


POLI = ("rsud-ulin", "poli-umum", "pendaftaran")
FARMASI = ("rsud-ulin", "instalasi-farmasi", "pengambilan-obat")
SAMSAT = ("bapenda-kalsel", "samsat-banjarmasin-1", "pajak-tahunan")


def seed_known_history(router) -> Cases:
    a = _file(router, POLI, "a", "2026-03-17", "complaint", "Antrean poli lama")
    act_at(router, a, "verify", "2026-03-17", agency_id="rsud-ulin", unit_id="poli-umum")
    act_at(router, a, "respond", "2026-03-25", text="Antrean sudah kami tambah loketnya.")
    act_at(router, a, "close", "2026-04-02")

    b = _file(router, POLI, "b", "2026-03-02", "information", "Jadwal poli hari Sabtu")
    act_at(router, b, "verify", "2026-03-02", agency_id="rsud-ulin", unit_id="poli-umum")
    act_at(router, b, "hold", "2026-03-03", text="Poli yang mana?")
    act_at(router, b, "answer", "2026-03-05", actor=CITIZEN, text="Poli umum.")
    act_at(router, b, "respond", "2026-03-12", text="Sabtu buka sampai pukul 12.")
    act_at(router, b, "rate", "2026-03-12", actor=CITIZEN, rating=4)
    act_at(router, b, "close", "2026-03-13")

    c = _file(router, FARMASI, "c", "2026-03-02", "complaint", "Iklan obat")
    act_at(router, c, "reject_spam", "2026-03-02", text="Bukan laporan.")

    d = _file(router, SAMSAT, "d", "2026-03-02", "complaint", "Pajak kendaraan salah hitung")
    act_at(router, d, "verify", "2026-03-02", agency_id="bapenda-kalsel", unit_id=d.unit_id)

    e = _file(
        router, POLI, "e", "2026-04-01", "aspiration", "RAHASIA-JUDUL dokter jaga",
        confidential=True, category="informasi-layanan",
    )  # fmt: skip
    act_at(router, e, "verify", "2026-04-01", agency_id="rsud-ulin", unit_id="poli-umum")
    act_at(router, e, "respond", "2026-04-02", text="Jadwal dokter jaga kami umumkan.")
    act_at(router, e, "rate", "2026-04-02", actor=CITIZEN, rating=5)
    act_at(router, e, "close", "2026-04-06")

    f = _file(router, POLI, "f", "2026-05-04", "complaint", "Kursi ruang tunggu patah")
    act_at(router, f, "verify", "2026-05-04", agency_id="rsud-ulin", unit_id="poli-umum")
    return Cases(*(x.tracking_code for x in (a, b, c, d, e, f)))
