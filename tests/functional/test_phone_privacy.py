"""A reporter's phone number is personal data: it leaves the portal in no export (the
SP4N-LAPOR! mirror by file, by the staff download and over HTTP, the dashboard CSV), it
is masked in every log line, and the abuse list knows one number however it is typed.

Reports are filed through the real form (a WhatsApp citizen's number as canonical
`reporter_msisdn` too), the exports made by the real CLI, page and HTTP connector (to a
real server on a socket), the logs written through the app's own logging setup.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

import portal
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.logredact import REDACTED, RedactTokens, redact_value
from portal.national.delivery import MirrorChannel
from portal.national.payload import FIELDS, REPORTER_FIELDS
from portal.outbox.worker import deliver_all_due
from tests.functional.case_actions import act
from tests.functional.lapor_server import TOKEN, LaporServer
from tests.helpers import hidden_fields

TYPED = "0812-3456-7890"
MSISDN = "6281234567890"
NUMBER_FORMS = (TYPED, MSISDN, "81234567890", "812-3456-7890", "3456-7890", "34567890")
EMAIL = "siti.aminah@example.org"


def file_with_phone(client, h, ulin_payload, **overrides) -> Complaint:
    code, _ = h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            reporter_phone=TYPED,
            reporter_email=EMAIL,
            **overrides,
        )
    )
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert complaint.reporter_msisdn == MSISDN  # the portal keeps it, for its own use
    return complaint


def assert_no_number(text: str, where: str) -> None:
    for form in (*NUMBER_FORMS, EMAIL):
        assert form not in text, f"{form!r} in {where}"


def test_the_mirror_payload_names_no_reporter_field():
    assert "reporter_msisdn" in REPORTER_FIELDS
    assert not set(FIELDS) & set(REPORTER_FIELDS)
    assert not [f for f in FIELDS if "pelapor" in f or "telepon" in f or f == "hp"]


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonim"])
def test_no_export_carries_the_number(app, client, h, ulin_payload, staff, anonymous):
    complaint = file_with_phone(
        client, h, ulin_payload, **({"anonymous": "y", "reporter_name": None} if anonymous else {})
    )
    code = complaint.tracking_code
    act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum")
    act(staff["admin"], code, "respond", text="Antrean kini dibuka dua loket.")

    runner = app.test_cli_runner()
    jsonl = runner.invoke(args=["national", "export"])
    assert jsonl.exit_code == 0 and code in jsonl.stdout
    assert_no_number(jsonl.stdout + jsonl.stderr, "the JSON-lines export")

    # The staff page's download (CSV) of the same items, exported again.
    from portal.national.models import PENDING, NationalMirrorItem

    for item in db.session.execute(select(NationalMirrorItem)).scalars():
        item.status = PENDING
    db.session.commit()
    page = staff["admin"].get("/staf/nasional/").get_data(as_text=True)
    download = staff["admin"].post(
        "/staf/nasional/ekspor",
        data={"csrf_token": hidden_fields(page)["csrf_token"], "format": "csv"},
    )
    assert download.status_code == 200 and code in download.get_data(as_text=True)
    assert_no_number(download.get_data(as_text=True), "the staff CSV download")

    sheet = staff["leader"].get("/staf/dasbor/unduh.csv")
    assert sheet.status_code == 200
    assert_no_number(sheet.get_data(as_text=True), "the dashboard CSV")


def test_the_mirror_over_http_carries_no_number(app, client, h, ulin_payload, staff):
    server = LaporServer().start()
    keys = ("NATIONAL_CONNECTOR", "NATIONAL_URL", "NATIONAL_TOKEN")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(NATIONAL_CONNECTOR="http", NATIONAL_URL=server.url, NATIONAL_TOKEN=TOKEN)
    try:
        complaint = file_with_phone(client, h, ulin_payload, channel="whatsapp")
        act(staff["admin"], complaint.tracking_code, "verify", target="rsud-ulin/poli-umum")
        result = deliver_all_due(MirrorChannel())
        assert result.sent == 2
        sent = json.dumps([r.document for r in server.delivered], ensure_ascii=False)
        assert complaint.tracking_code in sent
        assert_no_number(sent, "the documents posted to SP4N-LAPOR!")
    finally:
        server.stop()
        app.config.update(saved)


# --- logs ----------------------------------------------------------------------------------


@pytest.fixture
def app_log(app):
    """A handler on the root logger, as `logging.basicConfig` sets one up in production,
    then the app's own logging setup (portal.configure_logging) run over it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    portal.configure_logging(app)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_phone_numbers_are_masked_in_every_log_line(app, app_log):
    assert any(isinstance(f, RedactTokens) for f in logging.getLogger().handlers[-1].filters)
    worker = logging.getLogger("portal.messaging.worker")  # a module logger, not app.logger
    worker.info("whatsapp to +62 812-3456-7890 accepted as wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ")
    worker.warning("sms to %s for %s row %d: %s", "0812 3456 7890", "KSL-7K3Q9M", 6212, "HTTP 503")
    logging.getLogger("portal.chat.webhook").info("message from wa_id=%s", MSISDN)
    app.logger.error("gateway refused 62812-3456-7890 at 2026-12-02T06:15:41+08:00")
    logging.getLogger("werkzeug").info('"GET /lacak/KSL-7K3Q9M?t=sekret-token HTTP/1.1" 200 -')
    lines = app_log.getvalue().splitlines()
    assert len(lines) == 5, lines
    text = "\n".join(lines)
    for form in (*NUMBER_FORMS, "3456 7890", "812-3456"):
        assert form not in text, f"{form!r} in the log"
    assert lines[0].endswith("whatsapp to 62…890 accepted as wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ")
    assert lines[1].endswith("sms to 62…890 for KSL-7K3Q9M row 6212: HTTP 503")
    assert lines[2].endswith("message from wa_id=62…890")
    assert lines[3].endswith("gateway refused 62…890 at 2026-12-02T06:15:41+08:00")
    assert f"?t={REDACTED}" in lines[4] and "sekret-token" not in lines[4]  # still


def test_log_lines_without_numbers_are_left_as_they_are(app, app_log):
    message = (
        "delivered 62 of 64 rows in 0.0812345678 s; batch 20261202061541; "
        "case KSL-7K3Q9M; mail <20261202.62811.x@aduan.example.go.id> from 10.62.81.234"
    )
    logging.getLogger("portal.outbox.worker").info(message)
    assert app_log.getvalue().strip().endswith(message)


def test_gunicorn_access_log_atoms_are_masked_too():
    # portal/gunicorn_logging.py cleans every atom with redact_value.
    assert redact_value("/webhook/sms?from=%2B6281234567890") == "/webhook/sms?from=%2B62…890"
    assert (
        redact_value("/webhook/sms?from=6281234567890&secret=x")
        == "/webhook/sms?from=62…890&secret=x"
    )
    assert redact_value(200) == 200


# --- the abuse list ------------------------------------------------------------------------


def _add_blocked(staff, value: str) -> None:
    page = staff["admin"].get("/staf/daftar-blokir/kalsel").get_data(as_text=True)
    answer = staff["admin"].post(
        "/staf/daftar-blokir/kalsel",
        data={
            "csrf_token": hidden_fields(page)["csrf_token"],
            "kind": "phone",
            "value": value,
            "action": "refuse",
            "note": "Kirim iklan berulang",
        },
    )
    assert answer.status_code == 303


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "+62 812 3456 7890",
        "62812 3456 7890",
        "0062 812-3456-7890",
        "812 3456 7890",
    ],
)
def test_a_blocked_number_matches_however_it_is_typed(staff, client, h, ulin_payload, typed):
    _add_blocked(staff, "0812 3456 7890")
    refused = h.post_report(client, f"/q/{ulin_payload}", reporter_phone=typed, title="Promo judi")
    assert refused.status_code == 403
    assert db.session.execute(select(Complaint)).first() is None
    # what the chat intake compares: the canonical number of the sender
    from portal.abuse.keys import list_key
    from portal.abuse.services import REFUSE, screen

    assert screen(list_key(), "kalsel", phone=MSISDN) == REFUSE
    assert screen(list_key(), "kalsel", phone="+6281234567891") is None
