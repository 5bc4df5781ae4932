"""Routing at national scale: load + validate + compile a generated file, and one decision.

    .venv/bin/python bench/routing.py [--scale 1.0] [--record]

Generates 38 provinces, 500 regencies/cities, 20,000 units and 60,000 services (times
--scale), then times compile_text (ruamel round-trip parse, validation, Router build) and
Router.route for one service point. Figures are reported, never asserted.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.routing.loader import compile_text
from qr.shortcode import ALPHABET, short_code

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _spare_codes():
    """Explicit codes for the few services whose derived short code is already taken,
    as a regional admin would set them (`code:` in the routing file)."""
    for n in range(len(ALPHABET) ** 3):
        yield "ZZZ" + "".join(ALPHABET[(n // len(ALPHABET) ** k) % len(ALPHABET)] for k in range(3))


def generate(scale: float = 1.0) -> str:
    provinces, regencies = 38, int(500 * scale)
    units, services = int(20_000 * scale), int(60_000 * scale)
    regions = provinces + regencies
    out = [
        "version: 1",
        "categories:",
        "  - {id: pungutan-liar, name: Pungutan liar}",
        "  - {id: lainnya, name: Lainnya}",
        "regions:",
    ]
    units_per_region = max(1, units // regions)
    used: set[str] = set()
    for r in range(regions):
        rid = f"r{r}"
        prefix = "".join(chr(65 + (r // 26**k) % 26) for k in range(3))
        out += [
            f"  - id: {rid}",
            f"    name: Daerah {r}",
            f"    prefix: {prefix}",
            "    timezone: Asia/Jakarta",
            "    contacts:",
            f"      - {{email: admin.{rid}@example.org}}",
            "    agencies:",
        ]
        for a in range(max(1, units_per_region // 10)):
            out += [
                f"      - id: {rid}-a{a}",
                f"        name: Instansi {a} {rid}",
                "        units:",
            ]
            for u in range(10):
                out += [
                    f"          - id: u{u}",
                    f"            name: Unit {u}",
                    "            services:",
                ]
                for s in range(services // units):
                    code = short_code(f"{rid}-a{a}", f"u{u}", f"s{s}")
                    if code in used:  # 60,000 six-letter codes collide about twice
                        code = next(c for c in _spare_codes() if c not in used)
                        used.add(code)
                        out.append(f"              - {{id: s{s}, name: Layanan {s}, code: {code}}}")
                        continue
                    used.add(code)
                    out.append(f"              - {{id: s{s}, name: Layanan {s}}}")
        out += [
            "    rules:",
            f"      - id: {rid}-pungli",
            "        when: {category: pungutan-liar}",
            f"        route_to: {{agency: {rid}-a0, unit: u0}}",
        ]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    text = generate(args.scale)
    started = time.perf_counter()
    router = compile_text(text, "national.yaml")
    compile_s = time.perf_counter() - started
    counts = router.summary()
    n = 100_000
    started = time.perf_counter()
    for _ in range(n):
        router.route("r7-a0", "u3", "s1", "complaint", "pungutan-liar")
    decision_us = (time.perf_counter() - started) / n * 1e6
    rows = [
        (
            "file",
            f"{len(text) / 1e6:.1f} MB, {counts['regions']} regions, "
            f"{counts['units']} units, {counts['services']} services",
        ),
        ("load + validate + compile", f"{compile_s:.2f} s (aim < 2 s)"),
        ("one routing decision", f"{decision_us:.1f} µs (aim < 20 µs)"),
    ]
    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(table)
    if args.record:
        cpu = platform.processor() or platform.machine()
        machine = f"{platform.node()} · {cpu} · Python {platform.python_version()}"
        when = f"{datetime.now():%Y-%m-%d %H:%M}"
        section = f"\n## Routing at national scale — {when}\n\nMachine: {machine}\n\n{table}\n"
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(section)


if __name__ == "__main__":
    main()
