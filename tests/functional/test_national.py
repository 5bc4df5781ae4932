"""The SP4N-LAPOR! mirror: the rows a change adds, what they say, the export, the staff page.

Real submissions and real case actions through the app; the export through the real CLI.
The HTTP connector is tested against a real server in test_national_http.py.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.national.export import CSV_COLUMNS, export_pending
from portal.national.models import FAILED, PENDING, SENT, NationalMirrorItem
from portal.national.payload import FIELDS
from tests.functional.case_actions import PASSWORD, act, citizen
from tests.functional.national_helpers import case_in, items, items_of, payload

REPORTER = ("Siti", "Aminah", "0812", "3456 7890", "siti@example.org")


def kinds(code: str) -> list[str]:
    return [i.event_kind for i in items_of(code)]


def run_export(app, *args: str):
    result = app.test_cli_runner().invoke(args=["national", "export", *args])
    assert result.exit_code == 0, result.output
    return result


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


# --- mirror rows written with each change ---------------------------------------------------


def test_a_submission_adds_exactly_one_item(case):
    code, _ = case
    (item,) = items()
    assert item.event_kind == "submitted" and item.status == PENDING and item.attempts == 0
    assert item.region_id == "kalsel" and item.complaint.tracking_code == code
    assert len(item.idempotency_key) >= 32


def test_a_replayed_form_rolls_back_and_adds_nothing_more(client, h, ulin_payload):
    """The second POST of the same form fails at commit (unique submission key): the mirror
    row it added is rolled back with it."""
    url = f"/q/{ulin_payload}"
    hidden = h.open_form(client, url)
    first = h.receipt(h.post_report(client, url, hidden=hidden))
    again = h.receipt(h.post_report(client, url, hidden=hidden))
    assert first[0] == again[0]
    assert db.session.execute(select(func.count()).select_from(Complaint)).scalar() == 1
    assert [i.event_kind for i in items()] == ["submitted"]


def test_a_refused_change_adds_nothing(staff, case):
    code, _ = case
    stale = act(staff["admin"], code, "verify", version=0, target="rsud-ulin/poli-umum")
    assert stale.status_code == 409
    assert kinds(code) == ["submitted"]


def test_status_changes_are_mirrored_and_internal_notes_are_not(client, staff, case):
    code, token = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum", text="Catatan disposisi")
    act(staff["unit"], code, "note", text="Catatan internal petugas")
    act(staff["unit"], code, "start")
    act(staff["unit"], code, "hold", text="Loket mana yang Anda maksud?")
    assert citizen(client, code, token, "jawab", text="Loket 3").status_code == 303
    act(staff["unit"], code, "respond", text="Loket 3 sudah ditambah petugas.")
    act(staff["admin"], code, "close")
    assert kinds(code) == [
        "submitted",
        "verify",
        "start",
        "hold",
        "answer",
        "respond",
        "close",
    ]
    texts = " ".join(i.payload_json for i in items_of(code))
    assert "Catatan internal petugas" not in texts and "Catatan disposisi" not in texts


def test_each_item_is_a_snapshot_of_the_case_at_that_moment(staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum", supervised="y")
    answer = "Antrean sudah kami tambah dengan satu loket baru."
    act(staff["unit"], code, "respond", text=answer)
    act(staff["admin"], code, "close")
    submitted, verified, responded, closed = (payload(i) for i in items_of(code))

    assert (submitted["status"], submitted["status_label"]) == ("new", "Belum terverifikasi")
    assert submitted["tindak_lanjut"] is None and submitted["perlu_pengawasan"] is False
    assert verified["status_label"] == "Terverifikasi / terdisposisi"
    assert verified["perlu_pengawasan"] is True
    assert (responded["status"], responded["tindak_lanjut"]) == ("responded", answer)
    assert (closed["status_label"], closed["tindak_lanjut"]) == ("Selesai", answer)
    assert closed["jenis_kejadian"] == "close" and closed["waktu_kejadian"]


def test_the_payload_carries_what_lapor_staff_key_in(client, h, ulin_payload):
    client.get("/bahasa/en")  # the citizen reads English; LAPOR! still gets Indonesian
    code, _ = h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            category="kualitas-layanan",
            incident_date="2026-11-02",
            location="Loket 3, lantai 1",
        )
    )
    (item,) = items_of(code)
    p = payload(item)
    assert tuple(p) == FIELDS
    assert p["kode_pelacakan"] == code
    assert p["judul"] == "Antrean pendaftaran sangat lama"
    assert p["isi"].startswith("Saya menunggu tiga jam")
    assert p["tanggal_kejadian"] == "2026-11-02" and p["lokasi"] == "Loket 3, lantai 1"
    assert p["tanggal_lapor"] and p["jenis_kejadian"] == "submitted"
    assert (p["klasifikasi"], p["klasifikasi_label"]) == ("complaint", "Pengaduan")
    assert (p["kategori_id"], p["kategori_nama"]) == ("kualitas-layanan", "Kualitas layanan")
    assert (p["daerah_id"], p["daerah_nama"]) == ("kalsel", "Provinsi Kalimantan Selatan")
    assert p["instansi_id"] == "rsud-ulin" and "Ulin" in p["instansi_nama"]
    assert p["unit_id"] == "poli-umum" and p["unit_nama"]
    assert p["status_label"] == "Belum terverifikasi"
    assert p["anonim"] is False and p["rahasia"] is False and p["reroute_nasional"] is False
    assert not any(secret in item.payload_json for secret in REPORTER)


def test_rejections_as_not_our_authority_are_flagged_for_national_rerouting(
    staff, client, h, ulin_payload
):
    def report() -> str:
        return h.receipt(h.post_report(client, f"/q/{ulin_payload}"))[0]

    national, other_region, spam = report(), report(), report()
    act(staff["admin"], national, "forward", forward_to="sp4n-lapor", text="Kewenangan pusat")
    act(staff["admin"], other_region, "forward", forward_to="hst", text="Wilayah HST")
    act(staff["admin"], spam, "reject_spam", text="Iklan")

    forwarded = payload(items_of(national)[-1])
    assert forwarded["reroute_nasional"] is True
    assert forwarded["diteruskan_ke"] == "sp4n-lapor"
    assert forwarded["alasan_penolakan"] == "not-authority"
    assert (forwarded["status"], forwarded["status_label"]) == ("forwarded", "Diteruskan")
    # Another region of this portal is a transfer, not a national re-routing: LAPOR! learns
    # that the case now belongs to that region (its own mirror rows from then on).
    transferred = items_of(other_region)[-1]
    moved = payload(transferred)
    assert (moved["jenis_kejadian"], moved["reroute_nasional"]) == ("transfer", False)
    assert (moved["daerah_id"], moved["daerah_nama"]) == ("hst", "Kabupaten Hulu Sungai Tengah")
    assert moved["status"] == "new" and moved["diteruskan_ke"] is None
    assert moved["instansi_id"] != "rsud-ulin" and transferred.region_id == "hst"
    assert items_of(other_region)[0].region_id == "kalsel"  # earlier rows stay as they were
    assert payload(items_of(spam)[-1])["reroute_nasional"] is False
    assert payload(items_of(national)[0])["reroute_nasional"] is False  # not when submitted


# --- export ---------------------------------------------------------------------------------


def test_export_writes_json_lines_and_marks_them_sent(app, staff, case):
    code, _ = case
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    result = run_export(app)
    lines = jsonl(result.stdout)
    assert [(x["kode_pelacakan"], x["jenis_kejadian"]) for x in lines] == [
        (code, "submitted"),
        (code, "verify"),
    ]
    exported = items()
    assert [x["item_id"] for x in lines] == [i.id for i in exported]
    assert [x["kunci"] for x in lines] == [i.idempotency_key for i in exported]
    assert all(i.status == SENT and i.connector == "export" for i in exported)
    assert len({i.export_batch for i in exported}) == 1 and exported[0].export_batch
    assert exported[0].export_batch in result.stderr and "exported: 2" in result.stderr

    again = run_export(app)
    assert again.stdout == "" and "exported: 0" in again.stderr


def test_anonim_and_rahasia_travel_and_the_reporter_never_does(app, client, h, ulin_payload):
    code, _ = h.receipt(
        h.post_report(client, f"/q/{ulin_payload}", anonymous="y", confidential="y")
    )
    case = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert case.reporter_phone and case.reporter_email  # kept in the portal, for its staff

    (line,) = jsonl(run_export(app).stdout)
    assert line["anonim"] is True and line["rahasia"] is True
    items()[0].status = PENDING  # export the same item again, as CSV
    db.session.commit()
    out = run_export(app, "--format", "csv").stdout
    (row,) = csv_rows(out)
    assert (row["anonim"], row["rahasia"]) == ("true", "true")
    assert tuple(row) == CSV_COLUMNS
    for text in (json.dumps(line, ensure_ascii=False), out):
        assert not any(secret in text for secret in REPORTER)
        assert "reporter" not in text and "pelapor_" not in text


def test_export_to_a_file_by_region_and_csv_is_safe_in_a_spreadsheet(
    app, client, h, ulin_payload, tmp_path
):
    # Citizens' titles (the form trims surrounding spaces, so no leading tab here).
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)"]
    titles = [f"{start} antrean loket lama" for start in hostile]
    codes = [
        h.receipt(h.post_report(client, f"/q/{ulin_payload}", title=title))[0] for title in titles
    ]
    hst_item = case_in("hst")
    out = tmp_path / "kalsel.csv"
    result = run_export(app, "-o", str(out), "--format", "csv", "--region", "kalsel")
    assert "exported: 4" in result.stderr
    rows = csv_rows(out.read_text(encoding="utf-8"))
    assert [r["kode_pelacakan"] for r in rows] == codes
    assert [r["judul"] for r in rows] == ["'" + t for t in titles]
    assert all(not r["judul"].startswith(("=", "+", "-", "@")) for r in rows)
    assert items(id=hst_item)[0].status == PENDING  # another region's item waits


def test_a_failed_write_marks_nothing(app, case, tmp_path):
    class Broken(io.StringIO):
        def write(self, text):
            raise OSError("disk full")

    with pytest.raises(OSError):
        export_pending(Broken(), "jsonl")
    assert [i.status for i in items()] == [PENDING]

    result = app.test_cli_runner().invoke(
        args=["national", "export", "-o", str(tmp_path / "missing-folder" / "x.jsonl")]
    )
    assert result.exit_code != 0
    assert [i.status for i in items()] == [PENDING]
    assert not list(tmp_path.rglob("*.jsonl*"))


def test_export_keeps_a_case_in_order_behind_a_failed_item(app, staff, case):
    code, _ = case
    first = items_of(code)[0]
    first.status, first.last_error = FAILED, "HTTP 400"
    db.session.commit()
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    assert run_export(app).stdout == ""  # the verify item waits for the failed report
    assert csv_rows(run_export(app, "--format", "csv").stdout) == []  # a header only
    result = app.test_cli_runner().invoke(args=["national", "retry", str(first.id)])
    assert result.exit_code == 0 and "queued again" in result.output
    lines = jsonl(run_export(app).stdout)
    assert [x["jenis_kejadian"] for x in lines] == ["submitted", "verify"]


# --- status and retry from the command line -------------------------------------------------


def test_status_counts_per_state_and_lists_failed_items(app, case):
    code, _ = case
    kalsel = case_in("kalsel", failed=True, error="HTTP 422: kode wilayah salah")
    hst = case_in("hst", failed=True, error="HTTP 400: judul kosong")
    failed_code = items(id=kalsel)[0].complaint.tracking_code
    out = app.test_cli_runner().invoke(args=["national", "status", "--region", "kalsel"]).output
    assert "pending: 1" in out and "sending: 0" in out and "sent: 0" in out
    assert "failed: 1" in out and "HTTP 422: kode wilayah salah" in out
    assert "attempts=12" in out and failed_code in out
    assert "judul kosong" not in out
    everything = app.test_cli_runner().invoke(args=["national", "status"]).output
    assert "failed: 2" in everything and "judul kosong" in everything

    runner = app.test_cli_runner()
    assert runner.invoke(args=["national", "retry"]).exit_code != 0  # neither ID nor --all
    refused = runner.invoke(args=["national", "retry", str(items_of(code)[0].id)])
    assert refused.exit_code != 0 and "not failed" in refused.output
    done = runner.invoke(args=["national", "retry", "--all-failed", "--region", "hst"])
    assert "queued again: 1" in done.output
    assert items(id=hst)[0].status == PENDING and items(id=hst)[0].attempts == 0
    assert len(items(status=FAILED)) == 1


def test_send_refuses_while_the_connector_is_export(app):
    result = app.test_cli_runner().invoke(args=["national", "send", "--once"])
    assert result.exit_code != 0 and "national export" in result.output


# --- the staff page -------------------------------------------------------------------------


def test_admins_see_their_regions_items_and_retry_failed_ones(app, router, staff, case, h):
    kalsel = case_in("kalsel", failed=True, error="HTTP 422: kode wilayah salah")
    hst = case_in("hst", failed=True, error="HTTP 400: judul kosong")
    page = staff["admin"].get("/staf/nasional/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "HTTP 422: kode wilayah salah" in html and "judul kosong" not in html
    assert 'id="count-failed">1<' in html and 'id="count-pending">1<' in html
    assert case[0] in html  # the waiting submission
    assert "/staf/nasional/" in staff["admin"].get("/staf/antrian").get_data(as_text=True)

    token = h.hidden_fields(html)["csrf_token"]
    other = staff["admin"].post(f"/staf/nasional/{hst}/kirim-ulang", data={"csrf_token": token})
    assert other.status_code == 404
    assert staff["admin"].post("/staf/nasional/987654/kirim-ulang", data={"csrf_token": token})
    mine = staff["admin"].post(f"/staf/nasional/{kalsel}/kirim-ulang", data={"csrf_token": token})
    assert mine.status_code == 303
    assert items(id=kalsel)[0].status == PENDING and items(id=hst)[0].status == FAILED
    hst_page = staff["hst_admin"].get("/staf/nasional/").get_data(as_text=True)
    assert "judul kosong" in hst_page and "KSL-" not in hst_page
    no_token = staff["admin"].post(f"/staf/nasional/{kalsel}/kirim-ulang")
    assert no_token.status_code == 400

    create_user(router, password=PASSWORD, email="super@example.org", role="super-admin")
    su = app.test_client()
    h.login(su, "super@example.org", PASSWORD)
    assert "judul kosong" in su.get("/staf/nasional/").get_data(as_text=True)


def test_other_roles_are_refused(staff, case):
    for name in ("leader", "agency", "unit"):
        assert staff[name].get("/staf/nasional/").status_code == 403, name
        assert "/staf/nasional/" not in staff[name].get("/staf/antrian").get_data(as_text=True)


def test_the_page_downloads_the_export_and_marks_it_sent(staff, case, h):
    code, _ = case
    hst = case_in("hst")
    page = staff["admin"].get("/staf/nasional/").get_data(as_text=True)
    token = h.hidden_fields(page)["csrf_token"]
    download = staff["admin"].post(
        "/staf/nasional/ekspor", data={"csrf_token": token, "format": "csv"}
    )
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    (row,) = csv_rows(download.get_data(as_text=True))
    assert row["kode_pelacakan"] == code
    assert items_of(code)[0].status == SENT
    assert items(id=hst)[0].status == PENDING  # not this admin's region

    empty = staff["admin"].post(
        "/staf/nasional/ekspor", data={"csrf_token": token, "format": "jsonl"}
    )
    assert empty.status_code == 303  # nothing left: back to the page with a message
    bad = staff["admin"].post("/staf/nasional/ekspor", data={"csrf_token": token, "format": "x"})
    assert bad.status_code == 400
    leader_token = h.hidden_fields(staff["leader"].get("/staf/antrian").data)["csrf_token"]
    refused = staff["leader"].post("/staf/nasional/ekspor", data={"csrf_token": leader_token})
    assert refused.status_code == 403
    assert db.session.execute(select(func.count()).select_from(NationalMirrorItem)).scalar() == 2
