"""What a WhatsApp or SMS message says, rendered by the worker in the row's language.

Citizen notices (receipt, verified, on_hold, responded, closed) are short: what happened,
the staff's words where there are some (the question of a hold, the response), how to
answer by replying, then always the tracking code and the private link. The link is
built here, at render time, from the case (portal.complaints.access.private_link_of, as
the e-mail renderer does): the row never stores its secret. The title of a Rahasia report
is never in a phone message (the row does not even hold it), nor is any description.

A chat answer (kind "chat") is the conversation's own text (`body`), plus its choices
(WhatsApp buttons or a list) and, if the conversation asked for it with
`context["private_link"]`, the case's private link.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.complaints.access import private_link_of
from portal.complaints.models import Complaint
from portal.complaints.pins import grouped, shown_pin
from portal.extensions import db
from portal.messaging.models import SMS, PhoneMessage
from portal.messaging.outbox import CHAT

NOTICE_KINDS = (
    "receipt",
    "verified",
    "on_hold",
    "responded",
    "closed",
    *("archived_spam", "archived_duplicate", "forwarded", "transferred", "sent_back"),
    "duplicate_progress",
    *("hold_reminder", "resumed", "hold_expired", "closed_no_answer"),
    "private_link",  # "Kirim tautan ini ke saya" (portal/citizen/private_link.py)
)
# Notices that also give the PIN, the typed form of the link (portal/complaints/pins.py).
PIN_KINDS = ("receipt", "private_link")
# Where the case ends or goes on: what happened and what to do next (portal.cases.services).
ENDING_KINDS = ("archived_spam", "archived_duplicate", "forwarded", "transferred", "sent_back")
# Kinds whose staff note is quoted: the question, the response, the reason for a move, why
# work resumed.
QUOTES_NOTE = (
    *("on_hold", "responded", "archived_spam", "forwarded", "transferred", "sent_back"),
    *("duplicate_progress", "hold_reminder", "resumed"),
)
TITLE_MAX = 60  # characters of a (non-Rahasia) title quoted in a notice
NOTE_MAX = {"whatsapp": 3000, SMS: 320}  # characters of a staff note, the rest on the page
TEMPLATE_PARAM_MAX = 900  # WhatsApp: the template's body stays under its 1,024 limit


class Unrenderable(ValueError):
    """The row cannot become a message (unknown kind, its case is gone): retrying cannot
    help, it is given up with this reason."""


@dataclass(frozen=True)
class PhoneText:
    """One rendered message. `text` is what a free-form message or an SMS says; `code`,
    `notice` and `link` are the approved template's three parameters."""

    text: str
    code: str
    notice: str
    link: str
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def private_link(complaint: Complaint) -> str:
    config = current_app.config
    return private_link_of(
        config["PUBLIC_BASE_URL"],
        config["SECRET_KEY"],
        complaint.tracking_code,
        complaint.submission_digest,
    )


def one_line(text: str) -> str:
    """Template parameters may hold no newline, tab or run of spaces (Cloud API 132018)."""
    return re.sub(r"\s+", " ", text or "").strip()


def shorten(text: str, limit: int, more: str = "") -> str:
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 1)].rstrip() + "…" + (f" {more}" if more else "")


def render_phone(row: PhoneMessage) -> PhoneText:
    """The message for one row in its locale; raises Unrenderable."""
    context: dict[str, Any] = json.loads(row.context_json or "{}")
    complaint = db.session.get(Complaint, row.complaint_id) if row.complaint_id else None
    g.outbox_rendering = True  # Flask-Babel ignores an empty `g` (see notifications.render)
    with force_locale(row.locale or "id"):
        if row.kind == CHAT:
            return _chat(row, context, complaint)
        if row.kind not in NOTICE_KINDS:
            raise Unrenderable(f"unknown phone message kind {row.kind!r}")
        if complaint is None:
            raise Unrenderable(f"{row.kind}: the case {row.complaint_id} no longer exists")
        return _notice(row, context, complaint)


def _title(context: dict[str, Any], complaint: Complaint) -> str | None:
    """A short title, never a Rahasia one (checked again here: the case may have become
    Rahasia after the row was written)."""
    if complaint.confidential or context.get("confidential"):
        return None
    title = context.get("title")
    return shorten(title, TITLE_MAX) if title else None


def _ending_headline(kind: str, context: dict[str, Any]) -> str:
    """No title here: the tracking code under every notice says which report it is."""
    region = context.get("region_name") or ""
    if kind == "archived_spam":
        return _("Laporan Anda diarsipkan karena tidak dapat ditindaklanjuti.")
    if kind == "archived_duplicate":
        if context.get("note"):  # the original's code; None when the original is Rahasia
            return _(
                "Laporan Anda sama dengan laporan %(original)s yang sudah ditangani, jadi "
                "laporan Anda diarsipkan.",
                original=context["note"],
            )
        return _(
            "Laporan Anda sama dengan laporan lain yang sudah ditangani, jadi laporan Anda "
            "diarsipkan."
        )
    if kind == "forwarded":
        return _(
            "Laporan Anda bukan kewenangan %(region)s dan sudah diteruskan ke SP4N-LAPOR!, "
            "kanal pengaduan pelayanan publik nasional.",
            region=region,
        )
    if kind == "transferred":
        return _(
            "Laporan Anda diteruskan ke %(region)s, yang berwenang menanganinya.", region=region
        )
    return _("Laporan Anda dikembalikan ke %(region)s untuk ditangani.", region=region)


def _ending_steps(kind: str, context: dict[str, Any], code: str) -> list[str]:
    if kind == "archived_spam":
        return [
            _(
                "Bila Anda ingin melapor, kirim laporan baru lewat kode QR atau kode loket di "
                "poster layanan: jelaskan apa yang terjadi, di mana, dan kapan."
            )
        ]
    if kind == "archived_duplicate":
        if context.get("note"):
            link = f"{current_app.config['PUBLIC_BASE_URL']}/lacak/{context['note']}"
            return [_("Ikuti perkembangannya di %(link)s", link=link)]
        return [_("Anda tidak perlu melapor lagi: petugas menindaklanjuti laporan tersebut.")]
    if kind == "forwarded":
        return [
            _(
                "Penanganannya berlanjut di %(url)s. Sebutkan kode pelacakan %(code)s bila "
                "Anda menghubungi SP4N-LAPOR!.",
                url=context.get("lapor_url") or "https://www.lapor.go.id",
                code=code,
            )
        ]
    return [
        _(
            "Kode pelacakan %(code)s dan tautan pribadi Anda tetap berlaku; Anda tidak perlu "
            "melapor ulang.",
            code=code,
        )
    ]


def _headline(kind: str, title: str | None) -> str:
    if kind == "private_link":
        return _(
            "Ini tautan pribadi laporan Anda, seperti yang Anda minta: untuk membaca laporan, "
            "menjawab pertanyaan petugas dan memberi penilaian."
        )
    if kind == "receipt":
        if title:
            return _(
                'Terima kasih. Laporan Anda "%(title)s" sudah masuk antrean pemerintah daerah.',
                title=title,
            )
        return _("Terima kasih. Laporan Anda sudah masuk antrean pemerintah daerah.")
    if kind == "verified":
        if title:
            return _(
                'Laporan Anda "%(title)s" sudah diverifikasi dan diteruskan ke unit yang '
                "menanganinya.",
                title=title,
            )
        return _("Laporan Anda sudah diverifikasi dan diteruskan ke unit yang menanganinya.")
    if kind == "on_hold":
        if title:
            return _('Petugas bertanya tentang laporan Anda "%(title)s":', title=title)
        return _("Petugas bertanya tentang laporan Anda:")
    if kind == "responded":
        if title:
            return _('Tanggapan atas laporan Anda "%(title)s":', title=title)
        return _("Tanggapan atas laporan Anda:")
    hold_ended = _hold_headline(kind, title)
    if hold_ended:
        return hold_ended
    if title:
        return _('Laporan Anda "%(title)s" sudah ditutup. Terima kasih telah melapor.', title=title)
    return _("Laporan Anda sudah ditutup. Terima kasih telah melapor.")


def _duplicate_headline(original_code: str | None) -> str:
    """A response on the original of this duplicate; a Rahasia original is not named (the
    row then holds neither its code nor its response)."""
    if original_code:
        return _(
            "Laporan %(original)s, yang sama dengan laporan Anda, sudah mendapat tanggapan:",
            original=original_code,
        )
    return _(
        "Laporan lain yang sama dengan laporan Anda sudah mendapat tanggapan; isinya tidak "
        "ditampilkan karena laporan itu Rahasia."
    )


def _hold_headline(kind: str, title: str | None) -> str | None:
    """The reminder halfway through a hold, and the three ways a hold ends without the
    citizen's answer."""
    if kind == "hold_reminder":
        if title:
            return _(
                'Pengingat: petugas masih menunggu jawaban Anda tentang laporan "%(title)s":',
                title=title,
            )
        return _("Pengingat: petugas masih menunggu jawaban Anda:")
    if kind == "resumed":
        if title:
            return _('Petugas melanjutkan penanganan laporan Anda "%(title)s".', title=title)
        return _("Petugas melanjutkan penanganan laporan Anda.")
    if kind == "hold_expired":
        if title:
            return _(
                'Pertanyaan petugas tentang laporan Anda "%(title)s" tidak terjawab sampai '
                "batas waktunya; penanganan dilanjutkan dengan keterangan yang ada.",
                title=title,
            )
        return _(
            "Pertanyaan petugas tidak terjawab sampai batas waktunya; penanganan dilanjutkan "
            "dengan keterangan yang ada."
        )
    if kind == "closed_no_answer":
        if title:
            return _(
                'Laporan Anda "%(title)s" ditutup karena pertanyaan petugas tidak terjawab '
                "sampai batas waktunya.",
                title=title,
            )
        return _(
            "Laporan Anda ditutup karena pertanyaan petugas tidak terjawab sampai batas waktunya."
        )
    return None


def _instructions(kind: str, context: dict[str, Any]) -> list[str]:
    if kind == "hold_reminder":
        lines = [_("Balas pesan ini untuk menjawab.")]
        if context.get("hold_until"):
            lines.append(_("Mohon jawab paling lambat %(date)s.", date=context["hold_until"]))
        return lines
    if kind in ("resumed", "hold_expired"):
        return [_("Batas waktu penanganan berjalan lagi.")]
    if kind == "closed_no_answer":
        return [_("Bila masalahnya masih ada, silakan kirim laporan baru.")]
    if kind == "on_hold":
        return [
            _("Balas pesan ini untuk menjawab."),
            _("Batas waktu penanganan berhenti sampai Anda menjawab."),
        ]
    if kind == "responded":
        lines = [
            _("Beri nilai dengan membalas angka 1-5 (5 = sangat puas)."),
            _("Balas dengan teks untuk mengirim balasan kepada petugas."),
        ]
        if context.get("feedback_due"):
            lines.append(
                _(
                    "Anda dapat membalas sampai %(date)s; setelah itu laporan ditutup.",
                    date=context["feedback_due"],
                )
            )
        return lines
    if kind == "closed":
        return [_("Beri nilai penanganannya lewat tautan pribadi.")]
    return []


def _notice(row: PhoneMessage, context: dict[str, Any], complaint: Complaint) -> PhoneText:
    code = complaint.tracking_code
    link = private_link(complaint)
    if row.kind == "duplicate_progress":
        original = complaint.duplicate_of  # checked again: it may have become Rahasia since
        if original is None or original.confidential:
            context = {**context, "original_code": None, "note": None}
    if row.kind in ENDING_KINDS:
        headline = _ending_headline(row.kind, context)
        steps = _ending_steps(row.kind, context, code)
    elif row.kind == "duplicate_progress":
        headline = _duplicate_headline(context.get("original_code"))
        steps = _instructions(row.kind, context)
    else:
        headline = _headline(row.kind, _title(context, complaint))
        steps = _instructions(row.kind, context)
    if row.kind in PIN_KINDS:
        steps = [*steps, *_pin_step(complaint, code)]
    note = ""
    if row.kind in QUOTES_NOTE and context.get("note"):
        more = _("(selengkapnya lewat tautan)")
        note = shorten(context["note"], NOTE_MAX.get(row.medium, 3000), more)
    body = "\n\n".join(part for part in (headline, note, " ".join(steps)) if part)
    footer = "\n".join(
        (
            _("Kode pelacakan: %(code)s", code=code),
            _("Tautan pribadi (jangan dibagikan): %(link)s", link=link),
        )
    )
    notice = shorten(one_line(f"{headline} {note} {' '.join(steps)}"), TEMPLATE_PARAM_MAX)
    return PhoneText(text=f"{body}\n\n{footer}", code=code, notice=notice, link=link)


def _pin_step(complaint: Complaint, code: str) -> list[str]:
    """The PIN line, built here at render time like the link (no row stores it)."""
    config = current_app.config
    pin = shown_pin(config["SECRET_KEY"], complaint.submission_digest, complaint.access_token_hash)
    if pin is None:
        return []
    url = f"{config['PUBLIC_BASE_URL']}/lacak"
    return [
        _(
            "Atau buka %(url)s dengan kode pelacakan %(code)s dan PIN %(pin)s.",
            url=url,
            code=code,
            pin=grouped(pin),
        )
    ]


def _chat(row: PhoneMessage, context: dict[str, Any], complaint: Complaint | None) -> PhoneText:
    body = (row.body or "").strip()
    if not body:
        raise Unrenderable("chat message without text")
    code = complaint.tracking_code if complaint is not None else "-"
    link = current_app.config["PUBLIC_BASE_URL"]
    if complaint is not None and context.get("private_link"):
        link = private_link(complaint)
        body += "\n\n" + _("Tautan pribadi (jangan dibagikan): %(link)s", link=link)
    choices = tuple(
        (str(cid), str(title)) for cid, title in context.get("choices", []) if cid and title
    )
    notice = shorten(one_line(row.body or ""), TEMPLATE_PARAM_MAX)
    return PhoneText(text=body, code=code, notice=notice, link=link, choices=choices)


def describe_delivery(row: PhoneMessage) -> dict[str, Any]:
    """Plain facts about one phone message for a staff page: medium, state, how far the
    provider got, the last error (no recipient number: pages decide whether to show it)."""
    return {
        "medium": row.medium,
        "kind": row.kind,
        "status": row.status,
        "connector": row.connector,
        "delivery_status": row.delivery_status or (row.status if row.status == "sent" else None),
        "error": row.delivery_error or row.last_error,
        "sent_at": row.sent_at,
        "parts_sent": row.parts_sent,
    }
