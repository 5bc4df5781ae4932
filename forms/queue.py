"""The queue's filter form: a GET form, so a filtered queue is a link staff can share.

Bad values (an agency outside the scope, a garbage date, an edited page link) never fail
the page: the filter is dropped and a message says which one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.clocks.plausible import is_plausible, plausible_years
from portal.complaints import labels as case_labels
from portal.staff.queue import (
    DUE_OVERDUE,
    DUE_SOON,
    HOLDER_ME,
    HOLDER_NONE,
    SEARCH_MAX,
    SEARCH_MIN,
    SORT_DUE,
    SORT_NEWEST,
    TAB_ALL,
    TAB_OPEN,
    TABS,
    Cursor,
    QueueFilters,
    QueueScope,
    clean_search,
)

UNIT_SEPARATOR = "/"  # "agency/unit", as the case page's disposal target writes it

TAB_LABELS = {TAB_OPEN: _l("Semua terbuka"), **case_labels.LABELS, TAB_ALL: _l("Semua")}


def tab_names() -> dict[str, str]:
    """The tabs' names (also every status's) in the visitor's language, looked up once."""
    return {tab: str(label) for tab, label in TAB_LABELS.items()}


class QueueFilterForm(FlaskForm):
    # Defaults matter: an absent parameter must read as "no filter", not as a bad choice.
    status = SelectField(
        _l("Status"), choices=[SelectChoice(t, TAB_LABELS[t]) for t in TABS], default=TAB_OPEN
    )
    q = SearchField(
        _l("Cari judul, isi atau kode"),
        filters=[clean_search],
        validators=[Optional(), Length(min=SEARCH_MIN, max=SEARCH_MAX)],
    )
    agency = SelectField(_l("Instansi"), choices=[], default="")
    unit = SelectField(_l("Unit"), choices=[], default="")
    classification = SelectField(
        _l("Klasifikasi"),
        choices=[SelectChoice("", _l("Semua klasifikasi"))]
        + [SelectChoice(k, v) for k, v in case_labels.CLASSIFICATION_LABELS.items()],
        default="",
    )
    due = SelectField(
        _l("Batas waktu"),
        choices=[
            SelectChoice("", _l("Semua")),
            SelectChoice(DUE_OVERDUE, _l("Terlambat")),
            SelectChoice(DUE_SOON, _l("Jatuh tempo hari ini atau hari kerja berikutnya")),
        ],
        default="",
    )
    holder = SelectField(
        _l("Penanganan"),
        choices=[
            SelectChoice("", _l("Semua")),
            SelectChoice(HOLDER_ME, _l("Saya tangani")),
            SelectChoice(HOLDER_NONE, _l("Belum ada yang menangani")),
        ],
        default="",
    )
    submitted_from = DateField(_l("Diterima sejak"), name="from", validators=[Optional()])
    submitted_to = DateField(_l("Diterima sampai"), name="to", validators=[Optional()])
    sort = SelectField(
        _l("Urutan"),
        choices=[
            SelectChoice(SORT_DUE, _l("Batas waktu terdekat")),
            SelectChoice(SORT_NEWEST, _l("Terbaru")),
        ],
        default=SORT_DUE,
    )
    after = HiddenField()


def filter_form(args: MultiDict, scope: QueueScope) -> QueueFilterForm:
    """The form filled from the query string, with choices limited to the user's scope."""
    form = QueueFilterForm(formdata=args, meta={"csrf": False})
    form.agency.choices = [SelectChoice("", _l("Semua instansi"))] + [
        SelectChoice(a.id, a.name) for a in scope.agencies
    ]
    form.unit.choices = [SelectChoice("", _l("Semua unit"))] + [
        SelectChoice(f"{a.id}{UNIT_SEPARATOR}{u.id}", f"{a.name} – {u.name}")
        for a, u in scope.units
    ]
    return form


def read_filters(form: QueueFilterForm, today: date) -> tuple[QueueFilters, list[str]]:
    """The filters that hold, and a message for each one that did not (it is ignored).

    `today`: the staff member's date, for the years a date filter may name."""
    form.validate()
    problems: list[str] = []
    first_year, last_year = plausible_years(today)

    def valid(field) -> bool:
        if not field.errors:
            return True
        if field is form.q:
            problems.append(
                _(
                    "Kata pencarian harus %(min)d sampai %(max)d karakter; pencarian diabaikan.",
                    min=SEARCH_MIN,
                    max=SEARCH_MAX,
                )
            )
        else:
            problems.append(
                _("Filter “%(name)s” tidak valid dan diabaikan.", name=field.label.text)
            )
        return False

    def chosen(field) -> str | None:
        return (field.data or None) if valid(field) else None

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
            return None
        return field.data

    unit = chosen(form.unit)
    filters = QueueFilters(
        tab=chosen(form.status) or TAB_OPEN,
        agency_id=chosen(form.agency),
        unit=tuple(unit.split(UNIT_SEPARATOR, 1)) if unit else None,
        classification=chosen(form.classification),
        due=chosen(form.due),
        submitted_from=day(form.submitted_from),
        submitted_to=day(form.submitted_to),
        search=chosen(form.q),
        holder=chosen(form.holder),
        sort=chosen(form.sort) or SORT_DUE,
    )
    first, last = filters.submitted_from, filters.submitted_to
    if first and last and first > last:
        problems.append(_("Tanggal awal sesudah tanggal akhir; filter tanggal diabaikan."))
        filters = replace(filters, submitted_from=None, submitted_to=None)
    if form.after.data:
        cursor = Cursor.decode(form.after.data, filters.sort)
        if cursor is None:
            problems.append(_("Tautan halaman tidak valid; ditampilkan halaman pertama."))
        filters = replace(filters, after=cursor)
    return filters, problems


def query_args(filters: QueueFilters, **changes) -> dict[str, str]:
    """The query string of the queue with these filters; any change starts at page one."""
    f = replace(filters, **({"after": None} | changes))
    args = {
        "status": f.tab if f.tab != TAB_OPEN else None,
        "q": f.search,
        "agency": f.agency_id,
        "unit": UNIT_SEPARATOR.join(f.unit) if f.unit else None,
        "classification": f.classification,
        "due": f.due,
        "holder": f.holder,
        "from": f.submitted_from.isoformat() if f.submitted_from else None,
        "to": f.submitted_to.isoformat() if f.submitted_to else None,
        "sort": f.sort if f.sort != SORT_DUE else None,
        "after": f.after.encode() if f.after else None,
    }
    return {k: v for k, v in args.items() if v}
