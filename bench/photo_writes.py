"""What writing a photo durably costs: fsync + rename + folder fsync, against a bare write.

`save_blob` (portal/complaints/storage.py) writes `<key>.part`, fsyncs it, renames it into
place and fsyncs the folder; before, the file was written and renamed without any fsync.
Both are timed here on the same disk with the same bytes (a processed photo is a JPEG of
about 0.2-0.5 MB), in a scratch folder under --dir (default: the system temp folder; pass
the real UPLOAD_FOLDER's disk to measure that one).

    .venv/bin/python bench/photo_writes.py [--count 200] [--size-kb 350] [--dir PATH]

Figures are reported, never asserted in a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from portal.complaints.storage import new_key, save_blob  # noqa: E402


def bare_write(folder: Path, data: bytes) -> str:
    """The old way: write, rename, no fsync."""
    key = new_key()
    path = folder / key[:2] / key
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return key


def run(label: str, write, folder: Path, data: bytes, count: int) -> None:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        write(folder, data)
        times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{label:<28} median {statistics.median(times) * 1000:7.2f} ms   "
        f"p95 {p95 * 1000:7.2f} ms   max {times[-1] * 1000:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size-kb", type=int, default=350)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    data = os.urandom(args.size_kb * 1024)
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        root = Path(scratch)
        print(f"{args.count} photos of {args.size_kb} KB in {root}")
        for n in range(256):  # folders exist, as on a portal that has run a while
            (root / "bare" / f"{n:02x}").mkdir(parents=True)
            (root / "durable" / f"{n:02x}").mkdir(parents=True)
        run("write + rename (before)", bare_write, root / "bare", data, args.count)
        run("save_blob: + fsync file+dir", save_blob, root / "durable", data, args.count)


if __name__ == "__main__":
    main()
