"""The audit trail's page and CSV export, scoped by reach_of like every staff query.

Super admins read every entry; a regional admin the entries placed in their region (a
change to one of its accounts, its routing, its cases, its keys, its abuse list, and the
sign-ins of its staff); every other role gets 403. A bad filter value is named and
ignored on the page, and refused (400, nothing recorded) by the export: it never widens
the scope, which is applied before any filter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from forms.audit import PERSON_MAX, PERSON_MIN, AuditFilterForm
from portal.accounts.administration import ROLE_LABELS
from portal.accounts.notices import KINDS as NOTICE_KINDS
from portal.accounts.reach import reach_of
from portal.audit import actions, labels, queries
from portal.audit.queries import NO_REGION, AuditFilters
from portal.audit.record import Actor, record
from portal.clocks.plausible import is_plausible, plausible_years
from portal.clocks.zones import on_clock, zone_label
from portal.csv_safe import BOM, safe_row
from portal.extensions import db
from portal.i18n import local_time
from portal.paging import QUERY as PAGE_QUERY
from portal.paging import page_number
from portal.routing.active import get_router
from portal.staff.scoping import admin_region
from portal.timeutil import utcnow

bp = Blueprint("audit", __name__, url_prefix="/staf/jejak-audit")

CSV_CHUNK = 200  # rows per piece of the streamed CSV
CSV_HEADER = (
    "waktu_utc",
    "waktu_setempat",
    "oleh",
    "alamat",
    "tindakan",
    "kode_tindakan",
    "sasaran",
    "wilayah",
    "rincian",
)

# Stored values of an entry's detail, named for a reader ("unit-officer" is "Petugas
# unit"): portal.audit sits below the packages that own these names, so the page hands them in.
DETAIL_WORDS = {
    "role": ROLE_LABELS,
    "locale": {"id": "Bahasa Indonesia", "en": "English"},
    "notices_off": NOTICE_KINDS,
}


@dataclass(frozen=True)
class Reading:
    """The filters that hold, what the page says about those that did not, the clock the
    dates are read and shown in, and the query arguments that reproduce the filters."""

    form: AuditFilterForm
    filters: AuditFilters
    problems: list[str]
    timezone: str
    args: dict[str, str]


@bp.get("/")
@login_required
def index():
    own = admin_region(current_user)  # 403 for anyone but the admins
    reading = _read(request.args, own)
    return _page(reading, own)


@bp.post("/ekspor.csv")
@login_required
def export():
    """The CSV of the filtered trail (POST with the CSRF token: an export is itself an
    entry, which no other site may make an admin write)."""
    own = admin_region(current_user)
    reading = _read(request.form, own)
    if reading.problems:
        return _page(reading, own), 400
    scope = reach_of(current_user)
    rows = queries.count(scope, reading.filters)
    region = own or (reading.filters.region_id if reading.filters.region_id != NO_REGION else None)
    entry = record(
        actions.AUDIT_EXPORTED,
        Actor.of(current_user, request.remote_addr),
        target_kind=actions.AUDIT,
        region_id=region,
        detail={"filters": reading.args, "rows": rows},
    )
    db.session.commit()
    before_id = entry.id
    name = f"jejak-audit-{on_clock(utcnow(), reading.timezone):%Y-%m-%d}.csv"
    body = stream_with_context(_csv_lines(scope, reading, before_id))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _page(reading: Reading, own: str | None):
    router = get_router()
    scope = reach_of(current_user)
    found, total = queries.page(scope, reading.filters, page_number(request.args.get(PAGE_QUERY)))
    return render_template(
        "audit/index.html",
        reading=reading,
        form=reading.form,
        entries=found.items,
        pages=found,
        total=total,
        region=router.region(own) if own else None,
        zone=zone_label(reading.timezone),
        region_name=router.region_name,
        labels=labels,
        detail_words=DETAIL_WORDS,
        moment=lambda at: local_time(at, reading.timezone, "short"),
    )


def _read(source: MultiDict, own: str | None) -> Reading:
    """The filters in `source` (the query string, or the export's form)."""
    router = get_router()
    form = AuditFilterForm(formdata=source)
    form.group.choices = [("", _("Semua jenis")), *labels.group_choices()]
    if own is None:
        form.region.choices = [
            ("", _("Semua wilayah")),
            (NO_REGION, _("Tanpa wilayah (super admin, seluruh berkas rute)")),
            *((r.id, r.name) for r in router.regions),
        ]
    else:
        form.region.choices = [("", _("Semua wilayah")), (own, router.region_name(own))]
    form.validate()
    problems: list[str] = []

    def valid(field) -> bool:
        if not field.errors:
            return True
        if field is form.person:
            problems.append(
                _(
                    "Isian “%(name)s” harus %(min)d sampai %(max)d huruf yang dapat dicetak; "
                    "filter itu diabaikan.",
                    name=field.label.text,
                    min=PERSON_MIN,
                    max=PERSON_MAX,
                )
            )
        elif field is form.region and own is not None:
            problems.append(
                _("Anda hanya dapat membaca jejak audit wilayah Anda; filter wilayah diabaikan.")
            )
        else:
            problems.append(
                _("Filter “%(name)s” tidak valid dan diabaikan.", name=field.label.text)
            )
        _forget(field)
        return False

    region_id = (form.region.data or None) if valid(form.region) else None
    timezone = router.timezone_for(
        own or (region_id if region_id not in (None, NO_REGION) else "") or ""
    )
    today = on_clock(utcnow(), timezone).date()
    first_year, last_year = plausible_years(today)

    def day(field) -> date | None:
        if not valid(field):
            return None
        if field.data is not None and not is_plausible(field.data, today):
            problems.append(
                _(
                    "Tanggal “%(name)s” harus antara tahun %(first)s dan %(last)s; "
                    "filter tanggal itu diabaikan.",
                    name=field.label.text,
                    first=first_year,
                    last=last_year,
                )
            )
            _forget(field)
            return None
        return field.data

    group = (form.group.data or None) if valid(form.group) else None
    person = (form.person.data or None) if valid(form.person) else None
    start, end = day(form.start), day(form.end)
    if start and end and start > end:
        problems.append(_("Tanggal awal sesudah tanggal akhir; filter tanggal diabaikan."))
        start = end = None
        _forget(form.start)
        _forget(form.end)
    zone = ZoneInfo(timezone)
    filters = AuditFilters(
        group=group,
        person=person,
        start=datetime.combine(start, time(), zone) if start else None,
        end=datetime.combine(end + timedelta(days=1), time(), zone) if end else None,
        region_id=None if own is not None else region_id,
    )
    args = {
        "jenis": group,
        "orang": person,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "daerah": region_id if own is None else None,
    }
    kept = {k: v for k, v in args.items() if v}
    return Reading(form, filters, problems, timezone, kept)


def _forget(field) -> None:
    """An ignored filter shows as empty (the message above the form says why), not as the
    bad value with WTForms' own English error under it."""
    field.data = None
    field.raw_data = []
    field.errors = []


def _csv_lines(scope, reading: Reading, before_id: int) -> Iterator[str]:
    """The CSV in pieces of a few hundred rows (the trail may be long); every cell goes
    through csv_safe, so a "sign-in e-mail" typed as =HYPERLINK(...) stays text."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    def moment(at: datetime) -> str:
        return local_time(at, reading.timezone, "short")

    writer.writerow(safe_row(CSV_HEADER))
    yield BOM + flush()
    for n, entry in enumerate(queries.every(scope, reading.filters, before_id), 1):
        writer.writerow(
            safe_row(
                (
                    entry.at.isoformat(timespec="seconds"),
                    local_time(entry.at, reading.timezone, "short"),
                    labels.who(entry),
                    entry.address,
                    labels.action_label(entry.action),
                    entry.action,
                    labels.target(entry),
                    entry.region_id,
                    labels.detail_line(entry, DETAIL_WORDS, moment),
                )
            )
        )
        if n % CSV_CHUNK == 0:
            yield flush()
    yield flush()
