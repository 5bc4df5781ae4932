"""Citizen pages: scan or type a code, file a report, follow it. No JavaScript needed."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from forms.complaint import ComplaintForm
from portal.abuse.keys import list_key
from portal.abuse.models import QUARANTINE, REFUSE
from portal.abuse.services import screen
from portal.cases import transitions
from portal.cases.feedback import can_reopen
from portal.cases.page import hold_info
from portal.cases.services import clocks_of
from portal.cases.transfers import last_move
from portal.citizen import recent_submissions, upload_limits
from portal.citizen.form_cache import BlankFormCache
from portal.citizen.link_aids import page_aids
from portal.citizen.photo_upload import process_uploads
from portal.citizen.storage_failure import (
    RETRY_AFTER,
    log_storage_failure,
    storage_notice,
    wants_without_photos,
)
from portal.clocks.deadlines import local_date
from portal.complaints import channels
from portal.complaints.access import token_matches
from portal.complaints.display import place_names
from portal.complaints.queries import by_tracking_code
from portal.complaints.storage import StorageFailure
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.intake import report as rules
from portal.intake.report import InvalidReport
from portal.intake.submission import SubmissionConflict
from portal.photo_store import photo_store
from portal.ratelimits.reports import Refusal, check_report, forgive_refused_photos
from portal.routing.active import get_router
from portal.routing.model import ServicePoint, UnknownServicePoint, category_choices
from portal.timeutil import utcnow
from qr.payload import InvalidPayload, decode
from qr.shortcode import normalize

bp = Blueprint("citizen", __name__)
BLANK_FORMS = BlankFormCache()


@bp.route("/q/<payload>", methods=["GET", "POST"])
@bp.route("/Q/<payload>", methods=["GET", "POST"])
def from_qr(payload: str):
    try:
        ref = decode(payload, current_app.config["QR_SIGNING_KEYS"])
    except InvalidPayload as exc:
        current_app.logger.info("refused QR payload (%s): %s", exc.reason, payload[:120])
        return render_template("citizen/bad_code.html", reason=exc.reason), 400
    point = get_router().find_service_point(ref.agency, ref.unit, ref.service)
    if point is None:
        return render_template("citizen/gone.html"), 404
    return _report(point)


@bp.get("/k")
def short_code_entry():
    typed = request.args.get("kode", "")
    code = normalize(typed)
    if code is None:
        return render_template(
            "citizen/index.html", regions=get_router().regions, code_error=True, typed=typed
        ), 400
    return redirect(url_for(".from_short_code", code=code))


@bp.route("/k/<code>", methods=["GET", "POST"])
def from_short_code(code: str):
    point = get_router().by_short_code(code)
    if point is None:
        return render_template(
            "citizen/index.html", regions=get_router().regions, code_error=True, typed=code
        ), 404
    return _report(point)


def _report(point: ServicePoint):
    router = get_router()
    # HEAD is a GET without the body (link checkers, chat apps' previews): Flask answers it
    # with this view, so it must take the GET branch, not be validated as a sent form (400).
    reading = request.method in ("GET", "HEAD")
    if reading and not current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        key = (request.full_path, str(get_locale()), router.version)
        return BLANK_FORMS.page(
            key, lambda csrf, slot: _form_page(point, csrf, slot), generate_csrf()
        )
    form = ComplaintForm()
    form.set_categories(category_choices(router.categories, str(get_locale())))
    _offer_notify(form, point)
    form.today = local_date(utcnow(), point.region.timezone)
    if reading:
        return _form_page(point, generate_csrf(), secrets.token_urlsafe(24), form)
    if form.trap_filled():
        # Nothing stored, no reason given (a script learns nothing), the typed text kept
        # (the rare person who filled the hidden box just sends it again).
        current_app.logger.info("report refused: honeypot filled")
        form.website.data = ""
        notice = _("Laporan tidak dapat diterima. Periksa isian Anda, lalu kirim lagi.")
        return _form_page(point, generate_csrf(), form.submission_key.data or "", form, notice), 400
    if form.validate_on_submit():
        refusal = check_report(point.ids, form.title.data, form.description.data)
        if refusal is not None:
            return _refused(point, form, refusal)
        verdict = screen_sender(point.region.id, form)
        if verdict == REFUSE:
            return _form_page(
                point, generate_csrf(), form.submission_key.data or "", form, refused=True
            ), 403
        photos = [] if wants_without_photos() else process_uploads(form)
        if photos is None:
            forgive_refused_photos(point.ids, form.title.data, form.description.data)
        else:
            try:
                receipt, filed = recent_submissions.submit_once(
                    point.ids,
                    form.report(str(get_locale())),
                    photos,
                    channel=channels.WEB,
                    router=router,
                    store=photo_store(),
                    secret=current_app.config["SECRET_KEY"],
                    quarantine=verdict == QUARANTINE,
                )
            except UnknownServicePoint:
                return render_template("citizen/gone.html"), 404
            except StorageFailure as exc:
                # Nothing stored, no file left: keep the text and the key, offer to send
                # it without the photos.
                log_storage_failure(exc)
                page = _form_page(
                    point,
                    generate_csrf(),
                    form.submission_key.data or "",
                    form,
                    storage_notice(),
                    offer_without_photos=True,
                )
                return page, 503, {"Retry-After": RETRY_AFTER}
            except InvalidReport as exc:  # the routing file changed under the form
                form.show_problems(exc.problems)
            except SubmissionConflict:
                # This form's key already filed a report with other text (edited after a
                # back-and-resubmit, or a copied key): say nothing about that report, keep
                # what was typed, and give a fresh key so sending again files a new report.
                return _form_page(
                    point,
                    generate_csrf(),
                    secrets.token_urlsafe(24),
                    form,
                    conflict=True,
                ), 409
            else:
                sent = redirect(
                    url_for(
                        ".track_case", code=receipt.tracking_code, t=receipt.access_token, baru=1
                    ),
                    code=303,
                )
                return recent_submissions.remember(sent, point.ids, filed)
    key = form.submission_key.data or ""
    offer = wants_without_photos()
    page = _form_page(point, generate_csrf(), key, form, offer_without_photos=offer)
    return page, 400


def _refused(point: ServicePoint, form: ComplaintForm, refusal: Refusal):
    """429: the form comes back filled, nothing stored; photos must be chosen again."""
    notice = ngettext(
        "Terlalu banyak laporan dari perangkat atau jaringan Anda dalam waktu singkat. "
        "Laporan Anda belum terkirim, tetapi isiannya masih ada di bawah: kirim lagi dalam "
        "%(num)d menit.",
        "Terlalu banyak laporan dari perangkat atau jaringan Anda dalam waktu singkat. "
        "Laporan Anda belum terkirim, tetapi isiannya masih ada di bawah: kirim lagi dalam "
        "%(num)d menit.",
        refusal.minutes,
    )
    if form.chosen_photos():
        notice += " " + _("Foto tidak ikut tersimpan; lampirkan lagi saat mengirim ulang.")
    page = _form_page(point, generate_csrf(), form.submission_key.data or "", form, notice)
    return page, 429, {"Retry-After": str(refusal.retry_after)}


def _form_page(
    point: ServicePoint,
    csrf: str,
    submission_key: str,
    form=None,
    notice: str | None = None,
    refused: bool = False,
    conflict: bool = False,
    offer_without_photos: bool = False,
) -> str:
    if form is None:
        form = ComplaintForm(formdata=None)
        form.set_categories(category_choices(get_router().categories, str(get_locale())))
        _offer_notify(form, point)
    form.submission_key.data = submission_key
    return render_template(
        "citizen/report_form.html",
        form=form,
        point=point,
        csrf=csrf,
        limits=rules,
        notice=notice,
        refused=refused,
        conflict=conflict,
        offer_without_photos=offer_without_photos,
        upload=upload_limits.form_attributes(),
    )


def _offer_notify(form: ComplaintForm, point: ServicePoint) -> None:
    """WhatsApp and SMS are offered where the poster's region sends them."""
    form.set_notify_options(whatsapp=bool(point.region.whatsapp), sms=bool(point.region.sms))


def screen_sender(region_id: str, form) -> str | None:
    """The region's abuse list on this report's phone, e-mail and client address
    (`remote_addr`, which honours TRUSTED_PROXIES): refuse, quarantine or None."""
    return screen(
        list_key(),
        region_id,
        phone=form.reporter_phone.data,
        email=form.reporter_email.data,
        address=request.remote_addr,
    )


@bp.get("/lacak")
def track():
    typed = request.args.get("kode", "").strip()
    if not typed:
        return render_template("citizen/track.html")
    code = normalize_tracking_code(typed)
    if code is None:
        return render_template("citizen/track.html", typed=typed, invalid=True), 400
    return redirect(url_for(".track_case", code=code))


@bp.get("/lacak/<code>")
def track_case(code: str):
    """Status and timeline by tracking code; the whole report only with the private link."""
    normalized = normalize_tracking_code(code)
    complaint = by_tracking_code(normalized) if normalized else None
    private = complaint is not None and token_matches(
        request.args.get("t"), complaint.access_token_hash, complaint.legacy_token_hash
    )
    if complaint is None or (complaint.confidential and not private):
        return render_template("citizen/track.html", typed=code, not_found=True), 404
    return case_page(complaint, private=private)


def case_page(
    complaint,
    *,
    private: bool,
    error: str | None = None,
    failed: str | None = None,
    typed: str | None = None,
    status: int = 200,
):
    router = get_router()
    token = request.values.get("t") if private else None
    return render_template(
        "citizen/case.html",
        complaint=complaint,
        private=private,
        token=token,
        # The language switch posts this back (templates/base.html): no token in a link.
        private_next=url_for("citizen.track_case", code=complaint.tracking_code, t=token)
        if token
        else None,
        just_sent=private and request.args.get("baru") == "1",
        names=place_names(router, complaint, locale=str(get_locale())),
        actions=transitions.available(complaint.status, transitions.CITIZEN) if private else [],
        can_reopen=private and can_reopen(complaint, router),
        duplicate_of=complaint.duplicate_of,
        moved=last_move(complaint) if complaint.transferred_from else None,
        answer_by=_answer_by(complaint, router),
        # The copy button, QR code, PIN and what was sent where (portal/citizen/link_aids.py).
        aids=page_aids(
            complaint,
            token,
            just_sent=request.args.get("baru") == "1",
            link_sent=request.args.get("terkirim") == "1",
        )
        if token
        else None,
        error=error,
        failed=failed,
        typed=typed,
    ), status


def _answer_by(complaint, router) -> date | None:
    """The citizen's last day to answer a question, the day the staff page shows; None when
    not on hold or when the case's stored clocks cannot be read (the page still works)."""
    try:
        held = hold_info(complaint, router, clocks_of(complaint))
    except (TypeError, ValueError):
        return None
    return held.window.last_day if held else None


# The picker, the search and "Layanan lain" (/, /pilih, /cari, /lain) live in their own
# module on this blueprint.
from portal.citizen import picker  # noqa: E402, F401
