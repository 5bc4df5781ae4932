"""Seed N synthetic cases into PostgreSQL for the queue benchmark (bench/queue_page.py).

    .venv/bin/python bench/queue_seed.py --cases 1000000 \
        [--database-url postgresql://root@localhost/aduan_bench_{cases}]

Where: a database of its own per size (default `aduan_bench_1000000`, created when
missing; the user needs CREATEDB), never the test suite's `test` database, so a benchmark
cannot break a test run and vice versa, and each size is seeded once. Its `public`
schema is dropped and rebuilt by the real migrations (`flask --app wsgi db upgrade`), so
the benchmark measures exactly the indexes production gets.

How: one `INSERT … SELECT … FROM generate_series()` per 250,000 rows, all generated inside
PostgreSQL (no rows travel over the socket). The secondary indexes and unique constraints
are dropped first and rebuilt from their own definitions afterwards, which is several
times faster than maintaining them row by row; then VACUUM ANALYZE, so the planner has
statistics and index-only scans work. Two connections build the indexes side by side
(a GIN build uses one core). 1,000,000 cases take under two minutes on 2 idle cores
(about 45 s of inserts, 60 s of indexes, the trigram GIN of the descriptions the longest).

What: cases spread over the demo regions of routing_rules.yaml (Kalimantan Selatan, the
busiest, gets half), their agencies and units (hospitals and civil registry busier), a
steady-state status mix (see STATUS_MIX), deadlines around today (some overdue, some due
soon), Indonesian titles and descriptions from phrase pools plus a village name.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.complaints.tracking_codes import ALPHABET  # noqa: E402
from portal.routing.loader import Router, load_router  # noqa: E402

DEFAULT_URL = "postgresql://root@localhost/aduan_bench_{cases}"
CHUNK = 250_000
REGION_WEIGHTS = {"kalsel": 5, "hst": 3, "muara-enim": 2}
# Busier counters: hospitals, civil registry and tax offices see most of the public.
BUSY_AGENCY_WORDS = ("rsud", "disdukcapil", "bapenda", "dinkes")
# Share of cases per status (sums to 1). A steady state: 1,000,000 cases over two years is
# ~1,400 a day; with verification in 3 working days and follow-up in 5 to 14, about 5% are
# open at any moment (for Kalimantan Selatan ~24,000 open cases); the rest is history.
STATUS_MIX = (
    ("new", 0.006),
    ("verified", 0.010),
    ("in_progress", 0.020),
    ("on_hold", 0.004),
    ("responded", 0.010),
    ("closed", 0.870),
    ("archived", 0.055),
    ("forwarded", 0.025),
)
# How far back (days) a case of that status was filed: open ones are recent.
STATUS_AGE_DAYS = {"new": 6, "verified": 20, "in_progress": 40, "on_hold": 40, "responded": 45}
FINISHED_AGE_DAYS = 730

TITLE_SUBJECTS = [
    "Antrean pendaftaran sangat lama",
    "Petugas loket tidak ramah",
    "Pungutan liar saat pengurusan berkas",
    "Obat tidak tersedia di apotek",
    "AC ruang tunggu rusak",
    "Toilet umum kotor dan bau",
    "Jadwal dokter tidak sesuai pengumuman",
    "Informasi persyaratan tidak jelas",
    "Sistem antrean daring sering gangguan",
    "Pelayanan KTP elektronik terhenti",
    "Blangko KTP habis",
    "Biaya tambahan tanpa kuitansi",
    "Kursi ruang tunggu kurang",
    "Parkir liar di depan kantor",
    "Petugas datang terlambat",
    "Nomor pengaduan tidak dijawab",
    "Hasil laboratorium terlambat",
    "Tagihan pajak kendaraan salah",
    "Izin usaha belum terbit",
    "Ruang laktasi tidak tersedia",
    "Akses kursi roda sulit",
    "Ambulans datang terlambat",
    "Pengumuman jam layanan tidak ada",
    "Dokumen hilang di loket",
]
TITLE_TAILS = [
    "",
    "sejak pagi",
    "minggu ini",
    "berulang kali",
    "di loket utama",
    "saat jam sibuk",
    "hari Senin",
    "untuk lansia",
    "tanpa penjelasan",
    "mohon ditindaklanjuti",
]
OPENINGS = [
    "Saya datang pukul 07.30 dan baru dilayani menjelang siang.",
    "Kemarin saya mengantar orang tua saya untuk berobat.",
    "Saya sudah tiga kali datang untuk urusan yang sama.",
    "Pagi ini kantor sangat ramai dan tidak ada petugas yang mengatur.",
    "Anak saya membutuhkan dokumen ini untuk mendaftar sekolah.",
    "Saya pedagang kecil dan tidak bisa meninggalkan warung terlalu lama.",
    "Kami rombongan warga desa yang datang bersama-sama.",
    "Saya sudah mengisi formulir daring sebelum datang.",
]
MIDDLES = [
    "Nomor antrean dipanggil tidak berurutan dan ada yang menyela.",
    "Petugas meminta uang tambahan agar berkas cepat selesai.",
    "Papan informasi tidak menyebut syarat yang diminta di loket.",
    "Ruang tunggu panas karena pendingin udara mati.",
    "Obat yang diresepkan dokter kosong dan kami disuruh membeli di luar.",
    "Petugas sibuk dengan telepon genggam dan tidak melayani.",
    "Sistem komputer disebut sedang rusak sejak minggu lalu.",
    "Tidak ada jalur khusus untuk lansia dan penyandang disabilitas.",
    "Kuitansi pembayaran tidak diberikan meskipun sudah diminta.",
    "Jawaban petugas berbeda-beda setiap kali ditanya.",
]
CLOSINGS = [
    "Mohon perbaikan pelayanan.",
    "Saya berharap ada tindak lanjut yang jelas.",
    "Mohon diperiksa agar tidak terulang.",
    "Terima kasih atas perhatiannya.",
    "Saya bersedia dihubungi untuk keterangan lebih lanjut.",
    "Mohon diumumkan jam layanan yang benar.",
]
# Place names from Indonesian morphemes: two of them make 576 villages ("Karangjati",
# "Sukamulya"), so a search for one matches about 0.2% of the cases, as a real place
# name would, where the phrase pools above make every common word match 5-10%.
PLACE_PARTS = [
    "suka", "karang", "jati", "mulya", "sari", "tanjung", "batu", "air", "banjar", "baru",
    "rejo", "makmur", "indah", "jaya", "sungai", "teluk", "pasir", "bukit", "padang", "lima",
    "tiga", "hulu", "hilir", "tengah",
]  # fmt: skip
NAMES = [
    "Siti Aminah",
    "Muhammad Rizky",
    "Dewi Lestari",
    "Ahmad Fauzi",
    "Nur Hasanah",
    "Budi Santoso",
    "Rina Wulandari",
    "Hendra Saputra",
    "Fitri Handayani",
    "Agus Salim",
]
CATEGORIES = [
    "perilaku-petugas",
    "pungutan-liar",
    "kualitas-layanan",
    "sarana-prasarana",
    "waktu-layanan",
    "informasi-layanan",
    "lainnya",
]


def psycopg_url(url: str) -> str:
    """psycopg wants postgresql://; SQLAlchemy-style URLs name the driver too."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(url: str) -> None:
    """Create the benchmark database if it does not exist yet (needs CREATEDB)."""
    info = psycopg.conninfo.conninfo_to_dict(psycopg_url(url))
    name = info.get("dbname")
    if not name:
        raise SystemExit(f"no database name in {url!r}")
    admin = psycopg.conninfo.make_conninfo(psycopg_url(url), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def rebuild_schema(url: str) -> None:
    """Empty the public schema, then build it with the app's own migrations."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")
    with tempfile.TemporaryDirectory() as instance:
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench-secret-key-not-used-for-anything-real",
        }
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def unit_slots(
    router: Router, regions: tuple[str, ...] = ()
) -> list[tuple[str, str, str, str, str, str]]:
    """(region, timezone, prefix, agency, unit, service) repeated by how busy it is;
    `regions` keeps only those (the dashboard benchmark puts every case in one)."""
    slots = []
    for region in router.regions:
        if regions and region.id not in regions:
            continue
        units = [(a, u) for a in region.agencies for u in a.units]
        weight_of = {
            (a.id, u.id): 3 if any(w in a.id for w in BUSY_AGENCY_WORDS) else 1 for a, u in units
        }
        total = sum(weight_of.values())
        region_share = REGION_WEIGHTS.get(region.id, 1) * 200  # slots per region
        for agency, unit in units:
            service = unit.services[0].id if unit.services else "umum"
            copies = max(1, round(region_share * weight_of[(agency.id, unit.id)] / total))
            row = (region.id, region.timezone, region.prefix, agency.id, unit.id, service)
            slots.extend([row] * copies)
    return slots


def _status_case(column: str) -> str:
    """CASE expression turning a uniform random number into a status, per STATUS_MIX."""
    parts, edge = [], 0.0
    for name, share in STATUS_MIX[:-1]:
        edge += share
        parts.append(f"WHEN {column} < {edge:.4f} THEN '{name}'")
    return "CASE " + " ".join(parts) + f" ELSE '{STATUS_MIX[-1][0]}' END"


def _age_case() -> str:
    parts = [f"WHEN '{s}' THEN {days}" for s, days in STATUS_AGE_DAYS.items()]
    return "CASE status " + " ".join(parts) + f" ELSE {FINISHED_AGE_DAYS} END"


def _code_expr(n: str) -> str:
    """Six characters of the tracking-code alphabet from a number, most significant last."""
    base = len(ALPHABET)
    chars = [f"substr('{ALPHABET}', mod({n} / {base**k}, {base})::int + 1, 1)" for k in range(6)]
    return " || ".join(chars)


# An odd multiplier coprime with 31**6 makes i -> code a bijection: unique codes, no lookup.
CODE_MULTIPLIER = 48_271

# Built from constants of this file only; every value from outside is a bound parameter.
INSERT = f"""
INSERT INTO complaints (
    id, tracking_code, access_token_hash, submission_digest, region_id,
    origin_agency_id, origin_unit_id, origin_service_id, agency_id, unit_id,
    classification, category, supervised, title, description, location,
    reporter_name, reporter_phone, reporter_email, anonymous, confidential, locale,
    status, routing_version, routing_rule, submitted_at, verify_due, followup_due,
    version_id, clocks_json, due_key, feedback_due, sla_state, verified_at, responded_at,
    closed_at, reject_reason, first_response_at, first_response_days, first_response_on_time,
    completion_days, rating, hold_days
)
SELECT
    i, prefix || '-' || {_code_expr(f"mod(i * {CODE_MULTIPLIER}, {len(ALPHABET) ** 6})")},
    md5(i::text) || md5((-i)::text), md5(('bench-' || i)::text) || md5(i::text), region_id,
    agency_id, unit_id, service_id, agency_id, unit_id,
    classification, category, classification = 'complaint' AND r_misc < 0.05,
    left(title, 150), description, NULL,
    CASE WHEN anonymous THEN NULL ELSE reporter_name END,
    '08' || lpad(mod(i, 1000000000)::text, 10, '0'), NULL, anonymous, r_misc > 0.95, 'id',
    status, 'bench', 'default', submitted_at, local_day + 5, local_day + followup_days,
    1, '{{}}', due_key, CASE WHEN status = 'responded' THEN due_key END,
    CASE WHEN due_key < current_date THEN 'overdue'
         WHEN due_key <= current_date + 1 THEN 'due_soon' ELSE 'ok' END,
    CASE WHEN status NOT IN ('new', 'forwarded') THEN submitted_at + interval '1 day' END,
    CASE WHEN status IN ('responded', 'closed') THEN submitted_at + interval '9 days' END,
    CASE WHEN status IN ('closed', 'archived', 'forwarded')
         THEN submitted_at + interval '20 days' END,
    CASE status WHEN 'archived' THEN 'spam' WHEN 'forwarded' THEN 'not-authority' END,
    -- The dashboard figures: answered within 0-14 working days (most within a few),
    -- nine in ten on time, completed a few days later, two in five closed cases rated.
    CASE WHEN status IN ('responded', 'closed') THEN submitted_at + interval '9 days' END,
    CASE WHEN status IN ('responded', 'closed') THEN floor(r_speed * r_speed * 15)::int END,
    CASE WHEN status IN ('responded', 'closed') THEN r_speed < 0.92 END,
    CASE WHEN status = 'closed' THEN floor(r_speed * r_speed * 15)::int + 1 + mod(i, 8)::int END,
    CASE WHEN status = 'closed' AND r_misc < 0.4 THEN 1 + mod(i, 5)::int END,
    0
FROM (
    SELECT *,
        CASE status
            WHEN 'new' THEN local_day + 5
            WHEN 'verified' THEN local_day + followup_days
            WHEN 'in_progress' THEN local_day + followup_days
            WHEN 'responded' THEN local_day + 23
            ELSE DATE '9999-12-31'
        END AS due_key
    FROM (
        SELECT *, (submitted_at AT TIME ZONE timezone)::date AS local_day
        FROM (
            SELECT *,
                now() - ({_age_case()}) * r_age * interval '1 day' AS submitted_at
            FROM (
                SELECT i, r_misc, r_age, r_speed,
                    (%(regions)s::text[])[slot] AS region_id,
                    (%(timezones)s::text[])[slot] AS timezone,
                    (%(prefixes)s::text[])[slot] AS prefix,
                    (%(agencies)s::text[])[slot] AS agency_id,
                    (%(units)s::text[])[slot] AS unit_id,
                    (%(services)s::text[])[slot] AS service_id,
                    {_status_case("r_status")} AS status,
                    CASE WHEN r_class < 0.7 THEN 'complaint'
                         WHEN r_class < 0.85 THEN 'aspiration' ELSE 'information' END
                        AS classification,
                    CASE WHEN r_class < 0.7 THEN 20 ELSE 7 END AS followup_days,
                    (%(categories)s::text[])[1 + mod(i, %(n_categories)s)] AS category,
                    (%(subjects)s::text[])[1 + floor(random() * %(n_subjects)s)::int]
                        || ' ' || (%(tails)s::text[])[1 + floor(random() * %(n_tails)s)::int]
                        AS title,
                    (%(openings)s::text[])[1 + floor(random() * %(n_openings)s)::int]
                        || ' ' || (%(middles)s::text[])[1 + floor(random() * %(n_middles)s)::int]
                        || ' ' || (%(closings)s::text[])[1 + floor(random() * %(n_closings)s)::int]
                        || ' Lokasi: Desa ' || initcap(
                            (%(places)s::text[])[1 + floor(random() * %(n_places)s)::int]
                            || (%(places)s::text[])[1 + floor(random() * %(n_places)s)::int])
                        || ', RT ' || lpad((1 + mod(i, 30))::text, 2, '0') || '.' AS description,
                    (%(names)s::text[])[1 + mod(i, %(n_names)s)] AS reporter_name,
                    r_misc < 0.10 AS anonymous
                FROM (
                    SELECT i, 1 + floor(random() * %(n_slots)s)::int AS slot,
                        random() AS r_status, random() AS r_class,
                        random() AS r_age, random() AS r_misc, random() AS r_speed
                    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
                ) AS drawn
            ) AS placed
        ) AS dated
    ) AS localized
) AS shaped
"""  # noqa: S608


@dataclass(frozen=True)
class SavedIndex:
    """A secondary index of complaints, dropped for the bulk insert and built again after."""

    name: str
    create: str  # CREATE [UNIQUE] INDEX … as PostgreSQL reports it
    constraint: bool  # a UNIQUE constraint: re-attached to its rebuilt index at the end

    @property
    def gin(self) -> bool:
        return " USING gin " in self.create


def saved_indexes(conn: psycopg.Connection) -> list[SavedIndex]:
    """Every index of complaints but the primary key, slowest to build (GIN) first."""
    rows = conn.execute(
        """SELECT i.indexname, i.indexdef, c.contype IS NOT NULL
           FROM pg_indexes i
           LEFT JOIN pg_constraint c
             ON c.conname = i.indexname AND c.conrelid = 'complaints'::regclass
           WHERE i.tablename = 'complaints' AND c.contype IS DISTINCT FROM 'p'"""
    ).fetchall()
    found = [SavedIndex(name, create, constraint) for name, create, constraint in rows]
    return sorted(found, key=lambda ix: (not ix.gin, ix.name))


def drop_indexes(conn: psycopg.Connection, indexes: list[SavedIndex]) -> None:
    for ix in indexes:
        name = sql.Identifier(ix.name)
        if ix.constraint:
            conn.execute(sql.SQL("ALTER TABLE complaints DROP CONSTRAINT {}").format(name))
        else:
            conn.execute(sql.SQL("DROP INDEX {}").format(name))


def rebuild_indexes(url: str, indexes: list[SavedIndex], workers: int = 2) -> None:
    """Build the indexes on `workers` connections at once (GIN builds use one core each)."""

    def build(ix: SavedIndex) -> None:
        with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(sql.SQL(ix.create))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(build, indexes))
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        for ix in indexes:
            if ix.constraint:
                name = sql.Identifier(ix.name)
                conn.execute(
                    sql.SQL(
                        "ALTER TABLE complaints ADD CONSTRAINT {} UNIQUE USING INDEX {}"
                    ).format(name, name)
                )


def seed(url: str, cases: int, router: Router, say=print, regions: tuple[str, ...] = ()) -> None:
    """Insert `cases` complaints (ids 1..cases) into an empty complaints table."""
    slots = unit_slots(router, regions)
    columns = list(zip(*slots, strict=True))
    params = {
        "regions": list(columns[0]),
        "timezones": list(columns[1]),
        "prefixes": list(columns[2]),
        "agencies": list(columns[3]),
        "units": list(columns[4]),
        "services": list(columns[5]),
        "n_slots": len(slots),
    }
    for key, pool in (
        ("categories", CATEGORIES),
        ("subjects", TITLE_SUBJECTS),
        ("tails", TITLE_TAILS),
        ("openings", OPENINGS),
        ("middles", MIDDLES),
        ("closings", CLOSINGS),
        ("names", NAMES),
        ("places", PLACE_PARTS),
    ):
        params[key] = pool
        params[f"n_{key}"] = len(pool)
    started = time.perf_counter()
    with psycopg.connect(psycopg_url(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        indexes = saved_indexes(conn)
        drop_indexes(conn, indexes)
        for first in range(1, cases + 1, CHUNK):
            last = min(cases, first + CHUNK - 1)
            conn.execute(INSERT, {**params, "first": first, "last": last})
            say(f"  {last:>9,} cases  {time.perf_counter() - started:6.1f} s")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('complaints', 'id'), %s)", (max(cases, 1),)
        )
    say(f"  building {len(indexes)} indexes …")
    rebuild_indexes(url, indexes)
    say(f"  indexes done  {time.perf_counter() - started:6.1f} s")
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE complaints")
    say(f"  vacuum analyze done  {time.perf_counter() - started:6.1f} s")


def seeded_cases(url: str) -> int | None:
    """How many cases the benchmark database holds, or None when it has no schema yet."""
    try:
        with psycopg.connect(psycopg_url(url)) as conn:
            row = conn.execute("SELECT to_regclass('complaints') IS NOT NULL").fetchone()
            if not row[0]:
                return None
            return conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
    except psycopg.OperationalError:
        return None


def prepare(url: str, cases: int, say=print, regions: tuple[str, ...] = ()) -> None:
    """Create the database if needed, rebuild the schema, and seed `cases` cases."""
    ensure_database(url)
    say(f"rebuilding schema in {url} (flask db upgrade) …")
    rebuild_schema(url)
    say(f"seeding {cases:,} cases …")
    seed(url, cases, load_router(ROOT / "routing_rules.yaml"), say=say, regions=regions)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument(
        "--database-url", default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL)
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    prepare(args.database_url.format(cases=args.cases), args.cases)
    print(f"done: {args.cases:,} cases in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
