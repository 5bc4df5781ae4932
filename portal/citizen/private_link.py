"""Ways back to the private link: open it by tracking code + PIN, have it sent, see one's
own photos through it. Every view here answers a wrong code, token or PIN the same way.

- POST /lacak/buka: the code and PIN from /lacak; right → 303 to the private link, wrong
  (whatever was wrong, Rahasia or not, no such code) → the same 404 page. Limited per
  tracking code (what protects the PIN) and per client address (generous: CGNAT).
- POST /lacak/<code>/kirim-tautan: the link and PIN to an e-mail address, or to a WhatsApp
  or SMS number where the case's region has that channel, through the outbox (the message
  builds the link when it is rendered; the row holds no token). Limited per case, per
  recipient and per address.
- GET /lacak/<code>/foto/<id>?t=…: the citizen's own photo, never cached.
"""

from __future__ import annotations

import hmac
import re

from email_validator import EmailNotValidError, validate_email
from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from forms.private_link import PinForm, SendLinkForm
from portal.cases.photo_response import photo_response, wants_preview
from portal.citizen.link_aids import LINK_SENT, phone_channels
from portal.citizen.routes import case_page
from portal.complaints.access import access_token_for, token_matches
from portal.complaints.models import Complaint, Photo
from portal.complaints.pins import normalize_pin, pin_for, shown_pin
from portal.complaints.queries import by_tracking_code
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.extensions import db
from portal.intake.report import EMAIL_MAX
from portal.messaging.choice import EMAIL, SMS, WHATSAPP
from portal.messaging.outbox import add_phone_message
from portal.notifications.outbox import add_message
from portal.phone_numbers import InvalidNumber, msisdn
from portal.ratelimits.private_link import check_link_send, check_pin_try
from portal.ratelimits.reports import Refusal

bp = Blueprint("private_link", __name__)

INDONESIAN_MOBILE = re.compile(r"628\d{7,11}")
_NO_CASE_DIGEST = "0" * 64  # a wrong code costs the same HMAC as a right one


class BadRecipient(ValueError):
    """An address or number the link cannot be sent to; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def private_case(code: str, token: str | None) -> Complaint | None:
    """The case if `token` is its private link's, else None (no such case is the same)."""
    normalized = normalize_tracking_code(code)
    complaint = by_tracking_code(normalized) if normalized else None
    if complaint is None or not token_matches(
        token, complaint.access_token_hash, complaint.legacy_token_hash
    ):
        return None
    return complaint


def _too_many(refusal: Refusal) -> str:
    return ngettext(
        "Terlalu banyak percobaan dalam waktu singkat. Tidak ada yang berubah. Silakan coba "
        "lagi dalam %(num)d menit.",
        "Terlalu banyak percobaan dalam waktu singkat. Tidak ada yang berubah. Silakan coba "
        "lagi dalam %(num)d menit.",
        refusal.minutes,
    )


@bp.post("/lacak/buka")
def open_with_pin():
    form = PinForm()
    typed = (form.kode_laporan.data or "").strip()[:40]
    code = normalize_tracking_code(typed)
    # Counted under the code whether or not it exists: a refusal tells nothing either.
    refusal = check_pin_try(code or typed.upper())
    if refusal is not None:
        page = render_template("citizen/track.html", typed=typed, pin_notice=_too_many(refusal))
        return page, 429, {"Retry-After": str(refusal.retry_after)}
    complaint = by_tracking_code(code) if code else None
    secret = current_app.config["SECRET_KEY"]
    if complaint is not None:
        pin = shown_pin(secret, complaint.submission_digest, complaint.access_token_hash)
    else:
        pin_for(secret, _NO_CASE_DIGEST)  # the same work as for a real case
        pin = None
    given = normalize_pin(form.pin.data) or ""
    if pin is None or not hmac.compare_digest(given.encode(), pin.encode()):
        return render_template("citizen/track.html", typed=typed, pin_failed=True), 404
    token = access_token_for(secret, complaint.submission_digest)
    return redirect(url_for("citizen.track_case", code=complaint.tracking_code, t=token), 303)


@bp.get("/lacak/<code>/foto/<int:photo_id>")
def photo(code: str, photo_id: int):
    """The citizen's own photo, for the private link only. A case held in quarantine or
    archived as spam still shows its sender their photos: hiding them would tell the sender
    what the portal never tells them (that it was held)."""
    complaint = private_case(code, request.args.get("t")) or abort(404)
    stored = db.session.execute(
        select(Photo).where(Photo.id == photo_id, Photo.complaint_id == complaint.id)
    ).scalar_one_or_none()
    if stored is None:
        abort(404)
    return photo_response(stored, small=wants_preview(request.args))


def recipient_for(complaint: Complaint, via: str, typed: str) -> tuple[str, str]:
    """(medium, canonical address or number) for what the citizen typed; BadRecipient."""
    typed = (typed or "").strip()
    if via == EMAIL:
        if not typed:
            raise BadRecipient(_("Isi alamat e-mail Anda."))
        if len(typed) > EMAIL_MAX:
            raise BadRecipient(_("Alamat e-mail tidak valid."))
        try:
            found = validate_email(typed, check_deliverability=False)
        except EmailNotValidError:
            raise BadRecipient(_("Alamat e-mail tidak valid.")) from None
        return EMAIL, found.normalized
    if via in (WHATSAPP, SMS) and via in phone_channels(complaint):
        try:
            number = msisdn(typed)
        except InvalidNumber:
            raise BadRecipient(_("Nomor HP tidak valid (contoh: 0812 3456 7890).")) from None
        # Only to an Indonesian mobile number: an SMS to a foreign or premium-rate number
        # is revenue for whoever asks for it (SMS pumping), on the portal's bill.
        if via == SMS and not INDONESIAN_MOBILE.fullmatch(number):
            raise BadRecipient(_("SMS hanya dapat dikirim ke nomor HP Indonesia (08…)."))
        return via, number
    raise BadRecipient(_("Pilih ke mana tautan dikirim."))


def queue_link(complaint: Complaint, medium: str, recipient: str, locale: str) -> None:
    """The outbox row; the link and the PIN are built when it is rendered, never stored."""
    context = {"tracking_code": complaint.tracking_code}
    if medium == EMAIL:
        add_message(
            LINK_SENT,
            recipient,
            context,
            locale=locale,
            complaint_id=complaint.id,
            region_id=complaint.region_id,
        )
        return
    add_phone_message(
        medium,
        recipient,
        LINK_SENT,
        context={**context, "confidential": bool(complaint.confidential)},
        locale=locale,
        complaint_id=complaint.id,
        region_id=complaint.region_id,
    )


@bp.post("/lacak/<code>/kirim-tautan")
def send_link(code: str):
    form = SendLinkForm()
    complaint = private_case(code, form.t.data)
    if complaint is None:
        return render_template(
            "errors/error.html",
            title=_("Tautan pribadi diperlukan"),
            message=_(
                "Hanya pelapor, lewat tautan pribadi yang diberikan saat melapor, yang dapat "
                "meminta tautan itu dikirim. Tidak ada yang dikirim."
            ),
        ), 403
    typed = (form.to.data or "")[:300]
    try:
        medium, recipient = recipient_for(complaint, form.via.data or "", typed)
    except BadRecipient as exc:
        return case_page(
            complaint, private=True, error=exc.message, failed="send-link", typed=typed, status=400
        )
    refusal = check_link_send(complaint.id, recipient)
    if refusal is not None:
        page, _status = case_page(
            complaint, private=True, error=_too_many(refusal), failed="send-link", typed=typed
        )
        return page, 429, {"Retry-After": str(refusal.retry_after)}
    queue_link(complaint, medium, recipient, str(get_locale()))
    db.session.commit()
    return redirect(
        url_for("citizen.track_case", code=complaint.tracking_code, t=form.t.data, terkirim=1)
        + "#keep-link",
        303,
    )
