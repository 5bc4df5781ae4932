"""One set of intake rules behind every door: the web form shows exactly what the domain
says, `submit_report` refuses what the rules refuse, and each complaint keeps its channel."""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.complaints import channels
from portal.complaints.models import Complaint
from portal.complaints.photos import process_photo
from portal.extensions import db
from portal.intake.report import InvalidReport, NewReport
from portal.intake.submission import submit_report

ULIN = ("rsud-ulin", "poli-umum", "pendaftaran")
ERRORS = re.compile(r'<ul class="errors"[^>]*>(.*?)</ul>', re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)

GOOD = NewReport(
    submission_key="intake-test-key-000000000001",
    classification="complaint",
    title="Antrean pendaftaran lama",
    description="Saya menunggu tiga jam di loket pendaftaran.",
    reporter_name="Siti Aminah",
    reporter_phone="0812 3456 7890",
)


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Complaint))


def page_errors(html: str) -> set[str]:
    return {
        html_lib.unescape(item.strip())
        for block in ERRORS.findall(html)
        for item in ITEM.findall(block)
    }


# Form fields as a person types them -> the same values as a NewReport.
BAD_INPUTS = [
    {"title": ""},
    {"title": "abc"},
    {"description": "pendek"},
    {"description": "y" * 5001},
    {"classification": "gosip"},
    {"category": "bukan-kategori"},
    {"incident_date": "2999-01-01"},
    {"location": "l" * 201},
    {"reporter_name": ""},
    {"reporter_name": "n" * 121},
    {"reporter_phone": "telepon saya", "reporter_email": ""},
    {"reporter_phone": "", "reporter_email": ""},
    {"reporter_email": "bukan-email"},
    {
        "title": "",
        "description": "",
        "reporter_name": "",
        "reporter_phone": "",
        "reporter_email": "",
    },
]


def as_report(fields: dict[str, str]) -> NewReport:
    values = {
        "title": "Antrean pendaftaran sangat lama",
        "description": "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan nomor antrean.",
        "reporter_name": "Siti Aminah",
        "reporter_phone": "0812 3456 7890",
        "reporter_email": "siti@example.org",
        "classification": "complaint",
        "category": "",
        "location": "",
        "incident_date": "",
    } | fields
    return NewReport(
        submission_key="k" * 32,
        classification=values["classification"],
        title=values["title"].strip(),
        description=values["description"].strip(),
        category=values["category"] or None,
        location=values["location"] or None,
        incident_date=date.fromisoformat(values["incident_date"])
        if values["incident_date"]
        else None,
        reporter_name=values["reporter_name"] or None,
        reporter_phone=values["reporter_phone"] or None,
        reporter_email=values["reporter_email"] or None,
    )


@pytest.mark.parametrize("fields", BAD_INPUTS, ids=lambda f: ",".join(f))
def test_the_web_form_shows_exactly_the_domain_problems(client, h, router, ulin_payload, fields):
    """The form has no rules of its own: what it refuses, every other channel refuses too."""
    expected = {
        p.render(lambda s: s)
        for p in as_report(fields)
        .problems(today=date.today(), categories=router.category_ids)
        .values()
    }
    assert expected, "each bad input breaks at least one rule"
    response = h.post_report(client, f"/q/{ulin_payload}", **fields)
    assert response.status_code == 400
    assert page_errors(response.get_data(as_text=True)) == expected
    assert stored() == 0


def test_english_readers_get_the_rules_in_english(client, h, ulin_payload):
    client.get("/bahasa/en")
    response = h.post_report(client, f"/q/{ulin_payload}", title="abc")
    assert "The title must be 5 to 150 characters." in page_errors(response.get_data(as_text=True))


def test_submit_report_refuses_what_the_rules_refuse(app, router, h):
    """A channel that forgot to check still cannot store a bad report, nor leave photos."""
    photo = process_photo(h.image_bytes(), max_bytes=8 << 20, max_pixels=40_000_000)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    before = set(uploads.rglob("*")) if uploads.exists() else set()
    with pytest.raises(InvalidReport) as refused:
        submit_report(
            ULIN,
            replace(GOOD, title="", reporter_phone=None),
            [photo],
            channel=channels.API,
            router=router,
            store=app.extensions["photo_store"],
            secret=app.config["SECRET_KEY"],
        )
    assert set(refused.value.problems) == {"title", "reporter_phone"}
    assert stored() == 0
    after = set(uploads.rglob("*")) if uploads.exists() else set()
    assert after == before


def test_submit_report_counts_photos_against_the_rules(app, router, h):
    photo = process_photo(h.image_bytes(), max_bytes=8 << 20, max_pixels=40_000_000)
    with pytest.raises(InvalidReport) as refused:
        submit_report(
            ULIN,
            GOOD,
            [photo] * 4,
            channel=channels.WHATSAPP,
            router=router,
            store=app.extensions["photo_store"],
            secret=app.config["SECRET_KEY"],
        )
    assert set(refused.value.problems) == {"photos"}
    assert stored() == 0


def test_an_unknown_channel_is_a_programming_error(app, router):
    with pytest.raises(ValueError, match="unknown channel"):
        submit_report(
            ULIN,
            GOOD,
            [],
            channel="fax",
            router=router,
            store=app.extensions["photo_store"],
            secret=app.config["SECRET_KEY"],
        )
    assert stored() == 0


def test_the_web_form_files_as_web(client, h, ulin_payload):
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}"))
    complaint = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert complaint.channel == "web"


@pytest.mark.parametrize(
    ("channel", "label"),
    [("counter", "Loket (dicatat petugas)"), ("whatsapp", "WhatsApp"), ("web", "Formulir web")],
)
def test_staff_see_the_channel(app, router, staff, channel, label):
    receipt = submit_report(
        ULIN,
        replace(GOOD, submission_key=f"intake-channel-{channel}-0000000"),
        [],
        channel=channel,
        router=router,
        store=app.extensions["photo_store"],
        secret=app.config["SECRET_KEY"],
    )
    page = staff["admin"].get(f"/staf/kasus/{receipt.tracking_code}").get_data(as_text=True)
    shown = re.search(r'<span id="case-channel">(.*?)</span>', page, re.S).group(1)
    assert shown.split() == ["melalui", *label.split()]


def test_complaints_list_json_carries_the_channel(app, router):
    submit_report(
        ULIN,
        GOOD,
        [],
        channel=channels.SMS,
        router=router,
        store=app.extensions["photo_store"],
        secret=app.config["SECRET_KEY"],
    )
    result = app.test_cli_runner().invoke(
        args=["complaints", "list", "--region", "kalsel", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert [row["channel"] for row in json.loads(result.output)] == ["sms"]
