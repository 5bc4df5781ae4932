"""What the Open311 tests read and file against: reports filed through the web form and
published by a real staff action, reports that must never be shown, and API keys.

Staff act through portal.cases.services.perform with a real account, so a public answer
carries its author (GeoReport's status_notes come only from staff's public events).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from portal.accounts.services import create_user
from portal.cases.services import ActionInput, Actor, perform
from portal.complaints.queries import by_tracking_code
from portal.extensions import db
from portal.open311.keys import create_key, revoke_key
from qr.shortcode import format_code, short_code
from tests import helpers

# Who files the seeded reports: none of it may ever appear in an Open311 answer.
REPORTER = {
    "reporter_name": "Siti Aminah Rahasia",
    "reporter_phone": "0812 3456 7890",
    "reporter_email": "siti.rahasia@example.org",
}
PRIVATE_TEXTS = ("Siti Aminah Rahasia", "siti.rahasia@example.org", "81234567890")
INTERNAL_NOTE = "Catatan internal: jangan tampil di API"
ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")
PUBLIC_ANSWER = "Loket pendaftaran kedua sudah dibuka mulai Senin."


@dataclass
class Seeded:
    published: list[str] = field(default_factory=list)  # tracking codes, oldest first
    hidden: list[str] = field(default_factory=list)  # new (unverified) or confidential
    tokens: list[str] = field(default_factory=list)  # of POSTs' answers
    keys: dict[str, str] = field(default_factory=dict)  # name -> plaintext
    # RSUD Ulin – Poli Umum – Pendaftaran (Kalimantan Selatan), as GeoReport prints it
    service_code: str = format_code(short_code(*ULIN))


def admin(router, region: str = "kalsel"):
    """A regional admin with a cheap password hash (never signs in here)."""
    user = create_user(
        router,
        email=f"open311.admin.{region}@example.org",
        password="kata-sandi-uji-123",
        role="regional-admin",
        region=region,
    )
    user.password_hash = helpers.cheap_hash("kata-sandi-uji-123")
    db.session.commit()
    return user


def file_report(client, payload: str, **overrides) -> tuple[str, str]:
    """A report through the web form: (tracking code, private token)."""
    return helpers.receipt(
        helpers.post_report(client, f"/q/{payload}", **{**REPORTER, **overrides})
    )


def act(router, user, code: str, action: str, **data) -> None:
    """The action as the case page performs it (in a request: the e-mails build links)."""
    db.session.expire_all()
    case = by_tracking_code(code)
    with current_app.test_request_context():
        perform(
            case,
            action,
            Actor(user.role, user.id),
            ActionInput(**data),
            router=router,
            expected_version=None,
        )


def publish(router, user, code: str) -> None:
    """Verified (with an internal note), so it is published; still open."""
    db.session.expire_all()
    case = by_tracking_code(code)
    act(
        router,
        user,
        code,
        "verify",
        text=INTERNAL_NOTE,
        agency_id=case.agency_id,
        unit_id=case.unit_id,
    )


def answer(router, user, code: str, text: str = PUBLIC_ANSWER) -> None:
    act(router, user, code, "respond", text=text)


def close(router, user, code: str) -> None:
    act(router, user, code, "close")


def api_keys(router) -> dict[str, str]:
    """name -> plaintext: a Kalimantan Selatan key, one of another region, a revoked one."""
    known = [region.id for region in router.regions]
    keys = {}
    for name, regions in (("aplikasi-kalsel", ["kalsel"]), ("aplikasi-hst", ["hst"])):
        keys[name] = create_key(name, regions, known_regions=known)[1]
    keys["dicabut"] = create_key("dicabut", ["kalsel"], known_regions=known)[1]
    revoke_key("dicabut")
    return keys


def seed(client, router, payload: str) -> Seeded:
    """Three published reports (one answered, one closed), two hidden ones, and keys."""
    user = admin(router)
    world = Seeded(keys=api_keys(router))
    for step in range(3):
        code, _token = file_report(client, payload, title=f"Antrean pendaftaran lama {step}")
        publish(router, user, code)
        if step >= 1:
            answer(router, user, code)
        if step == 2:
            close(router, user, code)
        world.published.append(code)
    world.hidden.append(file_report(client, payload, title="Belum diverifikasi")[0])
    secret, _token = file_report(client, payload, title="Laporan rahasia", confidential="y")
    publish(router, user, secret)
    world.hidden.append(secret)
    return world
