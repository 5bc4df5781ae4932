"""The export connector: pending items to a JSON Lines or CSV file for upload to LAPOR!.

One transaction marks the pending items sent under a new batch id, reads them back, writes
them out and only then commits. If the write fails, the transaction is rolled back and the
items stay pending: an export never marks something nobody received. If the commit itself
fails after a good write, the items are exported again next time; every line carries the
item's `kunci` (idempotency key), so a repeated upload is recognisable.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import select, update

from portal.csv_safe import write_csv
from portal.extensions import db
from portal.national.models import EXPORT, ORDER_KEY, PENDING, SENT, NationalMirrorItem
from portal.national.payload import FIELDS, document_of
from portal.outbox.ordering import waits_for_earlier
from portal.timeutil import utcnow

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = ("item_id", "kunci", *FIELDS)


@dataclass(frozen=True)
class ExportResult:
    batch: str
    count: int


def new_batch_id(now: datetime) -> str:
    """Readable and unique: when it was made, plus a few random characters."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def write_items(stream: TextIO, items: Iterable[NationalMirrorItem], fmt: str) -> int:
    """Write items as JSON Lines (one document a line) or as spreadsheet-safe CSV."""
    if fmt == "jsonl":
        count = 0
        for item in items:
            line = {"item_id": item.id, **document_of(item)}
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
        return count
    if fmt == "csv":
        rows = (_csv_row(item) for item in items)
        return write_csv(stream, CSV_COLUMNS, rows)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _csv_row(item: NationalMirrorItem) -> list:
    document = document_of(item)
    return [item.id, *(document.get(name) for name in CSV_COLUMNS[1:])]


def _mark_pending(batch: str, now: datetime, region_id: str | None) -> None:
    """Claim every exportable pending item for this batch (inside the open transaction)."""
    stmt = update(NationalMirrorItem).where(
        NationalMirrorItem.status == PENDING,
        # A case's pending items all go into this file, in id order: only an earlier item
        # being sent or failed holds a later one back.
        ~waits_for_earlier(NationalMirrorItem, ORDER_KEY, passable=(PENDING,)),
    )
    if region_id is not None:
        stmt = stmt.where(NationalMirrorItem.region_id == region_id)
    db.session.execute(
        stmt.values(
            status=SENT,
            export_batch=batch,
            connector=EXPORT,
            sent_at=now,
            attempts=NationalMirrorItem.attempts + 1,
            claimed_by=None,
            locked_until=None,
            last_error=None,
        ).execution_options(synchronize_session=False)
    )


def _write_batch(stream: TextIO, fmt: str, region_id: str | None, now) -> ExportResult:
    """Mark, read back and write one batch, inside the open transaction (no commit)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    now = now or utcnow()
    batch = new_batch_id(now)
    _mark_pending(batch, now, region_id)
    items = db.session.execute(
        select(NationalMirrorItem)
        .where(NationalMirrorItem.export_batch == batch)
        .order_by(NationalMirrorItem.id)
    ).scalars()
    count = write_items(stream, items, fmt)
    stream.flush()
    return ExportResult(batch, count)


def export_pending(
    stream: TextIO,
    fmt: str = "jsonl",
    *,
    region_id: str | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Write the pending items (of one region, or all) and mark them sent; commit last."""
    try:
        result = _write_batch(stream, fmt, region_id, now)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def export_to_file(
    path: str | Path,
    fmt: str = "jsonl",
    *,
    region_id: str | None = None,
    now: datetime | None = None,
) -> ExportResult:
    """Export into `path`: a temporary file first, renamed when complete, then the commit."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            result = _write_batch(stream, fmt, region_id, now)
            os.fsync(stream.fileno())
        os.replace(tmp, target)
    except BaseException:
        db.session.rollback()
        Path(tmp).unlink(missing_ok=True)
        raise
    db.session.commit()
    return result
