"""Staff pages read right: the reporter's language, the region's own clock, one open form
at a time on the case page, and long lists a page at a time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from portal.complaints.models import Complaint
from portal.extensions import db
from portal.routing import versions
from portal.routing.models import RoutingVersion

ROUTING_FILE = Path(__file__).resolve().parents[2] / "routing_rules.yaml"
OPEN_DETAILS = re.compile(
    r'<details class="action[^"]*" id="action-([a-z_]+)" name="case-action" open>'
)
ALL_DETAILS = re.compile(r'<details class="action[^"]*" id="action-([a-z_]+)"')


def _reported_in_english(code: str) -> None:
    db.session.execute(update(Complaint).where(Complaint.tracking_code == code).values(locale="en"))
    db.session.commit()


def test_the_queue_and_the_case_page_show_an_english_reporter(staff, case):
    code, _ = case
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert 'id="case-language"' in html and "Bahasa Indonesia" in html
    assert "jawab dalam bahasa Inggris" not in html

    _reported_in_english(code)
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    language = re.search(r'<p class="reporter-language en" id="case-language">(.*?)</p>', html)
    assert language and "English" in language.group(1)
    assert "jawab dalam bahasa Inggris" in language.group(1)

    queue = staff["admin"].get("/staf/").get_data(as_text=True)
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{code}(?:(?!</tr>).)*</tr>", queue, re.S)
    assert row, queue[:2000]
    assert '<span aria-hidden="true">EN</span>' in row.group(0)
    assert "Pelapor memakai bahasa Inggris" in row.group(0)  # what a screen reader says
    # The title is a link to the case, not only the code.
    assert re.search(rf'<a href="/staf/kasus/{code}">[^<]+</a>', row.group(0))


def test_the_english_line_stands_by_the_response_form_too(staff, case):
    code, _ = case
    _reported_in_english(code)
    assert (
        staff["admin"]
        .post(
            f"/staf/kasus/{code}/tindakan/verify",
            data=_form(staff["admin"], code, target="rsud-ulin/poli-umum"),
        )
        .status_code
        == 303
    )
    staff["unit"].post(f"/staf/kasus/{code}/tindakan/start", data=_form(staff["unit"], code))
    html = staff["unit"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    respond = html[
        html.index('id="form-respond"') : html.index("</form>", html.index('id="form-respond"'))
    ]
    assert "jawab dalam bahasa Inggris" in respond


def _form(client, code: str, **fields) -> dict:
    html = client.get(f"/staf/kasus/{code}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"csrf_token": token, "version": version, **fields}


def test_the_case_page_opens_only_the_next_step_and_reopens_a_failed_form(staff, case):
    code, _ = case
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    offered = ALL_DETAILS.findall(html)
    assert {"verify", "reject_spam", "note"} <= set(offered)
    assert OPEN_DETAILS.findall(html) == ["verify"]  # a new case: verifying is the next step

    # An empty reason for archiving as spam: that form comes back, open, with its error.
    answer = staff["admin"].post(
        f"/staf/kasus/{code}/tindakan/reject_spam", data=_form(staff["admin"], code, text=" ")
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert OPEN_DETAILS.findall(html) == ["reject_spam"]


def test_destructive_actions_are_marked_in_words(staff, case):
    code, _ = case
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    spam = re.search(
        r'<details class="action destructive" id="action-reject_spam"[^>]*>(.*?)</summary>',
        html,
        re.S,
    )
    assert spam and "mengakhiri penanganan" in spam.group(1)
    assert (
        '<details class="action" id="action-note" name="case-action">' in html
    )  # a note is not destructive
    assert 'class="secondary danger"' in html


def test_the_timeline_comes_before_the_actions(staff, case):
    code, _ = case
    html = staff["admin"].get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert html.index('class="pre"') < html.index('id="riwayat"') < html.index('id="case-actions"')


def _version_one() -> None:
    """Version 1, the import of the routing file, as the first visit to the editor stores it."""
    versions.seed_from_file(ROUTING_FILE.read_text(encoding="utf-8"), ROUTING_FILE.name)


def test_the_routing_history_is_on_the_region_clock(kalsel_admin, super_admin, router):
    first = _version_one()
    first = db.session.execute(select(RoutingVersion).order_by(RoutingVersion.id)).scalars().first()
    first.created_at = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)
    db.session.commit()
    html = kalsel_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    assert "UTC" not in html
    assert "09.30 WITA" in html  # 01:30 UTC on the Makassar clock
    version = kalsel_admin.get(f"/staf/aturan-rute/versi/{first.id}").get_data(as_text=True)
    assert "09.30 WITA" in version and "UTC" not in version
    # The super admin's page covers every region: each time says which clock it is on.
    assert "WI" in super_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)


def test_the_routing_history_is_paged(super_admin, router):
    _version_one()
    first = db.session.execute(select(RoutingVersion).order_by(RoutingVersion.id)).scalars().first()
    for number in range(2, 32):
        db.session.add(
            RoutingVersion(
                id=number,
                parent_id=number - 1,
                text=first.text,
                content_hash=first.content_hash,
                author="cli",
                source="cli",
                comment=f"versi uji {number}",
            )
        )
    db.session.commit()
    assert len(versions.history()) == 31
    page_one = super_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    assert "versi uji 31" in page_one and "versi uji 6<" not in page_one
    assert 'rel="next" href="/staf/aturan-rute/riwayat?halaman=2"' in page_one
    page_two = super_admin.get("/staf/aturan-rute/riwayat?halaman=2").get_data(as_text=True)
    assert "versi uji 6<" in page_two and "versi uji 31" not in page_two
    assert "Halaman 2 dari 2" in page_two
    # Nonsense after ?halaman= is the first page, not an error.
    assert super_admin.get("/staf/aturan-rute/riwayat?halaman=abc").status_code == 200


def test_the_block_lists_audit_trail_is_paged_on_the_regions_clock(kalsel_admin):
    from portal.abuse.models import AbuseChange

    for number in range(30):
        db.session.add(
            AbuseChange(
                region_id="kalsel",
                change="add",
                kind="email",
                value_hash=f"{number:064d}",
                action="block",
                note=f"catatan uji {number}",
                actor_email="admin@kalsel.example.org",
                created_at=datetime(2026, 11, 22, 1, 30, tzinfo=UTC),
            )
        )
    db.session.commit()
    page_one = kalsel_admin.get("/staf/daftar-blokir/kalsel").get_data(as_text=True)
    assert "catatan uji 29" in page_one and "catatan uji 4<" not in page_one
    assert "09.30 WITA" in page_one
    assert 'href="/staf/daftar-blokir/kalsel?halaman_riwayat=2"' in page_one
    page_two = kalsel_admin.get("/staf/daftar-blokir/kalsel?halaman_riwayat=2")
    assert "catatan uji 4<" in page_two.get_data(as_text=True)


def test_the_failed_delivery_filter_names_the_admins_clock(kalsel_admin):
    page = kalsel_admin.get("/staf/surel/gagal").get_data(as_text=True)
    assert "Dibuat sejak (WITA)" in page and "(WIB)" not in page
