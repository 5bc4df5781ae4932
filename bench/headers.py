"""What the security-headers hook and the password policy cost, next to a bare baseline.

    .venv/bin/python bench/headers.py

Two columns measured in the same run: the same app serving the same page with the hook's
three functions (headers, Sec-Fetch-Site check, versioned static URL) and without them;
then the policy check of a password next to the password hash that follows it anyway.
Prints a table; asserts nothing (speed is not a test).
"""

from __future__ import annotations

import statistics
import tempfile
import time
import timeit

from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.accounts import passwords

HOOKS = {"add_security_headers", "refuse_cross_site_posts", "version_static_urls"}


def per_request_ms(client, path: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        client.get(path)
    return (time.perf_counter() - start) / n * 1000


def main() -> None:
    folder = tempfile.mkdtemp(prefix="aduan-bench-headers-")
    env = {
        "APP_ENV": "testing",
        "INSTANCE_PATH": folder,
        "SECRET_KEY": "bench-secret-key-long-enough-for-the-bench",
        "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
    }
    app = create_app(environ=env)
    with app.app_context():
        upgrade()
    client = app.test_client()
    tables = (app.after_request_funcs, app.before_request_funcs, app.url_default_functions)
    full = [list(t[None]) for t in tables]
    bare = [[f for f in funcs if f.__name__ not in HOOKS] for funcs in full]
    with_hook, without = [], []
    for _ in range(7):
        for table, funcs in zip(tables, full, strict=True):
            table[None] = funcs
        with_hook.append(per_request_ms(client, "/lacak", 300))
        for table, funcs in zip(tables, bare, strict=True):
            table[None] = funcs
        without.append(per_request_ms(client, "/lacak", 300))
    for table, funcs in zip(tables, full, strict=True):
        table[None] = funcs

    start = time.perf_counter()
    passwords.common_passwords()
    load_ms = (time.perf_counter() - start) * 1000
    check_us = timeit.timeit(lambda: passwords.refusal("sungai-martapura-pagi-hari"), number=5000)
    hash_s = timeit.timeit(lambda: generate_password_hash("sungai-martapura-pagi-hari"), number=3)

    print("| measurement | portal | baseline |")
    print("|---|---|---|")
    print(
        f"| GET /lacak, ms per request (median of 7×300, test client) "
        f"| {statistics.median(with_hook):.2f} (with the hook) "
        f"| {statistics.median(without):.2f} (without) |"
    )
    print(
        f"| password policy check, µs | {check_us / 5000 * 1e6:.0f} "
        f"| {hash_s / 3 * 1e6:.0f} (the hash that follows) |"
    )
    print(f"| common-password list, first load per process, ms | {load_ms:.0f} | — |")


if __name__ == "__main__":
    main()
