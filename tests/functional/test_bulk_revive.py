"""Reviving given-up deliveries in bulk, by filter, from the command line and the staff pages.

Dead e-mail and failed SP4N-LAPOR! items are made directly (every other outcome is covered
by test_outbox*.py and test_national*.py); what is checked here is which rows a filter
revives, that each keeps its identity, that a regional admin can revive only their
region's rows whatever the form says, and that a bad filter changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from portal.accounts.services import create_user
from portal.extensions import db
from portal.national.models import FAILED, PENDING, NationalMirrorItem
from portal.notifications.models import DEAD, OutboxMessage
from portal.notifications.outbox import add_message
from tests.functional.case_actions import PASSWORD
from tests.functional.national_helpers import case_in

# WIB is UTC+7: 18:00 UTC on 1 March is already 2 March in Banjarmasin's offices' WIB view.
MARCH_1 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)  # 1 March, 10:00 WIB
MARCH_1_LATE = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)  # 2 March, 01:00 WIB
MARCH_5 = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)


def dead(region: str, created: datetime, error: str) -> int:
    row = add_message("receipt", f"warga-{region}@example.org", {}, region_id=region, now=created)
    row.status, row.attempts, row.last_error = DEAD, 78, error
    db.session.commit()
    return row.id


def failed(region: str, created: datetime, error: str) -> int:
    item_id = case_in(region, failed=True, error=error)
    db.session.execute(
        update(NationalMirrorItem)
        .where(NationalMirrorItem.id == item_id)
        .values(created_at=created)
    )
    db.session.commit()
    return item_id


def state(model, row_id: int) -> tuple[str, int]:
    db.session.expire_all()
    row = db.session.get(model, row_id)
    return row.status, row.attempts


def identities(model, column) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(model.id, column)).all())


@pytest.fixture
def mail_rows(app):
    return {
        "kalsel_refused": dead("kalsel", MARCH_1, "ConnectionRefusedError: [Errno 111]"),
        "kalsel_late": dead("kalsel", MARCH_1_LATE, "ConnectionRefusedError: [Errno 111]"),
        "kalsel_550": dead("kalsel", MARCH_5, "refused: 550 5.1.1 mailbox unavailable"),
        "hst_refused": dead("hst", MARCH_1, "ConnectionRefusedError: [Errno 111]"),
    }


@pytest.fixture
def mirror_rows(app):
    return {
        "kalsel_503": failed("kalsel", MARCH_1, "HTTP 503: sedang perawatan"),
        "kalsel_422": failed("kalsel", MARCH_5, "HTTP 422: kode wilayah salah"),
        "hst_503": failed("hst", MARCH_1, "HTTP 503: sedang perawatan"),
    }


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# --- the command line -----------------------------------------------------------------------


def test_outbox_resend_all_dead_by_region_dates_and_error(app, mail_rows):
    before = identities(OutboxMessage, OutboxMessage.message_id)
    result = cli(
        app,
        "outbox",
        "resend",
        "--all-dead",
        "--region",
        "kalsel",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-01",
        "--error",
        "connectionrefused",
    )
    assert result.exit_code == 0, result.output
    assert "queued again: 1" in result.output  # 18:00 UTC on 1 March is 2 March in WIB
    assert state(OutboxMessage, mail_rows["kalsel_refused"]) == ("pending", 0)
    for other in ("kalsel_late", "kalsel_550", "hst_refused"):
        assert state(OutboxMessage, mail_rows[other]) == (DEAD, 78), other

    result = cli(app, "outbox", "resend", "--all-dead", "--error", "Errno 111")
    assert "queued again: 2" in result.output  # kalsel_late and hst_refused; not the 550
    assert state(OutboxMessage, mail_rows["kalsel_550"]) == (DEAD, 78)
    assert identities(OutboxMessage, OutboxMessage.message_id) == before  # same Message-IDs

    assert "queued again: 1" in cli(app, "outbox", "resend", "--all-dead").output
    assert "queued again: 0" in cli(app, "outbox", "resend", "--all-dead").output


def test_outbox_resend_one_message_still_works(app, mail_rows):
    result = cli(app, "outbox", "resend", str(mail_rows["kalsel_550"]))
    assert result.exit_code == 0 and "queued again" in result.output
    again = cli(app, "outbox", "resend", str(mail_rows["kalsel_550"]))
    assert again.exit_code != 0 and "is not dead" in again.output


@pytest.mark.parametrize(
    "args, says",
    [
        (["--all-dead", "--since", "2026-02-30"], "not a date"),
        (["--all-dead", "--until", "kemarin"], "not a date"),
        (["--all-dead", "--since", "20260301"], "not a date"),
        (["--all-dead", "--region", "atlantis"], "unknown"),
        (["--all-dead", "--since", "2026-03-05", "--until", "2026-03-01"], "before"),
        (["--all-dead", "--error", "x" * 201], "longer"),
        (["1", "--all-dead"], "not both"),
        ([], "not both"),
        (["1", "--region", "kalsel"], "go with --all-dead"),
    ],
)
def test_outbox_resend_refuses_a_bad_filter_and_changes_nothing(app, mail_rows, args, says):
    result = cli(app, "outbox", "resend", *args)
    assert result.exit_code != 0 and says in result.output, result.output
    assert all(state(OutboxMessage, i)[0] == DEAD for i in mail_rows.values())


def test_national_retry_all_failed_takes_the_same_filters(app, mirror_rows):
    keys = identities(NationalMirrorItem, NationalMirrorItem.idempotency_key)
    result = cli(
        app, "national", "retry", "--all-failed", "--region", "kalsel", "--error", "HTTP 503"
    )
    assert result.exit_code == 0 and "queued again: 1" in result.output, result.output
    assert state(NationalMirrorItem, mirror_rows["kalsel_503"]) == (PENDING, 0)
    assert state(NationalMirrorItem, mirror_rows["hst_503"])[0] == FAILED
    assert state(NationalMirrorItem, mirror_rows["kalsel_422"])[0] == FAILED

    result = cli(app, "national", "retry", "--all-failed", "--since", "2026-03-02")
    assert "queued again: 1" in result.output  # only the 5 March item
    assert state(NationalMirrorItem, mirror_rows["kalsel_422"]) == (PENDING, 0)
    assert "queued again: 1" in cli(app, "national", "retry", "--all-failed").output
    assert identities(NationalMirrorItem, NationalMirrorItem.idempotency_key) == keys

    bad = cli(app, "national", "retry", "--all-failed", "--until", "31-03-2026")
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_national_retry_refuses_a_bad_region_and_changes_nothing(app, mirror_rows):
    for args in (["--region", "atlantis"], ["--since", "2026-03-09", "--until", "2026-03-01"]):
        result = cli(app, "national", "retry", "--all-failed", *args)
        assert result.exit_code != 0, result.output
    one_with_filter = cli(app, "national", "retry", "1", "--error", "503")
    assert one_with_filter.exit_code != 0 and "go with --all-failed" in one_with_filter.output
    assert all(state(NationalMirrorItem, i)[0] == FAILED for i in mirror_rows.values())


# --- the pages ------------------------------------------------------------------------------


def token_of(client, url: str, h) -> str:
    return h.hidden_fields(client.get(url).get_data(as_text=True))["csrf_token"]


@pytest.fixture
def super_admin(app, router, h):
    create_user(router, password=PASSWORD, email="super@example.org", role="super-admin")
    client = app.test_client()
    assert h.login(client, "super@example.org", PASSWORD).status_code == 302
    return client


def test_the_dead_mail_page_filters_counts_and_resends_every_match(staff, mail_rows, h):
    admin = staff["admin"]
    page = admin.get("/staf/surel/gagal?error=Errno+111").get_data(as_text=True)
    assert 'id="revive-count">2 surel gagal cocok' in page  # the admin's region only
    assert "warga-hst@" not in page
    assert "Kirim ulang semua yang cocok" in page
    assert 'name="error" value="Errno 111"' in page  # the button re-sends what was shown
    token = h.hidden_fields(page)["csrf_token"]

    sent = admin.post(
        "/staf/surel/kirim-ulang-semua", data={"csrf_token": token, "error": "Errno 111"}
    )
    assert sent.status_code == 303
    assert "2 surel dijadwalkan" in admin.get(sent.headers["Location"]).get_data(as_text=True)
    assert state(OutboxMessage, mail_rows["kalsel_refused"]) == ("pending", 0)
    assert state(OutboxMessage, mail_rows["kalsel_late"]) == ("pending", 0)
    assert state(OutboxMessage, mail_rows["kalsel_550"])[0] == DEAD  # did not match
    assert state(OutboxMessage, mail_rows["hst_refused"])[0] == DEAD  # not the admin's


def test_a_regional_admins_crafted_form_revives_nothing_of_another_region(
    staff, mail_rows, mirror_rows, h
):
    admin = staff["admin"]
    for url, post in (
        ("/staf/surel/gagal", "/staf/surel/kirim-ulang-semua"),
        ("/staf/nasional/", "/staf/nasional/kirim-ulang-semua"),
    ):
        token = token_of(admin, url, h)
        crafted = admin.post(post, data={"csrf_token": token, "region": "hst"})
        assert crafted.status_code == 303
        shown = admin.get(crafted.headers["Location"]).get_data(as_text=True)
        assert "Daerah hst tidak dikenal" in shown
        assert 'id="revive-count"' not in shown  # a bad filter offers no button
    assert state(OutboxMessage, mail_rows["hst_refused"])[0] == DEAD
    assert state(NationalMirrorItem, mirror_rows["hst_503"])[0] == FAILED
    assert all(state(OutboxMessage, i)[0] == DEAD for i in mail_rows.values())
    assert all(state(NationalMirrorItem, i)[0] == FAILED for i in mirror_rows.values())

    # No region at all: everything of the admin's own region, nothing of HST.
    token = token_of(admin, "/staf/nasional/", h)
    admin.post("/staf/nasional/kirim-ulang-semua", data={"csrf_token": token})
    assert state(NationalMirrorItem, mirror_rows["kalsel_503"])[0] == PENDING
    assert state(NationalMirrorItem, mirror_rows["kalsel_422"])[0] == PENDING
    assert state(NationalMirrorItem, mirror_rows["hst_503"])[0] == FAILED
    hst_page = staff["hst_admin"].get("/staf/nasional/").get_data(as_text=True)
    assert 'id="revive-count">1 data gagal cocok' in hst_page


@pytest.mark.parametrize(
    "form, says",
    [
        ({"since": "2026-13-01"}, "2026-13-01 bukan tanggal"),
        ({"until": "besok"}, "besok bukan tanggal"),
        ({"region": "atlantis"}, "Daerah atlantis tidak dikenal"),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "Tanggal akhir lebih awal"),
    ],
)
def test_a_bad_filter_on_the_pages_says_why_and_changes_nothing(
    staff, mail_rows, mirror_rows, h, form, says
):
    admin = staff["admin"]
    for url, post in (
        ("/staf/surel/gagal", "/staf/surel/kirim-ulang-semua"),
        ("/staf/nasional/", "/staf/nasional/kirim-ulang-semua"),
    ):
        shown = admin.get(url, query_string=form)
        assert shown.status_code == 200 and says in shown.get_data(as_text=True)
        token = token_of(admin, url, h)
        posted = admin.post(post, data={"csrf_token": token, **form})
        assert posted.status_code == 303
        assert says in admin.get(posted.headers["Location"]).get_data(as_text=True)
    assert all(state(OutboxMessage, i)[0] == DEAD for i in mail_rows.values())
    assert all(state(NationalMirrorItem, i)[0] == FAILED for i in mirror_rows.values())


def test_the_mirror_page_bulk_retry_for_a_super_admin_by_region(
    super_admin, mirror_rows, mail_rows, h
):
    page = super_admin.get("/staf/nasional/?region=hst").get_data(as_text=True)
    assert 'id="revive-count">1 data gagal cocok' in page and "Semua daerah" in page
    token = h.hidden_fields(page)["csrf_token"]
    done = super_admin.post(
        "/staf/nasional/kirim-ulang-semua", data={"csrf_token": token, "region": "hst"}
    )
    assert "1 data dijadwalkan" in super_admin.get(done.headers["Location"]).get_data(as_text=True)
    assert state(NationalMirrorItem, mirror_rows["hst_503"]) == (PENDING, 0)
    assert state(NationalMirrorItem, mirror_rows["kalsel_503"])[0] == FAILED

    english = super_admin.get("/bahasa/en")
    assert english.status_code in (200, 302)
    page = super_admin.get("/staf/surel/gagal?since=2026-03-02").get_data(as_text=True)
    assert "Send all matching again" in page and "2 undelivered e-mails match" in page


def test_bulk_revive_needs_the_csrf_token_and_an_admin(staff, mail_rows, mirror_rows, h):
    for post in ("/staf/surel/kirim-ulang-semua", "/staf/nasional/kirim-ulang-semua"):
        assert staff["admin"].post(post).status_code == 400  # no token
        for name in ("leader", "agency", "unit"):
            token = token_of(staff[name], "/staf/antrian", h)
            assert staff[name].post(post, data={"csrf_token": token}).status_code == 403, name
    assert all(state(OutboxMessage, i)[0] == DEAD for i in mail_rows.values())
    assert all(state(NationalMirrorItem, i)[0] == FAILED for i in mirror_rows.values())


def test_a_revive_larger_than_one_chunk_revives_every_match_and_nothing_else(app, monkeypatch):
    import portal.outbox.revive as revive_module

    monkeypatch.setattr(revive_module, "REVIVE_CHUNK", 3)  # SQLite commits 3 rows at a time
    mine = [dead("kalsel", MARCH_1, "TimeoutError: timed out") for _ in range(7)]
    theirs = [dead("hst", MARCH_1, "TimeoutError: timed out") for _ in range(2)]
    result = cli(app, "outbox", "resend", "--all-dead", "--region", "kalsel")
    assert "queued again: 7" in result.output, result.output
    assert all(state(OutboxMessage, i) == ("pending", 0) for i in mine)
    assert all(state(OutboxMessage, i)[0] == DEAD for i in theirs)
