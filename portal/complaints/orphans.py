"""Photo files that no row holds: settling a commit whose outcome is unknown, and the sweep.

When the connection drops during COMMIT the report may or may not be stored, so its photo
files may be needed. "No row yet" right after the drop is no proof: the server may still be
finishing that COMMIT (a synchronous standby, a proxy that cut the link), so the files are
only remembered, and deleted after SETTLE_AFTER, on a later submission of this process
(`PENDING.settle`), once the database says no row holds them; whatever a process forgets
(it restarted) is left to the sweep (`sweep_uploads`, run from cron), which only touches
files older than a safe age. A file a row references is never removed. The same holds
for either photo store (a local folder, or an S3 bucket listed with each object's age).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from portal.complaints.models import Photo
from portal.extensions import db
from portal.photo_store import PhotoStore, StoredItem, layout_name
from portal.photo_store.local import PART

# A photo is written, then committed within seconds; a day leaves room for any retry.
DEFAULT_AGE = timedelta(hours=24)
MIN_AGE = timedelta(hours=1)
MAX_PENDING = 10_000  # keys kept in memory for settling; the sweep covers any beyond
# Long past any COMMIT still in flight on the server when its client lost the connection.
SETTLE_AFTER = timedelta(minutes=10)
_BATCH = 500
_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")  # what storage.new_key draws


def held_keys(keys: Iterable[str]) -> set[str]:
    """The keys some row references, asked on a connection of its own (the session's may
    be the one that just died). Raises SQLAlchemyError while the database is away."""
    wanted = list(dict.fromkeys(keys))
    held: set[str] = set()
    with db.engine.connect() as conn:
        for start in range(0, len(wanted), _BATCH):
            stmt = select(Photo.storage_key).where(
                Photo.storage_key.in_(wanted[start : start + _BATCH])
            )
            held.update(conn.execute(stmt).scalars())
    return held


def settle(store: PhotoStore, keys: Sequence[str]) -> bool:
    """Delete those of `keys` no row holds; False (nothing deleted) if that cannot be
    decided now because the database does not answer."""
    if not keys:
        return True
    try:
        held = held_keys(keys)
    except SQLAlchemyError:
        return False
    for key in keys:
        if key not in held:
            store.delete(key)
    return True


@dataclass
class PendingBlobs:
    """Photo keys of in-doubt commits in this process, settled on a later submission once
    they are SETTLE_AFTER old."""

    _items: dict[str, tuple[PhotoStore, float]] = field(default_factory=dict)  # key -> store, when
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, store: PhotoStore, keys: Iterable[str], *, at: float | None = None) -> None:
        when = time.monotonic() if at is None else at
        with self._lock:
            for key in keys:
                if len(self._items) >= MAX_PENDING:
                    break  # left to the sweep
                self._items.setdefault(key, (store, when))

    def __len__(self) -> int:
        return len(self._items)

    def settle(self, now: float | None = None) -> None:
        """Decide the keys old enough; what stays undecided (the database does not answer)
        stays pending, and the sweep is the backstop."""
        if not self._items:  # the common case costs one length check
            return
        cutoff = (time.monotonic() if now is None else now) - SETTLE_AFTER.total_seconds()
        with self._lock:
            ripe = {k: v for k, v in self._items.items() if v[1] <= cutoff}
            for key in ripe:
                del self._items[key]
        by_store: dict[int, tuple[PhotoStore, list[str]]] = {}
        for key, (store, _when) in ripe.items():
            by_store.setdefault(id(store), (store, []))[1].append(key)
        for store, keys in by_store.values():
            if not settle(store, keys):
                with self._lock:
                    for key in keys:
                        if len(self._items) < MAX_PENDING:
                            self._items.setdefault(key, ripe[key])


PENDING = PendingBlobs()


def after_unknown_commit(store: PhotoStore, keys: Sequence[str]) -> None:
    """The commit's outcome is unknown: remember the files; they are deleted later, only if
    no row holds them by then (see the module's docstring)."""
    PENDING.add(store, keys)


@dataclass(frozen=True)
class Swept:
    path: str  # the file's path, or s3://bucket/key
    reason: str  # "part" (an unfinished write) or "unreferenced"


def sweep_uploads(
    store: PhotoStore,
    *,
    older_than: timedelta = DEFAULT_AGE,
    dry_run: bool = False,
    now: float | None = None,
) -> list[Swept]:
    """Remove unfinished writes (`.part` files) and photos no row references, both older
    than `older_than` (at least MIN_AGE); returns what was (or, dry, would be) removed.

    Only names the portal draws are touched: a file or object someone else put there
    stays. Raises StorageFailure when the store cannot be listed (S3 down).
    """
    if older_than < MIN_AGE:
        raise ValueError(f"older_than must be at least {MIN_AGE} (a young file may be mid-commit)")
    cutoff = (now if now is not None else time.time()) - older_than.total_seconds()
    parts: list[StoredItem] = []
    photos: dict[str, StoredItem] = {}
    for item in store.items():
        if not _KEY.match(item.key) or not item.name.startswith(layout_name(item.key)):
            continue
        if item.modified >= cutoff:
            continue
        if item.unfinished:
            parts.append(item)
        else:
            photos[item.key] = item
    held = held_keys(photos)
    if photos and not held and not _any_photo_row():
        raise WrongDatabase(
            f"the database holds no photo at all, yet {store.describe()} has {len(photos)} "
            "photo file(s): is DATABASE_URL the portal's (cron and timers need its settings "
            "too)? Nothing was removed."
        )
    doomed = [(i, "part") for i in parts]
    doomed += [(i, "unreferenced") for k, i in photos.items() if k not in held]
    if not dry_run:
        for item, _reason in doomed:
            store.remove(item)
    return [Swept(_place(store, item), reason) for item, reason in doomed]


def _place(store: PhotoStore, item: StoredItem) -> str:
    place = store.where(item.key)
    return place + PART if item.unfinished else place


class WrongDatabase(RuntimeError):
    """The sweep looks at a database that cannot be the one these photos belong to."""


def _any_photo_row() -> bool:
    with db.engine.connect() as conn:
        return conn.execute(select(Photo.id).limit(1)).first() is not None
