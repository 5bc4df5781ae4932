"""Forwards that arrive: a case transferred to another region of this portal lands in that
region's queue on its clocks, may be sent back once with a reason, never bounces between
two regions without a super-admin, and the citizen is told of every move and archive."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
from sqlalchemy import select

from portal.accounts.services import create_user
from portal.clocks.calendar import calendar_for
from portal.clocks.deadlines import local_date
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.render import render_row
from tests.functional.case_actions import PASSWORD, act

HST = "Kabupaten Hulu Sungai Tengah"
KALSEL = "Provinsi Kalimantan Selatan"
REASON = "Lokasi kejadian di Barabai, wilayah Kabupaten HST."


def load(code: str) -> Complaint:
    db.session.expire_all()
    return db.session.execute(select(Complaint).where(Complaint.tracking_code == code)).scalar_one()


def outbox(code: str, template: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    stmt = (
        select(OutboxMessage)
        .join(Complaint, Complaint.id == OutboxMessage.complaint_id)
        .where(Complaint.tracking_code == code)
        .order_by(OutboxMessage.id)
    )
    if template is not None:
        stmt = stmt.where(OutboxMessage.template == template)
    return list(db.session.execute(stmt).scalars())


def snapshot(code: str) -> tuple:
    c = load(code)
    return (
        c.version_id,
        c.status,
        c.region_id,
        c.agency_id,
        c.unit_id,
        c.transferred_from,
        c.verify_due,
        len(c.events),
    )


def transfer(client, code, region="hst", text=REASON):
    """What the case page's one forward form posts (a region: the route makes it a transfer)."""
    return act(client, code, "forward", forward_to=region, text=text)


@pytest.fixture
def super_admin(app, router, h):
    create_user(router, email="super@example.org", password=PASSWORD, role="super-admin")
    client = app.test_client()
    assert h.login(client, "super@example.org", PASSWORD).status_code == 302
    return client


@pytest.fixture
def hst_unit(app, router, h):
    spec = dict(email="poli-anak@hst.example.org", role="unit-officer")
    create_user(router, password=PASSWORD, agency="rsud-damanhuri", unit="poli-anak", **spec)
    client = app.test_client()
    assert h.login(client, spec["email"], PASSWORD).status_code == 302
    return client


# --- the transfer --------------------------------------------------------------------------


def test_a_transfer_lands_in_the_receiving_regions_queue_on_its_clocks(
    staff, case, router, hst_unit
):
    code, _ = case
    response = transfer(staff["admin"], code)
    # The sending admin is taken to the queue with a clear message, not to a 404.
    assert response.status_code == 303 and response.headers["Location"].endswith("/staf/antrian")
    queue = staff["admin"].get("/staf/antrian").get_data(as_text=True)
    assert f"{code} sudah diteruskan ke {HST}" in queue
    assert code not in queue.replace(f"Laporan {code} sudah", "")

    c = load(code)
    assert (c.status, c.region_id, c.transferred_from) == ("new", "hst", "kalsel")
    assert c.transferred_at is not None and c.forwarded_to is None and c.reject_reason is None
    first = router.region("hst").agencies[0]
    assert (c.agency_id, c.unit_id) == (first.id, first.units[0].id)  # the region's intake
    assert json.loads(c.clocks_json) == asdict(router.region_clocks("hst"))
    day = local_date(c.transferred_at, router.timezone_for("hst"))
    calendar = calendar_for(router.holidays_for("hst"))
    assert c.verify_due == calendar.add_working_days(day, router.region_clocks("hst").verification)
    assert c.due_key == c.verify_due and c.sla_state == "ok"
    hop = c.events[-1]
    assert (hop.kind, hop.from_status, hop.to_status, hop.public) == (
        "transfer",
        "new",
        "new",
        True,
    )
    assert hop.note == f"{KALSEL} \u2192 {HST}\n{REASON}"

    # Out of the sending region's reach, whoever asks there; in the receiving one's.
    for name in ("admin", "agency", "unit", "leader"):
        assert staff[name].get(f"/staf/kasus/{code}").status_code == 404
    hst_admin = staff["hst_admin"]
    hst_queue = hst_admin.get("/staf/antrian").get_data(as_text=True)
    assert code in hst_queue
    assert f'<span class="badge moved-from">Dari {KALSEL}</span>' in hst_queue
    page = hst_admin.get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert f"Diteruskan dari:</strong> {KALSEL}" in page
    assert "Kembalikan ke daerah asal" in page
    # ...who verifies it and disposes it to one of its own units, whose officer works it.
    assert act(hst_admin, code, "verify", target="rsud-damanhuri/poli-anak").status_code == 303
    c = load(code)
    assert (c.status, c.agency_id, c.unit_id) == ("verified", "rsud-damanhuri", "poli-anak")
    # Accepted: no longer a fresh arrival in the queue.
    assert "moved-from" not in hst_admin.get("/staf/antrian").get_data(as_text=True)
    assert act(hst_unit, code, "start").status_code == 303
    assert load(code).status == "in_progress"


def test_a_verified_case_may_be_transferred_and_starts_afresh(staff, case, router):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum", supervised="y")
    assert load(code).supervised
    assert transfer(staff["admin"], code, region="muara-enim").status_code == 303
    c = load(code)
    assert (c.status, c.region_id, c.verified_at, c.supervised) == (
        "new",
        "muara-enim",
        None,
        False,
    )
    # Muara Enim runs on WIB: its own calendar day counts, whatever the clock says in Kalsel.
    day = local_date(c.transferred_at, "Asia/Jakarta")
    calendar = calendar_for(router.holidays_for("muara-enim"))
    clocks = router.region_clocks("muara-enim")
    assert c.verify_due == calendar.add_working_days(day, clocks.verification)
    assert c.followup_due == calendar.add_working_days(day, clocks.followup_for(c.classification))


def test_the_staff_of_the_receiving_region_hear_of_it(staff, case):
    code, _ = case
    transfer(staff["admin"], code)
    rows = outbox(code, "case_moved")
    assert {r.recipient for r in rows} == {"pengaduan.hst@example.org", "admin@hst.example.org"}
    rendered = render_row(rows[0])
    assert rendered.subject == f"Laporan {code} diteruskan ke {HST}"
    assert f"diteruskan dari {KALSEL} ke antrean {HST}" in rendered.text
    assert REASON in rendered.text and f"/staf/kasus/{code}" in rendered.text


def test_a_rahasia_cases_reason_reaches_only_those_who_may_open_it(staff, client, h, ulin_payload):
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", confidential="y"))
    transfer(staff["admin"], code)
    by_address = {r.recipient: render_row(r).text for r in outbox(code, "case_moved")}
    assert REASON in by_address["admin@hst.example.org"]  # an account that can open it
    contact = by_address["pengaduan.hst@example.org"]  # an address without an account
    assert REASON not in contact and "Antrean pendaftaran" not in contact
    assert "Laporan Rahasia" in contact


# --- the citizen ---------------------------------------------------------------------------


def test_the_citizen_follows_the_case_through_transfer_and_send_back(staff, client, case):
    code, token = case
    transfer(staff["admin"], code)
    for url in (f"/lacak/{code}", f"/lacak/{code}?t={token}"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and f"Diteruskan ke {HST}" in html
        assert "tetap berlaku" in html and REASON in html
        assert "Inspektur Pembantu Investigasi" not in html  # the intake is not "handled by"
    assert "Antrean pendaftaran sangat lama" in client.get(f"/lacak/{code}?t={token}").get_data(
        as_text=True
    )

    reason_back = "Barabai benar, tetapi layanan ini milik RSUD Ulin (provinsi)."
    response = act(staff["hst_admin"], code, "send_back", text=reason_back)
    assert response.status_code == 303 and response.headers["Location"].endswith("/staf/antrian")
    # The admin who sent it back reads "sent back", not "forwarded".
    queue = staff["hst_admin"].get("/staf/antrian").get_data(as_text=True)
    assert f"{code} sudah dikembalikan ke {KALSEL}" in queue and "sudah diteruskan" not in queue
    c = load(code)
    assert (c.status, c.region_id, c.transferred_from) == ("new", "kalsel", "hst")
    # Home again: where the region's own rules route the counter it was reported at.
    assert (c.agency_id, c.unit_id) == ("rsud-ulin", "poli-umum")
    assert c.events[-1].note == f"{HST} \u2192 {KALSEL}\n{reason_back}"
    html = client.get(f"/lacak/{code}?t={token}").get_data(as_text=True)
    assert f"Dikembalikan ke {KALSEL}" in html and reason_back in html
    assert staff["hst_admin"].get(f"/staf/kasus/{code}").status_code == 404
    page = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert f"Dikembalikan dari:</strong> {HST}" in page
    # The timeline keeps both hops.
    assert f"{KALSEL} \u2192 {HST}" in page and f"{HST} \u2192 {KALSEL}" in page


def test_each_move_and_archive_tells_the_citizen_in_indonesian(staff, client, h, ulin_payload):
    def report(**kw) -> str:
        return h.receipt(h.post_report(client, f"/q/{ulin_payload}", **kw))[0]

    spam, dup, original, lapor, moved = (report() for _ in range(5))
    act(staff["admin"], spam, "reject_spam", text="Isi berupa iklan pinjaman")
    act(staff["admin"], dup, "reject_duplicate", duplicate_of=original)
    act(staff["admin"], lapor, "forward", forward_to="sp4n-lapor", text="Kewenangan kementerian")
    transfer(staff["admin"], moved)
    act(staff["hst_admin"], moved, "send_back", text="Bukan wilayah HST")

    def mail(code, template) -> str:
        (row,) = outbox(code, template)
        assert row.recipient == "siti@example.org" and row.locale == "id"
        rendered = render_row(row)
        assert code in rendered.subject and f"/lacak/{code}?t=" in rendered.text
        return rendered.text

    text = mail(spam, "archived_spam")
    assert "Isi berupa iklan pinjaman" in text and "kirim laporan baru" in text
    text = mail(dup, "archived_duplicate")
    assert f"sama dengan laporan {original}" in text and f"/lacak/{original}" in text
    text = mail(lapor, "forwarded")
    assert "SP4N-LAPOR!" in text and "https://www.lapor.go.id" in text
    assert f"bukan kewenangan {KALSEL}" in text and "Kewenangan kementerian" in text
    text = mail(moved, "transferred")
    assert f"diteruskan ke {HST}" in text and f"Kode pelacakan {moved}" in text
    text = mail(moved, "sent_back")
    assert f"dikembalikan ke {KALSEL}" in text and "Bukan wilayah HST" in text
    # The staff case page lists what the citizen was sent.
    page = staff["admin"].get(f"/staf/kasus/{moved}").get_data(as_text=True)
    assert "Diteruskan ke daerah lain" in page and "Dikembalikan ke daerah asal" in page


def test_an_english_speaking_citizen_is_told_in_english(staff, client, h, ulin_payload):
    client.get("/bahasa/en")

    def report(**kw) -> str:
        return h.receipt(h.post_report(client, f"/q/{ulin_payload}", **kw))[0]

    secret = report(confidential="y")
    spam, dup, lapor, moved = (report() for _ in range(4))
    act(staff["admin"], spam, "reject_spam", text="Iklan")
    act(staff["admin"], dup, "reject_duplicate", duplicate_of=secret)
    act(staff["admin"], lapor, "forward", forward_to="sp4n-lapor", text="Kementerian")
    transfer(staff["admin"], moved)

    def mail(code, template):
        (row,) = outbox(code, template)
        assert row.locale == "en"
        return render_row(row)

    spam_mail = mail(spam, "archived_spam")
    assert spam_mail.subject == f"Report {spam} has been archived"
    assert "send a new report" in spam_mail.text
    dup_mail = mail(dup, "archived_duplicate")
    # The original is Rahasia: never named, not even to this citizen.
    assert secret not in dup_mail.text and "another report" in dup_mail.text
    lapor_mail = mail(lapor, "forwarded")
    assert lapor_mail.subject == f"Report {lapor} forwarded to SP4N-LAPOR!"
    assert "national public-service complaints channel" in lapor_mail.text
    moved_mail = mail(moved, "transferred")
    # the region's English name (name_en:) for a reporter who wrote in English
    assert moved_mail.subject == f"Report {moved} forwarded to Hulu Sungai Tengah Regency"
    assert f"tracking code {moved} and your private link still work" in moved_mail.text


def test_a_quarantined_report_archived_as_spam_tells_nobody(staff, client, h, ulin_payload):
    page = staff["admin"].get("/staf/daftar-blokir/kalsel").get_data(as_text=True)
    token = h.hidden_fields(page)["csrf_token"]
    staff["admin"].post(
        "/staf/daftar-blokir/kalsel",
        data={
            "csrf_token": token,
            "kind": "email",
            "value": "siti@example.org",
            "action": "quarantine",
            "note": "Kiriman iklan berulang",
        },
    )
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    assert load(code).status == "quarantined"
    assert act(staff["admin"], code, "reject_spam", text="Iklan").status_code == 303
    assert load(code).status == "archived"
    assert outbox(code) == []  # the sender was never told it was held: no notice now either


def test_a_whatsapp_citizen_hears_of_the_transfer_by_whatsapp(
    app, staff, client, h, ulin_payload, tmp_path
):
    from portal.messaging.delivery import WhatsAppChannel
    from portal.messaging.models import PhoneMessage
    from portal.outbox.worker import deliver_all_due

    saved = app.config["PHONE_MESSAGE_DIR"]
    app.config["PHONE_MESSAGE_DIR"] = str(tmp_path / "messages")
    try:
        fields = dict(reporter_email=None, notify_via="whatsapp")
        code, token = h.receipt(h.post_report(client, f"/q/{ulin_payload}", **fields))
        # HST has no WhatsApp number of its own: the citizen chose it at Kalsel's poster.
        transfer(staff["admin"], code)
        deliver_all_due(WhatsAppChannel())
        db.session.expire_all()
        rows = select(PhoneMessage).order_by(PhoneMessage.id)  # PostgreSQL: no order unasked
        kinds = [r.kind for r in db.session.execute(rows).scalars()]
        assert kinds == ["receipt", "transferred"]
        files = sorted((tmp_path / "messages" / "whatsapp").glob("*.txt"))
        text = next(f.read_text() for f in files if "Kind: transferred" in f.read_text())
        assert "To: +6281234567890" in text and f"diteruskan ke {HST}" in text
        assert f"Kode pelacakan {code}" in text and f"/lacak/{code}?t={token}" in text
        assert REASON in text
    finally:
        app.config["PHONE_MESSAGE_DIR"] = saved


# --- what is refused, and nothing changes --------------------------------------------------


def test_bad_transfers_are_refused_and_change_nothing(staff, client, h, ulin_payload, case):
    code, _ = case
    before = snapshot(code)
    response = transfer(staff["admin"], code, region="atlantis")
    assert response.status_code == 400
    assert "Daerah tujuan tidak ada di portal ini" in response.get_data(as_text=True)
    assert REASON in response.get_data(as_text=True)  # the typed reason is still there
    response = transfer(staff["admin"], code, region="kalsel")
    assert response.status_code == 400
    assert "sudah berada di daerah tersebut" in response.get_data(as_text=True)
    response = transfer(staff["admin"], code, text="  ")
    assert response.status_code == 400 and "Teks wajib diisi" in response.get_data(as_text=True)
    # A unit officer may never move a case (403), whichever door they knock on.
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    before = snapshot(code)
    assert transfer(staff["unit"], code).status_code == 403
    assert act(staff["unit"], code, "transfer", forward_to="hst", text="x").status_code == 403
    assert snapshot(code) == before
    # In progress: not from this status (409), and SP4N-LAPOR! only from new.
    act(staff["unit"], code, "start")
    before = snapshot(code)
    response = transfer(staff["admin"], code)
    assert response.status_code == 409 and "Sedang diproses" in response.get_data(as_text=True)
    assert (
        act(staff["admin"], code, "forward", forward_to="sp4n-lapor", text="x").status_code == 409
    )
    assert snapshot(code) == before
    assert outbox(code, "transferred") == []


def test_send_back_of_a_case_that_never_moved_is_refused(staff, case):
    code, _ = case
    before = snapshot(code)
    page = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "form-send_back" not in page  # not offered…
    response = act(staff["admin"], code, "send_back", text="Bukan kami")  # …nor done
    assert response.status_code == 400
    assert "tidak berasal dari daerah lain" in response.get_data(as_text=True)
    assert snapshot(code) == before


def test_a_case_does_not_bounce_between_two_regions(staff, case, super_admin):
    code, _ = case
    transfer(staff["admin"], code)
    hst_admin = staff["hst_admin"]
    # Straight back by a transfer: refused, the clerk is pointed at "send back".
    page = hst_admin.get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert f'<option value="kalsel">{KALSEL}</option>' not in page
    before = snapshot(code)
    response = transfer(hst_admin, code, region="kalsel")
    assert response.status_code == 400 and "Kembalikan ke daerah asal" in response.get_data(True)
    assert act(hst_admin, code, "send_back", text="  ").status_code == 400  # a reason is needed
    assert snapshot(code) == before
    assert act(hst_admin, code, "send_back", text="Bukan wilayah HST").status_code == 303

    # Kalsel cannot send it back again, nor transfer it to HST again: HST already refused.
    admin = staff["admin"]
    before = snapshot(code)
    page = admin.get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "form-send_back" not in page and f'<option value="hst">{HST}</option>' not in page
    response = act(admin, code, "send_back", text="Tetap HST")
    assert response.status_code == 400 and "tidak dapat dikembalikan lagi" in response.get_data(
        True
    )
    response = transfer(admin, code, text="Tetap HST")
    assert response.status_code == 400 and "Hanya super admin" in response.get_data(True)
    assert snapshot(code) == before
    # Another region is still open to Kalsel, and a super-admin may overrule the refusal.
    assert '<option value="muara-enim">' in page
    assert transfer(super_admin, code, text="Diputuskan: HST berwenang").status_code == 303
    c = load(code)
    assert (c.region_id, c.transferred_from) == ("hst", "kalsel")
    assert [e.kind for e in c.events if e.kind in ("transfer", "send_back")] == [
        "transfer",
        "send_back",
        "transfer",
    ]


def test_once_verified_the_receiving_region_has_accepted_it(staff, case, super_admin):
    code, _ = case
    transfer(staff["admin"], code)
    hst_admin = staff["hst_admin"]
    act(hst_admin, code, "verify", target="rsud-damanhuri/poli-anak")
    before = snapshot(code)
    assert act(hst_admin, code, "send_back", text="Ternyata bukan kami").status_code == 409
    response = transfer(hst_admin, code, region="kalsel")
    assert response.status_code == 400 and "sudah diverifikasi" in response.get_data(True)
    assert snapshot(code) == before
    assert transfer(super_admin, code, region="kalsel").status_code == 303  # the arbiter may
    # The super-admin still sees the case after moving it: back to its page, not the queue.
    response = transfer(super_admin, code, region="muara-enim")
    assert response.status_code == 303 and f"/staf/kasus/{code}" in response.headers["Location"]
