"""`flask --app wsgi users …`: every command, and every way an operator can get it wrong."""

from __future__ import annotations

import json

import pytest

from portal.accounts.services import authenticate, find_by_email

PASSWORD = "kata-sandi-uji-123"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(args=["users", *args], input=input)

    return invoke


def create(run, email: str, role: str, *scope: str):
    return run("create", "--email", email, "--password", PASSWORD, "--role", role, *scope)


@pytest.fixture
def staff(run):
    for email, role, scope in (
        ("super@example.org", "super-admin", ()),
        ("admin.kalsel@example.org", "regional-admin", ("--region", "kalsel")),
        ("pimpinan.hst@example.org", "leader", ("--region", "hst")),
        ("poli@example.org", "unit-officer", ("--agency", "rsud-ulin", "--unit", "poli-umum")),
        ("rsud@example.org", "agency-officer", ("--agency", "rsud-ulin")),
    ):
        result = create(run, email, role, *scope)
        assert result.exit_code == 0, result.output


def test_create_prints_role_and_scope(run):
    scope = ("--agency", "rsud-ulin", "--unit", "poli-umum")
    result = create(run, "poli@example.org", "unit-officer", *scope)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "created poli@example.org (unit-officer, scope: kalsel/rsud-ulin/poli-umum)"
    )


@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("regional-admin", (), "role regional-admin needs --region"),
        ("leader", (), "role leader needs --region"),
        ("agency-officer", (), "role agency-officer needs --agency"),
        ("unit-officer", ("--agency", "rsud-ulin"), "role unit-officer needs --unit"),
        ("regional-admin", ("--region", "atlantis"), "unknown region 'atlantis'"),
        ("agency-officer", ("--agency", "no-such-agency"), "unknown agency 'no-such-agency'"),
        ("super-admin", ("--unit", "poli-umum"), "--unit needs --agency"),
    ],
)
def test_create_refuses_a_wrong_scope(run, role, scope, message):
    result = create(run, "x@example.org", role, *scope)
    assert result.exit_code == 1
    assert f"error: {message}" in result.output
    assert find_by_email("x@example.org") is None


def test_create_refuses_an_unknown_role(run):
    result = create(run, "x@example.org", "kepala-dinas")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output and "super-admin" in result.output
    assert find_by_email("x@example.org") is None


def test_create_refuses_a_short_password_and_a_bad_email(run):
    short = run(
        "create", "--email", "x@example.org", "--password", "pendek", "--role", "super-admin"
    )
    assert short.exit_code == 1
    assert short.output.strip() == (
        "error: Kata sandi terlalu pendek: paling sedikit 12 karakter. / "
        "The password is too short: at least 12 characters."
    )
    bad = run("create", "--email", "bukan-email", "--password", PASSWORD, "--role", "super-admin")
    assert bad.exit_code == 1 and "error: not an e-mail address: 'bukan-email'" in bad.output


def test_create_refuses_a_duplicate_in_any_case(run, staff):
    result = create(run, "SUPER@example.org", "super-admin")
    assert result.exit_code == 1
    assert "error: an account for super@example.org already exists" in result.output


def test_set_password(run, staff):
    result = run(
        "set-password", "--email", "super@example.org", "--password", "kata-sandi-baru-456"
    )
    assert result.exit_code == 0 and "password changed for super@example.org" in result.output
    assert authenticate("super@example.org", "kata-sandi-baru-456") is not None
    assert authenticate("super@example.org", PASSWORD) is None


def test_set_password_prompts_twice_without_echo(run, staff):
    result = run("set-password", "--email", "super@example.org", input="kata-sandi-baru-456\n" * 2)
    assert result.exit_code == 0, result.output
    assert "kata-sandi-baru-456" not in result.output
    assert authenticate("super@example.org", "kata-sandi-baru-456") is not None


def test_set_password_errors(run, staff):
    short = run("set-password", "--email", "super@example.org", "--password", "pendek")
    assert short.exit_code == 1
    assert "error: Kata sandi terlalu pendek: paling sedikit 12 karakter." in short.output
    assert authenticate("super@example.org", PASSWORD) is not None  # unchanged
    unknown = run("set-password", "--email", "siapa@example.org", "--password", PASSWORD)
    assert unknown.exit_code == 1 and "error: no account for siapa@example.org" in unknown.output


def test_disable_and_enable(run, staff):
    result = run("disable", "--email", "admin.kalsel@example.org")
    assert result.exit_code == 0 and "disabled admin.kalsel@example.org" in result.output
    assert authenticate("admin.kalsel@example.org", PASSWORD) is None
    result = run("enable", "--email", "ADMIN.kalsel@example.org")
    assert result.exit_code == 0 and "enabled ADMIN.kalsel@example.org" in result.output
    assert authenticate("admin.kalsel@example.org", PASSWORD) is not None


@pytest.mark.parametrize("command", ["disable", "enable"])
def test_disable_and_enable_unknown_email(run, command):
    result = run(command, "--email", "siapa@example.org")
    assert result.exit_code == 1
    assert "error: no account for siapa@example.org" in result.output


@pytest.mark.parametrize("command", ["create", "set-password", "disable", "enable"])
def test_email_is_required(run, command):
    result = run(command)
    assert result.exit_code == 2 and "Missing option '--email'" in result.output


def test_list_as_json(run, staff):
    run("disable", "--email", "rsud@example.org")
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["email"], r["role"], r["scope"], r["active"]) for r in rows] == [
        ("admin.kalsel@example.org", "regional-admin", "kalsel", True),
        ("pimpinan.hst@example.org", "leader", "hst", True),
        ("poli@example.org", "unit-officer", "kalsel/rsud-ulin/poli-umum", True),
        ("rsud@example.org", "agency-officer", "kalsel/rsud-ulin", False),
        ("super@example.org", "super-admin", "all", True),
    ]
    assert rows[2] == {
        "email": "poli@example.org",
        "role": "unit-officer",
        "scope": "kalsel/rsud-ulin/poli-umum",
        "region": "kalsel",
        "agency": "rsud-ulin",
        "unit": "poli-umum",
        "active": True,
        "invitation_pending": False,
    }


def test_list_by_region(run, staff):
    kalsel = json.loads(run("list", "--region", "kalsel", "--json").output)
    assert [r["email"] for r in kalsel] == [
        "admin.kalsel@example.org",
        "poli@example.org",
        "rsud@example.org",
    ]
    hst = run("list", "--region", "hst")
    assert hst.exit_code == 0
    lines = hst.output.splitlines()
    assert lines[0].split() == ["pimpinan.hst@example.org", "leader", "hst", "active"]
    assert lines[-1] == "1 account(s) in hst"


def test_list_plain_shows_disabled_accounts(run, staff):
    run("disable", "--email", "super@example.org")
    result = run("list")
    assert result.exit_code == 0
    assert "super@example.org" in result.output and "disabled" in result.output
    assert result.output.splitlines()[-1] == "5 account(s)"


def test_list_unknown_region(run, staff):
    result = run("list", "--region", "atlantis", "--json")
    assert result.exit_code == 1
    assert "error: unknown region 'atlantis' (known: " in result.output


def test_list_with_no_accounts(run):
    assert json.loads(run("list", "--json").output) == []
    assert run("list").output.strip() == "0 account(s)"
