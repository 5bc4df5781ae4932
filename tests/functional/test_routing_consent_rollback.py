"""Issue 15: cross-region rules need the destination's consent; a rollback is checked like
any edit (open cases of a vanished unit, their display); printed poster promises.

Routing versions are real files written to tmp and activated as stored versions; the
editor and the rollback page are driven over HTTP with the real database."""

from __future__ import annotations

import html as html_mod
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.routing import versions
from portal.routing.active import get_router, routing_state
from portal.routing.loader import load_router
from portal.routing.model import RoutingFileError
from portal.routing.models import SOURCE_CLI
from tests.helpers import hidden_fields

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
KALSEL = "/staf/aturan-rute/wilayah/kalsel"
HST = "/staf/aturan-rute/wilayah/hst"
WHOLE = "/staf/aturan-rute/semua"

CROSS_RULE = (
    "rules:\n"
    "  - id: kalsel-ke-inspektorat-hst\n"
    "    description: Keluhan lainnya ditangani Inspektorat HST\n"
    "    when:\n"
    "      category: lainnya\n"
    "    route_to:\n"
    "      agency: inspektorat-hst\n"
    "      unit: irban-investigasi\n"
)
CROSS_RULE_WHOLE = "\n".join(
    ("    " + line if line else line) for line in CROSS_RULE.split("\n")
).replace("    rules:\n", "", 1)
HST_ACCEPTS = "timezone: Asia/Makassar\naccept_routes_from: [kalsel]\n"


def _editor(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    text = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', html, re.S)
    return hidden_fields(html), html_mod.unescape(text.group(1))


def _post(client, path, fields, text, action, **extra):
    return client.post(path, data={**fields, "text": text, "action": action, **extra})


def _text(response) -> str:
    return html_mod.unescape(response.get_data(as_text=True))


def _with_cross_rule(part: str) -> str:
    assert part.count("\nrules:\n") == 1
    return part.replace("\nrules:\n", "\n" + CROSS_RULE, 1)


def _activate_file(tmp_path, name: str, text: str, comment: str):
    """Write a routing file to tmp, check it like `flask routing apply`, store it."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    load_router(path)
    who = versions.Activation(author="cli:test", source=SOURCE_CLI, comment=comment)
    version, router = versions.activate(path.read_text(encoding="utf-8"), None, who, str(path))
    state = routing_state()
    if state is not None:
        state.activated(version.id, router)
    return version


def _seeded():
    state = routing_state()
    if versions.newest() is None:
        text, _router = state.file_router()
        versions.seed_from_file(text, state.file_path)
    return versions.newest()


# --- 3. cross-region rules need consent ----------------------------------------------------


def test_regional_rule_into_another_region_is_refused_in_indonesian(kalsel_admin):
    fields, part = _editor(kalsel_admin, KALSEL)
    edited = _with_cross_rule(part)
    checked = _post(kalsel_admin, KALSEL, fields, edited, "check")
    html = _text(checked)
    assert checked.status_code == 422
    assert "Ditolak: aturan berikut mengirim laporan" in html
    assert "kalsel-ke-inspektorat-hst (Provinsi Kalimantan Selatan → Kabupaten Hulu" in html
    assert "BELUM disetujui daerah tujuan" in html
    # The page opens at the check result: the refusal is there, with no call to press a
    # button the page does not offer.
    result = html.split('id="check-result"', 1)[1]
    assert "Ditolak: aturan berikut mengirim laporan" in result
    assert "menekan Aktifkan" not in result and 'value="activate"' not in result
    assert "Perubahan ini belum dapat diaktifkan." in result
    done = _post(kalsel_admin, KALSEL, fields, edited, "activate", comment="ke HST", confirm="1")
    assert done.status_code == 403
    assert versions.newest().id == 1  # nothing stored
    still = get_router().route("rsud-ulin", "poli-umum", "pendaftaran", category="lainnya")
    assert still.agency.id == "rsud-ulin"


def test_accepted_after_the_destination_admin_writes_accept_routes_from(kalsel_admin, hst_admin):
    hst_fields, hst_part = _editor(hst_admin, HST)
    accepting = hst_part.replace("timezone: Asia/Makassar\n", HST_ACCEPTS, 1)
    done = _post(hst_admin, HST, hst_fields, accepting, "activate", comment="Terima dari Kalsel")
    assert done.status_code == 302
    assert get_router().region("hst").accept_routes_from == ("kalsel",)

    fields, part = _editor(kalsel_admin, KALSEL)
    edited = _with_cross_rule(part)
    checked = _post(kalsel_admin, KALSEL, fields, edited, "check")
    assert checked.status_code == 200
    assert "disetujui daerah tujuan (accept_routes_from)" in _text(checked)
    done = _post(kalsel_admin, KALSEL, fields, edited, "activate", comment="ke HST")
    assert done.status_code == 302
    destination = get_router().route("rsud-ulin", "poli-umum", "pendaftaran", category="lainnya")
    assert (destination.agency.id, destination.region.id) == ("inspektorat-hst", "hst")

    # HST revokes while the rule uses the acceptance: refused, the rule named.
    hst_fields, hst_part = _editor(hst_admin, HST)
    assert "accept_routes_from: [kalsel]" in hst_part
    revoked = hst_part.replace("accept_routes_from: [kalsel]\n", "", 1)
    page = _post(hst_admin, HST, hst_fields, revoked, "activate", comment="Cabut")
    html = _text(page)
    assert page.status_code == 403
    assert "kalsel-ke-inspektorat-hst" in html and "Ditolak" in html
    # Told whom to ask: HST cannot edit Kalsel's rule nor write Kalsel's acceptance.
    assert "masih dipakai aturan daerah lain" in html and "hubungi admin daerah asal" in html
    assert "dengan id daerah Anda" not in html
    assert get_router().region("hst").accept_routes_from == ("kalsel",)
    # Once Kalsel drops the rule, HST may revoke.
    fields, part = _editor(kalsel_admin, KALSEL)
    without = part.replace(CROSS_RULE, "rules:\n", 1)
    assert _post(kalsel_admin, KALSEL, fields, without, "activate", comment="x").status_code == 302
    hst_fields, hst_part = _editor(hst_admin, HST)
    revoked = hst_part.replace("accept_routes_from: [kalsel]\n", "", 1)
    done = _post(hst_admin, HST, hst_fields, revoked, "activate", comment="Cabut")
    assert done.status_code == 302
    assert get_router().region("hst").accept_routes_from == ()


def test_a_regional_admin_cannot_write_the_acceptance_into_another_region(kalsel_admin):
    fields, part = _editor(kalsel_admin, KALSEL)
    as_hst = part.replace("id: kalsel\n", "id: hst\naccept_routes_from: [kalsel]\n", 1)
    page = _post(kalsel_admin, KALSEL, fields, as_hst, "activate", comment="x")
    assert page.status_code == 422 and "this part belongs to region" in _text(page)
    assert kalsel_admin.get(HST).status_code == 404
    assert get_router().region("hst").accept_routes_from == ()


def test_super_admin_activation_counts_as_consent_once_confirmed(super_admin, kalsel_admin):
    fields, whole = _editor(super_admin, WHOLE)
    anchor = "          unit: ipsrs\n"
    assert whole.count(anchor) == 1
    edited = whole.replace(anchor, anchor + CROSS_RULE_WHOLE, 1)
    checked = _post(super_admin, WHOLE, fields, edited, "check")
    html = _text(checked)
    assert checked.status_code == 200
    assert "aktivasi itu dihitung sebagai persetujuan daerah tujuan" in html
    assert 'name="confirm_consent"' in html
    page = _post(super_admin, WHOLE, fields, edited, "activate", comment="Kalsel ke HST")
    assert page.status_code == 409 and "centang konfirmasinya" in _text(page)
    assert versions.newest().id == 1
    done = _post(
        super_admin, WHOLE, fields, edited, "activate", comment="Kalsel ke HST", confirm_consent="1"
    )
    assert done.status_code == 302
    assert get_router().route(
        "rsud-ulin", "poli-umum", "pendaftaran", category="lainnya"
    ).agency.id == ("inspektorat-hst")
    # Kalsel's admin may now edit their part: the route the super admin consented to stays.
    k_fields, part = _editor(kalsel_admin, KALSEL)
    edited = part.replace("pengaduan.kalsel@example.org", "pengaduan2.kalsel@example.org", 1)
    checked = _post(kalsel_admin, KALSEL, k_fields, edited, "check")
    assert checked.status_code == 200
    assert "berlaku karena diaktifkan oleh super admin" in _text(checked)
    # … but pointing it at another HST agency is a new route, refused again.
    moved = edited.replace(
        "agency: inspektorat-hst\n      unit: irban-investigasi",
        "agency: disdukcapil-hst\n      unit: informasi-pengaduan",
        1,
    )
    assert moved != edited
    assert _post(kalsel_admin, KALSEL, k_fields, moved, "check").status_code == 422
    # … and so is widening which reports it takes (all complaints instead of "lainnya").
    widened = edited.replace("    when:\n      category: lainnya\n", "", 1)
    assert widened != edited
    assert _post(kalsel_admin, KALSEL, k_fields, widened, "check").status_code == 422


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[kalsell]", "names unknown region 'kalsell'; did you mean 'kalsel'?"),
        ("[hst]", "lists the region itself"),
        ("[kalsel, kalsel]", "region 'kalsel' is listed twice"),
        ("kalsel", "must be a list of region ids, e.g. [kalsel]"),
        ("[Kalsel!]", "which is no region id"),
        ("[kalsel", "YAML syntax"),
        ("{kalsel: true}", "must be a list, not a mapping"),
    ],
)
def test_bad_accept_routes_from_is_refused_with_its_line(tmp_path, hst_admin, value, expected):
    # In the editor: the line of the part the admin typed.
    fields, part = _editor(hst_admin, HST)
    line = part.split("\n").index("timezone: Asia/Makassar") + 2
    edited = part.replace(
        "timezone: Asia/Makassar\n", f"timezone: Asia/Makassar\naccept_routes_from: {value}\n", 1
    )
    page = _post(hst_admin, HST, fields, edited, "activate", comment="x")
    html = _text(page)
    assert page.status_code == 422
    issues = re.findall(r'<li class="issue">\s*(\d+): ([^<]*)</li>', html)
    assert any(expected in message for _line, message in issues), issues
    if expected != "YAML syntax":  # a syntax error may point past the broken line
        assert any(int(n) == line for n, m in issues if expected in m), issues
    # The loader (flask routing check) refuses the same file, with the whole file's line.
    whole_line = DEMO.split("\n").index("  - id: hst") + line
    broken = DEMO.replace(
        "  - id: hst\n    name: Kabupaten Hulu Sungai Tengah\n"
        "    name_en: Hulu Sungai Tengah Regency\n    prefix: HST\n"
        "    timezone: Asia/Makassar\n",
        "  - id: hst\n    name: Kabupaten Hulu Sungai Tengah\n"
        "    name_en: Hulu Sungai Tengah Regency\n    prefix: HST\n"
        f"    timezone: Asia/Makassar\n    accept_routes_from: {value}\n",
        1,
    )
    assert broken != DEMO
    path = tmp_path / "routing.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RoutingFileError) as exc:
        load_router(path)
    found = [i for i in exc.value.issues if expected in i.message]
    assert found, exc.value.issues
    if expected != "YAML syntax":
        assert found[0].line == whole_line
    assert versions.newest().id == 1


def test_the_loader_accepts_an_unconsented_rule_and_check_names_it(tmp_path):
    """Documented choice: consent is the editor's check, so every stored version loads;
    `flask routing check` passes the file and notes the rule without acceptance."""
    from click.testing import CliRunner

    from portal.routing.cli import routing_cli

    anchor = "          unit: ipsrs\n"
    path = tmp_path / "routing.yaml"
    path.write_text(DEMO.replace(anchor, anchor + CROSS_RULE_WHOLE, 1), encoding="utf-8")
    router = load_router(path)
    destination = router.route("rsud-ulin", "poli-umum", "pendaftaran", category="lainnya")
    assert destination.region.id == "hst"
    result = CliRunner().invoke(routing_cli, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "note: rule 'kalsel-ke-inspektorat-hst' of region 'kalsel'" in result.output
    accepted = path.read_text(encoding="utf-8").replace(
        "  - id: hst\n", "  - id: hst\n    accept_routes_from: [kalsel]\n", 1
    )
    path.write_text(accepted, encoding="utf-8")
    result = CliRunner().invoke(routing_cli, ["check", str(path)])
    assert result.exit_code == 0 and "note:" not in result.output, result.output


# --- 4. rollback is checked like any edit --------------------------------------------------

NEW_UNIT = (
    "          - id: sarpras\n"
    "            name: Unit Sarana Prasarana\n"
    "            services:\n"
    "              - id: keluhan-sarana\n"
    "                name: Keluhan Sarana\n"
)
IPSRS = "          - id: ipsrs\n            name: Instalasi Pemeliharaan Sarana Rumah Sakit\n"


def _with_new_unit(text: str) -> str:
    assert text.count(IPSRS) == 1
    return text.replace(IPSRS, NEW_UNIT + IPSRS, 1)


def _rollback_page(client, version_id):
    page = client.get(f"/staf/aturan-rute/versi/{version_id}/pulihkan")
    return page, hidden_fields(page.get_data(as_text=True))


def test_rollback_lists_open_cases_of_a_vanished_unit_and_needs_confirmation(
    app, tmp_path, super_admin
):
    from tests.factories import stored_complaint

    _seeded()
    v2 = _activate_file(tmp_path, "v2.yaml", _with_new_unit(DEMO), "Unit baru")
    cases = [stored_complaint(agency="rsud-ulin", unit="sarpras") for _ in range(7)]
    assert {c.routing_version for c in cases} == {v2.short_hash}

    page, fields = _rollback_page(super_admin, 1)
    html = _text(page)
    assert page.status_code == 200
    assert "Kasus terbuka yang unitnya hilang:" in html and "rsud-ulin/sarpras (7)" in html
    assert all(c.tracking_code in html for c in cases)
    assert 'name="confirm"' in html

    refused = super_admin.post("/staf/aturan-rute/versi/1/pulihkan", data=fields)
    assert refused.status_code == 409 and "centang konfirmasi" in _text(refused)
    assert versions.newest().id == v2.id

    done = super_admin.post("/staf/aturan-rute/versi/1/pulihkan", data={**fields, "confirm": "1"})
    assert done.status_code == 302
    newest = versions.newest()
    assert newest.restored_from_id == 1 and newest.text == versions.get(1).text
    assert newest.source == "rollback"

    # The case page does not show a raw id: the unit's last name, marked as old.
    case_page = super_admin.get(f"/staf/kasus/{cases[0].tracking_code}")
    shown = _text(case_page)
    assert case_page.status_code == 200
    assert "RSUD Ulin Banjarmasin – Unit Sarana Prasarana (unit lama)" in shown
    assert "– sarpras" not in shown


def test_a_vanished_unit_without_a_stored_version_shows_the_agency_and_unit_lama(app):
    from portal.complaints.display import place_names
    from tests.factories import stored_complaint

    _seeded()
    case = stored_complaint(agency="rsud-ulin", unit="poli-umum")
    case.unit_id = "unit-hilang"
    case.routing_version = "0" * 12  # a version no longer stored
    with app.test_request_context("/"):
        names = place_names(get_router(), case)
    assert (names.agency, names.unit) == ("RSUD Ulin Banjarmasin", "unit lama")


def test_rollback_where_an_alias_keeps_the_unit_needs_no_confirmation(app, tmp_path, super_admin):
    from tests.factories import stored_complaint

    _seeded()
    merged = DEMO.replace(IPSRS, IPSRS + "            aliases: [sarpras]\n", 1)
    v2 = _activate_file(tmp_path, "v2.yaml", merged, "Sarpras digabung ke IPSRS")
    _activate_file(tmp_path, "v3.yaml", _with_new_unit(DEMO), "Unit baru")
    case = stored_complaint(agency="rsud-ulin", unit="sarpras")

    page, fields = _rollback_page(super_admin, v2.id)
    html = _text(page)
    assert page.status_code == 200
    assert "Tidak ada kasus terbuka yang kehilangan unit." in html
    assert 'name="confirm"' not in html
    done = super_admin.post(f"/staf/aturan-rute/versi/{v2.id}/pulihkan", data=fields)
    assert done.status_code == 302 and versions.newest().restored_from_id == v2.id
    shown = _text(super_admin.get(f"/staf/kasus/{case.tracking_code}"))
    assert "RSUD Ulin Banjarmasin – Instalasi Pemeliharaan Sarana Rumah Sakit" in shown


def test_regional_rollback_is_checked_too(app, tmp_path, kalsel_admin):
    from tests.factories import stored_complaint

    _seeded()
    fields, part = _editor(kalsel_admin, KALSEL)
    edited = part.replace(
        "      - id: ipsrs\n",
        NEW_UNIT.replace("          ", "      ", 5) + "      - id: ipsrs\n",
        1,
    )
    assert edited != part
    assert _post(kalsel_admin, KALSEL, fields, edited, "activate", comment="u").status_code == 302
    stored_complaint(agency="rsud-ulin", unit="sarpras")
    page, fields = _rollback_page(kalsel_admin, 1)
    assert page.status_code == 200 and "rsud-ulin/sarpras (1)" in _text(page)
    assert kalsel_admin.post("/staf/aturan-rute/versi/1/pulihkan", data=fields).status_code == 409
    done = kalsel_admin.post("/staf/aturan-rute/versi/1/pulihkan", data={**fields, "confirm": "1"})
    assert done.status_code == 302
    newest = versions.newest()
    assert newest.region_id == "kalsel" and newest.restored_from_id == 1


def test_a_stale_rollback_page_is_refused(tmp_path, super_admin):
    _seeded()
    _activate_file(tmp_path, "v2.yaml", DEMO.replace("ipsrs.rsudulin@", "ipsrs2.rsudulin@"), "c")
    _page, fields = _rollback_page(super_admin, 1)
    _activate_file(tmp_path, "v3.yaml", DEMO.replace("ipsrs.rsudulin@", "ipsrs3.rsudulin@"), "c")
    late = super_admin.post("/staf/aturan-rute/versi/1/pulihkan", data=fields)
    assert late.status_code == 409 and "Versi aktif sudah berubah" in _text(late)
    assert versions.newest().id == 3


# --- 5. printed promises -------------------------------------------------------------------

IGD_CLOCKS = "              verification: 1\n              complaint: 7\n"


def _batch(version_hash: str, printed_at: datetime, posters: int = 2) -> int:
    from portal.extensions import db
    from portal.posters.models import PosterBatch, PosterItem

    batch = PosterBatch(
        origin="cli",
        size="a4",
        format="pdf",
        key_id="T1",
        routing_version=version_hash,
        selection="IGD",
        poster_count=posters,
        created_at=printed_at,
    )
    for page in range(1, posters + 1):
        batch.items.append(
            PosterItem(
                page=page,
                region_id="kalsel",
                agency_id="rsud-ulin",
                unit_id="igd",
                service_id="pendaftaran-igd",
                short_code="X",
            )
        )
    db.session.add(batch)
    db.session.commit()
    return batch.id


def test_printed_promises_are_listed_on_activation_and_rollback(tmp_path, super_admin):
    v1 = _seeded()
    first = _batch(v1.short_hash, datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    fields, whole = _editor(super_admin, WHOLE)
    assert whole.count(IGD_CLOCKS) == 1
    faster = whole.replace(IGD_CLOCKS, IGD_CLOCKS.replace("complaint: 7", "complaint: 5"), 1)
    checked = _text(_post(super_admin, WHOLE, fields, faster, "check"))
    # 23:30 UTC is already 2 March in Banjarmasin (WITA), the date the footer printed.
    expected = (
        f"Batch {first}, dicetak 2026-03-02, RSUD Ulin Banjarmasin – Instalasi Gawat Darurat – "
        "Pendaftaran IGD (rsud-ulin/igd/pendaftaran-igd): tercetak 7 hari kerja, sekarang 5 "
        "hari kerja (2 poster)"
    )
    assert expected in checked
    done = _post(super_admin, WHOLE, fields, faster, "activate", comment="IGD lebih cepat")
    assert done.status_code == 302  # a warning, not a blocker: the posters can be reprinted
    v2 = versions.newest()
    second = _batch(v2.short_hash, datetime(2026, 4, 1, 2, 0, tzinfo=UTC), posters=1)

    # Rolling back to version 1: the first batch is right again, the second is now wrong.
    page, _fields = _rollback_page(super_admin, 1)
    html = _text(page)
    assert f"Batch {second}, dicetak 2026-04-01" in html
    assert "tercetak 5 hari kerja, sekarang 7 hari kerja (1 poster)" in html
    assert f"Batch {first}," not in html


def test_no_promise_warning_when_the_clock_stays(super_admin):
    v1 = _seeded()
    _batch(v1.short_hash, datetime(2026, 3, 1, tzinfo=UTC))
    fields, whole = _editor(super_admin, WHOLE)
    edited = whole.replace("ipsrs.rsudulin@", "ipsrs2.rsudulin@", 1)
    html = _text(_post(super_admin, WHOLE, fields, edited, "check"))
    assert "Tidak ada poster tercetak yang janjinya berubah." in html


def test_rolling_back_to_an_unconsented_route_is_checked_like_an_edit(
    tmp_path, super_admin, kalsel_admin
):
    _seeded()
    anchor = "          unit: ipsrs\n"
    with_rule = _activate_file(
        tmp_path, "v2.yaml", DEMO.replace(anchor, anchor + CROSS_RULE_WHOLE, 1), "ke HST"
    )
    _activate_file(tmp_path, "v3.yaml", DEMO, "aturan dihapus")
    # Kalsel's admin may not bring the rule back: HST never accepted it.
    page, fields = _rollback_page(kalsel_admin, with_rule.id)
    assert page.status_code == 200 and "Ditolak: aturan berikut" in _text(page)
    assert 'name="confirm_consent"' not in _text(page)
    refused = kalsel_admin.post(f"/staf/aturan-rute/versi/{with_rule.id}/pulihkan", data=fields)
    assert refused.status_code == 403 and "kalsel-ke-inspektorat-hst" in _text(refused)
    # The super admin may, once the consent is confirmed.
    page, fields = _rollback_page(super_admin, with_rule.id)
    assert 'name="confirm_consent"' in _text(page)
    url = f"/staf/aturan-rute/versi/{with_rule.id}/pulihkan"
    assert super_admin.post(url, data=fields).status_code == 409
    done = super_admin.post(url, data={**fields, "confirm_consent": "1"})
    assert done.status_code == 302 and versions.newest().restored_from_id == with_rule.id
