"""Every citizen page and the main staff pages on a 360 px phone: accessible, no sideways
scrolling, tap targets a thumb can hit (issue 17).

Each page of CITIZEN_PAGES and STAFF_PAGES is opened in Chromium at 360 px and checked:
- axe-core (the copy shipped by axe-playwright-python) finds nothing serious or critical;
- the document is no wider than the screen (scrollWidth <= 360);
- the links and buttons of the header, footer, navigation, language switch and rating
  choices are at least 44 px high, or have 44 px of room around their centre.

To check a new page, add a `Screen` to one of the lists: a path (formatted with the seeded
`World`, e.g. "/lacak/{code}?t={token}"), the status it answers, and optionally the steps
that bring it into the state to check (`then`, e.g. sending an empty form).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from portal.accounts import tokens, totp
from portal.accounts.services import create_user, find_by_email
from portal.extensions import db
from tests import helpers
from tests.browser.pages import sign_in
from tests.functional.case_actions import act

pytestmark = pytest.mark.browser

WIDTH = 360
MIN_TARGET = 44
FAILING_IMPACTS = ("serious", "critical")
# What a thumb must hit: the shared chrome of every page and the rating choices.
TAP_TARGETS = ", ".join(
    (
        "header a",
        "header button",
        "nav a",
        "nav button",
        "footer a",
        "footer button",
        ".lang a",
        ".lang button",
        ".radio.rating label",
    )
)
EMAIL, PASSWORD = "super@example.org", "kata-sandi-uji-123"
TWO_STEP_EMAIL = "petugas.dua.langkah@example.org"


@dataclass(frozen=True)
class World:
    """What the seeded data gives the page paths to name."""

    payload: str  # a poster's QR payload (RSUD Ulin, Poli Umum, Pendaftaran)
    short_code: str  # the same counter's typed code
    code: str  # a responded, public case the citizen may rate
    token: str  # its private-link token
    account_id: int  # an officer's account, which the super admin manages
    reset: str = ""  # an open password-reset link token of the super-admin


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    status: int = 200
    then: Callable | None = None  # steps on the opened page before checking it


def _send_empty_form(page) -> None:
    """The report form sent with nothing typed (it is `novalidate`): the error summary is
    focused when the page opens, and its first link leads to the title field."""
    # With JavaScript, upload.js sends it and writes the answer into the page (no navigation).
    page.get_by_role("button", name="Kirim laporan", exact=True).click()
    page.locator("#error-summary").wait_for()
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'error-summary'"
    )
    page.locator("#error-summary a").first.click()
    assert page.evaluate("location.hash") == "#title"
    assert page.locator("#title").get_attribute("aria-invalid") == "true"


def _wrong_pin(page) -> None:
    """The typed form of the private link with a PIN that does not fit: the same page with
    its error tied to the PIN field."""
    page.locator("#pin-kode").fill("KSL-7K3Q9M")
    page.locator("#pin").fill("AAA-AAA")
    with page.expect_navigation():
        page.get_by_role("button", name="Buka laporan lengkap", exact=True).click()
    assert page.locator("#pin-error").is_visible()


CITIZEN_PAGES = [
    Screen("index", "/"),
    Screen("pick region", "/pilih/kalsel"),
    Screen("pick agency", "/pilih/kalsel/rsud-ulin"),
    Screen("pick unit", "/pilih/kalsel/rsud-ulin/poli-umum"),
    Screen("form via QR", "/q/{payload}"),
    Screen("form via code", "/k/{short_code}"),
    Screen("form with errors", "/k/{short_code}", then=_send_empty_form),
    Screen("short code typo", "/k?kode=XX", status=400),
    Screen("search", "/cari?q=poli+umum"),
    Screen("search without hits", "/cari?q=tidak+ada+layanan+ini"),
    Screen("search too long", "/cari?q=" + "a" * 120, status=400),
    Screen("form for an unlisted service", "/lain/rsud-ulin"),
    Screen("tracking form", "/lacak"),
    Screen("tracking form with an error", "/lacak?kode=bukan-kode", status=400),
    Screen("public case", "/lacak/{code}"),
    Screen("private case", "/lacak/{code}?t={token}"),
    Screen("receipt page", "/lacak/{code}?t={token}&baru=1"),
    Screen("wrong PIN", "/lacak", then=_wrong_pin),
    Screen("bad QR", "/q/NOT-A-POSTER", status=400),
    Screen("not found", "/tidak-ada", status=404),
    Screen("public statistics", "/statistik"),
    Screen("region statistics", "/statistik/kalsel"),
    Screen("english index", "/bahasa/en?next=/pilih/kalsel"),
    # Signed-out staff pages: forgot password, and the page behind a reset link.
    Screen("forgot password", "/staf/lupa-sandi"),
    Screen("reset link sent", "/staf/lupa-sandi?terkirim=1"),
    Screen("set a new password", "/staf/sandi-baru/{reset}"),
    Screen("unknown reset link", "/staf/sandi-baru/" + "A" * 43, status=404),
]
STAFF_PAGES = [
    Screen("queue", "/staf/"),
    Screen("case", "/staf/kasus/{code}"),
    Screen("counter form", "/staf/loket"),
    Screen("routing editor", "/staf/aturan-rute/"),
    Screen("routing region", "/staf/aturan-rute/wilayah/kalsel"),
    Screen("routing history", "/staf/aturan-rute/riwayat"),
    Screen("leader dashboard", "/staf/dasbor"),
    Screen("account", "/staf/akun"),
    Screen("audit trail", "/staf/jejak-audit/"),
    Screen("audit trail, a bad filter", "/staf/jejak-audit/?from=2026-13-45&jenis=kasus"),
    Screen("two-step setup", "/staf/akun/dua-langkah"),
    Screen("staff accounts", "/staf/pengguna/"),
    Screen("staff accounts filtered", "/staf/pengguna/?q=kalsel&state=undangan"),
    Screen("invite an account", "/staf/pengguna/undang"),
    Screen("one staff account", "/staf/pengguna/{account_id}"),
]
LOGIN_PAGE = Screen("staff login", "/staf/masuk")


def _password_of_a_two_step_account(page) -> None:
    """The right password of an account with two-step sign-in: the code step opens."""
    page.locator("input[name='email']").fill(TWO_STEP_EMAIL)
    page.locator("input[name='password']").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk", exact=True).click()
    page.get_by_role("heading", name="Masuk: langkah kedua").wait_for()


CODE_STEP_PAGE = Screen("two-step code", "/staf/masuk", then=_password_of_a_two_step_account)
# Problems seen on pages another part of issue 17 rebuilds (item 8, staff pages on a phone):
# (screen name, the start of the problem line). Listed, not failed, until that work lands;
# delete each entry when it does.
KNOWN_ELSEWHERE: tuple[tuple[str, str], ...] = ()


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


# A target passes when it is 44 px high, or when a 44 px box around its centre holds no
# other target and no other line of text (a lone link with room around it).
MEASURE = """([selector, min]) => {
  const overlaps = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const shown = [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
  });
  const rects = shown.map(e => e.getBoundingClientRect());
  const texts = [...document.querySelectorAll("body *")]
    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(e => [e, e.getBoundingClientRect()]);
  const small = [];
  shown.forEach((e, i) => {
    const r = rects[i];
    if (r.height >= min - 0.5) return;
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2, h = min / 2;
    const room = {left: cx - h, right: cx + h, top: cy - h, bottom: cy + h};
    const crowded = rects.some((o, j) => j !== i && overlaps(room, o))
      || texts.some(([t, o]) => !e.contains(t) && !t.contains(e) && overlaps(room, o));
    if (!crowded) return;
    const label = e.textContent.trim().slice(0, 30);
    const size = `${Math.round(r.width)}x${Math.round(r.height)}`;
    small.push(`${e.tagName.toLowerCase()} "${label}" ${size}`);
  });
  return {
    width: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    small: small,
  };
}"""


def _problems(page, axe: str) -> list[str]:
    """What is wrong with the open page, one line per problem."""
    found = []
    page.evaluate(axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    for violation in result["violations"]:
        if violation["impact"] in FAILING_IMPACTS:
            targets = [node["target"] for node in violation["nodes"]][:3]
            found.append(
                f"axe {violation['impact']} {violation['id']}: {violation['help']} "
                f"{json.dumps(targets)}"
            )
    measured = page.evaluate(MEASURE, [TAP_TARGETS, MIN_TARGET])
    if measured["width"] > WIDTH:
        found.append(f"{measured['width']} px wide, wider than the {WIDTH} px screen")
    found.extend(f"tap target under {MIN_TARGET} px: {small}" for small in measured["small"])
    return found


def _check(context, base: str, world: World, screens: list[Screen]) -> list[str]:
    axe = _axe_source()
    report = []
    page = context.new_page()
    for screen in screens:
        path = screen.path.format(**vars(world))
        response = page.goto(base + path)
        status = response.status if response is not None else None
        if status != screen.status:
            report.append(f"{screen.name} ({path}): answered {status}, not {screen.status}")
        if screen.then is not None:
            screen.then(page)
        page.wait_for_selector("main")
        for problem in _problems(page, axe):
            known = any(screen.name == n and problem.startswith(p) for n, p in KNOWN_ELSEWHERE)
            line = f"{screen.name} ({path}): {problem}"
            (print if known else report.append)(("known elsewhere: " if known else "") + line)
    page.close()
    return report


@pytest.fixture
def world(app, router, client, h) -> World:
    """One report filed through the form and answered by staff, so the private page offers
    the rating; a super-admin who may open every staff page."""
    from qr.payload import ServiceRef, encode

    payload = encode(
        ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), app.config["QR_SIGNING_KEYS"]
    )
    code, token = helpers.receipt(h.post_report(client, f"/q/{payload}"))
    create_user(router, email=EMAIL, password=PASSWORD, role="super-admin")
    two_step = create_user(
        router,
        email=TWO_STEP_EMAIL,
        password=PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="poli-umum",
    )
    two_step.totp_secret = totp.seal(app.config["SECRET_KEY"], totp.new_secret())
    two_step.totp_confirmed_at = two_step.created_at
    db.session.commit()
    officer = create_user(
        router,
        email="petugas.farmasi.rsud.ulin@kalsel.example.org",
        password=PASSWORD,
        role="unit-officer",
        agency="rsud-ulin",
        unit="instalasi-farmasi",
    )
    staff = app.test_client()
    assert h.login(staff, EMAIL, PASSWORD).status_code == 302
    assert act(staff, code, "verify", target="rsud-ulin/poli-umum").status_code == 303
    assert act(staff, code, "start").status_code == 303
    assert act(staff, code, "respond", text="Loket tambahan dibuka mulai Senin.").status_code == 303
    _long_audit_entry(code)
    short = router.find_service_point("rsud-ulin", "poli-umum", "pendaftaran").short_code
    reset = tokens.issue(
        find_by_email(EMAIL), tokens.RESET, timedelta(hours=1), app.config["SECRET_KEY"]
    )
    db.session.commit()
    return World(
        payload=payload,
        short_code=short,
        code=code,
        token=token,
        reset=reset.token,
        account_id=officer.id,
    )


def _long_audit_entry(code: str) -> None:
    """The widest row the audit trail shows: a bulk move naming fifty codes, a long e-mail."""
    from portal.audit import actions
    from portal.audit.record import Actor, record
    from portal.extensions import db

    codes = [code] * 50
    record(
        actions.BULK_ACTION,
        Actor(user_id=1, email="petugas.dengan.nama.yang.sangat.panjang@dinkes.example.org"),
        target_kind=actions.CASES,
        target_label=", ".join(codes),
        region_id="kalsel",
        detail={"move": "spam", "count": 50, "codes": codes},
    )
    db.session.commit()


def test_every_citizen_page_is_usable_on_a_phone(live_server, phone, world):
    context = phone(javascript=True)  # axe-core runs in the page
    report = _check(context, live_server, world, CITIZEN_PAGES)
    print("\n".join(report))
    assert report == []


def test_the_main_staff_pages_are_usable_on_a_phone(live_server, phone, world):
    context = phone(javascript=True)
    report = _check(context, live_server, world, [LOGIN_PAGE, CODE_STEP_PAGE])
    sign_in(context, live_server, EMAIL, PASSWORD).close()
    report += _check(context, live_server, world, STAFF_PAGES)
    print("\n".join(report))
    assert report == []
