"""`flask users …` records every change in the audit trail as the shell ("cli:<os user>"),
and `users invite` does what the invite page does."""

from __future__ import annotations

import getpass
import json
import re

import pytest
from sqlalchemy import select

from portal.accounts import tokens
from portal.accounts.models import AccountToken
from portal.accounts.services import NO_PASSWORD, find_by_email
from portal.audit import actions
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.render import render_row

PASSWORD = "kata-sandi-uji-123"
NEW_PASSWORD = "kata-sandi-baru-456"


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["users", *args])

    return invoke


def _shell() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def test_every_changing_command_is_recorded_as_the_shell(app, run):
    email = "poli@kalsel.example.org"
    scope = ("--agency", "rsud-ulin", "--unit", "poli-umum")
    for args in (
        ("create", "--email", email, "--password", PASSWORD, "--role", "unit-officer", *scope),
        ("set-password", "--email", email, "--password", NEW_PASSWORD),
        ("disable", "--email", email),
        ("enable", "--email", email),
        ("sign-out-everywhere", "--email", email),
    ):
        result = run(*args)
        assert result.exit_code == 0, result.output
    user = find_by_email(email)
    db.session.expire_all()
    found = [
        (e.action, e.actor_id, e.actor_email, e.address, e.target_id, e.target_label, e.unit_id)
        for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    ]
    who = (None, _shell(), None, str(user.id), email, "poli-umum")
    assert found == [
        (actions.ACCOUNT_CREATED, *who),
        (actions.PASSWORD_SET, *who),
        (actions.ACCOUNT_DISABLED, *who),
        (actions.ACCOUNT_ENABLED, *who),
        (actions.SIGNED_OUT_EVERYWHERE, *who),
    ]
    for entry in db.session.execute(select(AuditEntry)).scalars():
        assert PASSWORD not in entry.detail_json and NEW_PASSWORD not in entry.detail_json


def test_a_refused_command_records_nothing(app, run):
    result = run("disable", "--email", "nobody@example.org")
    assert result.exit_code == 1
    short = run("create", "--email", "x@example.org", "--password", "pendek", "--role", "leader")
    assert short.exit_code == 1
    assert db.session.execute(select(AuditEntry)).first() is None


def test_users_invite_queues_the_invitation_and_says_until_when(app, run):
    result = run(
        "invite",
        "--email",
        "Farmasi@Kalsel.example.org",
        "--role",
        "unit-officer",
        "--agency",
        "rsud-ulin",
        "--unit",
        "instalasi-farmasi",
        "--locale",
        "en",
    )
    assert result.exit_code == 0, result.output
    assert re.match(
        r"invited farmasi@kalsel\.example\.org \(unit-officer, scope: "
        r"kalsel/rsud-ulin/instalasi-farmasi\); the link works until .+ WITA \(2\d{3}-",
        result.output,
    ), result.output
    user = find_by_email("farmasi@kalsel.example.org")
    assert user.password_hash == NO_PASSWORD and user.invitation_pending and user.locale == "en"
    (row,) = db.session.execute(select(OutboxMessage)).scalars()
    assert (row.template, row.recipient, row.locale) == (
        "invitation",
        "farmasi@kalsel.example.org",
        "en",
    )
    rendered = render_row(row)
    token = re.search(r"/staf/undangan/([A-Za-z0-9_-]+)", rendered.text).group(1)
    assert tokens.check(token, tokens.INVITE)[1].id == user.id
    assert "Invited by" not in rendered.text  # "cli:root" would mean nothing to the reader
    (entry,) = db.session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.actor_email, entry.target_label, entry.region_id) == (
        actions.ACCOUNT_INVITED,
        _shell(),
        "farmasi@kalsel.example.org",
        "kalsel",
    )
    assert json.loads(entry.detail_json)["role"] == "unit-officer"

    listed = run("list")
    assert re.search(r"farmasi@kalsel\.example\.org\s+unit-officer\s+\S+\s+invited", listed.output)
    as_json = json.loads(run("list", "--json").output)
    assert as_json[0]["invitation_pending"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "unit-officer", "--agency", "rsud-ulin"), "Choose a unit for this role."),
        (("--role", "agency-officer", "--agency", "no-such"), "Unknown agency."),
        (("--role", "leader"), "Choose a region for this role."),
        (("--role", "leader", "--region", "atlantis"), "Unknown region."),
    ],
)
def test_users_invite_refuses_a_wrong_scope(app, run, args, message):
    result = run("invite", "--email", "x@example.org", *args)
    assert result.exit_code == 1
    assert f"error: {message}" in result.output
    assert find_by_email("x@example.org") is None
    assert db.session.execute(select(AccountToken)).first() is None


def test_users_invite_refuses_a_duplicate(app, run):
    assert run("invite", "--email", "x@example.org", "--role", "super-admin").exit_code == 0
    again = run("invite", "--email", "X@example.org", "--role", "super-admin")
    assert again.exit_code == 1 and "already exists" in again.output
    assert len(db.session.execute(select(OutboxMessage)).all()) == 1


def test_users_invite_takes_the_unit_as_the_other_pages_print_it(app, run):
    """`rsud-ulin/poli-umum`, as the demo, `users list` and the pages write a unit, works like
    `--agency rsud-ulin --unit poli-umum`; a unit of another agency than --agency is refused."""
    long_form = run(
        "invite",
        "--email",
        "a@example.org",
        "--role",
        "unit-officer",
        "--unit",
        "rsud-ulin/poli-umum",
    )
    assert long_form.exit_code == 0, long_form.output
    user = find_by_email("a@example.org")
    assert (user.agency_id, user.unit_id, user.region_id) == ("rsud-ulin", "poli-umum", "kalsel")
    mixed = run(
        "invite",
        "--email",
        "b@example.org",
        "--role",
        "unit-officer",
        "--agency",
        "bapenda-kalsel",
        "--unit",
        "rsud-ulin/poli-umum",
    )
    assert mixed.exit_code == 2 and "not of --agency 'bapenda-kalsel'" in mixed.output
    assert find_by_email("b@example.org") is None
