"""Per-key order: a row waits while an earlier row with the same key is not sent yet.

LAPOR! must never learn of a status change before the report itself; a WhatsApp
conversation must not arrive shuffled. Claiming with the negation of this condition gives
that order for any outbox table, while rows of other keys pass freely.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import aliased

from portal.outbox.states import SENT


def waits_for_earlier(
    model: type, key: str | tuple[str, ...], *, passable: tuple[str, ...] = ()
) -> ColumnElement:
    """SQL condition: a row of `model` with a lower id and the same `key` is still unsent.

    `key` is one column or several (a phone message's medium and number). passable:
    further states of an earlier row that do not hold a later one back: for a caller that
    takes a key's rows together in id order (the mirror's export writes every pending item
    of a case into one file), or a channel whose given-up rows must not hold a number's
    later messages back for ever. A row whose key is NULL is never held back.
    """
    earlier = aliased(model)
    keys = (key,) if isinstance(key, str) else key
    same = [getattr(earlier, k) == getattr(model, k) for k in keys]
    blocking = [earlier.status != state for state in (SENT, *passable)]
    return exists().where(*same, earlier.id < model.id, *blocking)
