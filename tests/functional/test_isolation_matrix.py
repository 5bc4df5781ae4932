"""Every staff URL that names an object answers 404 to staff outside that object's scope.

The URLs are read from the app's url_map (every rule under /staf/ with an argument), so a
route added later is in the matrix without anyone editing this file: any new URL of a
case (`<code>`) is covered as it is. A rule whose arguments the matrix cannot fill fails
with a message saying what to add to SUBJECTS: an untested staff URL is a hole, not
something to skip.

For a case, outsiders (another region, another agency of the region, another unit of the
agency) must get 404, never 403, which would confirm that the case exists. For POST routes
they send a valid CSRF token and a complete form, so it is the scope check that answers.
For other objects the rule is the same, except that a role which may never use the page
may get the 403 that a missing object gets too: that says nothing about the object.
Insiders must get anything but 404 (and never a 5xx): 200, a redirect, 400 for a form the
matrix leaves empty, 403 for a role that may not act, 409 for a transition that does not
apply.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import current_app, url_for
from sqlalchemy import func, select

from portal.accounts.services import create_user
from portal.cases import transitions
from portal.complaints.models import Complaint, ResponseTemplate
from portal.extensions import db
from tests.factories import stored_complaint

PASSWORD = "kata-sandi-uji-123"
STAFF_PREFIX = "/staf/"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
MISSING_ID = 987_654_321

# Every object below belongs to Kalimantan Selatan, RSUD Ulin, Poli Umum.
ACCOUNTS = {
    "super-admin": dict(role="super-admin"),
    "regional-admin": dict(role="regional-admin", region="kalsel"),
    "leader": dict(role="leader", region="kalsel"),
    "agency-officer": dict(role="agency-officer", agency="rsud-ulin"),
    "unit-officer": dict(role="unit-officer", agency="rsud-ulin", unit="poli-umum"),
    "other-region admin": dict(role="regional-admin", region="hst"),
    "other-region leader": dict(role="leader", region="hst"),
    "other-region agency officer": dict(role="agency-officer", agency="rsud-damanhuri"),
    "other-agency officer (same region)": dict(role="agency-officer", agency="bapenda-kalsel"),
    "other-unit officer (same agency)": dict(
        role="unit-officer", agency="rsud-ulin", unit="instalasi-farmasi"
    ),
    "same unit id, other region's agency": dict(
        role="unit-officer", agency="rsud-rabain", unit="poli-umum"
    ),
}
CASE_VIEWERS = frozenset(
    {"super-admin", "regional-admin", "leader", "agency-officer", "unit-officer"}
)
_serial = itertools.count(1)


# --- the objects ---------------------------------------------------------------------------


def new_case() -> str:
    """A case as the submission path stores it, inserted directly (fast, many needed)."""
    return stored_complaint(agency="rsud-ulin", unit="poli-umum").tracking_code


def new_template() -> int:
    template = ResponseTemplate(
        agency_id="rsud-ulin", title="Terima kasih", body="Sudah kami tangani."
    )
    db.session.add(template)
    db.session.commit()
    return template.id


def new_dead_message() -> int:
    from portal.notifications.models import DEAD, OutboxMessage

    n = next(_serial)
    message = OutboxMessage(
        message_id=f"<matrix-{n}@example.org>",
        template="case_received",
        recipient="warga@example.org",
        region_id="kalsel",
        status=DEAD,
        last_error="550 mailbox unavailable",
    )
    db.session.add(message)
    db.session.commit()
    return message.id


def new_dead_phone_message() -> int:
    """A WhatsApp message to a Kalimantan Selatan reporter that the provider refused."""
    from portal.messaging.models import DEAD
    from portal.messaging.outbox import add_phone_message

    row = add_phone_message("whatsapp", "6281234567890", "receipt", region_id="kalsel")
    row.status, row.attempts, row.last_error = DEAD, 3, "template_missing"
    db.session.commit()
    return row.id


def new_failed_mirror_item() -> int:
    """An SP4N-LAPOR! mirror item of a Kalimantan Selatan case that LAPOR! refused."""
    from portal.national.mirror_rows import mirror_submitted
    from portal.national.models import FAILED

    item = mirror_submitted(stored_complaint(agency="rsud-ulin", unit="poli-umum"))
    item.status, item.attempts, item.last_error = FAILED, 12, "HTTP 422: ditolak"
    db.session.commit()
    return item.id


_VERSION_SERIAL = itertools.count(1)


def new_routing_version() -> int:
    from portal.routing.models import SOURCE_FILE, RoutingVersion
    from portal.routing.versions import content_hash

    original = Path(current_app.config["ROUTING_FILE"]).read_text(encoding="utf-8")
    # A change of Kalimantan Selatan's part only, on top of the imported file.
    serial = next(_VERSION_SERIAL)  # each call changes the part again (no empty change)
    changed = original.replace(
        "pengaduan.kalsel@example.org", f"matrix{serial}.kalsel@example.org", 1
    )
    assert changed != original
    newest = db.session.execute(select(func.max(RoutingVersion.id))).scalar()
    for text in ((original,) if newest is None else ()) + (changed,):
        version = RoutingVersion(
            id=(newest or 0) + 1,
            parent_id=newest,
            text=text,
            content_hash=content_hash(text),
            author="matrix",
            source=SOURCE_FILE,
        )
        db.session.add(version)
        db.session.flush()
        newest = version.id
    db.session.commit()
    return newest


def new_abuse_entry() -> int:
    """A Kalimantan Selatan abuse-list entry (a blocked phone number)."""
    from portal.abuse.models import AbuseEntry

    entry = AbuseEntry(
        region_id="kalsel",
        kind="phone",
        value_hash=f"{next(_serial):064x}",
        action="refuse",
        note="matrix",
        created_by_email="matrix@example.org",
    )
    db.session.add(entry)
    db.session.commit()
    return entry.id


def new_api_key() -> int:
    """An Open311 key of Kalimantan Selatan only, with one recorded POST."""
    from portal.open311.keys import create_key
    from portal.open311.models import ApiPost

    key, _plaintext = create_key(
        f"matrix-{next(_serial)}", ["kalsel"], known_regions=["kalsel", "hst"]
    )
    db.session.add(ApiPost(api_key_id=key.id, outcome="invalid", detail="description"))
    db.session.commit()
    return key.id


def new_staff_account() -> int:
    """A unit officer of RSUD Ulin – Poli Umum: one its region's admin manages."""
    from portal.routing.active import get_router

    user = create_user(
        get_router(),
        email=f"akun-matriks-{next(_serial)}@example.org",
        password=PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    return user.id


@dataclass(frozen=True)
class Subject:
    """How to name an object of Kalimantan Selatan in a URL, and who must reach it."""

    make: Callable[[], object]
    missing: object  # a value that names nothing
    sees: frozenset[str]  # must not get 404
    either: frozenset[str] = field(default_factory=frozenset)  # anything but a 5xx


SUBJECTS = {
    # Templates belong to the agency: every officer of RSUD Ulin keeps them; read-only
    # leaders keep none.
    "template_id": Subject(
        new_template,
        MISSING_ID,
        frozenset(
            {
                "super-admin",
                "regional-admin",
                "agency-officer",
                "unit-officer",
                "other-unit officer (same agency)",
            }
        ),
        either=frozenset({"leader"}),
    ),
    # Undeliverable e-mails of the region: its admins re-send them.
    "message_id": Subject(
        new_dead_message, MISSING_ID, frozenset({"super-admin", "regional-admin"})
    ),
    # Undeliverable WhatsApp/SMS messages of the region: its admins re-send them too.
    "phone_message_id": Subject(
        new_dead_phone_message, MISSING_ID, frozenset({"super-admin", "regional-admin"})
    ),
    # The region's SP4N-LAPOR! mirror items: its admins send failed ones again.
    "mirror_id": Subject(
        new_failed_mirror_item, MISSING_ID, frozenset({"super-admin", "regional-admin"})
    ),
    # The region's abuse list: managed by its admins only.
    "abuse_entry_id": Subject(
        new_abuse_entry, MISSING_ID, frozenset({"super-admin", "regional-admin"})
    ),
    # The region's Open311 keys: managed by its admins only.
    "api_key_id": Subject(new_api_key, MISSING_ID, frozenset({"super-admin", "regional-admin"})),
    # A staff account of the region: managed by its admins (portal/accounts/management.py).
    # A region's part of the routing file (and its abuse list): edited by its admin.
    "region_id": Subject(
        lambda: "kalsel", "atlantis", frozenset({"super-admin", "regional-admin"})
    ),
    # An agency's page of the leaders' dashboard: its region's leaders and admins.
    "agency_id": Subject(
        lambda: "rsud-ulin",
        "tidak-ada",
        frozenset({"super-admin", "regional-admin", "leader"}),
    ),
    # A version that changed Kalsel's part: its admin reads it, another region's does not.
    "version_id": Subject(
        new_routing_version,
        MISSING_ID,
        frozenset({"super-admin", "regional-admin"}),
    ),
}
# A staff account of Kalimantan Selatan: managed by the super admin and its region's admin
# (portal/accounts/management.py); for another region's admin it does not exist.
SUBJECTS["user_id"] = Subject(
    new_staff_account, MISSING_ID, frozenset({"super-admin", "regional-admin"})
)
CASE_DETAILS = {"photo_id", "action"}  # arguments that narrow a case URL


@dataclass(frozen=True)
class Probe:
    rule: str
    method: str
    kind: str  # "case" or a SUBJECTS key
    build: Callable[[bool], str]  # missing=False: a real object (fresh for a mutating call)


# Under /staf/ but for a signed-out person holding a single-use link (an invitation, a
# password reset): the link is the object and its own secret; their refusals are tested in
# tests/functional/test_password_links.py and by the public fuzz.
SIGNED_OUT_LINK_PAGES = frozenset(
    {"password_links.accept_invitation", "password_links.reset_password"}
)


def staff_object_rules(app) -> list:
    """Rules under /staf/ that take an argument, i.e. name one object."""
    return sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if r.rule.startswith(STAFF_PREFIX)
            and r.arguments
            and r.endpoint not in SIGNED_OUT_LINK_PAGES
        ),
        key=lambda r: (r.rule, r.endpoint),
    )


def probes(app, shared_case: tuple[str, int]) -> list[Probe]:
    """Every (URL, method) to try, with argument values that name the subject."""
    found, unknown = [], []
    for rule in staff_object_rules(app):
        args = set(rule.arguments)
        if "code" in args:
            kind, extra = "case", args - {"code"} - CASE_DETAILS
        else:
            known = args & SUBJECTS.keys()
            kind = next(iter(known)) if len(known) == 1 else None
            extra = args - known
        if kind is None or extra:
            unknown.append(f"{rule.rule} ({', '.join(sorted(extra or args))})")
            continue
        actions = sorted(transitions.TRANSITIONS) if "action" in args else [None]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for action in actions:
                name = rule.rule + (f" [{action}]" if action else "")
                build = _builder(rule.endpoint, method, args, kind, shared_case, action)
                found.append(Probe(name, method, kind, build))
    assert not unknown, (
        "test_isolation_matrix cannot name the objects of these staff URLs; add a Subject "
        f"(how to make one, who may see it) to SUBJECTS: {unknown}"
    )
    return found


def _builder(endpoint, method, args, kind, shared_case, action) -> Callable[[bool], str]:
    shared_code, photo_id = shared_case

    def build(missing: bool = False) -> str:
        values: dict[str, object] = {}
        if kind == "case":
            # A mutating request may change the case (its unit, say): each gets a fresh one.
            fresh = method in MUTATING and "photo_id" not in args
            values["code"] = new_case() if fresh else shared_code
            if "photo_id" in args:
                values["photo_id"] = photo_id
            if "action" in args:
                values["action"] = action
        else:
            subject = SUBJECTS[kind]
            values[kind] = subject.missing if missing else subject.make()
        return url_for(endpoint, **values)

    return build


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def shared_case(client, h, ulin_payload) -> tuple[str, int]:
    """A real submission with a photo, so the photo route has a file to send."""
    photo = (io.BytesIO(h.image_bytes("JPEG")), "foto.jpg", "image/jpeg")
    code, _ = h.receipt(h.post_report(client, f"/q/{ulin_payload}", files=[photo]))
    case = db.session.execute(select(Complaint).filter_by(tracking_code=code)).scalar_one()
    assert case.photos, "the matrix needs a case with a photo"
    return code, case.photos[0].id


@pytest.fixture
def staff_clients(app, router, h) -> dict:
    """A signed-in client and its CSRF token per account."""
    clients = {}
    for n, (name, spec) in enumerate(ACCOUNTS.items()):
        email = f"matrix{n}@example.org"
        create_user(router, email=email, password=PASSWORD, **spec)
        client = app.test_client()
        assert h.login(client, email, PASSWORD).status_code == 302, name
        token = h.hidden_fields(client.get("/staf/antrian").data)["csrf_token"]
        clients[name] = (client, token)
    return clients


def _send(client, token: str, method: str, url: str) -> int:
    if method == "GET":
        return client.get(url).status_code
    # A complete form (a fresh case is at version 1): only the scope may refuse it.
    form = {"csrf_token": token, "version": "1"}
    return client.open(url, method=method, data=form).status_code


# --- tests ---------------------------------------------------------------------------------


def test_the_matrix_finds_the_case_urls(app):
    rules = {r.rule for r in staff_object_rules(app)}
    assert "/staf/kasus/<code>" in rules


def test_every_staff_url_hides_objects_outside_the_users_scope(app, staff_clients, shared_case):
    with app.test_request_context():
        matrix = probes(app, shared_case)
    assert matrix
    problems = []
    for probe in matrix:
        sees = CASE_VIEWERS if probe.kind == "case" else SUBJECTS[probe.kind].sees
        either = frozenset() if probe.kind == "case" else SUBJECTS[probe.kind].either
        # Outsiders first: a correct 404 changes nothing, so insiders still find the object.
        for name in sorted(ACCOUNTS, key=lambda account: account in sees):
            client, token = staff_clients[name]
            with app.test_request_context():
                url = probe.build(False)
            got = _send(client, token, probe.method, url)
            if name in sees:
                ok, want = got != 404 and got < 500, "not 404"
            elif name in either:
                ok, want = got < 500, "no 5xx"
            elif probe.kind == "case":
                ok, want = got == 404, "404"
            else:  # 404, or the 403 of a page this role may never use, as for no object
                with app.test_request_context():
                    nothing = probe.build(True)
                missing = _send(client, token, probe.method, nothing)
                ok = got == 404 or (got == 403 and missing == 403)
                want = f"404 (or 403 like a missing object, which got {missing})"
            if not ok:
                problems.append(f"{probe.method} {probe.rule} as {name}: {got}, expected {want}")
    assert not problems, "\n".join(problems)


def test_signed_out_visitors_are_sent_to_sign_in(app, client, shared_case):
    with app.test_request_context():
        matrix = [p for p in probes(app, shared_case) if p.method == "GET"]
    for probe in matrix:
        with app.test_request_context():
            url = probe.build(False)
        response = client.get(url)
        assert response.status_code == 302, (probe.rule, response.status_code)
        assert "/staf/masuk" in response.headers["Location"]
