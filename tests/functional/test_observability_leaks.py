"""THE LEAK TEST: under a real gunicorn with LOG_FORMAT=json, a whole citizen journey and a
staff account link leave no secret and no personal data in the logs.

gunicorn runs the production config (GUNICORN_CONF, one constant), which takes its JSON log
configuration and the metrics hooks from portal/observability/gunicorn_hooks.py;
`outbox send --once` delivers the mail in between (its log is captured too). Driven over
HTTP: a web report with a photo, the private link with `?t=`, the typed code + PIN, a
password reset link (/staf/sandi-baru/<token>), the staff verifying and answering, the
citizen's reply. Every token, PIN and account-link token issued (from the answers and the
mail files) is collected; none of them, and neither the reporter's e-mail address nor
phone number, may appear anywhere in what gunicorn and the worker wrote; every line must
be a JSON object, and the access lines carry the X-Request-ID the client got back.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from qr.payload import ServiceRef, SigningKeys, encode
from tests import helpers
from tests.conftest import TEST_QR_KEYS
from tests.pgcluster import free_port

pytestmark = pytest.mark.engine_once  # its own SQLite file: the same on every engine

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"  # the production config: if it moves, here
GUNICORN = Path(sys.executable).parent / "gunicorn"
FLASK = Path(sys.executable).parent / "flask"
WAIT = 60
SOCKETLESS = ("--no-control-socket", "wsgi:app")  # no shared control socket in ~/.gunicorn
EMAIL = "siti.leak@example.org"
PHONE = "0812 3456 7890"
PHONE_FORMS = ("0812 3456 7890", "081234567890", "6281234567890", "+6281234567890")
STAFF_EMAIL = "admin.leak@kalsel.example.org"
NEW_PASSWORD = "kata-sandi-baru-yang-panjang-42"


def environ(tmp_path: Path) -> dict[str, str]:
    return {
        "APP_ENV": "development",
        "SECRET_KEY": "leak-test-secret-key-long-enough-0123456",
        "QR_SIGNING_KEYS": TEST_QR_KEYS,
        "PUBLIC_BASE_URL": "http://localhost",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'leak.sqlite3'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": "0",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": "leak-metrics-token-0123456789",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }


def prepare(env: dict[str, str]) -> None:
    """Migrate and create the staff account, in a child process (its logs are its own)."""
    script = (
        "from flask_migrate import upgrade\n"
        "from portal import create_app\n"
        "from portal.accounts.services import create_user\n"
        "from portal.extensions import db\n"
        "from portal.routing.active import get_router\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        f"    create_user(get_router(), email={STAFF_EMAIL!r},"
        " password='kata-sandi-lama-yang-panjang-7',"
        " role='regional-admin', region='kalsel')\n"
        "    db.session.commit()\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]


def until(check, what: str):
    return helpers.until(check, what, WAIT, interval=0.1)


def alive(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def outbox_send(env: dict[str, str], log_path: Path) -> None:
    """The worker's log is its stderr; its stdout is the command's summary for the operator
    ("sent: 4, …"), kept beside it and checked for secrets too, but not as log lines."""
    with log_path.open("a") as log, log_path.with_suffix(".out").open("a") as out:
        subprocess.run(
            [str(FLASK), "--app", "wsgi", "outbox", "send", "--once"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=log,
            check=True,
            timeout=120,
        )


def mail_texts(instance: Path) -> str:
    """Every file the portal wrote to the instance folder (mail, phone messages), as text."""
    out = []
    for path in instance.rglob("*"):
        if path.is_file() and path.suffix in {".eml", ".txt", ".json", ".log"}:
            out.append(path.read_text(encoding="utf-8", errors="replace"))
    import email
    import email.policy

    for path in instance.rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                out.append(part.get_content())
    return "\n".join(out)


@pytest.fixture
def server(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "WEB_"))},
        **environ(tmp_path),
    }
    env.pop("TEST_DATABASE_URL", None)
    prepare(env)
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("w")
    command = [str(GUNICORN), "-c", str(GUNICORN_CONF), "-w", "2", "-b", f"127.0.0.1:{port}"]
    command += SOCKETLESS
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        until(lambda: process.poll() is not None or alive(base), "gunicorn to listen")
        assert process.poll() is None, log_path.read_text()
        yield base, env, tmp_path, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def csrf_of(page: requests.Response) -> str:
    return helpers.hidden_fields(page.text)["csrf_token"]


def test_no_secret_or_personal_data_reaches_the_logs(server):
    base, env, tmp_path, process = server
    instance = Path(env["INSTANCE_PATH"])
    secrets: set[str] = set()
    seen_ids: dict[str, int] = {}
    citizen = requests.Session()

    def remember(response: requests.Response) -> requests.Response:
        request_id = response.headers.get("X-Request-ID", "")
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), response.headers
        seen_ids[request_id] = response.status_code
        return response

    payload = encode(
        ServiceRef("rsud-ulin", "poli-umum", "pendaftaran"), SigningKeys.parse(TEST_QR_KEYS)
    )
    form_url = f"{base}/q/{payload}"
    fields = helpers.hidden_fields(remember(citizen.get(form_url, timeout=10)).text)
    report = helpers.valid_report(reporter_email=EMAIL, reporter_phone=PHONE)
    photo = {"photos": ("bukti.jpg", helpers.image_bytes(), "image/jpeg")}
    sent = remember(
        citizen.post(
            form_url, data={**fields, **report}, files=photo, timeout=20, allow_redirects=False
        )
    )
    assert sent.status_code == 303, sent.text[:500]
    receipt = re.search(r"/lacak/([A-Z0-9-]+)\?t=([A-Za-z0-9_-]+)", sent.headers["Location"])
    code, token = receipt.groups()
    secrets.add(token)

    # The private link, its photo, and the typed code + PIN.
    private = remember(citizen.get(f"{base}/lacak/{code}?t={token}", timeout=10))
    assert private.status_code == 200
    pin = re.search(r'id="private-pin">([^<]+)<', private.text).group(1).strip()
    secrets |= {pin, pin.replace(" ", ""), pin.replace("-", "")}
    photo_link = re.search(r"(/lacak/[A-Z0-9-]+/foto/\d+\?t=[A-Za-z0-9_-]+)", private.text)
    assert photo_link, "the private page shows the photo"
    shown = remember(citizen.get(base + photo_link.group(1).replace("&amp;", "&"), timeout=10))
    assert shown.status_code == 200
    typed = requests.Session()
    track = remember(typed.get(f"{base}/lacak", timeout=10))
    opened = remember(
        typed.post(
            f"{base}/lacak/buka",
            data={"csrf_token": csrf_of(track), "kode_laporan": code, "pin": pin},
            timeout=10,
            allow_redirects=False,
        )
    )
    assert opened.status_code == 303 and f"t={token}" in opened.headers["Location"]

    # A member of staff forgets the password; the reset link comes by mail.
    staff = requests.Session()
    forgot = remember(staff.get(f"{base}/staf/lupa-sandi", timeout=10))
    asked = remember(
        staff.post(
            f"{base}/staf/lupa-sandi",
            data={"csrf_token": csrf_of(forgot), "email": STAFF_EMAIL},
            timeout=10,
            allow_redirects=False,
        )
    )
    assert asked.status_code == 303
    outbox_send(env, tmp_path / "worker.log")
    mails = mail_texts(instance)
    [reset] = set(re.findall(r"/staf/sandi-baru/([A-Za-z0-9_-]+)", mails))
    secrets.add(reset)
    link = f"{base}/staf/sandi-baru/{reset}"
    page = remember(staff.get(link, timeout=10))
    assert page.status_code == 200
    changed = remember(
        staff.post(
            link,
            data={
                "csrf_token": csrf_of(page),
                "new_password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
            timeout=20,
            allow_redirects=False,
        )
    )
    assert changed.status_code == 303, changed.text[:300]
    login = remember(staff.get(f"{base}/staf/masuk", timeout=10))
    signed_in = remember(
        staff.post(
            f"{base}/staf/masuk",
            data={"csrf_token": csrf_of(login), "email": STAFF_EMAIL, "password": NEW_PASSWORD},
            timeout=20,
            allow_redirects=False,
        )
    )
    assert signed_in.status_code == 302, signed_in.text[:300]

    # Staff verify and answer; the citizen replies through the private link.
    def staff_act(action: str, **data: str) -> None:
        case_page = remember(staff.get(f"{base}/staf/kasus/{code}", timeout=10))
        version = re.search(r'name="version" value="(\d+)"', case_page.text).group(1)
        done = remember(
            staff.post(
                f"{base}/staf/kasus/{code}/tindakan/{action}",
                data={"csrf_token": csrf_of(case_page), "version": version, **data},
                timeout=20,
                allow_redirects=False,
            )
        )
        assert done.status_code in (302, 303), (action, done.status_code, done.text[:300])

    staff_act("verify", target="rsud-ulin/poli-umum")
    staff_act("respond", text="Antrean sudah kami tata ulang.")
    case_page = remember(citizen.get(f"{base}/lacak/{code}?t={token}", timeout=10))
    version = re.search(r'name="version" value="(\d+)"', case_page.text).group(1)
    replied = remember(
        citizen.post(
            f"{base}/lacak/{code}/balas",
            data={
                "csrf_token": csrf_of(case_page),
                "version": version,
                "t": token,
                "text": "Belum beres",
            },
            timeout=10,
            allow_redirects=False,
        )
    )
    assert replied.status_code == 303, replied.text[:300]
    for _ in range(6):  # whichever worker answers: the one report, counted once (multiprocess)
        metrics = remember(
            requests.get(
                f"{base}/metrics",
                headers={"Authorization": f"Bearer {env['METRICS_TOKEN']}"},
                timeout=20,
            )
        )
        assert metrics.status_code == 200
        assert 'aduan_reports_submitted_total{channel="web"} 1.0' in metrics.text
        assert "aduan_database_up 1.0" in metrics.text
    outbox_send(env, tmp_path / "worker.log")

    # Every secret the mail and phone files hold (receipts, notices, the reset link).
    mails = mail_texts(instance)
    secrets |= set(re.findall(r"[?&]t=([A-Za-z0-9_-]{16,})", mails))
    secrets |= set(re.findall(r"/staf/(?:undangan|sandi-baru)/([A-Za-z0-9_-]{16,})", mails))
    assert token in mails, "the receipt e-mail carries the private link"

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    captured = (tmp_path / "gunicorn.log").read_text() + (tmp_path / "worker.log").read_text()
    lines = [line for line in captured.splitlines() if line.strip()]
    assert len(lines) > 20 and len(secrets) >= 4
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line[:300]!r}")
    assert all(isinstance(r, dict) for r in records)
    summary = (tmp_path / "worker.out").read_text()
    for secret in secrets | {EMAIL, *PHONE_FORMS}:
        assert secret not in captured + summary, f"leaked into the logs: {secret[:6]}…"
    assert "siti.leak" not in captured and "admin.leak" not in captured
    access = [r for r in records if r.get("logger") == "portal.access"]
    assert {r["request_id"] for r in access} >= set(seen_ids)
    for r in access:
        assert "?" not in r["route"] and "t=" not in r["message"]
    routes = {r["route"] for r in access}
    assert "/lacak/<code>" in routes and "/q/<payload>" in routes
    assert any(r["logger"].startswith("gunicorn") for r in records)
