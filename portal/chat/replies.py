"""A chat message that is not part of a new report goes to one of the number's cases, as
the citizen would act through the private link: the answer to a hold, a reply to a
response, a rating 1–5, or (while staff work on it) a message on the case.

The phone number is the authentication here, as the private link is on the web: only a
case whose `reporter_msisdn` is this number can be reached, a tracking code of someone
else's case is answered as unknown (nothing about it is told). WhatsApp numbers are
verified by WhatsApp itself; an SMS sender can be spoofed by a determined attacker with a
rogue gateway, which is the accepted trade-off of SMS (the webhook secret keeps forged
posts out, not forged senders upstream of the gateway).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.cases import transitions
from portal.cases.services import ActionInput, Actor, CaseError, apply_action
from portal.chat import dialogue as d
from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.complaints.tracking_codes import ALPHABET, normalize_tracking_code
from portal.extensions import db
from portal.routing.active import get_router

N_ = d.N_
_CHARS = ALPHABET + ALPHABET.lower()
_CODE = re.compile(rf"(?<![A-Za-z0-9])([A-Za-z]{{2,4}})[-\s]?([{_CHARS}]{{6}})(?![A-Za-z0-9])")
# Which of a number's cases a message without a code goes to: the one waiting for the
# citizen first (a question, then a response), then the most recent one staff work on.
PRIORITY = {
    s.ON_HOLD: 0,
    s.RESPONDED: 1,
    s.NEW: 2,
    s.QUARANTINED: 2,
    s.VERIFIED: 2,
    s.IN_PROGRESS: 2,
    s.CLOSED: 3,
}
# Cases a message without a tracking code could have been meant for (OTHER_CASE is said
# only when the number has another one besides the case it went to).
OPEN_STATUSES = frozenset((s.NEW, s.QUARANTINED, s.VERIFIED, s.IN_PROGRESS, s.ON_HOLD, s.RESPONDED))
OTHER_CASE = N_("Untuk laporan lain, tulis kode pelacakannya di awal pesan (mis. KSL-7K3Q9M).")


def region_prefixes() -> frozenset[str]:
    return frozenset(r.prefix.upper() for r in get_router().regions)


def named_code(text: str, prefixes: frozenset[str] | None = None) -> tuple[str | None, str]:
    """The tracking code the message names (canonical) and the text without it; only a
    region's own prefix counts ("kode K7Q3MZ" is no tracking code)."""
    prefixes = region_prefixes() if prefixes is None else prefixes
    for match in _CODE.finditer(text or ""):
        if match.group(1).upper() not in prefixes:
            continue
        code = normalize_tracking_code(match.group(1) + "-" + match.group(2))
        if code is not None:
            rest = (text[: match.start()] + text[match.end() :]).strip(" \t\r\n:,.-")
            return code, rest
    return None, (text or "").strip()


def cases_of(msisdn: str) -> list[Complaint]:
    stmt = (
        select(Complaint)
        .where(Complaint.reporter_msisdn == msisdn)
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(50)
    )
    return list(db.session.execute(stmt).scalars())


def _pick(cases: list[Complaint]) -> Complaint | None:
    ranked = [c for c in cases if c.status in PRIORITY and not (c.status == s.CLOSED and c.rating)]
    if not ranked:
        return None
    best = min(PRIORITY[c.status] for c in ranked)
    return next(c for c in ranked if PRIORITY[c.status] == best)


def to_case(inbound, state: d.State, effect: str, now) -> tuple[d.State, list[d.Say]]:
    """Act on the case the message is for; the next state and the answers."""
    if effect == d.RATE_COMMENT_EFFECT:
        return _comment(inbound, state, now)
    text = inbound.message.text or ""
    code, rest = named_code(text)
    cases = cases_of(inbound.msisdn)
    if code is not None:
        case = next((c for c in cases if c.tracking_code == code), None)
        if case is None:
            return state, [
                d.Say(
                    N_(
                        "Kami tidak menemukan laporan %(code)s yang dikirim dari nomor ini. "
                        "Periksa kodenya; laporan yang dikirim dari nomor lain hanya dapat "
                        "ditanggapi lewat tautan pribadinya."
                    ),
                    {"code": code},
                )
            ]
        if not rest:
            return state, [_status_say(case)]
    else:
        if not cases:
            return state, list(d.help_says(text, state.locale))
        case = _pick(cases)
        if case is None:
            return state, [
                d.Say(
                    N_(
                        "Laporan Anda yang terakhir (%(code)s) sudah selesai. Untuk laporan "
                        "baru, kirim kode layanan dari poster."
                    ),
                    {"code": cases[0].tracking_code},
                )
            ]
    others = code is None and any(c.id != case.id and c.status in OPEN_STATUSES for c in cases)
    return _act(case, rest, state, now, others=others)


def _status_say(case: Complaint) -> d.Say:
    from portal.complaints.labels import LABELS, PUBLIC_STATUS

    shown = PUBLIC_STATUS.get(case.status, case.status)  # quarantined reads as new
    return d.Say(
        N_("Laporan %(code)s: %(status)s. Tulis pesan sesudah kodenya untuk menanggapinya."),
        {"code": case.tracking_code, "status": LABELS.get(shown, shown)},
    )


def _act(
    case: Complaint, text: str, state: d.State, now, *, others: bool = True
) -> tuple[d.State, list[d.Say]]:
    """`others`: the number has another open case, so the hint to name a code is useful."""
    rating = d.rating_of(text)
    status = case.status
    if status == s.ON_HOLD:
        action, data = "answer", ActionInput(text=text)
        done = N_("Jawaban Anda sudah kami teruskan untuk laporan %(code)s. Terima kasih.")
    elif status == s.RESPONDED and rating is not None:
        action, data = "rate", ActionInput(rating=rating)
        done = None
    elif status == s.RESPONDED:
        action, data = "reply", ActionInput(text=text)
        done = N_("Balasan Anda sudah kami teruskan untuk laporan %(code)s.")
    elif status == s.CLOSED and not case.rating and rating is not None:
        action, data = "rate", ActionInput(rating=rating)
        done = None
    elif status == s.CLOSED:
        return state, [
            d.Say(
                N_(
                    "Laporan %(code)s sudah selesai. Balas angka 1 sampai 5 untuk menilai "
                    "layanannya, atau kirim kode layanan dari poster untuk laporan baru."
                )
                if not case.rating
                else N_(
                    "Laporan %(code)s sudah selesai dan sudah Anda nilai. Untuk laporan baru, "
                    "kirim kode layanan dari poster."
                ),
                {"code": case.tracking_code},
            )
        ]
    elif status in (s.NEW, s.QUARANTINED, s.VERIFIED, s.IN_PROGRESS):
        action, data = "message", ActionInput(text=text)
        done = N_("Pesan Anda sudah kami tambahkan ke laporan %(code)s; petugas akan membacanya.")
    else:  # archived, forwarded
        return state, [
            d.Say(
                N_(
                    "Laporan %(code)s sudah tidak ditangani di portal ini. Untuk laporan baru, "
                    "kirim kode layanan dari poster."
                ),
                {"code": case.tracking_code},
            )
        ]
    try:
        apply_action(
            case,
            action,
            Actor(transitions.CITIZEN),
            data,
            router=get_router(),
            expected_version=None,
            now=now,
        )
    except (transitions.InvalidTransition, transitions.ActionNotAllowed, CaseError) as exc:
        message = exc.message if isinstance(exc, CaseError) else None
        says = [d.Say(message)] if message else []
        says.append(
            d.Say(
                N_("Pesan Anda belum tercatat pada laporan %(code)s."), {"code": case.tracking_code}
            )
        )
        return state, says
    code = {"code": case.tracking_code}
    if action == "rate":
        next_state = d.State(d.RATE_COMMENT, {"case_id": case.id, "rating": rating}, state.locale)
        return next_state, [
            d.Say(
                N_(
                    "Terima kasih, nilai %(n)s/5 untuk laporan %(code)s tercatat. Kirim "
                    "komentar singkat bila mau, atau balas LEWATI."
                ),
                {"n": rating, **code},
                d.SKIP_CHOICE,
            )
        ]
    return state, [d.Say(done, code), *([d.Say(OTHER_CASE)] if others else [])]


def _comment(inbound, state: d.State, now) -> tuple[d.State, list[d.Say]]:
    idle = d.State(d.IDLE, {}, state.locale)
    case = db.session.get(Complaint, state.data.get("case_id") or 0)
    if case is None or case.reporter_msisdn != inbound.msisdn:
        return idle, [d.Say(N_("Terima kasih atas penilaian Anda."))]
    try:
        apply_action(
            case,
            "rate",
            Actor(transitions.CITIZEN),
            ActionInput(rating=state.data.get("rating"), text=inbound.message.text),
            router=get_router(),
            expected_version=None,
            now=now,
        )
    except (transitions.InvalidTransition, transitions.ActionNotAllowed, CaseError) as exc:
        message = exc.message if isinstance(exc, CaseError) else None
        return idle, [d.Say(message or N_("Terima kasih atas penilaian Anda."))]
    return idle, [
        d.Say(
            N_("Komentar Anda untuk laporan %(code)s tercatat. Terima kasih."),
            {"code": case.tracking_code},
        )
    ]
