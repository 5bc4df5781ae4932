"""Managing staff accounts: the account pages' and `users invite`'s services.

Plain values in: the managing account (anything with id, role and region_id: a User, or
CLI_MANAGER for the shell), an audit `Actor` (who and from where), the routing and the
chosen values. Every function asks portal/accounts/management.py whether the manager may
touch the account or hand out the role and scope, and raises NotAllowed when not (the
pages answer 403), AccountError for input a form should explain (400), and records what
it did in the audit trail in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from email_validator import EmailNotValidError, validate_email
from flask import g
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.accounts import mailbox, management, roles, tokens
from portal.accounts import second_factor as second_factor_module
from portal.accounts.models import AccountToken, User
from portal.accounts.reach import reach_of
from portal.accounts.services import NO_PASSWORD, AccountError, check_scope, end_sessions
from portal.accounts.services import find_by_email as _find_by_email
from portal.audit import actions
from portal.audit.record import Actor, record_about_user
from portal.clocks.zones import on_clock, zone_label
from portal.extensions import db
from portal.paging import PAGE_SIZE, Page
from portal.plain_text import has_control, without_control
from portal.routing.engine import Router
from portal.routing.model import localized_name
from portal.timeutil import utcnow

LOCALES = ("id", "en")
INVITATION_TEMPLATE = "invitation"

ROLE_LABELS = {
    roles.SUPER_ADMIN: _l("Super admin"),
    roles.REGIONAL_ADMIN: _l("Admin wilayah"),
    roles.AGENCY_OFFICER: _l("Petugas instansi"),
    roles.UNIT_OFFICER: _l("Petugas unit"),
    roles.LEADER: _l("Pimpinan"),
}

# The states the list shows and filters by.
ACTIVE = "aktif"
DISABLED = "nonaktif"
PENDING = "undangan"
STATES = (ACTIVE, DISABLED, PENDING)
STATE_LABELS = {
    ACTIVE: _l("Aktif"),
    DISABLED: _l("Nonaktif"),
    PENDING: _l("Undangan belum dipakai"),
}


class NotAllowed(Exception):
    """The manager may not do this to this account or hand out this role or scope (403)."""


class NotFound(LookupError):
    """No account with that id (404)."""


class NotApplicable(Exception):
    """The action does not apply to the account now (no invitation open, no second
    factor): nothing changed; `message` says why, in the reader's language."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Manager:
    """A managing account that is no User row (the shell)."""

    id: int | None
    role: str
    region_id: str | None
    email: str | None = None


# The shell may do what the super admin may: it is the operator's tool.
CLI_MANAGER = Manager(id=None, role=roles.SUPER_ADMIN, region_id=None)


def role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return str(label) if label is not None else role


def state_of(user: User) -> str:
    if not user.active:
        return DISABLED
    return PENDING if user.invitation_pending else ACTIVE


# --- who may be seen ---------------------------------------------------------------------


def require_manager(manager: management.Account) -> None:
    """The account pages open only for the super admin and a regional admin with a region."""
    if not management.is_manager(manager):
        raise NotAllowed()


def manageable_condition(manager: management.Account):
    """`management.may_manage` as SQL over the users table (the super admin's own row is
    listed too, marked, but may_manage refuses to change it)."""
    if manager.role == roles.SUPER_ADMIN:
        return None
    if not management.is_manager(manager):
        return false()
    # A regional admin's own row is never listed: its role is not one they manage.
    return and_(User.role.in_(management.REGION_MANAGED), User.region_id == manager.region_id)


def manageable(manager: management.Account) -> Select:
    stmt = select(User)
    condition = manageable_condition(manager)
    return stmt if condition is None else stmt.where(condition)


@dataclass(frozen=True)
class Filters:
    q: str = ""
    role: str = ""
    agency: str = ""
    unit: str = ""  # "agency/unit"
    state: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_accounts(manager: management.Account, filters: Filters, number: int) -> Page[User]:
    """One page of the accounts the manager may see, by e-mail, filtered in SQL."""
    require_manager(manager)
    stmt = manageable(manager)
    q = without_control(filters.q).strip()  # PostgreSQL refuses a NUL even in a LIKE
    if q:
        pattern = f"%{_escape_like(q.lower())}%"
        stmt = stmt.where(func.lower(User.email).like(pattern, escape="\\"))
    if filters.role:
        stmt = stmt.where(User.role == filters.role)
    if filters.agency:
        stmt = stmt.where(User.agency_id == filters.agency)
    if filters.unit:
        agency_id, _sep, unit_id = filters.unit.partition("/")
        stmt = stmt.where(User.agency_id == agency_id, User.unit_id == unit_id)
    pending = and_(User.invited_at.is_not(None), User.password_set_at.is_(None))
    if filters.state == ACTIVE:
        stmt = stmt.where(User.active.is_(True), or_(User.invited_at.is_(None), ~pending))
    elif filters.state == DISABLED:
        stmt = stmt.where(User.active.is_(False))
    elif filters.state == PENDING:
        stmt = stmt.where(User.active.is_(True), pending)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    last = max(1, -(-total // PAGE_SIZE))
    number = min(max(1, number), last)
    rows = db.session.execute(
        stmt.order_by(User.email, User.id).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).scalars()
    return Page(list(rows), number, last)


def account_for(manager: management.Account, user_id: int) -> User:
    """The account, if the manager may manage it. NotFound for a missing id and for one out
    of reach (another region's, an admin's for a regional admin), as the case, key and
    abuse-list pages answer; NotAllowed for one's own (NotAllowed too for anyone who is
    no manager, whatever the id)."""
    require_manager(manager)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    if manager.id is not None and manager.id == user.id:
        raise NotAllowed()  # one's own account: managed on its own page, /staf/akun
    if not management.may_manage(manager, user):
        raise NotFound(user_id)  # as if missing: the page confirms no account out of reach
    return user


# --- scope -------------------------------------------------------------------------------


def _scope(
    router: Router,
    manager: management.Account,
    role: str,
    region: str | None,
    agency: str | None,
    unit: str | None,
) -> tuple[str | None, str | None, str | None]:
    """The (region, agency, unit) an account of this role gets, checked against the
    routing and against what the manager may hand out."""
    if role not in roles.ROLES:
        raise AccountError("role", _("Pilih peran dari daftar."))
    if role not in management.assignable_roles(manager):
        raise NotAllowed()
    region, agency, unit = (region or None), (agency or None), (unit or None)
    needed = roles.REQUIRED_SCOPE[role]
    if manager.role != roles.SUPER_ADMIN:
        region = manager.region_id  # a regional admin's accounts are their region's
    if "agency" not in needed:
        agency = unit = None
    elif "unit" not in needed:
        unit = None
    if "region" not in needed and "agency" not in needed:
        region = None
    if agency:
        found = router.agency(agency)
        if found is None or found.id != agency:
            raise AccountError("agency", _("Instansi tidak dikenal."))
        if not management.may_assign(manager, role, found.region_id):
            raise NotAllowed()
        region = found.region_id
    for name, message in (
        ("region", _("Pilih wilayah untuk peran ini.")),
        ("agency", _("Pilih instansi untuk peran ini.")),
        ("unit", _("Pilih unit untuk peran ini.")),
    ):
        if name in needed and not {"region": region, "agency": agency, "unit": unit}[name]:
            raise AccountError(name, message)
    try:
        scope = check_scope(router, role, region, agency, unit)
    except AccountError as exc:
        messages = {
            "region": _("Wilayah tidak dikenal."),
            "agency": _("Instansi tidak dikenal."),
            "unit": _("Unit tidak ada di instansi yang dipilih."),
        }
        raise AccountError(exc.field, messages.get(exc.field, str(exc))) from exc
    if not management.may_assign(manager, role, scope[0]):
        raise NotAllowed()
    return scope


def scope_of(user: User) -> dict[str, str | None]:
    """The account's stored scope (what its page's form shows as chosen)."""
    return {"region": user.region_id, "agency": user.agency_id, "unit": user.unit_id}


def timezone_of(router: Router, user: User) -> str:
    """The clock the account's times are shown on: its region's (WIB without one)."""
    return router.timezone_for(user.region_id or "")


def scope_names(router: Router, user: User, locale: str) -> str:
    """The account's region, agency and unit by name (English names on English pages)."""
    if user.role == roles.SUPER_ADMIN:
        with force_locale(locale):
            return _("Semua wilayah")
    parts = []
    agency = router.agency(user.agency_id) if user.agency_id else None
    if user.unit_id and agency is not None:
        unit = router.unit(agency.id, user.unit_id)
        parts.append(localized_name(unit, locale) if unit is not None else user.unit_id)
    if user.agency_id:
        parts.append(localized_name(agency, locale) if agency is not None else user.agency_id)
    if user.region_id:
        region = router.region(user.region_id)
        parts.append(localized_name(region, locale) if region is not None else user.region_id)
    return ", ".join(parts)


# --- invitations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    user: User
    expires_at: datetime
    expires_text: str  # on the account's region's clock, e.g. "7 Des 2026 19.00 WITA"


def wall_clock(router: Router, moment: datetime, region_id: str | None, locale: str) -> str:
    """A moment on the region's clock with its zone name, written for `locale`."""
    zone = router.timezone_for(region_id or "")
    return _on_clock(moment, zone, locale)


def until_text(router: Router, invited: Invited, locale: str) -> str:
    """Until when an invitation's link works, on the account's clock, for `locale`."""
    return on_account_clock(router, invited.expires_at, invited.user, locale)


def on_account_clock(router: Router, moment: datetime, user: User, locale: str) -> str:
    """A moment on the clock of the account's region ("7 Des 2026 19.00 WITA"), the one
    way every account e-mail and page writes a time."""
    return _on_clock(moment, timezone_of(router, user), locale)


def _on_clock(moment: datetime, zone: str, locale: str) -> str:
    text = format_datetime(
        on_clock(moment, zone), "d MMM yyyy HH.mm", tzinfo=ZoneInfo(zone), locale=locale
    )
    return f"{text} {zone_label(zone)}"


def _send_invitation(
    router: Router,
    user: User,
    actor: Actor,
    *,
    valid_for: timedelta,
    secret_key: str,
    now: datetime,
) -> Invited:
    """A new invitation link (the earlier one stops working) and its e-mail in the outbox."""
    issued = tokens.issue(
        user, tokens.INVITE, valid_for, secret_key, created_by_id=actor.user_id, now=now
    )
    locale = user.locale if user.locale in LOCALES else "id"
    g.account_mail = True  # force_locale needs something on `g` outside a request (the CLI)
    with force_locale(locale):
        expires_text = wall_clock(router, issued.expires_at, user.region_id, locale)
        context = {
            "account_token_id": issued.row.id,
            "email": user.email,
            # A person's address; the shell's "cli:<os user>" means nothing to the reader.
            "inviter": actor.email if actor.user_id is not None else "",
            "role_label": role_label(user.role),
            "scope_names": scope_names(router, user, locale),
            "expires": expires_text,
        }
    mailbox.queue(
        INVITATION_TEMPLATE,
        user.email,
        context,
        locale=locale,
        region_id=user.region_id,
        now=now,
    )
    return Invited(user=user, expires_at=issued.expires_at, expires_text=expires_text)


def _signs_in_with(email: str) -> bool:
    """An address the sign-in and forgot-password forms accept (their Email validator): an
    account under any other (a line break, a NUL, "cli:…@x") could never sign in, and its
    address would reach e-mail headers and the audit trail."""
    if not email or len(email) > 254 or has_control(email):
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def invite(
    router: Router,
    manager: management.Account,
    actor: Actor,
    *,
    email: str,
    role: str,
    region: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
    locale: str = "id",
    valid_for: timedelta,
    secret_key: str,
    now: datetime | None = None,
) -> Invited:
    """A new account without a password, and the e-mail whose link sets it. Commits."""
    require_manager(manager)
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not _signs_in_with(email):
        raise AccountError("email", _("Tulis alamat e-mail yang benar."))
    if locale not in LOCALES:
        raise AccountError("locale", _("Pilih bahasa dari daftar."))
    region, agency, unit = _scope(router, manager, role, region, agency, unit)
    if _find_by_email(email) is not None:
        raise AccountError("email", _("Sudah ada akun dengan alamat e-mail ini."))
    user = User(
        email=email,
        password_hash=NO_PASSWORD,
        role=role,
        region_id=region,
        agency_id=agency,
        unit_id=unit,
        active=True,
        locale=locale,
        invited_at=now,
        invited_by_id=actor.user_id,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    invited = _send_invitation(
        router, user, actor, valid_for=valid_for, secret_key=secret_key, now=now
    )
    record_about_user(
        actions.ACCOUNT_INVITED,
        actor,
        user,
        at=now,
        role=role,
        locale=locale,
        expires_at=invited.expires_at.isoformat(),
    )
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same address invited at the same moment elsewhere
        db.session.rollback()
        raise AccountError("email", _("Sudah ada akun dengan alamat e-mail ini.")) from exc
    return invited


RESEND_PAUSE = timedelta(minutes=1)


def _invited_moments_ago(user: User, now: datetime) -> bool:
    """An invitation link made less than RESEND_PAUSE ago: a double tap on "Kirim ulang"
    would otherwise kill the link of the e-mail the person is opening right now."""
    latest = db.session.execute(
        select(func.max(AccountToken.created_at)).where(
            AccountToken.user_id == user.id, AccountToken.purpose == tokens.INVITE
        )
    ).scalar_one_or_none()
    return latest is not None and now - latest < RESEND_PAUSE


def resend_invitation(
    router: Router,
    manager: management.Account,
    actor: Actor,
    user: User,
    *,
    valid_for: timedelta,
    secret_key: str,
    now: datetime | None = None,
) -> Invited:
    """A fresh link for an invitation not used yet; the earlier link stops working."""
    _check(manager, user)
    if not user.invitation_pending:
        raise NotApplicable(_("Akun ini tidak memiliki undangan yang belum dipakai."))
    if not user.active:
        raise NotApplicable(_("Akun ini nonaktif; aktifkan dulu sebelum mengirim undangan."))
    now = now or utcnow()
    if _invited_moments_ago(user, now):
        raise NotApplicable(
            _(
                "Undangan untuk akun ini baru saja dikirim. Tunggu sebentar sebelum "
                "mengirim ulang, agar tautan di e-mail sebelumnya tidak langsung mati."
            )
        )
    invited = _send_invitation(
        router, user, actor, valid_for=valid_for, secret_key=secret_key, now=now
    )
    record_about_user(
        actions.INVITATION_RESENT,
        actor,
        user,
        at=now,
        expires_at=invited.expires_at.isoformat(),
    )
    db.session.commit()
    return invited


# --- changes -----------------------------------------------------------------------------


def _check(manager: management.Account, user: User) -> None:
    require_manager(manager)
    if not management.may_manage(manager, user):
        raise NotAllowed()


def change(
    router: Router,
    manager: management.Account,
    actor: Actor,
    user: User,
    *,
    role: str,
    region: str | None = None,
    agency: str | None = None,
    unit: str | None = None,
) -> dict[str, list]:
    """A new role and scope; returns what changed (field: [old, new]), {} for nothing.
    Commits. The account's open sessions go on: every page asks its role afresh."""
    _check(manager, user)
    new = dict(
        zip(
            ("region", "agency", "unit"),
            _scope(router, manager, role, region, agency, unit),
            strict=True,
        )
    )
    new["role"] = role
    old = {
        "role": user.role,
        "region": user.region_id,
        "agency": user.agency_id,
        "unit": user.unit_id,
    }
    changed = {
        k: [old[k], new[k]] for k in ("role", "region", "agency", "unit") if old[k] != new[k]
    }
    if not changed:
        return {}
    user.role, user.region_id, user.agency_id, user.unit_id = (
        new["role"],
        new["region"],
        new["agency"],
        new["unit"],
    )
    record_about_user(actions.ACCOUNT_CHANGED, actor, user, **changed)
    db.session.commit()
    return changed


def set_active(manager: management.Account, actor: Actor, user: User, active: bool) -> bool:
    """Disable or enable (every earlier session ends, as `users disable` does); False when
    the account already was so (nothing recorded). Commits."""
    _check(manager, user)
    if bool(user.active) == active:
        return False
    user.active = active
    end_sessions(user)
    tokens.end_open(user)  # a link sent before never opens the account again
    action = actions.ACCOUNT_ENABLED if active else actions.ACCOUNT_DISABLED
    record_about_user(action, actor, user)
    db.session.commit()
    return True


def sign_out_everywhere(manager: management.Account, actor: Actor, user: User) -> None:
    """End every session of the account (a lost phone, a shared computer). Commits."""
    _check(manager, user)
    end_sessions(user)
    record_about_user(actions.SIGNED_OUT_EVERYWHERE, actor, user)
    db.session.commit()


def reset_second_factor(manager: management.Account, actor: Actor, user: User) -> None:
    """Forget a lost authenticator and its recovery codes (sessions end too). Commits."""
    _check(manager, user)
    if not user.has_second_factor:
        raise NotApplicable(_("Akun ini tidak memakai verifikasi dua langkah."))
    second_factor_module.remove(user)
    record_about_user(actions.TWO_FACTOR_RESET, actor, user)
    db.session.commit()


def reach_choices(router: Router, manager: management.Account):
    """The regions, agencies and (agency, unit) pairs the manager may hand out."""
    reach = reach_of(manager)
    return reach.regions(router), reach.agencies(router), reach.units(router)
