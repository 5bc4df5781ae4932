"""The counter page (Loket): a clerk files a report for a walk-in or phone citizen, then
prints the receipt slip. The report goes the way every channel's goes: the citizen form's
fields and checks (forms.counter.CounterForm is that form), the same photo checks, then
`submit_report`, which writes the citizen's receipt to the outbox by their chosen medium."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.counter import CounterForm
from portal.citizen.link_aids import pin_of
from portal.citizen.photo_upload import process_uploads
from portal.citizen.storage_failure import (
    RETRY_AFTER,
    log_storage_failure,
    storage_notice,
    wants_without_photos,
)
from portal.clocks.deadlines import local_date
from portal.complaints import channels
from portal.complaints.display import place_names
from portal.complaints.queries import by_tracking_code
from portal.complaints.storage import StorageFailure
from portal.complaints.tracking_codes import normalize_tracking_code
from portal.counter.scope import counter_points, may_file, point_in_scope, point_value
from portal.counter.slip import (
    COUNTER_CHANNELS,
    SLIP_WINDOW,
    is_counter_case,
    may_print_link,
    qr_png,
    slip_link,
)
from portal.intake import report as rules
from portal.intake.report import InvalidReport
from portal.intake.submission import SubmissionConflict, submit_report
from portal.notifications.messages import citizen_medium
from portal.photo_store import photo_store
from portal.routing.active import get_router
from portal.routing.model import ServicePoint, UnknownServicePoint
from portal.staff.privacy import may_see_reporter
from portal.staff.scoping import complaint_or_404
from portal.timeutil import utcnow

bp = Blueprint("counter", __name__, url_prefix="/staf/loket")


def _channels() -> list[tuple[str, str]]:
    return [(channels.COUNTER, _("Datang langsung ke loket")), (channels.PHONE, _("Telepon"))]


def _prepare(form: CounterForm, points: list[ServicePoint]) -> None:
    """The choices of the clerk's reach: service points, and WhatsApp/SMS where any of
    their regions sends them (held to the chosen point's region when the form is sent)."""
    form.set_categories([(c.id, c.name) for c in get_router().categories])
    several_regions = len({p.region.id for p in points}) > 1
    form.set_service_points(
        [
            (
                point_value(p),
                (f"{p.region.name} · " if several_regions else "")
                + f"{p.agency.name} – {p.unit.name} – {p.service.name}",
            )
            for p in points
        ]
    )
    form.set_channels(_channels())
    form.set_notify_options(
        whatsapp=any(p.region.whatsapp for p in points),
        sms=any(p.region.sms for p in points),
    )


def _page(form: CounterForm, **extra):
    return render_template("counter/form.html", form=form, limits=rules, for_clerk=True, **extra)


@bp.route("", methods=["GET", "POST"])
@login_required
def intake():
    if not may_file(current_user):
        abort(403)  # leaders are read-only
    router = get_router()
    points = counter_points(current_user, router)
    form = CounterForm()
    _prepare(form, points)
    if request.method in ("GET", "HEAD"):
        form.submission_key.data = secrets.token_urlsafe(24)
        return _page(form)
    point = point_in_scope(current_user, router, form.service_point.data)
    if point is None:
        # A forged or stale value: refused, nothing stored; the other fields are checked
        # too, so the clerk sees everything to fix at once.
        form.validate_on_submit()
        form.service_point.errors = [
            _("Titik layanan ini tidak dikenal atau di luar wewenang Anda. Pilih dari daftar.")
        ]
        return _page(form), 400
    form.set_notify_options(whatsapp=bool(point.region.whatsapp), sms=bool(point.region.sms))
    form.today = local_date(utcnow(), point.region.timezone)
    valid = form.validate_on_submit()
    if form.channel.data not in COUNTER_CHANNELS:
        form.channel.errors = [*form.channel.errors, _("Pilih cara pelapor datang.")]
        valid = False
    if valid:
        photos = [] if wants_without_photos() else process_uploads(form)
        if photos is not None:
            return _submit(form, point, photos)
    return _page(form, offer_without_photos=wants_without_photos()), 400


def _submit(form: CounterForm, point: ServicePoint, photos):
    router = get_router()
    try:
        receipt = submit_report(
            point.ids,
            form.report(form.chosen_language()),
            photos,
            channel=form.channel.data,
            router=router,
            store=photo_store(),
            secret=current_app.config["SECRET_KEY"],
            filed_by=current_user.id,
        )
    except UnknownServicePoint:  # the routing file changed under the form
        form.service_point.errors = [_("Titik layanan ini sudah tidak ada. Pilih yang lain.")]
        return _page(form), 400
    except StorageFailure as exc:
        log_storage_failure(exc)
        return (
            _page(form, notice=storage_notice(), offer_without_photos=True),
            503,
            {"Retry-After": RETRY_AFTER},
        )
    except InvalidReport as exc:
        form.show_problems(exc.problems)
        return _page(form), 400
    except SubmissionConflict:
        form.submission_key.data = secrets.token_urlsafe(24)
        return _page(form, conflict=True), 409
    return redirect(url_for(".slip", code=receipt.tracking_code), code=303)


def _slip_case(code: str):
    complaint = _just_filed(code) or complaint_or_404(current_user, code)
    if not may_file(current_user) or not is_counter_case(complaint):
        abort(403)  # a leader, or a report the citizen filed themselves: no slip
    return complaint


def _just_filed(code: str):
    """The report this clerk filed within the slip's window, even where the rules sent it
    out of their reach (a complaint about their own unit goes to the Inspektorat): the
    citizen at the counter still gets the slip. Past the window, the reach decides again."""
    normalized = normalize_tracking_code(code)
    complaint = by_tracking_code(normalized) if normalized else None
    if complaint is None or not may_print_link(current_user.id, complaint, utcnow()):
        return None
    return complaint


@bp.get("/struk/<code>")
@login_required
def slip(code: str):
    """The print-friendly receipt slip, in the citizen's language."""
    complaint = _slip_case(code)
    router = get_router()
    with_link = may_print_link(current_user.id, complaint, utcnow())
    medium = citizen_medium(complaint)
    address = None
    if medium is not None and may_see_reporter(current_user, complaint):
        address = complaint.reporter_email if medium == "email" else complaint.reporter_phone
    with force_locale(complaint.locale or "id"):
        return render_template(
            "counter/slip.html",
            complaint=complaint,
            names=place_names(router, complaint),
            with_link=with_link,
            pin=pin_of(complaint) if with_link else None,  # the link's typed form
            window_minutes=int(SLIP_WINDOW.total_seconds() // 60),
            medium=medium,
            address=address,
            track_url=current_app.config["PUBLIC_BASE_URL"] + url_for("citizen.track"),
            slip_locale=complaint.locale or "id",
        )


@bp.get("/struk/<code>/qr.png")
@login_required
def slip_qr(code: str):
    """The private link's QR code: only for the filing clerk, shortly after filing."""
    complaint = _slip_case(code)
    if not may_print_link(current_user.id, complaint, utcnow()):
        abort(403)
    config = current_app.config
    link = slip_link(config["PUBLIC_BASE_URL"], config["SECRET_KEY"], complaint)
    return qr_png(link), 200, {"Content-Type": "image/png"}
