"""Staff see their own region's queue and nothing of any other region."""

from __future__ import annotations

import json

import pytest

from portal.accounts.services import AccountError, create_user

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def staff(app, router):
    return {
        "kalsel": create_user(
            router,
            email="admin.kalsel@example.org",
            password=PASSWORD,
            role="regional-admin",
            region="kalsel",
        ),
        "hst": create_user(
            router,
            email="admin.hst@example.org",
            password=PASSWORD,
            role="regional-admin",
            region="hst",
        ),
        "unit": create_user(
            router,
            email="poli@example.org",
            password=PASSWORD,
            role="unit-officer",
            agency="rsud-ulin",
            unit="poli-umum",
        ),
        "super": create_user(
            router, email="super@example.org", password=PASSWORD, role="super-admin"
        ),
    }


def submit(client, h, payload, **fields):
    code, _ = h.receipt(h.post_report(client, f"/q/{payload}", **fields))
    return code


def test_case_appears_in_its_region_queue_only(app, client, h, staff, ulin_payload):
    code = submit(client, h, ulin_payload)
    kalsel = app.test_client()
    r = h.login(kalsel, "admin.kalsel@example.org", PASSWORD)
    assert r.status_code == 302, r.get_data(as_text=True)
    queue = kalsel.get("/staf/antrian").get_data(as_text=True)
    assert code in queue and "Antrean pendaftaran sangat lama" in queue
    case = kalsel.get(f"/staf/kasus/{code}")
    assert case.status_code == 200 and "Siti Aminah" in case.get_data(as_text=True)

    hst = app.test_client()
    h.login(hst, "admin.hst@example.org", PASSWORD)
    assert code not in hst.get("/staf/antrian").get_data(as_text=True)
    assert hst.get(f"/staf/kasus/{code}").status_code == 404  # another region's URL

    root = app.test_client()
    h.login(root, "super@example.org", PASSWORD)
    assert code in root.get("/staf/antrian").get_data(as_text=True)


def test_anonymous_reporter_hidden_from_unit_officer(app, client, h, staff, ulin_payload):
    code = submit(client, h, ulin_payload, anonymous="y", reporter_name="")
    officer = app.test_client()
    h.login(officer, "poli@example.org", PASSWORD)
    page = officer.get(f"/staf/kasus/{code}").get_data(as_text=True)
    assert "disembunyikan (Anonim)" in page
    assert "siti@example.org" not in page and "0812 3456 7890" not in page


def test_queue_needs_login(client):
    response = client.get("/staf/antrian")
    assert response.status_code == 302 and "/staf/masuk" in response.headers["Location"]


def test_wrong_password_and_disabled_account(app, client, h, staff):
    bad = h.login(client, "admin.kalsel@example.org", "wrong-password!!")
    assert bad.status_code == 401
    assert "E-mail atau kata sandi salah" in bad.get_data(as_text=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "disable", "--email", "admin.kalsel@example.org"])
    assert result.exit_code == 0, result.output
    assert h.login(client, "admin.kalsel@example.org", PASSWORD).status_code == 401


def test_login_never_redirects_off_site(app, h, staff):
    client = app.test_client()
    page = client.get("/staf/masuk")
    fields = h.hidden_fields(page.data)
    response = client.post(
        "/staf/masuk?next=https://evil.example.com/",
        data={**fields, "email": "admin.kalsel@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/staf/antrian"


def test_complaints_list_cli_is_region_scoped(app, client, h, staff, ulin_payload):
    code = submit(client, h, ulin_payload)
    runner = app.test_cli_runner()
    kalsel = runner.invoke(args=["complaints", "list", "--region", "kalsel", "--json"])
    assert kalsel.exit_code == 0, kalsel.output
    rows = json.loads(kalsel.output)
    assert [r["tracking_code"] for r in rows] == [code]
    assert rows[0]["region"] == "kalsel" and rows[0]["status"] == "new"
    hst = runner.invoke(args=["complaints", "list", "--region", "hst", "--json"])
    assert json.loads(hst.output) == []
    unknown = runner.invoke(args=["complaints", "list", "--region", "atlantis", "--json"])
    assert unknown.exit_code == 1 and "unknown region" in unknown.output


def test_users_create_cli_validates_scope(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--password",
            PASSWORD,
            "--role",
            "regional-admin",
            "--region",
            "kalsel",
        ]
    )
    assert ok.exit_code == 0, ok.output
    assert "regional-admin" in ok.output
    missing = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "b@example.org",
            "--password",
            PASSWORD,
            "--role",
            "regional-admin",
        ]
    )
    assert missing.exit_code == 1 and "needs --region" in missing.output
    wrong = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "c@example.org",
            "--password",
            PASSWORD,
            "--role",
            "unit-officer",
            "--agency",
            "rsud-ulin",
            "--unit",
            "no-such-unit",
        ]
    )
    assert wrong.exit_code == 1 and "unknown unit" in wrong.output
    dup = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "A@example.org",
            "--password",
            PASSWORD,
            "--role",
            "super-admin",
        ]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output


def test_short_password_refused(app, router):
    with pytest.raises(AccountError, match="paling sedikit 12 karakter"):
        create_user(router, email="x@example.org", password="short", role="super-admin")
