"""Per-case order: LAPOR! must never learn of a status change before the report itself.

An item is blocked while an earlier item of the same case is not yet sent (pending,
sending or failed). Both connectors use this one condition.
"""

from __future__ import annotations

from sqlalchemy import and_, exists
from sqlalchemy.orm import aliased

from portal.national.models import PENDING, SENT, NationalMirrorItem


def waits_for_earlier(*, among_pending_ok: bool = False):
    """SQL condition: an earlier item of the same case is still undelivered.

    among_pending_ok: the export writes every pending item of a case in one file, in id
    order, so earlier *pending* items do not block there; only sending or failed ones do.
    """
    earlier = aliased(NationalMirrorItem)
    blocking = earlier.status != SENT
    if among_pending_ok:
        blocking = and_(blocking, earlier.status != PENDING)
    return exists().where(
        earlier.complaint_id == NationalMirrorItem.complaint_id,
        earlier.id < NationalMirrorItem.id,
        blocking,
    )
