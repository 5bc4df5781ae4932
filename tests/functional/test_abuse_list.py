"""The region's abuse list: who may manage it, what it stores, and what intake does with it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from portal.abuse.models import AbuseChange, AbuseEntry
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.national.models import NationalMirrorItem
from portal.notifications.models import OutboxMessage
from tests.functional.case_actions import act
from tests.helpers import hidden_fields

PAGE = "/staf/daftar-blokir/kalsel"
PHONE = "0812 3456 7890"


def _csrf(client, url=PAGE) -> str:
    page = client.get(url)
    html = page.get_data(as_text=True) if page.status_code == 200 else ""
    if not html:
        html = client.get("/staf/masuk").get_data(as_text=True)
    return hidden_fields(html)["csrf_token"]


def _add(client, kind="phone", value=PHONE, action="refuse", note="Kirim iklan berulang", url=PAGE):
    data = {"csrf_token": _csrf(client), "kind": kind, "value": value, "action": action}
    data["note"] = note
    return client.post(url, data=data)


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _complaints() -> int:
    return _count(Complaint)


# --- managing the list -----------------------------------------------------------------


def test_admin_adds_and_removes_with_an_audit_trail(staff):
    admin = staff["admin"]
    assert _add(admin).status_code == 303
    html = admin.get(PAGE).get_data(as_text=True)
    assert "Kirim iklan berulang" in html and "admin@kalsel.example.org" in html
    entry = db.session.execute(select(AbuseEntry)).scalar_one()
    assert (entry.region_id, entry.kind, entry.action) == ("kalsel", "phone", "refuse")
    removed = admin.post(
        f"/staf/daftar-blokir/entri/{entry.id}/hapus",
        data={"csrf_token": _csrf(admin), "note": "Sudah dikonfirmasi warga"},
    )
    assert removed.status_code == 303
    assert _count(AbuseEntry) == 0
    changes = db.session.execute(select(AbuseChange).order_by(AbuseChange.id)).scalars().all()
    assert [(c.change, c.actor_email) for c in changes] == [
        ("add", "admin@kalsel.example.org"),
        ("remove", "admin@kalsel.example.org"),
    ]
    html = admin.get(PAGE).get_data(as_text=True)
    assert 'id="abuse-audit"' in html and "Sudah dikonfirmasi warga" in html
    assert "Dihapus" in html and "Ditambahkan" in html


def test_the_raw_values_are_nowhere_in_the_database(staff):
    admin = staff["admin"]
    assert _add(admin, "phone", "+62 812-3456-7890").status_code == 303
    assert _add(admin, "email", " Spammer@Pinjol-Kilat.TEST ", "quarantine").status_code == 303
    assert _add(admin, "address", "203.0.113.7").status_code == 303
    dumped = []
    for table in ("abuse_entries", "abuse_changes"):
        for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
            dumped.extend(str(v) for v in row)
    blob = " ".join(dumped).lower()
    assert len(dumped) > 10
    for raw in ("6281234567890", "81234567890", "spammer", "pinjol-kilat", "203.0.113.7"):
        assert raw not in blob
    hashes = db.session.execute(select(AbuseEntry.value_hash)).scalars().all()
    assert len(hashes) == 3 and all(len(v) == 64 for v in hashes)


def test_the_same_value_twice_and_bad_values_get_a_message(staff):
    admin = staff["admin"]
    assert _add(admin).status_code == 303
    again = _add(admin, value="+62 812 3456 7890")
    assert again.status_code == 400
    assert "sudah ada di daftar blokir" in again.get_data(as_text=True)
    for kind, value, message in (
        ("phone", "abc", "Nomor telepon tidak dikenali"),
        ("email", "bukan-surel", "Alamat surel tidak dikenali"),
        ("address", "999.1.1.1", "Alamat IP tidak dikenali"),
        ("fax", "1", "Pilih jenis data"),
    ):
        response = _add(admin, kind, value)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _add(admin, value="0813 0000 1111", note="  ").status_code == 400
    assert _add(admin, value="0813 0000 1111", action="ban").status_code == 400
    assert _count(AbuseEntry) == 1 and _count(AbuseChange) == 1


def test_without_csrf_nothing_is_added(staff):
    response = staff["admin"].post(
        PAGE, data={"kind": "phone", "value": PHONE, "action": "refuse", "note": "x"}
    )
    assert response.status_code == 400 and _count(AbuseEntry) == 0


def test_another_regions_admin_gets_404_and_changes_nothing(staff):
    assert _add(staff["admin"]).status_code == 303
    entry_id = db.session.execute(select(AbuseEntry.id)).scalar_one()
    other = staff["hst_admin"]
    assert other.get(PAGE).status_code == 404
    assert _add(other).status_code == 404
    removed = other.post(
        f"/staf/daftar-blokir/entri/{entry_id}/hapus", data={"csrf_token": _csrf(other)}
    )
    assert removed.status_code == 404
    assert _count(AbuseEntry) == 1
    assert other.get("/staf/daftar-blokir/").headers["Location"].endswith("/staf/daftar-blokir/hst")
    assert "Kirim iklan berulang" not in other.get("/staf/daftar-blokir/hst").get_data(as_text=True)


@pytest.mark.parametrize("role", ["unit", "agency", "leader"])
def test_officers_and_leaders_may_not_manage_it(staff, role):
    assert _add(staff["admin"]).status_code == 303
    entry_id = db.session.execute(select(AbuseEntry.id)).scalar_one()
    client = staff[role]
    assert client.get("/staf/daftar-blokir/").status_code == 403
    assert client.get(PAGE).status_code == 403
    assert _add(client, value="0813 0000 1111").status_code == 403
    url = f"/staf/daftar-blokir/entri/{entry_id}/hapus"
    assert client.post(url, data={"csrf_token": _csrf(client)}).status_code == 403
    assert _count(AbuseEntry) == 1
    assert "Daftar blokir" not in client.get("/staf/antrian").get_data(as_text=True)


def test_super_admin_manages_every_region(app, router, h):
    from portal.accounts.services import create_user

    create_user(
        router, email="super@example.org", password="kata-sandi-uji-123", role="super-admin"
    )
    client = app.test_client()
    assert h.login(client, "super@example.org", "kata-sandi-uji-123").status_code == 302
    html = client.get("/staf/daftar-blokir/").get_data(as_text=True)
    assert "/staf/daftar-blokir/kalsel" in html and "/staf/daftar-blokir/hst" in html
    assert _add(client, url="/staf/daftar-blokir/hst").status_code == 303
    assert db.session.execute(select(AbuseEntry.region_id)).scalar_one() == "hst"
    assert client.get("/staf/daftar-blokir/atlantis").status_code == 404


# --- at intake -------------------------------------------------------------------------


def test_a_blocked_phone_is_refused_and_nothing_is_stored(staff, client, h, ulin_payload):
    assert _add(staff["admin"], value=PHONE, action="refuse").status_code == 303
    before = (_complaints(), _count(OutboxMessage), _count(NationalMirrorItem))
    url = f"/q/{ulin_payload}"
    response = h.post_report(client, url, reporter_phone="+62 812-3456-7890", title="Promo judi")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "tidak dapat diterima melalui formulir ini" in html
    assert "Promo judi" in html  # the form comes back as typed
    assert (_complaints(), _count(OutboxMessage), _count(NationalMirrorItem)) == before
    # another number from the same client is not affected
    assert h.post_report(client, url, reporter_phone="0813 1111 2222").status_code == 303


def test_a_blocked_value_blocks_only_in_its_own_region(staff, client, h, qr_keys):
    from qr.payload import ServiceRef, encode

    assert _add(staff["admin"], value=PHONE, action="refuse").status_code == 303
    hst = encode(ServiceRef("rsud-damanhuri", "igd", "pendaftaran-igd"), qr_keys)
    assert h.post_report(client, f"/q/{hst}", reporter_phone=PHONE).status_code == 303


def test_a_blocked_client_address_is_refused(staff, client, h, ulin_payload):
    assert _add(staff["admin"], "address", "203.0.113.7").status_code == 303
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    response = h.post_report(
        client,
        f"/q/{ulin_payload}",
        anonymous="y",
        reporter_name=None,
        reporter_phone=None,
        reporter_email=None,
    )
    assert response.status_code == 403 and _complaints() == 0
    client.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    assert h.post_report(client, f"/q/{ulin_payload}").status_code == 303


def test_quarantine_stores_it_quietly_until_an_admin_releases_it(staff, client, h, ulin_payload):
    assert _add(staff["admin"], "email", "siti@example.org", "quarantine").status_code == 303
    code, token = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", reporter_email=" SITI@Example.org ")
    )
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert complaint.status == "quarantined"
    assert _count(OutboxMessage, OutboxMessage.complaint_id == complaint.id) == 0
    assert _count(NationalMirrorItem, NationalMirrorItem.complaint_id == complaint.id) == 0
    # the citizen sees an ordinary report waiting for verification
    citizen_page = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    assert "Belum terverifikasi" in citizen_page and "Karantina" not in citizen_page
    # not in the open queue, but in its own tab
    admin = staff["admin"]
    assert code not in admin.get("/staf/antrian").get_data(as_text=True)
    assert code in admin.get("/staf/antrian?status=quarantined").get_data(as_text=True)
    assert code not in staff["unit"].get("/staf/antrian").get_data(as_text=True)

    assert act(admin, code, "release", text="Bukan spam").status_code == 303
    db.session.expire_all()
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert complaint.status == "new" and complaint.due_key == complaint.verify_due
    templates = set(
        db.session.execute(
            select(OutboxMessage.template).where(OutboxMessage.complaint_id == complaint.id)
        ).scalars()
    )
    assert {"receipt", "new_case"} <= templates
    kinds = (
        db.session.execute(
            select(NationalMirrorItem.event_kind).where(
                NationalMirrorItem.complaint_id == complaint.id
            )
        )
        .scalars()
        .all()
    )
    assert kinds == ["submitted"]
    assert code in admin.get("/staf/antrian").get_data(as_text=True)
    # the release is internal: the citizen's timeline does not mention it
    assert "karantina" not in client.get(f"/lacak/{code}?t={token}").get_data(as_text=True).lower()


def test_a_quarantined_wave_is_archived_in_bulk_without_reaching_lapor(
    staff, client, h, ulin_payload
):
    assert _add(staff["admin"], "address", "198.51.100.4", "quarantine").status_code == 303
    client.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    codes = [
        h.receipt(h.post_report(client, f"/q/{ulin_payload}", title=f"Promo {i}"))[0]
        for i in range(3)
    ]
    admin = staff["admin"]
    html = admin.get("/staf/antrian?status=quarantined").get_data(as_text=True)
    assert all(f'name="kode" value="{c}"' in html for c in codes)
    response = admin.post(
        "/staf/antrian/massal?status=quarantined",
        data={
            "kode": codes,
            "action": "spam",
            "text": "Spam",
            "csrf_token": hidden_fields(html)["csrf_token"],
        },
    )
    assert response.status_code == 303
    statuses = (
        db.session.execute(select(Complaint.status).where(Complaint.tracking_code.in_(codes)))
        .scalars()
        .all()
    )
    assert statuses == ["archived"] * 3
    assert _count(NationalMirrorItem) == 0 and _count(OutboxMessage) == 0


def test_refuse_wins_over_quarantine(staff, client, h, ulin_payload):
    assert _add(staff["admin"], "email", "siti@example.org", "quarantine").status_code == 303
    assert _add(staff["admin"], "phone", PHONE, "refuse").status_code == 303
    assert h.post_report(client, f"/q/{ulin_payload}").status_code == 403
    assert _complaints() == 0
