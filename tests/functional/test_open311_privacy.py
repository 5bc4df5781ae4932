"""What the Open311 API publishes, and what it never does.

Published = verified, not Rahasia, not quarantined, not archived as spam; everything else
answers exactly as a code that does not exist. Of a published report: never the reporter,
an internal note, the citizen's own words, a rating comment, the assignee or a token; the
report text, address and coordinates only where the region's `public_text` is on, photos
only where `public_photos` is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.accounts.services import create_user
from portal.complaints import status as s
from portal.complaints.models import Complaint, Event
from portal.complaints.queries import by_tracking_code
from portal.extensions import db
from portal.open311.models import ApiPost
from portal.open311.publication import is_published
from portal.timeutil import utcnow
from tests.factories import stored_complaint
from tests.functional.case_actions import act, citizen
from tests.functional.open311_helpers import API, both, pin_routing, published, with_photo

DESCRIPTION = "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan nomor antrean."


def codes(found) -> set[str]:
    return {x["service_request_id"] for x in found}


def the_cases() -> dict[str, Complaint]:
    """One case of every kind the public record must tell apart."""
    now = utcnow()
    return {
        "plain": published(),
        "anonymous": published(anonymous=True),
        "duplicate": published(status=s.ARCHIVED, reject_reason="duplicate"),
        "closed": published(status=s.CLOSED, closed_at=now),
        "confidential": published(confidential=True),
        "confidential_anonymous": published(confidential=True, anonymous=True),
        "quarantined": published(status=s.QUARANTINED),  # even with a verified_at
        "spam": published(status=s.ARCHIVED, reject_reason="spam"),
        "unverified": stored_complaint(status=s.NEW),
        "unverified_quarantined": stored_complaint(status=s.QUARANTINED),
    }


PUBLIC = {"plain", "anonymous", "duplicate", "closed"}


def test_exactly_the_published_cases_are_listed(client):
    cases = the_cases()
    listed = codes(both(client, "/requests", "requests"))
    assert listed == {cases[name].tracking_code for name in PUBLIC}
    assert {name for name, c in cases.items() if is_published(c)} == PUBLIC
    everything = ",".join(c.tracking_code for c in cases.values())
    by_id = codes(both(client, "/requests", "requests", service_request_id=everything))
    assert by_id == listed
    assert codes(both(client, "/requests", "requests", status="closed")) == {
        cases[name].tracking_code for name in ("duplicate", "closed")
    }


def test_an_unpublished_case_answers_as_one_that_does_not_exist(client):
    cases = the_cases()
    unknown = client.get(f"{API}/requests/KSL-AAAAAA.json")
    assert unknown.status_code == 404
    for name, case in cases.items():
        got = client.get(f"{API}/requests/{case.tracking_code}.json")
        if name in PUBLIC:
            assert got.status_code == 200, name
        else:
            assert (got.status_code, got.data) == (404, unknown.data), name
            xml = client.get(f"{API}/requests/{case.tracking_code}.xml")
            assert xml.data == client.get(f"{API}/requests/KSL-AAAAAA.xml").data


def test_no_photo_of_an_unpublished_case_even_where_photos_are_public(
    client, app, monkeypatch, tmp_path
):
    pin_routing(app, monkeypatch, tmp_path, public_photos=True, public_text=True)
    cases = the_cases()
    for case in cases.values():
        with_photo(case)
    for name, case in cases.items():
        got = client.get(f"{API}/media/{case.tracking_code}/1.jpg")
        assert got.status_code == (200 if name in PUBLIC else 404), name


def test_a_token_gives_only_its_holder_the_code_of_a_confidential_report(client):
    case = published(confidential=True)
    db.session.add(ApiPost(outcome="created", complaint_id=case.id, token="t" * 40))
    db.session.commit()
    found = both(client, f"/tokens/{'t' * 40}", "tokens")
    assert found == [{"token": "t" * 40, "service_request_id": case.tracking_code}]
    assert client.get(f"{API}/requests/{case.tracking_code}.json").status_code == 404


def test_without_public_text_only_the_title_is_published(client):
    case = published(
        description=DESCRIPTION,
        location="Jl. Ahmad Yani km 2",
        latitude=-3.32,
        longitude=114.59,
        address_id="addr-77",
    )
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found["description"] == case.title
    assert found["address"] is found["address_id"] is found["lat"] is found["long"] is None
    raw = client.get(f"{API}/requests/{case.tracking_code}.xml").get_data(as_text=True)
    for secret in (DESCRIPTION, "Ahmad Yani", "addr-77", "114.59"):
        assert secret not in raw


def test_with_public_text_the_text_address_and_coordinates_are_published(
    client, app, monkeypatch, tmp_path
):
    pin_routing(app, monkeypatch, tmp_path, public_text=True)
    case = published(
        description=DESCRIPTION,
        location="Jl. Ahmad Yani km 2",
        latitude=-3.32,
        longitude=114.59,
        address_id="addr-77",
    )
    long_one = published(description="x" * 5000)
    hst = published(agency="rsud-damanhuri", unit="igd", description=DESCRIPTION)
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found["description"] == f"{case.title}\n\n{DESCRIPTION}"
    assert (found["address"], found["address_id"]) == ("Jl. Ahmad Yani km 2", "addr-77")
    assert (found["lat"], found["long"]) == (-3.32, 114.59)
    [cut] = both(client, f"/requests/{long_one.tracking_code}", "requests")
    assert len(cut["description"]) == 4000 and cut["description"].startswith(long_one.title)
    [other_region] = both(client, f"/requests/{hst.tracking_code}", "requests")
    assert other_region["description"] == hst.title  # the flag is the region's own


def test_public_photos_on_and_off(client, app, monkeypatch, tmp_path):
    case = published()
    with_photo(case)
    without = published()
    [off] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert off["media_url"] is None
    pin_routing(app, monkeypatch, tmp_path, public_photos=True)
    [on] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert on["media_url"] == f"http://localhost{API}/media/{case.tracking_code}/1.jpg"
    assert on["description"] == case.title  # photos on does not publish the text
    [none] = both(client, f"/requests/{without.tracking_code}", "requests")
    assert none["media_url"] is None


def test_a_real_case_publishes_nothing_about_people_or_internal_work(
    client, app, h, ulin_payload, staff, router, monkeypatch, tmp_path
):
    """Filed on the web form, worked by staff, answered and rated by the citizen: the API
    shows the staff's public answer as status_notes and nothing else of what was said."""
    pin_routing(app, monkeypatch, tmp_path, public_text=True, public_photos=True)
    code, token = h.receipt(
        h.post_report(
            client,
            f"/q/{ulin_payload}",
            description=DESCRIPTION,
            location="Loket 3",
            reporter_name="Siti Rahmawati Unik",
            reporter_phone="0812 9876 5432",
            reporter_email="siti.unik@example.org",
        )
    )
    assert client.get(f"{API}/requests/{code}.json").status_code == 404  # not verified yet
    assert act(staff["admin"], code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    assert act(staff["admin"], code, "note", text="CATATAN-INTERNAL-ZX").status_code == 303
    officer = create_user(
        router,
        email="petugas.rahasia@example.org",
        password="kata-sandi-uji-123",
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    case = by_tracking_code(code)
    case.assigned_user_id = officer.id
    db.session.commit()
    answer = "Antrean sudah kami tambah satu loket."
    assert act(staff["unit"], code, "respond", text=answer).status_code == 303
    assert citizen(client, code, token, "balas", text="BALASAN-WARGA-QW").status_code == 303
    rated = citizen(client, code, token, "nilai", rating="2", text="KOMENTAR-NILAI-PL")
    assert rated.status_code == 303
    db.session.expire_all()
    case = by_tracking_code(code)
    assert any(e.kind == "note" and not e.public for e in case.events)
    [found] = both(client, f"/requests/{code}", "requests")
    assert found["status_notes"] == answer
    assert found["description"] == f"{case.title}\n\n{DESCRIPTION}"
    listed = both(client, "/requests", "requests")
    assert listed == [found]
    secrets = (
        "CATATAN-INTERNAL-ZX",
        "BALASAN-WARGA-QW",
        "KOMENTAR-NILAI-PL",
        "Siti Rahmawati Unik",
        "9876",
        "siti.unik",
        "petugas.rahasia",
        token,
        case.access_token_hash,
    )
    for path in (f"/requests/{code}", "/requests", f"/requests?service_request_id={code}"):
        for fmt in ("json", "xml"):
            base, _, query = path.partition("?")
            raw = client.get(f"{API}{base}.{fmt}?{query}").get_data(as_text=True)
            for secret in secrets:
                assert secret not in raw, (secret, path, fmt)


def test_status_notes_are_the_latest_public_staff_note(client, router):
    case = published()
    user = create_user(
        router,
        email="catatan@example.org",
        password="kata-sandi-uji-123",
        role="regional-admin",
        region="kalsel",
    )
    start = case.submitted_at
    case.events += [
        Event(kind="respond", actor_user_id=user.id, note="Jawaban pertama", public=True,
              created_at=start + timedelta(hours=1)),
        Event(kind="respond", actor_user_id=user.id, note="Jawaban kedua", public=True,
              created_at=start + timedelta(hours=2)),
        Event(kind="note", actor_user_id=user.id, note="rahasia dapur", public=False,
              created_at=start + timedelta(hours=3)),
        Event(kind="reply", actor_user_id=None, note="kata warga", public=True,
              created_at=start + timedelta(hours=4)),
    ]  # fmt: skip
    db.session.commit()
    [found] = both(client, f"/requests/{case.tracking_code}", "requests")
    assert found["status_notes"] == "Jawaban kedua"
    # the citizen's reply is public to the citizen: it moves the time, never the note
    updated = datetime.fromisoformat(found["updated_datetime"])
    assert updated == (start + timedelta(hours=4)).replace(microsecond=0)


def test_anonymous_reports_carry_no_name_anywhere(client, app, monkeypatch, tmp_path):
    pin_routing(app, monkeypatch, tmp_path, public_text=True)
    case = published(anonymous=True, reporter_phone="081299990000", reporter_email="a@b.example")
    for fmt in ("json", "xml"):
        raw = client.get(f"{API}/requests/{case.tracking_code}.{fmt}").get_data(as_text=True)
        assert "081299990000" not in raw and "a@b.example" not in raw
