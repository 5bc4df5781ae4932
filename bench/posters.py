"""Poster batches: A4 posters per second into one PDF, peak memory, and the bare QR cost.

The real pipeline (portal.posters.content + qr.poster + qr.batch): a routing file with
1,000 synthetic counters is compiled, every poster is signed, composed at 300 DPI and
streamed into one PDF on disk. Next to it, the bare cost of the same 1,000 QR codes made
with segno alone and saved as PNGs (at the module size the A4 poster uses). Each run is a
child process, so its peak resident memory is its own; 100 vs 1,000 posters shows whether
memory grows with the batch (it should not: pages are streamed).

    .venv/bin/python bench/posters.py [--posters 1000] [--small 100] [--size a4]

Prints a Markdown table; figures are reported, never asserted in a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE_URL = "https://aduan.example.go.id"
KEYS = "B1:benchmark-signing-key-0123456789"


def routing_text(count: int) -> str:
    """A valid routing file with `count` service points (4 per unit, 100 per agency)."""
    per_unit, per_agency = 4, 100  # like the demo file: a few counters per unit
    lines = [
        "version: 1",
        "categories:",
        "  - {id: lainnya, name: Lainnya}",
        "regions:",
        "  - id: bench",
        "    name: Provinsi Uji Kecepatan",
        "    prefix: UJI",
        "    timezone: Asia/Makassar",
        "    agencies:",
    ]
    agencies = (count + per_agency - 1) // per_agency
    made = 0
    for a in range(agencies):
        lines += [
            f"      - id: dinas-{a}",
            f"        name: Dinas Pelayanan Publik Nomor {a} Provinsi Uji Kecepatan",
            "        units:",
        ]
        for u in range(per_agency // per_unit):
            if made >= count:
                break
            lines += [
                f"          - id: unit-{u}",
                f"            name: Bidang Pelayanan Terpadu {u}",
                "            services:",
            ]
            for s in range(per_unit):
                if made >= count:
                    break
                lines.append(f"              - {{id: layanan-{s}, name: Loket Layanan {s}}}")
                made += 1
    return "\n".join(lines) + "\n"


def _setup(count: int):
    from portal.posters.content import Logos, PosterJob
    from portal.routing.loader import compile_text
    from qr.payload import SigningKeys

    # Every run compiles the same (largest) routing file, so memory differences between
    # runs come from the batch size alone.
    points = max(count, int(os.environ.get("BENCH_ROUTING_POINTS", count)))
    router = compile_text(routing_text(points), "bench.yaml")
    job = PosterJob(
        router=router,
        keys=SigningKeys.parse(KEYS),
        base_url=BASE_URL,
        size=os.environ.get("BENCH_POSTER_SIZE", "a4"),
        logos=Logos({}, {}),
        poster_id=lambda page: f"1-{page}",
    )
    return router, job


def child_pdf(count: int, out: str, workers: int) -> dict:
    """The command line's path (workers > 1: forked) or the web page's (workers == 1)."""
    from portal.posters.content import page_renderer
    from qr.batch import iter_chunks_forked

    router, job = _setup(count)
    points = list(router.service_points())[:count]
    render = page_renderer(job, points)
    start = time.perf_counter()
    before = _cpu()
    with open(out, "wb") as f:
        for chunk in iter_chunks_forked("pdf", len(points), render, workers=workers):
            f.write(chunk)
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu() - before,
        "bytes": os.path.getsize(out),
        # Upper bound: forked workers share the parent's pages until they write to them.
        "peak_mb": self_peak + (workers * worker_peak if workers > 1 else 0),
    }


def _cpu() -> float:
    """CPU seconds of this process and of its (finished) worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def child_segno(count: int, out: str) -> dict:
    from portal.posters.content import poster_content
    from qr.poster_layouts import PortraitLayout, qr_image
    from qr.render import QUIET_ZONE, make_code

    router, job = _setup(count)
    today = date.today()
    points = list(router.service_points())[:count]
    urls = [poster_content(job, p, 1, today).qr_url for p in points]
    layout = PortraitLayout(210, 297)
    box = layout.box(58, 124, 152, 216)
    module = qr_image(urls[0], box[2] - box[0]).width // (make_code(urls[0]).symbol_size()[0])
    start, cpu = time.perf_counter(), _cpu()
    total = 0
    for url in urls:
        buf = io.BytesIO()
        make_code(url).save(buf, kind="png", scale=module, border=QUIET_ZONE)
        total += buf.tell()
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu() - cpu,
        "bytes": total,
        "scale": module,
    }


def run_child(kind: str, count: int, workdir: Path, workers: int = 1) -> dict:
    """Run one measurement in a fresh process; add its peak RSS."""
    out = workdir / f"{kind}-{count}-{workers}.out"
    cmd = [sys.executable, __file__, "--child", kind, str(count), str(out), str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    stdout = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} run failed with exit code {proc.returncode}")
    result = json.loads(stdout.decode().strip().splitlines()[-1])
    result.setdefault("peak_mb", usage.ru_maxrss / 1024)  # ru_maxrss: KiB on Linux
    result.update(count=count, workers=workers)
    out.unlink(missing_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posters", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--size", default="a4", choices=["a4", "a5", "a6-tent", "sticker"])
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="forked workers (CLI path)"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, count, out, workers = args.child
        if kind == "pdf":
            result = child_pdf(int(count), out, int(workers))
        else:
            result = child_segno(int(count), out)
        print(json.dumps(result))
        return

    os.environ["BENCH_POSTER_SIZE"] = args.size
    os.environ["BENCH_ROUTING_POINTS"] = str(max(args.posters, args.small))
    with tempfile.TemporaryDirectory(prefix="poster-bench-") as tmp:
        work = Path(tmp)
        small = run_child("pdf", args.small, work, args.workers)
        big = run_child("pdf", args.posters, work, args.workers)
        single_small = run_child("pdf", args.small, work, 1)
        single = run_child("pdf", args.posters, work, 1)
        bare = run_child("segno", args.posters, work)

    label = args.size.upper() if args.size in ("a4", "a5") else args.size
    print(
        f"Poster batches on {platform.node() or 'this machine'}: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print()
    print("| run | items | wall s | items/s | CPU s | CPU ms/item | peak RSS MB* | output MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    forked = f"{args.workers} forked workers (CLI)"
    rows = [
        (f"{label} posters → one PDF, {forked}", small),
        (f"{label} posters → one PDF, {forked}", big),
        (f"{label} posters → one PDF, one process (web page)", single_small),
        (f"{label} posters → one PDF, one process (web page)", single),
        (f"bare segno QR → PNG (scale {bare.get('scale')}), one process", bare),
    ]
    for name, r in rows:
        print(
            f"| {name} | {r['count']:,} | {r['seconds']:.2f} | {r['count'] / r['seconds']:.1f} "
            f"| {r['cpu']:.2f} | {1000 * r['cpu'] / r['count']:.1f} | {r['peak_mb']:.0f} "
            f"| {r['bytes'] / 1e6:.1f} |"
        )
    print()
    print(
        "*peak resident memory; with forked workers: the writer's peak plus each worker's "
        "(an upper bound: workers share pages with the writer until they change them)."
    )

    def growth(a: dict, b: dict) -> str:
        verdict = "flat" if b["peak_mb"] < a["peak_mb"] * 1.2 else "GROWS"
        return f"{a['peak_mb']:.0f} MB → {b['peak_mb']:.0f} MB, {verdict}"

    print(
        f"{big['count']:,} posters take {big['seconds'] / bare['seconds']:.1f}x the wall time "
        f"of the bare QR PNGs ({single['cpu'] / bare['cpu']:.1f}x their CPU time). Peak "
        f"memory from {small['count']:,} to {big['count']:,} posters: forked "
        f"{growth(small, big)}; one process {growth(single_small, single)}."
    )
    ceiling = big["count"] / big["cpu"] * min(args.workers, os.cpu_count() or 1)
    print(
        f"CPU-bound ceiling of the forked run: {ceiling:.0f} posters/s with its cores free "
        "(posters / CPU seconds x workers); the wall figures also reflect whatever else "
        "the machine was running."
    )


if __name__ == "__main__":
    main()
