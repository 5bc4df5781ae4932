"""Photo uploads: CPU seconds and peak memory per request, next to the bare Pillow cost.

Each case is one report's photos run through the portal's real photo path (probe every
header, the request pixel budget, then decode, orient, sRGB, re-encode; the same calls
`portal/citizen/photo_upload.py` makes), each in its own child process so its CPU time
(user + system, from getrusage) and its peak resident memory (the rise of ru_maxrss over
what the child held before the photos) are its own. The baseline, measured in the same
run, is the bare stack: Pillow alone opening, decoding and saving the three normal phone
photos as JPEG.

    .venv/bin/python bench/uploads.py [--record]

The aim: the worst request the portal accepts costs at most a few times three normal
photos. Figures are reported, never asserted in a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.benchinfo import git_revision, machine  # noqa: E402
from tests.photo_samples import png_bomb  # noqa: E402  (the same bomb the tests refuse)

PHONE = (4032, 3024)  # 12.2 MP, what most phones (and iPhones) write by default
BIG_PNG = (7720, 5142)  # 39.7 MP, just under the 40 MP per-photo limit
PHOTO_MAX_BYTES = 8 * 1024 * 1024  # the defaults of portal/config.py
HEIF_BUDGET = 8 * 1024 * 1024


def _phone_picture():
    """A 12 MP picture that compresses like a real photo (about 3.6 MB at quality 88)."""
    from PIL import Image

    w, h = PHONE
    rough = Image.frombytes("RGB", (w // 16, h // 16), os.urandom((w // 16) * (h // 16) * 3))
    noise = Image.effect_noise(PHONE, 40).convert("RGB")
    return Image.blend(rough.resize(PHONE, Image.Resampling.BICUBIC), noise, 0.12)


def _exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6
    exif[0x8825] = {1: "S", 2: (3.0, 19.0, 0.0), 3: "E", 4: (114.0, 35.0, 0.0)}
    return exif.tobytes()


def make_inputs(folder: Path) -> dict[str, list[str]]:
    """The files of every case (made once per run, in a child of its own, not measured)."""
    import pillow_heif
    from PIL import Image

    picture = _phone_picture()
    files: dict[str, bytes] = {}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88, exif=_exif())
    files["phone.jpg"] = out.getvalue()
    out = io.BytesIO()
    gain_map = picture.resize((PHONE[0] // 4, PHONE[1] // 4)).convert("L").convert("RGB")
    picture.save(out, "MPO", quality=88, save_all=True, append_images=[gain_map])
    files["phone.mpo.jpg"] = out.getvalue()
    for name, quality in (("phone.heic", 50), ("dense.heic", 80)):
        out = io.BytesIO()
        pillow_heif.from_pillow(picture).save(out, quality=quality)
        files[name] = out.getvalue()
    # The worst of each kind still accepted: JPEGs at the per-photo byte limit, HEICs
    # sharing the request's HEIF byte budget.
    for quality in (97, 95, 93, 90):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality, exif=_exif())
        if out.tell() <= PHOTO_MAX_BYTES:
            files["dense.jpg"] = out.getvalue()
            break
    out = io.BytesIO()  # quality 52: the largest of this picture three of which fit (x265 is slow)
    pillow_heif.from_pillow(picture).save(out, quality=52)
    assert 3 * out.tell() <= HEIF_BUDGET, out.tell()
    files["budget.heic"] = out.getvalue()
    out = io.BytesIO()
    Image.new("RGB", BIG_PNG, (200, 30, 30)).save(out, "PNG")
    files["flat.png"] = out.getvalue()
    files["bomb.png"] = png_bomb()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    paths = {name: str(folder / name) for name in files}
    return {
        "bare Pillow: open + save 3 phone JPEGs": [paths["phone.jpg"]] * 3,
        "3 phone JPEGs (12.2 MP)": [paths["phone.jpg"]] * 3,
        "3 MPO phone JPEGs (12.2 MP + gain map)": [paths["phone.mpo.jpg"]] * 3,
        "3 dense JPEGs (12.2 MP, up to the 8 MB limit)": [paths["dense.jpg"]] * 3,
        "3 iPhone HEICs (12.2 MP)": [paths["phone.heic"]] * 3,
        "3 HEICs filling the 8 MB HEIF budget": [paths["budget.heic"]] * 3,
        "3 dense HEICs (12.2 MP, quality 80)": [paths["dense.heic"]] * 3,
        "3 single-colour PNGs (39.7 MP)": [paths["flat.png"]] * 3,
        "1 single-colour PNG (39.7 MP)": [paths["flat.png"]],
        "decompression bomb (60000² PNG)": [paths["bomb.png"]],
    }


def _measure(case: str, paths: list[str]) -> dict:
    """In the child: run one case, return its CPU seconds and peak memory rise."""
    from portal.complaints import photos as photo_rules
    from portal.config import load_config

    config = load_config({"APP_ENV": "testing"}, instance_path=Path(tempfile.gettempdir()))
    raws = [Path(p).read_bytes() for p in paths]
    from PIL import Image

    before = resource.getrusage(resource.RUSAGE_SELF)
    result = ""
    if case.startswith("bare"):
        for raw in raws:
            image = Image.open(io.BytesIO(raw))
            image.load()
            image.save(io.BytesIO(), "JPEG", quality=85)
        result = f"{len(raws)} saved"
    else:
        try:
            probes = [
                photo_rules.probe_photo(
                    raw,
                    max_bytes=config["PHOTO_MAX_BYTES"],
                    max_pixels=config["PHOTO_MAX_PIXELS"],
                )
                for raw in raws
            ]
            photo_rules.check_request(
                probes,
                request_pixels=config["PHOTO_REQUEST_PIXELS"],
                request_heif_bytes=config["PHOTO_REQUEST_HEIF_BYTES"],
            )
            stored = [probe.decode() for probe in probes]
            result = f"{len(stored)} accepted, {sum(len(p.data) for p in stored) // 1024} KB"
        except photo_rules.PhotoRejected as exc:
            result = f"refused: {exc.reason}"
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_kb = after.ru_maxrss - before.ru_maxrss  # kilobytes on Linux
    return {
        "case": case,
        "result": result,
        "cpu": cpu,
        "peak_mb": peak_kb / 1024,
        "request_kb": sum(len(r) for r in raws) // 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--make", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child[0], args.child[1:])))
        return 0
    if args.make:
        print(json.dumps(make_inputs(Path(args.make))))
        return 0

    # Linux keeps ru_maxrss across fork and exec: this process must stay small, so the
    # inputs are made by a child too.
    with tempfile.TemporaryDirectory() as tmp:
        made = subprocess.run(
            [sys.executable, __file__, "--make", tmp], capture_output=True, text=True, check=True
        )
        cases = json.loads(made.stdout)
        rows = []
        for case, paths in cases.items():
            child = subprocess.run(
                [sys.executable, __file__, "--child", case, *map(str, paths)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env={**os.environ, "APP_ENV": "testing"},
            )
            rows.append(json.loads(child.stdout))
    bare = rows[0]
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — photo uploads (`make bench-uploads`)",
        "",
        f"{machine()}; code {git_revision()}",
        "",
        "| request | its photos | result | CPU s | × bare | peak MB | × bare |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['case']} | {row['request_kb']:,} KB | {row['result']} | "
            f"{row['cpu']:.3f} | {row['cpu'] / max(bare['cpu'], 1e-6):.1f} | "
            f"{row['peak_mb']:.0f} | {row['peak_mb'] / max(bare['peak_mb'], 1e-6):.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.record:
        with (ROOT / "bench" / "RESULTS.md").open("a") as results:
            results.write("\n\n" + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
