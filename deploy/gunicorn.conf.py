"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`, run from
the checkout (deploy/systemd/aduan-web.service does exactly that).

Every setting can be changed without editing this file: by the environment variable named
next to it, by `GUNICORN_CMD_ARGS="--workers 8 --timeout 60"`, or on the command line
(`gunicorn -w 8 wsgi:app`); the command line wins over both. README, *Production*.

What makes a worker restart safe: the app builds without the database (the routing loads
on first use), so a worker that gunicorn starts again after a crash, after max_requests or
after a timeout boots even while the database is down, answers 503 "sedang gangguan" and
serves normally once the database is back. No preload_app, see below.
"""

import os

from portal.observability.gunicorn_hooks import child_exit, json_logconfig, on_starting

# gunicorn calls these by name: metrics shared across workers (PROMETHEUS_MULTIPROC_DIR).
__all__ = ["child_exit", "on_starting"]


def _whole(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


# Where to listen: loopback, for nginx on the same host. Behind a load balancer nginx stays
# on every app host and still proxies here (it buffers slow uploads), so keep loopback
# (README, Adding app hosts). GUNICORN_BIND, or -b.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers, one request each, ALWAYS behind a buffering proxy (deploy/nginx/aduan.conf).
# Chosen by measurement, `make bench-slow-clients` (bench/RESULTS.md, 2026-12-06, 2 cores):
# 4 clients load the report form while K phones trickle a report with a 2.5 MB photo at
# 45 KB/s (the portal; form loads/s, p95 ms, requests with no answer within 5 s):
#
#   setup                     K=0             K=4             K=12
#   sync 5w, straight         198/s  36 ms    116/s  56 ms    0/s   all 8 failed
#   gthread 2w x 8t, straight 224/s  21 ms    247/s  12 ms 4 failed   0.6/s 8 failed
#   nginx + sync 5w (TLS)     122/s  53 ms    157/s  42 ms    113/s 61 ms, 0 failed
#   nginx + gthread 2w x 8t   112/s  60 ms    124/s  59 ms    125/s 54 ms, 0 failed
#
# Straight, every upload holds a sync worker (or a gthread thread: a gthread worker keeps
# accepting connections while its threads wait on uploads, so fast clients queue behind
# them) for its whole minute: a dozen phones stop the portal. Behind nginx the uploads cost
# the workers nothing (nginx hands over the whole body in milliseconds), and gthread then
# buys nothing over sync (same figures, within this shared machine's noise) while adding
# threads to a blocking app and keep-alive races with the proxy. The nginx rows include a
# TLS handshake per request that the straight rows do not pay. The bare Flask stack
# (bench/bare_app.py) shows the same pattern. Worker count, nginx + sync with K=12, runs
# repeated: 3 workers 193, 123, 117/s; 5 workers 113, 148, 124/s; 9 workers 68, 78/s (p95
# 72-90 ms): 9 workers only fight over 2 cores, 3 gain nothing over 5. So (2 x cores) + 1,
# gunicorn's rule of thumb, stays (a request waiting on the database leaves its core to
# another worker); each worker holds its own small database pool, so workers x hosts must
# stay well below PostgreSQL's max_connections.
# WEB_CONCURRENCY (the usual name), or -w.
workers = _whole("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"

# A request still running after this many seconds is killed and its worker restarted.
# Higher than any honest request: a report with three large photos takes a few seconds,
# and a database that does not answer fails a request within DATABASE_CONNECT_TIMEOUT
# (5 s) with the 503 page, long before this. GUNICORN_TIMEOUT, or -t.
timeout = _whole("GUNICORN_TIMEOUT", 30)

# On SIGTERM (systemctl stop/restart) or SIGHUP (reload) a worker finishes the requests it
# has, e.g. a citizen's upload, for up to this long before it is killed.
# GUNICORN_GRACEFUL_TIMEOUT, or --graceful-timeout.
graceful_timeout = _whole("GUNICORN_GRACEFUL_TIMEOUT", 30)

# Seconds an idle keep-alive connection stays open. Sync workers close every connection
# after its response and ignore this; it applies if worker_class is changed to gthread,
# where it must be longer than the proxy's idle timeout for upstream connections, or the
# proxy reuses a connection gunicorn is closing (502s). GUNICORN_KEEPALIVE, or --keep-alive.
keepalive = _whole("GUNICORN_KEEPALIVE", 5)

# Restart each worker after about this many requests (the jitter spreads the restarts, so
# the workers never all restart at once): memory that a long-lived process slowly gathers
# (caches, fragmentation after large photos) is given back. 0 turns it off.
# GUNICORN_MAX_REQUESTS / GUNICORN_MAX_REQUESTS_JITTER, or --max-requests(-jitter).
max_requests = _whole("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _whole("GUNICORN_MAX_REQUESTS_JITTER", 100)

# No preload: each worker imports and builds the app itself after the fork, so no
# database connection or pool is ever shared across processes, a restarted worker runs
# the code on disk, and nothing the master holds can be stale. Building takes about a
# second per worker and needs no database. --preload turns it on (do not).
preload_app = False

# X-Forwarded-For and -Proto are the app's business: it believes them from exactly
# TRUSTED_PROXIES hops (portal/accounts/throttle.py, ProxyFix). gunicorn's own default
# believes X-Forwarded-Proto from 127.0.0.1, a second rule to keep in step, so here it
# believes no one. FORWARDED_ALLOW_IPS, or --forwarded-allow-ips.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")

# The workers' heartbeat files on a RAM disk when there is one: a slow or full disk must
# not make the master think a healthy worker hangs and kill it.
RAM_DISK = "/dev/shm"  # noqa: S108 - gunicorn makes its files there with mkstemp
if os.path.isdir(RAM_DISK):
    worker_tmp_dir = RAM_DISK

# Access log lines, with private-link tokens redacted by the logger class, to stdout
# (journald under systemd). GUNICORN_ACCESS_LOG: a file path, or "" for none.
# LOG_FORMAT=json: the app writes one JSON access line per request itself (with its request
# id), so gunicorn's own is off, and gunicorn's error log is JSON too (json_logconfig()).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT == "json":
    accesslog = None
    _json = json_logconfig()
    if isinstance(_json, dict):
        logconfig_dict = _json
else:
    accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
logger_class = "portal.gunicorn_logging.RedactingLogger"
proc_name = "aduan-web"
