"""The "Aturan Rute" editor and the routing CLI: versions, check, activate, conflicts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.accounts.services import create_user
from portal.routing import versions
from portal.routing.active import get_router
from tests.functional.routing_editors import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
OLD_MAIL = "dinkes.hst@example.org"
NEW_MAIL = "liaison.dinkes.hst@example.org"


def _editor(client, path="/staf/aturan-rute/wilayah/hst"):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    fields = h_hidden(html)
    text = re.search(r'<textarea id="text" name="text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    import html as html_mod

    return fields, html_mod.unescape(text)


def h_hidden(html):
    from tests.helpers import hidden_fields

    return hidden_fields(html)


def _post(client, fields, text, action, path="/staf/aturan-rute/wilayah/hst", **extra):
    data = {**fields, "text": text, "action": action, **extra}
    return client.post(path, data=data)


def test_regional_admin_edits_contact_and_new_complaints_use_it(app, hst_admin):
    fields, part = _editor(hst_admin)
    assert part.startswith("id: hst\n") and "# Contoh: tambahkan libur daerah" in part
    assert "kalsel" not in part.split("agencies:")[0]
    edited = part.replace(OLD_MAIL, NEW_MAIL)
    checked = _post(hst_admin, fields, edited, "check")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200, html
    assert "Kontak berubah: 1" in html
    assert f"Dinas Kesehatan Kabupaten Hulu Sungai Tengah: {OLD_MAIL} → {NEW_MAIL}" in html
    assert f"+          - email: {NEW_MAIL}" in html  # the diff, in the whole file's layout
    assert "Tidak ada poster tercetak yang terdampak." in html
    done = _post(hst_admin, fields, edited, "activate", comment="Kontak baru Dinkes")
    assert done.status_code == 302
    destination = get_router().route("dinkes-hst", "puskesmas-barabai", "pendaftaran")
    assert [c.email for c in destination.contacts] == [NEW_MAIL]
    newest = versions.newest()
    assert newest.id == 2 and newest.parent_id == 1 and newest.region_id == "hst"
    # Only the edited line changed: comments and key order of the whole file survive.
    old_lines, new_lines = versions.get(1).text.split("\n"), newest.text.split("\n")
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [(f"          - email: {OLD_MAIL}", f"          - email: {NEW_MAIL}")]


def test_simulator_uses_the_edited_text(hst_admin):
    fields, part = _editor(hst_admin)
    edited = part.replace(OLD_MAIL, NEW_MAIL)
    page = _post(
        hst_admin,
        fields,
        edited,
        "simulate",
        sim_agency="dinkes-hst",
        sim_unit="puskesmas-barabai",
        sim_service="pendaftaran",
        sim_classification="complaint",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="simulation-result"' in html
    assert NEW_MAIL in html.split('id="simulation-result"')[1]
    assert versions.newest().id == 1  # nothing activated


def test_other_regions_editor_is_not_found(kalsel_admin, hst_admin):
    assert kalsel_admin.get("/staf/aturan-rute/wilayah/hst").status_code == 404
    assert hst_admin.get("/staf/aturan-rute/semua").status_code == 404
    assert hst_admin.get("/staf/aturan-rute/").headers["Location"].endswith("/wilayah/hst")


def test_regional_text_that_touches_another_region_is_refused(hst_admin):
    fields, part = _editor(hst_admin)
    renamed = part.replace("id: hst\n", "id: kalsel\n", 1)
    page = _post(hst_admin, fields, renamed, "activate", comment="x")
    assert page.status_code == 422 and "1: this part belongs to region" in page.get_data(
        as_text=True
    )
    stolen = part.replace("id: dinkes-hst", "id: rsud-ulin", 1)
    page = _post(hst_admin, fields, stolen, "activate", comment="x")
    assert page.status_code == 422 and "duplicate agency id" in page.get_data(as_text=True)
    assert versions.newest().id == 1


def test_errors_are_numbered_by_the_lines_of_the_part(hst_admin):
    fields, part = _editor(hst_admin)
    lines = part.split("\n")
    lines[1] = "nmae: Kabupaten HST"
    page = _post(hst_admin, fields, "\n".join(lines), "check")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "2: unknown key &#39;nmae&#39;" in html and "did you mean" in html


def test_stale_edit_is_refused_with_the_other_diff(app, hst_admin, super_admin):
    fields, part = _editor(hst_admin)
    sup_fields, whole = _editor(super_admin, "/staf/aturan-rute/semua")
    changed = whole.replace("pengaduan.hst@example.org", "pengaduan2.hst@example.org")
    ok = _post(
        super_admin,
        sup_fields,
        changed,
        "activate",
        "/staf/aturan-rute/semua",
        comment="Kontak daerah",
    )
    assert ok.status_code == 302
    late = _post(hst_admin, fields, part.replace(OLD_MAIL, NEW_MAIL), "activate", comment="x")
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "Orang lain sudah mengaktifkan versi 2" in html
    # the other person's change, as lines of the region's part (all a regional editor sees)
    assert "+  - email: pengaduan2.hst@example.org" in html
    assert versions.newest().id == 2


def test_removing_a_unit_with_posters_needs_alias_or_confirmation(app, hst_admin):
    from portal.extensions import db
    from portal.posters.models import PosterBatch, PosterItem

    batch = PosterBatch(
        origin="cli",
        size="A4",
        format="pdf",
        key_id="T1",
        routing_version="x",
        selection="t",
        poster_count=1,
    )
    batch.items.append(
        PosterItem(
            page=1,
            region_id="hst",
            agency_id="dinkes-hst",
            unit_id="puskesmas-birayang",
            service_id="kia",
            short_code="X",
        )
    )
    db.session.add(batch)
    db.session.commit()
    fields, part = _editor(hst_admin)
    renamed = part.replace("id: puskesmas-birayang", "id: pkm-birayang", 1)
    page = _post(hst_admin, fields, renamed, "activate", comment="rename")
    assert page.status_code == 409
    assert "dinkes-hst/puskesmas-birayang/kia (1)" in page.get_data(as_text=True)
    with_alias = part.replace(
        "id: puskesmas-birayang", "id: pkm-birayang\n        aliases: [puskesmas-birayang]", 1
    )
    assert _post(hst_admin, fields, with_alias, "activate", comment="rename").status_code == 302
    assert get_router().find_service_point("dinkes-hst", "puskesmas-birayang", "kia")


def test_history_and_one_click_rollback(super_admin, h):
    fields, whole = _editor(super_admin, "/staf/aturan-rute/semua")
    edited = whole.replace("pengaduan.hst@example.org", "x.hst@example.org")
    _post(super_admin, fields, edited, "activate", "/staf/aturan-rute/semua", comment="c")
    page = super_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    token = h.hidden_fields(page)["csrf_token"]
    back = super_admin.post("/staf/aturan-rute/versi/1/pulihkan", data={"csrf_token": token})
    assert back.status_code == 302
    newest = versions.newest()
    assert newest.id == 3 and newest.restored_from_id == 1
    assert newest.text == versions.get(1).text


# --- CLI ----------------------------------------------------------------------------------


def cli(app, *args):
    return (
        app.test_cli_runner(mix_stderr=False).invoke(args=["routing", *args])
        if False
        else (app.test_cli_runner().invoke(args=["routing", *args]))
    )


BAD_INPUTS = {
    "broken": (b"version: 1\nregions: [\n", ":3: YAML syntax"),
    "tabs": (b"version: 1\nregions:\n\t- id: x\n", ":3: tab character"),
    "duplicate-key": (b"version: 1\nversion: 1\n", ":2: YAML syntax: found duplicate key"),
    "unknown-key": (b"version: 1\ncategories: []\nregoins: []\n", "did you mean 'regions'"),
    "wrong-type": (b"version: 1\ncategories: {}\nregions: []\n", "must be a list"),
    "not-utf8": (b"version: 1\n# caf\xe9\n", ":2: not UTF-8"),
    "alias-bomb": (
        b'a: &a ["l","l","l","l","l","l","l","l","l"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n".encode()
            for i in range(9)
        ),
        "alias bomb",
    ),
}


def _demo_text(app):
    return Path(app.config["ROUTING_FILE"]).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_cli_apply_refuses_bad_input_and_keeps_the_active_version(app, tmp_path, name):
    raw, expected = BAD_INPUTS[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(raw)
    before = get_router().version
    result = cli(app, "apply", str(path), "--comment", "bad")
    assert result.exit_code == 1, result.output
    assert f"{path}:" in result.output and expected in result.output
    assert get_router().version == before and versions.newest().id == 1


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            ("id: inspektorat-kalsel", "id: inspektorat-kalsel\n        aliases: [rsud-ulin]"),
            "is the id",
        ),
        (("unit: ipsrs", "unit: tidak-ada"), "routes to unknown unit"),
        (("id: dinkes-hst", "id: rsud-ulin"), "duplicate agency id"),
    ],
)
def test_cli_apply_refuses_invalid_references(app, tmp_path, edit, expected):
    path = tmp_path / "rules.yaml"
    path.write_text(_demo_text(app).replace(*edit, 1))
    result = cli(app, "apply", str(path), "--comment", "bad")
    assert result.exit_code == 1 and expected in result.output, result.output


def test_cli_refuses_a_file_over_the_size_limit(app, tmp_path, monkeypatch):
    import portal.routing.loader as loader

    monkeypatch.setattr(loader, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text(_demo_text(app))
    result = cli(app, "apply", str(path), "--comment", "big")
    assert result.exit_code == 1 and ":1: the file is larger than" in result.output


def test_cli_export_apply_history_rollback(app, tmp_path):
    out = tmp_path / "active.yaml"
    assert cli(app, "export", "-o", str(out)).exit_code == 0
    assert out.read_text() == _demo_text(app)
    out.write_text(out.read_text().replace(OLD_MAIL, NEW_MAIL))
    applied = cli(app, "apply", str(out), "--comment", "kontak")
    assert applied.exit_code == 0 and "version 2 active" in applied.output
    route = cli(
        app,
        "route",
        "--agency",
        "dinkes-hst",
        "--unit",
        "puskesmas-barabai",
        "--service",
        "pendaftaran",
    )
    assert NEW_MAIL in route.output
    history = cli(app, "history")
    assert "kontak" in history.output and "Imported from the routing file" in history.output
    assert cli(app, "rollback", "1").exit_code == 0
    assert versions.newest().id == 3 and OLD_MAIL in versions.newest().text


def test_a_second_process_sees_the_new_version(app, tmp_path, test_environ):
    path = tmp_path / "rules.yaml"
    path.write_text(_demo_text(app).replace(OLD_MAIL, NEW_MAIL))
    assert cli(app, "apply", str(path), "--comment", "kontak").exit_code == 0
    env = {**os.environ, **test_environ}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "routing",
            "route",
            "--agency",
            "dinkes-hst",
            "--unit",
            "puskesmas-barabai",
            "--service",
            "pendaftaran",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert NEW_MAIL in result.stdout


def test_a_running_app_picks_up_a_version_stored_elsewhere(app, tmp_path):
    """Another process activates (simulated by a direct insert): this one follows."""
    from portal.extensions import db
    from portal.routing.models import RoutingVersion

    get_router()
    versions.seed_from_file(_demo_text(app), "file")
    text = _demo_text(app).replace(OLD_MAIL, NEW_MAIL)
    db.session.add(
        RoutingVersion(
            id=2,
            parent_id=1,
            text=text,
            content_hash="x" * 64,
            author="other",
            source="cli",
            comment="elsewhere",
        )
    )
    db.session.commit()
    destination = get_router().route("dinkes-hst", "puskesmas-barabai", "pendaftaran")
    assert [c.email for c in destination.contacts] == [NEW_MAIL]


def test_routing_history_is_scoped_to_the_admins_region(app, kalsel_admin, hst_admin, super_admin):
    # HST changes its contact through its own editor; then the super admin changes only Kalsel.
    fields, part = _editor(hst_admin)
    assert _post(hst_admin, fields, part.replace(OLD_MAIL, NEW_MAIL), "activate", comment="h")
    sup_fields, whole = _editor(super_admin, "/staf/aturan-rute/semua")
    kalsel_part = re.search(r"pengaduan[\w.-]*kalsel[\w.-]*@[\w.-]+", whole)
    assert kalsel_part, "the demo file names a Kalsel contact"
    kalsel_mail = kalsel_part.group(0)
    secret_mail = "rahasia-baru.kalsel@example.org"
    edited = whole.replace(kalsel_mail, secret_mail)
    assert (
        _post(super_admin, sup_fields, edited, "activate", "/staf/aturan-rute/semua", comment="k")
    ).status_code == 302
    hst_version, kalsel_version = 2, 3
    assert versions.newest().id == kalsel_version

    # HST's admin: the history lists version 1 (the import) and HST's own change only.
    page = hst_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    listed = set(re.findall(r"/staf/aturan-rute/versi/(\d+)\"", page))
    assert listed == {"1", str(hst_version)}
    assert hst_admin.get(f"/staf/aturan-rute/versi/{kalsel_version}").status_code == 404
    own = hst_admin.get(f"/staf/aturan-rute/versi/{hst_version}").get_data(as_text=True)
    assert NEW_MAIL in own
    # Version 1's diff, read by HST's admin, holds HST's part and no other region's text.
    first = hst_admin.get("/staf/aturan-rute/versi/1").get_data(as_text=True)
    assert "id: hst" in first and "id: kalsel" not in first and kalsel_mail not in first
    assert "rsud-ulin" not in first

    # Kalsel's admin: HST's change is not theirs, Kalsel's change shows only Kalsel's lines.
    assert kalsel_admin.get(f"/staf/aturan-rute/versi/{hst_version}").status_code == 404
    theirs = kalsel_admin.get(f"/staf/aturan-rute/versi/{kalsel_version}")
    assert theirs.status_code == 200
    html = theirs.get_data(as_text=True)
    assert secret_mail in html and NEW_MAIL not in html and "id: hst" not in html
    page = kalsel_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    assert set(re.findall(r"/staf/aturan-rute/versi/(\d+)\"", page)) == {"1", str(kalsel_version)}

    # The super admin sees every version and the whole-file diff.
    page = super_admin.get("/staf/aturan-rute/riwayat").get_data(as_text=True)
    assert set(re.findall(r"/staf/aturan-rute/versi/(\d+)\"", page)) == {"1", "2", "3"}
    whole_diff = super_admin.get("/staf/aturan-rute/versi/1").get_data(as_text=True)
    assert "id: kalsel" in whole_diff and "id: hst" in whole_diff


def test_the_impact_counts_only_cases_within_the_editors_scope(app, router):
    """The open-case count behind the impact summary is a staff side query: it goes through
    visible_complaints like every other one, so an admin counts only their region's cases."""
    from portal.accounts.models import User
    from portal.routing_admin.queries import open_cases_by_unit
    from portal.staff.scoping import visible_complaints
    from tests.factories import stored_complaint

    stored_complaint()  # RSUD Ulin, Kalimantan Selatan
    create_user(
        router, email="a@hst.example.org", password=PASSWORD, role="regional-admin", region="hst"
    )
    create_user(
        router,
        email="a@kalsel.example.org",
        password=PASSWORD,
        role="regional-admin",
        region="kalsel",
    )
    hst = User.query.filter_by(email="a@hst.example.org").one()
    kalsel = User.query.filter_by(email="a@kalsel.example.org").one()
    assert open_cases_by_unit(visible_complaints(hst)) == []
    assert open_cases_by_unit(visible_complaints(kalsel)) == [("rsud-ulin", "poli-umum", 1)]
