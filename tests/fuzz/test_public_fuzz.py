"""A property-based fuzz of every public endpoint: no 5xx, and nothing stored when refused.

Every rule of `app.url_map` whose view does not require a sign-in must have a strategy in
STRATEGIES (a new public route fails `test_every_public_route_has_a_strategy` until it
gets one). Each strategy draws path parameters (valid, mangled and random QR payloads,
short codes, tracking codes, regions), query strings, form fields (random names, types and
sizes past the limits, any Unicode, RTL, emoji, NUL and other control characters, fake and
broken images) and raw bodies (invalid UTF-8, lying content types, broken multipart).
Most POSTs carry the page's real CSRF token so the handler itself is reached; some carry
none, a forged one or another session's, and some go with CSRF switched off.

After each request: the status is below 500 (429, a rate limit, is a refusal like any
other), and unless the answer is the success receipt (a report's 303 to its private link,
a citizen action's 303) no report, photo, event, e-mail or SP4N-LAPOR! row and no
uploaded file was added.

Size: `FUZZ_SCALE=full` (the default when TEST_DATABASE_URL is set, since PostgreSQL is
where a NUL breaks) sends a few thousand requests; `smoke` (the default on SQLite) a few
hundred, so CI runs the long fuzz once. The Hypothesis profile is derandomized and has no
example database: the same requests every run.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

import pyotp
import pytest
from flask_login import login_required
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import MultiDict

from portal.accounts import second_factor, tokens, totp
from portal.accounts.models import LoginThrottle, User
from portal.accounts.services import find_by_email
from portal.cases.services import ActionInput, Actor, perform
from portal.chat.models import ChatConversation, ChatInbound
from portal.complaints.models import Complaint, Event, Photo
from portal.complaints.pins import grouped, pin_for
from portal.complaints.queries import by_tracking_code
from portal.extensions import db
from portal.messaging.models import PhoneMessage
from portal.national.models import NationalMirrorItem
from portal.notifications.models import OutboxMessage
from portal.open311.keys import create_key
from portal.timeutil import utcnow
from qr.payload import ServiceRef, SigningKeys, encode
from tests import chat_peers
from tests.fuzz import stats
from tests.fuzz.strategies import (
    CODE,
    CSRF,
    KEY,
    PIN,
    TOKEN,
    VERSION,
    Draft,
    Live,
    csrf_values,
    dates,
    files,
    form_items,
    numbers,
    path_segment,
    query_strings,
    raw_bodies,
    unicode_text,
    values,
)
from tests.helpers import hidden_fields

SCALE = os.environ.get("FUZZ_SCALE") or ("full" if os.environ.get("TEST_DATABASE_URL") else "smoke")
assert SCALE in {"full", "smoke"}, f"FUZZ_SCALE must be full or smoke, not {SCALE!r}"

STORED = (
    Complaint,
    Photo,
    Event,
    OutboxMessage,
    NationalMirrorItem,
    ChatInbound,
    ChatConversation,
    PhoneMessage,
)
RECEIPT = re.compile(r"^(https?://[^/]+)?/lacak/[A-Z]{2,4}-[A-Z0-9]{6}\?t=[A-Za-z0-9_-]+")
COUNT_STORED = select(
    *(select(func.count()).select_from(model).scalar_subquery() for model in STORED)
)
COUNTED = (
    "complaints",
    "photos",
    "events",
    "outbox",
    "mirror",
    "chat inbound",
    "chat conversations",
    "phone outbox",
    "uploaded files",
)
# The webhooks' secrets while the fuzz runs: a draft either signs its body (SIGN) or sends
# the SMS secret (a valid header or field), or it does not and must be refused with nothing
# stored.
SIGN = "$sign"
WEBHOOK_SETTINGS = {
    "WHATSAPP_APP_SECRET": chat_peers.APP_SECRET,
    "WHATSAPP_VERIFY_TOKEN": chat_peers.VERIFY_TOKEN,
    "SMS_WEBHOOK_SECRET": chat_peers.SMS_SECRET,
}
WEBHOOKS = ("chat.whatsapp_inbound", "chat.sms_inbound")
# /metrics is a machine endpoint, but public (no sign-in: a bearer token): fuzzed with the
# right token, wrong ones and broken Authorization headers; it must never 5xx or store.
METRICS_TOKEN = "fuzz-metrics-token-0123456789abcdef"
# The two-step endpoints: each draft goes from a browser that just typed the right password
# of an account with a second factor (the code step) or of an admin who must set one up
# first (the setup page); TOTP is the app's current code for it, computed when sent.
TWO_STEP_ENDPOINTS = ("two_factor.second_step", "two_factor.setup")
TOTP = Live("totp")
FUZZ_PASSWORD = "kata-sandi-fuzz-123"
TWO_STEP_EMAIL = "fuzz.twostep@example.org"
TWO_STEP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SECRET_ON_PAGE = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
LOGIN_REQUIRED = login_required(lambda: None).__code__


def is_staff_only(view) -> bool:
    """The view (or a function it wraps) is flask_login's login_required wrapper."""
    while view is not None:
        if getattr(view, "__code__", None) is LOGIN_REQUIRED:
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def public_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not is_staff_only(app.view_functions[rule.endpoint])
    }


# --- the world the strategies draw from -----------------------------------------------------


@dataclass
class World:
    payloads: list[str]
    short_codes: list[str]
    regions: list[str]
    agencies: list[str]
    units: list[str]
    categories: list[str]
    codes: list[str]  # the stored case's code first
    live: dict[str, str] = field(default_factory=dict)


def _world(app, router) -> World:
    keys: SigningKeys = app.config["QR_SIGNING_KEYS"]
    points = list(router.service_points())[:6]
    payloads = [encode(ServiceRef(*p.ids), keys) for p in points]
    old = SigningKeys(keys=dict(keys.keys), active="T1")
    payloads.append(encode(ServiceRef(*points[1].ids), old))
    payloads.append(encode(ServiceRef("rsud-ulin", "poli-lama-ditutup", "pendaftaran"), keys))
    forger = SigningKeys.parse("T9:attacker-chosen-secret-123456")
    payloads.append(encode(ServiceRef(*points[1].ids), forger))
    return World(
        payloads=payloads,
        short_codes=[p.short_code for p in points] + ["k7q-3mz", "AAAAAA"],
        regions=[r.id for r in router.regions],
        agencies=sorted({p.ids[0] for p in points}),
        units=sorted({p.ids[1] for p in points}),
        categories=[c.id for c in router.categories],
        codes=["KSL-AAAAAA", "ksl aaaaaa", "HST-7K3Q9M"],
    )


# --- strategies per endpoint ----------------------------------------------------------------

CLASSIFICATIONS = ["complaint", "aspiration", "information"]
FLAGS = st.one_of(st.sampled_from(["y", "on", "1", "0", "", "false"]), values())


def report_form(w: World) -> st.SearchStrategy[list[tuple[str, object]]]:
    fields = {
        "csrf_token": csrf_values(),
        "submission_key": st.one_of(st.just(KEY), st.just(KEY), values()),
        "classification": st.one_of(st.sampled_from(CLASSIFICATIONS), values()),
        "category": st.one_of(st.sampled_from(w.categories), values()),
        "title": values(long=True),
        "description": values(long=True),
        "incident_date": st.one_of(dates, values()),
        "location": values(long=True),
        "anonymous": FLAGS,
        "confidential": FLAGS,
        "reporter_name": values(long=True),
        "reporter_phone": st.one_of(st.sampled_from(["0812 3456 7890", "+62-812-345"]), values()),
        "reporter_email": st.one_of(st.just("siti@example.org"), values()),
        "consent": FLAGS,
        "website": values(),  # a honeypot's likely name
        "photos": st.lists(files, min_size=1, max_size=5),
    }
    valid = {
        "csrf_token": CSRF,
        "submission_key": KEY,
        "classification": "complaint",
        "title": "Antrean pendaftaran sangat lama",
        "description": "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan.",
        "reporter_name": "Siti Aminah",
        "reporter_phone": "0812 3456 7890",
        "consent": "y",
    }
    return form_items(fields, valid=valid)


def _posting(
    path: st.SearchStrategy[str],
    form: st.SearchStrategy[list[tuple[str, object]]],
    query_names: list[str],
) -> st.SearchStrategy[Draft]:
    structured = st.builds(
        lambda p, q, items, multipart, off, fresh: Draft(
            "POST", p, q, form=items, multipart=multipart, csrf_off=off, fresh_client=fresh
        ),
        path,
        query_strings(query_names),
        form,
        st.booleans(),
        st.sampled_from([False] * 7 + [True]),
        st.sampled_from([False] * 7 + [True]),
    )
    raw = st.builds(
        lambda p, body, off: Draft("POST", p, raw_body=body[0], content_type=body[1], csrf_off=off),
        path,
        raw_bodies(),
        st.booleans(),
    )
    return st.one_of(structured, structured, structured, raw)


def _getting(path: st.SearchStrategy[str], query_names: list[str]) -> st.SearchStrategy[Draft]:
    return st.builds(
        lambda p, q, fresh: Draft("GET", p, q, fresh_client=fresh),
        path,
        query_strings(query_names),
        st.booleans(),
    )


def report_page(w: World, prefixes: list[str], segment) -> st.SearchStrategy[Draft]:
    path = st.tuples(st.sampled_from(prefixes), segment).map("".join)
    return st.one_of(_getting(path, []), _posting(path, report_form(w), []))


def _wa_message(w: World) -> st.SearchStrategy[dict]:
    sender = st.one_of(st.just("6281234567890"), st.just("6281299990001"), values())
    text = st.one_of(
        st.sampled_from(w.short_codes), st.sampled_from(["BATAL", "YA", "1", "LEWATI"]), values()
    )
    return st.one_of(
        st.builds(lambda s, t: chat_peers.inbound_message(s, "text", text=t), sender, text),
        st.builds(
            lambda s, m: chat_peers.inbound_message(s, "image", image={"id": m}),
            sender,
            values(),
        ),
        st.builds(
            lambda s, r: chat_peers.inbound_message(s, "interactive", button_reply=(r, r)),
            sender,
            values(),
        ),
        st.builds(lambda s, v: {"from": s, "id": v, "type": v}, sender, values()),
    )


def whatsapp_webhook(w: World) -> st.SearchStrategy[Draft]:
    """Meta-shaped bodies with random content, and raw junk; signed or not."""
    shaped = st.builds(
        lambda msgs: chat_peers.webhook_body(msgs), st.lists(_wa_message(w), max_size=3)
    )
    signature = st.sampled_from([SIGN, SIGN, SIGN, "", "sha256=" + "0" * 64, "sha256=zz"])
    return st.one_of(
        st.builds(
            lambda body, sig: Draft(
                "POST",
                "/webhook/whatsapp",
                raw_body=body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": sig} if sig else {},
            ),
            shaped,
            signature,
        ),
        st.builds(
            lambda body, sig: Draft(
                "POST",
                "/webhook/whatsapp",
                raw_body=body[0],
                content_type=body[1],
                headers={"X-Hub-Signature-256": sig} if sig else {},
            ),
            raw_bodies(),
            signature,
        ),
    )


def sms_webhook(w: World) -> st.SearchStrategy[Draft]:
    secret = st.sampled_from([chat_peers.SMS_SECRET, chat_peers.SMS_SECRET, "", "salah"])
    form = form_items(
        {
            "from": st.one_of(st.just("081234567890"), values()),
            "text": st.one_of(
                st.sampled_from(w.short_codes).map(lambda c: f"LAPOR {c} antrean lama sekali"),
                values(long=True),
            ),
            "id": values(),
            "secret": secret,
            "timestamp": values(),
        },
        valid={"from": "081234567890", "text": "halo", "secret": chat_peers.SMS_SECRET},
    )
    structured = st.builds(
        lambda items, header: Draft(
            "POST",
            "/webhook/sms",
            form=items,
            headers={"X-Webhook-Secret": header} if header else {},
        ),
        form,
        st.one_of(st.none(), secret),
    )
    raw = st.builds(
        lambda body, header: Draft(
            "POST",
            "/webhook/sms",
            raw_body=body[0],
            content_type=body[1],
            headers={"X-Webhook-Secret": header} if header else {},
        ),
        raw_bodies(),
        st.one_of(st.none(), secret),
    )
    return st.one_of(structured, structured, raw)


OPEN311 = "/open311/v2"
OPEN311_QUERY = ["jurisdiction_id", "locale"]
OPEN311_LIST_QUERY = [
    *OPEN311_QUERY,
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
]


def open311_reads(w: World, code) -> dict[str, st.SearchStrategy[Draft]]:
    """The GeoReport GETs: real and mangled suffixes, codes, ids and every list filter."""
    fmt = path_segment(["json", "xml"])
    region = st.one_of(st.sampled_from(w.regions), path_segment(w.regions))
    query = st.one_of(
        query_strings(OPEN311_QUERY),
        st.builds(lambda r, q: q + b"&jurisdiction_id=" + r.encode(), region, query_strings([])),
    )

    def getting(path: st.SearchStrategy[str], names: list[str]) -> st.SearchStrategy[Draft]:
        plain = _getting(path, names)
        scoped = st.builds(lambda p, q: Draft("GET", p, q), path, query)
        return st.one_of(plain, scoped)

    return {
        "open311.discovery": getting(fmt.map(lambda f: f"{OPEN311}/discovery.{f}"), ["locale"]),
        "open311.services": getting(fmt.map(lambda f: f"{OPEN311}/services.{f}"), OPEN311_QUERY),
        "open311.service_definition": getting(
            st.tuples(path_segment(w.short_codes), fmt).map(
                lambda p: f"{OPEN311}/services/{p[0]}.{p[1]}"
            ),
            OPEN311_QUERY,
        ),
        "open311.list_requests": getting(
            fmt.map(lambda f: f"{OPEN311}/requests.{f}"), OPEN311_LIST_QUERY
        ),
        "open311.get_request": getting(
            st.tuples(code, fmt).map(lambda p: f"{OPEN311}/requests/{p[0]}.{p[1]}"),
            OPEN311_QUERY,
        ),
        "open311.get_token": getting(
            st.tuples(path_segment(["t" * 40, "al311-token"]), fmt).map(
                lambda p: f"{OPEN311}/tokens/{p[0]}.{p[1]}"
            ),
            [],
        ),
        "open311.media": getting(
            st.tuples(code, st.one_of(st.integers(0, 4).map(str), path_segment(["1"]))).map(
                lambda p: f"{OPEN311}/media/{p[0]}/{p[1]}.jpg"
            ),
            ["locale"],
        ),
        "open311.openapi_document": st.builds(
            lambda name, q, etag: Draft(
                "GET", f"{OPEN311}/{name}", q, headers={"If-None-Match": etag} if etag else {}
            ),
            path_segment(["openapi.json"]),
            query_strings(["locale"]),
            st.one_of(st.none(), st.just("*"), values()),
        ),
    }


API_KEY = Live("api_key")
ASCII = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


def open311_post(w: World) -> st.SearchStrategy[Draft]:
    """GeoReport form fields (attributes under random names too), huge values, NUL, bad
    floats; the real API key most of the time, else none or a wrong one."""
    coordinates = st.one_of(
        st.sampled_from(["-3.3194", "114.5907", "NaN", "-inf", "1e999", "-91", "181", ""]),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        numbers,
        values(),
    )
    flags = st.one_of(st.sampled_from(["true", "false", "TRUE", "ya", ""]), values())
    fields = {
        "api_key": st.one_of(
            st.just(API_KEY), st.just(API_KEY), st.just("al311_" + "A" * 43), values()
        ),
        "service_code": st.one_of(*[st.sampled_from(w.short_codes)] * 4, values(long=True)),
        "jurisdiction_id": st.one_of(st.sampled_from(w.regions), values()),
        "lat": coordinates,
        "long": coordinates,
        "address_string": values(long=True),
        "address_id": values(long=True),
        "email": st.one_of(st.just("siti@example.org"), values(long=True)),
        "phone": st.one_of(st.just("0812 3456 7890"), values()),
        "first_name": values(long=True),
        "last_name": values(long=True),
        "description": values(long=True),
        "device_id": values(),
        "account_id": values(),
        # never a name that resolves: a refused address, a wrong scheme, or junk
        "media_url": st.one_of(
            st.sampled_from(
                ["http://127.0.0.1:1/a.jpg", "http://169.254.169.254/", "ftp://x/a.jpg", ""]
            ),
            values(),
        ),
        "locale": st.one_of(st.sampled_from(["id", "en", "fr"]), values()),
        "attribute[classification]": st.one_of(st.sampled_from(CLASSIFICATIONS), values()),
        "attribute[title]": values(long=True),
        "attribute[category]": st.one_of(st.sampled_from(w.categories), values()),
        "attribute[incident_date]": st.one_of(dates, values()),
        "attribute[anonymous]": flags,
        "attribute[confidential]": flags,
        "attribute[notify_via]": st.one_of(st.sampled_from(["email", "whatsapp", "sms"]), values()),
    }
    valid = {
        "api_key": API_KEY,
        "service_code": w.short_codes[1],
        "description": "Saya menunggu tiga jam di loket pendaftaran tanpa kejelasan.",
        "lat": "-3.3194",
        "long": "114.5907",
        "first_name": "Siti",
        "email": "siti@example.org",
    }
    attributes = st.lists(
        st.tuples(unicode_text.map(lambda name: f"attribute[{name}]"), values()), max_size=2
    )
    items = st.tuples(form_items(fields, valid=valid), attributes).map(lambda p: p[0] + p[1])
    header = st.one_of(
        st.just({}),
        st.just({"Idempotency-Key": "fuzz-idempotency-key-0001"}),
        ASCII.map(lambda v: {"Idempotency-Key": v}),
    )
    junk = st.one_of(st.sampled_from(["JSON", "html", ""]), path_segment(["json", "xml"]))
    fmt = st.integers(0, 9).flatmap(lambda i: st.sampled_from(["json", "xml"]) if i else junk)
    path = fmt.map(lambda fmt: f"/open311/v2/requests.{fmt}")
    structured = st.builds(
        lambda p, form, headers, multipart: Draft(
            "POST", p, form=form, headers=headers, multipart=multipart
        ),
        path,
        items,
        header,
        st.booleans(),
    )
    raw = st.builds(
        lambda p, body: Draft("POST", p, raw_body=body[0], content_type=body[1]),
        path,
        raw_bodies(),
    )
    return st.one_of(structured, structured, structured, raw)


def account_link(prefix: str) -> st.SearchStrategy[Draft]:
    """An invitation or reset link: the live reset token of the fuzz account ($reset),
    mangled, forged (the right shape, never issued), overlong or anything; the form with
    strong, weak and mismatched passwords."""
    token = st.one_of(
        st.just("$reset"),
        path_segment(["A" * 43, "x" * 65, "$reset"]),
    )
    path = token.map(lambda t: prefix + t)
    password = st.one_of(
        st.just("sungai martapura pagi hari"), st.just("Password1234"), values(long=True)
    )
    form = form_items(
        {"csrf_token": csrf_values(), "new_password": password, "confirm": password},
        valid={
            "csrf_token": CSRF,
            "new_password": "sungai martapura pagi hari",
            "confirm": "sungai martapura pagi hari",
        },
    )
    return st.one_of(_getting(path, []), _posting(path, form, []))


def _code_form() -> st.SearchStrategy[list[tuple[str, object]]]:
    """The one code field of the second sign-in step and of the setup page: the app's
    current code (TOTP, computed when sent), recovery-code and code-like shapes, anything."""
    return form_items(
        {
            "csrf_token": csrf_values(),
            "code": st.one_of(
                st.just(TOTP),
                st.sampled_from(
                    ["123456", "000 000", "k7m4-px9q", "K7M4 PX9Q", "１２３４５６", ""]
                ),
                values(),
            ),
        },
        valid={"csrf_token": CSRF, "code": TOTP},
    )


def strategies(w: World) -> dict[str, st.SearchStrategy[Draft]]:
    code = st.one_of(st.just("$code"), st.just("$code"), path_segment(w.codes))
    period = ["periode", "dari", "sampai", "pilih"]
    return {
        **open311_reads(w, code),
        "citizen.index": _getting(st.just("/"), ["kode"]),
        "citizen.pick": _getting(
            st.one_of(
                path_segment(w.regions).map(lambda r: f"/pilih/{r}"),
                st.tuples(path_segment(w.regions), path_segment(w.agencies)).map(
                    lambda p: f"/pilih/{p[0]}/{p[1]}"
                ),
                st.tuples(
                    path_segment(w.regions), path_segment(w.agencies), path_segment(w.units)
                ).map(lambda p: f"/pilih/{p[0]}/{p[1]}/{p[2]}"),
            ),
            [],
        ),
        "citizen.from_qr": report_page(w, ["/q/", "/Q/"], path_segment(w.payloads)),
        "citizen.short_code_entry": st.builds(
            lambda kode, q: Draft("GET", "/k", q + b"&kode=" + kode.encode()),
            path_segment(w.short_codes),
            query_strings(["kode"]),
        ),
        "citizen.from_short_code": report_page(w, ["/k/"], path_segment(w.short_codes)),
        "citizen.other_service": report_page(w, ["/lain/"], path_segment(w.agencies)),
        "citizen.search": st.builds(
            lambda q, region, query: Draft(
                "GET", "/cari", query + b"&q=" + quote(q, safe="").encode() + b"&wilayah=" + region
            ),
            st.one_of(
                st.sampled_from(["poli", "pendaftaran pasien", "KTP-el", "", "layanan lain"]),
                st.sampled_from(["a" * 101, " ".join(["poli"] * 9), "é" * 100]),
                values(),
            ),
            st.one_of(path_segment(w.regions), st.just("")).map(str.encode),
            query_strings(["q", "wilayah"]),
        ),
        "citizen.track": st.builds(
            lambda kode, q: Draft("GET", "/lacak", q + b"&kode=" + kode.encode()),
            st.one_of(st.just("$code"), path_segment(w.codes)),
            query_strings(["kode"]),
        ),
        "citizen.track_case": st.builds(
            lambda c, t, q: Draft("GET", f"/lacak/{c}", q, form=[("t", t)]),
            code,
            st.one_of(st.just(TOKEN), values()),
            query_strings(["t", "baru"]),
        ),
        "conversation.act": _posting(
            st.tuples(
                code,
                st.one_of(
                    st.sampled_from(["jawab", "balas", "nilai", "buka-kembali"]),
                    path_segment(["jawab", "tutup"]),
                ),
            ).map(lambda p: f"/lacak/{p[0]}/{p[1]}"),
            form_items(
                {
                    "csrf_token": csrf_values(),
                    "t": st.one_of(st.just(TOKEN), values()),
                    "version": st.one_of(st.just(VERSION), numbers, values()),
                    "text": values(long=True),
                    "rating": st.one_of(st.sampled_from(["1", "3", "5"]), numbers, values()),
                },
                valid={
                    "csrf_token": CSRF,
                    "t": TOKEN,
                    "version": VERSION,
                    "text": "Nomor antrean saya A-17, terima kasih.",
                    "rating": "4",
                },
            ),
            [],
        ),
        "private_link.open_with_pin": _posting(
            st.just("/lacak/buka"),
            form_items(
                {
                    "csrf_token": csrf_values(),
                    "kode_laporan": st.one_of(st.just(CODE), st.sampled_from(w.codes), values()),
                    "pin": st.one_of(
                        st.just(PIN), st.sampled_from(["k7m 4px", "0O1-IL5", ""]), values()
                    ),
                },
                valid={"csrf_token": CSRF, "kode_laporan": CODE, "pin": PIN},
            ),
            [],
        ),
        "private_link.send_link": _posting(
            code.map(lambda c: f"/lacak/{c}/kirim-tautan"),
            form_items(
                {
                    "csrf_token": csrf_values(),
                    "t": st.one_of(st.just(TOKEN), values()),
                    "via": st.one_of(st.sampled_from(["email", "whatsapp", "sms"]), values()),
                    "to": st.one_of(
                        st.sampled_from(["siti@example.org", "0812 3456 7890", "+62-812-345"]),
                        values(long=True),
                    ),
                },
                valid={"csrf_token": CSRF, "t": TOKEN, "via": "email", "to": "siti@example.org"},
            ),
            [],
        ),
        "private_link.photo": st.builds(
            lambda c, n, t, q: Draft("GET", f"/lacak/{c}/foto/{n}", q, form=[("t", t)]),
            code,
            st.one_of(st.sampled_from(["1", "2"]), path_segment(["1"])),
            st.one_of(st.just(TOKEN), values()),
            query_strings(["t"]),
        ),
        "chat.whatsapp_verify": _getting(
            st.just("/webhook/whatsapp"), ["hub.mode", "hub.verify_token", "hub.challenge"]
        ),
        "chat.whatsapp_inbound": whatsapp_webhook(w),
        "chat.sms_inbound": sms_webhook(w),
        "availability.healthz": _getting(path_segment(["healthz"]).map(lambda n: f"/{n}"), []),
        "availability.readyz": _getting(path_segment(["readyz"]).map(lambda n: f"/{n}"), []),
        "metrics.metrics": st.builds(
            lambda path, q, auth: Draft("GET", path, q, headers={"Authorization": auth}),
            path_segment(["metrics"]).map(lambda n: f"/{n}"),
            query_strings([]),
            st.one_of(
                st.just(f"Bearer {METRICS_TOKEN}"),
                st.sampled_from(["", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "bearer x"]),
                st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80).map(
                    lambda t: "Bearer " + t
                ),
                st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=120),
            ),
        ),
        "i18n.switch_language": _getting(
            path_segment(["en", "id", "EN", "fr"]).map(lambda lang: f"/bahasa/{lang}"), ["next"]
        ),
        "public_stats.public_index": _getting(st.just("/statistik"), period),
        "public_stats.public_region": _getting(
            st.one_of(
                st.sampled_from(w.regions), st.sampled_from(w.regions), path_segment(w.regions)
            ).map(lambda r: f"/statistik/{r}"),
            period,
        ),
        "static": _getting(
            path_segment(["app.css", "..%2F..%2Fpyproject.toml", "x.css"]).map(
                lambda f: f"/static/{f}"
            ),
            ["v"],
        ),
        "open311.post_request": open311_post(w),
        "password_links.forgot": st.one_of(
            _getting(st.just("/staf/lupa-sandi"), ["terkirim"]),
            _posting(
                st.just("/staf/lupa-sandi"),
                form_items(
                    {
                        "csrf_token": csrf_values(),
                        "email": st.one_of(
                            st.just("fuzz.admin@example.org"),
                            st.just("FUZZ.Admin+x@example.org"),
                            values(long=True),
                        ),
                    },
                    valid={"csrf_token": CSRF, "email": "tidak.ada@example.org"},
                ),
                ["terkirim"],
            ),
        ),
        "password_links.reset_password": account_link("/staf/sandi-baru/"),
        "password_links.accept_invitation": account_link("/staf/undangan/"),
        "two_factor.second_step": st.one_of(
            _getting(st.just("/staf/masuk/kode"), ["pemulihan"]),
            _posting(st.just("/staf/masuk/kode"), _code_form(), ["pemulihan"]),
        ),
        "two_factor.setup": st.one_of(
            _getting(st.just("/staf/akun/dua-langkah"), []),
            _posting(st.just("/staf/akun/dua-langkah"), _code_form(), []),
        ),
        "accounts.login": st.one_of(
            _getting(st.just("/staf/masuk"), ["next"]),
            _posting(
                st.just("/staf/masuk"),
                form_items(
                    {
                        "csrf_token": csrf_values(),
                        "email": st.one_of(st.just("fuzz.admin@example.org"), values()),
                        "password": st.one_of(st.just("kata-sandi-fuzz-123"), values()),
                    },
                    valid={
                        "csrf_token": CSRF,
                        "email": "fuzz.admin@example.org",
                        "password": "salah-sekali-123",
                    },
                ),
                ["next"],
            ),
        ),
    }


ENDPOINTS = (
    "accounts.login",
    "password_links.accept_invitation",
    "password_links.forgot",
    "password_links.reset_password",
    "availability.healthz",
    "availability.readyz",
    "metrics.metrics",
    "chat.sms_inbound",
    "chat.whatsapp_inbound",
    "chat.whatsapp_verify",
    "citizen.from_qr",
    "citizen.from_short_code",
    "citizen.index",
    "citizen.other_service",
    "citizen.pick",
    "citizen.search",
    "citizen.short_code_entry",
    "citizen.track",
    "citizen.track_case",
    "conversation.act",
    "i18n.switch_language",
    "open311.discovery",
    "open311.get_request",
    "open311.get_token",
    "open311.list_requests",
    "open311.media",
    "open311.openapi_document",
    "open311.service_definition",
    "open311.services",
    "open311.post_request",
    "private_link.open_with_pin",
    "private_link.photo",
    "private_link.send_link",
    "public_stats.public_index",
    "public_stats.public_region",
    "static",
    "two_factor.second_step",
    "two_factor.setup",
)
# Requests per endpoint in a full run; a smoke run sends a tenth (at least 15).
BUDGET = {
    "citizen.from_qr": 600,
    "citizen.from_short_code": 200,
    "conversation.act": 400,
    "chat.whatsapp_inbound": 300,
    "chat.sms_inbound": 200,
    "accounts.login": 250,
    # The link pages hash a password on a valid post: a small budget keeps the run short.
    "password_links.forgot": 80,
    "password_links.reset_password": 60,
    "password_links.accept_invitation": 40,
    "citizen.track_case": 200,
    "public_stats.public_region": 120,
    "open311.post_request": 300,
    "two_factor.second_step": 150,
    "two_factor.setup": 100,
}
DEFAULT_BUDGET = 120
BUDGET.update({"availability.healthz": 30, "availability.readyz": 30})  # no input to vary
BUDGET["metrics.metrics"] = 60  # a good scrape queries the database: a small budget


def budget(endpoint: str) -> int:
    full = BUDGET.get(endpoint, DEFAULT_BUDGET)
    return full if SCALE == "full" else max(15, full // 10)


# --- sending --------------------------------------------------------------------------------


class Fuzzer:
    """Sends drafts with a browser-like client that holds a real CSRF token and a case."""

    def __init__(self, app, router, h, world: World):
        self.app, self.router, self.world = app, router, world
        self.upload_dir = app.config["UPLOAD_FOLDER"]
        self.browser = app.test_client()
        page = self.world.payloads[1]
        hidden = h.open_form(self.browser, f"/q/{page}")
        code, token = h.receipt(h.post_report(self.browser, f"/q/{page}", hidden=hidden))
        world.live.update(csrf=hidden["csrf_token"], code=code, token=token)
        digest = by_tracking_code(code).submission_digest
        world.live["pin"] = grouped(pin_for(app.config["SECRET_KEY"], digest))
        _row, api_key = create_key("fuzz-app", ["kalsel"], known_regions=world.regions)
        world.live["api_key"] = api_key
        world.codes.insert(0, code)
        self._hold()

    def _case(self) -> Complaint:
        db.session.expire_all()
        return by_tracking_code(self.world.live["code"])

    def _hold(self) -> None:
        """Put the case on hold again, so the citizen's answer stays possible."""
        case = self._case()
        if case.status in {"new", "verified", "in_progress"}:
            perform(
                case,
                "hold",
                Actor("regional-admin"),
                ActionInput(text="Mohon kirim nomor antrean Anda."),
                router=self.router,
                expected_version=None,
            )

    def _resolve(self, value):
        if isinstance(value, Live):
            if value.name == "key":
                return secrets.token_urlsafe(24)
            if value.name == "totp":
                return pyotp.TOTP(self.world.live["totp_secret"]).now()
            if value.name == "version":
                return str(self._case().version_id)
            return self.world.live[value.name]
        if isinstance(value, tuple):  # a file: fresh bytes each time, the client reads them
            body, name, kind = value
            return (io.BytesIO(body), name, kind)
        return value

    def _items(self, items: list[tuple[str, object]]) -> MultiDict:
        out = MultiDict()
        for name, value in items:
            for one in value if isinstance(value, list) else [value]:
                out.add(name, self._resolve(one))
        return out

    def _wait_at_second_step(self, endpoint: str) -> None:
        """Put the browser between the password and the code again (the last draft may have
        signed it in, or used the code), with the throttle emptied so that a lock does not
        hide the handler from the rest of the drafts."""
        db.session.execute(delete(LoginThrottle))
        if endpoint == "two_factor.second_step":
            email = TWO_STEP_EMAIL
            db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
        else:
            email = "fuzz.admin@example.org"
            second_factor.remove(find_by_email(email))  # an admin who must set one up
        db.session.commit()
        page = self.browser.get("/staf/masuk")
        form = {"csrf_token": hidden_fields(page.data)["csrf_token"], "email": email}
        answer = self.browser.post("/staf/masuk", data={**form, "password": FUZZ_PASSWORD})
        assert answer.status_code == 302, answer.status_code
        page = self.browser.get(answer.headers["Location"])
        assert page.status_code == 200, page.status_code
        self.world.live["csrf"] = hidden_fields(page.data)["csrf_token"]
        shown = SECRET_ON_PAGE.search(page.get_data(as_text=True))
        self.world.live["totp_secret"] = shown[1].replace(" ", "") if shown else TWO_STEP_SECRET

    def counts(self) -> tuple[int, ...]:
        """Rows of every table a request could add to, and the uploaded files, at once."""
        db.session.expire_all()
        rows = db.session.execute(COUNT_STORED).one()
        uploads = sum(len(names) for _dir, _subdirs, names in os.walk(self.upload_dir))
        return (*rows, uploads)

    def send(self, endpoint: str, draft: Draft) -> None:
        self.app.config["REQUIRE_2FA_FOR_ADMINS"] = endpoint == "two_factor.setup"
        if endpoint in TWO_STEP_ENDPOINTS and not draft.fresh_client:
            self._wait_at_second_step(endpoint)
        path = draft.path.replace("$code", self.world.live["code"])
        path = path.replace("$reset", self.world.live.get("reset", ""))
        query = draft.query.decode("ascii").replace("$code", self.world.live["code"])
        client = self.app.test_client() if draft.fresh_client else self.browser
        kwargs: dict = {"method": draft.method, "query_string": query}
        if draft.raw_body is not None:
            kwargs.update(data=draft.raw_body, content_type=draft.content_type)
        elif draft.form is not None:
            data = self._items(draft.form)
            if draft.method == "GET":
                query = "&".join(filter(None, [query, _encode_query(data)]))
                kwargs["query_string"] = query
            else:
                has_file = any(isinstance(v, tuple) for v in data.values())
                kwargs["data"] = data
                if draft.multipart or has_file:
                    kwargs["content_type"] = "multipart/form-data"
        headers = dict(draft.headers)
        if headers.get("X-Hub-Signature-256") == SIGN:
            headers["X-Hub-Signature-256"] = chat_peers.sign(draft.raw_body or b"")
        if headers:
            kwargs["headers"] = headers
        before = self.counts()
        self.app.config["WTF_CSRF_ENABLED"] = not draft.csrf_off
        started = time.perf_counter()
        try:
            response = client.open(path, **kwargs)
        finally:
            self.app.config["WTF_CSRF_ENABLED"] = True
            self.app.config["REQUIRE_2FA_FOR_ADMINS"] = False
            db.session.rollback()
        stats.record(endpoint, response.status_code, time.perf_counter() - started)
        assert response.status_code < 500, (response.status_code, draft)
        after = self.counts()
        if after != before:
            assert self._success(endpoint, draft, response, headers), (
                "stored something from a refused request",
                response.status_code,
                dict(zip(COUNTED, after, strict=True)),
                before,
                draft,
            )
            if endpoint == "conversation.act":
                self._hold()

    @staticmethod
    def _success(endpoint: str, draft: Draft, response, headers: dict[str, str]) -> bool:
        if endpoint in WEBHOOKS:
            return response.status_code == 200 and _authentic(endpoint, draft, headers)
        if endpoint == "open311.post_request":  # stored only with the real key, answered 201
            return response.status_code == 201 and (("api_key", API_KEY) in (draft.form or []))
        if draft.method != "POST" or response.status_code != 303:
            return False
        location = response.headers.get("Location", "")
        if endpoint in {"citizen.from_qr", "citizen.from_short_code", "citizen.other_service"}:
            return RECEIPT.match(location) is not None
        if endpoint == "password_links.forgot":  # a reset link for the fuzz account
            return location == "/staf/lupa-sandi?terkirim=1"
        if endpoint == "password_links.reset_password":  # the live link: "password changed"
            return location == "/staf/masuk"
        # A citizen action, or "Kirim tautan ini ke saya" (its outbox row).
        return endpoint in {"conversation.act", "private_link.send_link"} and "/lacak/" in location


def _authentic(endpoint: str, draft: Draft, headers: dict[str, str]) -> bool:
    """The draft carried the right signature or secret (only then may a webhook store)."""
    if endpoint == "chat.whatsapp_inbound":
        given = headers.get("X-Hub-Signature-256", "")
        return given == chat_peers.sign(draft.raw_body or b"")
    if headers.get("X-Webhook-Secret") == chat_peers.SMS_SECRET:
        return True
    form = dict(draft.form or [])
    secret_in_body = chat_peers.SMS_SECRET.encode() in (draft.raw_body or b"")
    return form.get("secret") == chat_peers.SMS_SECRET or secret_in_body


def _encode_query(data: MultiDict) -> str:
    return "&".join(
        f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in data.items(multi=True)
    )


PROFILE = dict(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzzer(app, router, h):
    from portal.accounts.services import create_user

    user = create_user(
        router,
        email="fuzz.admin@example.org",
        password="kata-sandi-fuzz-123",
        role="regional-admin",
        region="kalsel",
    )
    user.password_hash = h.cheap_hash("kata-sandi-fuzz-123")
    reset = tokens.issue(user, tokens.RESET, timedelta(hours=1), app.config["SECRET_KEY"])
    two_step = create_user(
        router,
        email=TWO_STEP_EMAIL,
        password=FUZZ_PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    two_step.password_hash = h.cheap_hash(FUZZ_PASSWORD)
    two_step.totp_secret = totp.seal(app.config["SECRET_KEY"], TWO_STEP_SECRET)
    two_step.totp_confirmed_at = utcnow()
    db.session.commit()
    settings_here = {**WEBHOOK_SETTINGS, "METRICS_TOKEN": METRICS_TOKEN}
    saved = {k: app.config.get(k) for k in settings_here}
    app.config.update(settings_here)
    fuzzer = Fuzzer(app, router, h, _world(app, router))
    fuzzer.world.live["reset"] = reset.token
    yield fuzzer
    app.config.update(saved)


def test_every_public_route_has_a_strategy(app, router):
    known = set(strategies(_world(app, router)))
    assert known == set(ENDPOINTS)
    public = public_endpoints(app)
    assert public - known == set(), "public routes without a fuzz strategy"
    assert known - public == set(), "strategies for routes that are gone or need a sign-in"
    # The sign-in page is public; every other staff page needs a sign-in.
    assert "accounts.login" in public and "staff.queue" not in public


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_public_endpoint_fuzz(fuzzer, endpoint):
    @settings(max_examples=budget(endpoint), **PROFILE)
    @given(draft=strategies(fuzzer.world)[endpoint])
    def run(draft):
        fuzzer.send(endpoint, draft)

    run()
