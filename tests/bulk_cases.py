"""Thousands of stored cases in a second: one case from the factory, copied by bulk insert.

The deadline tests need 10,000 running cases past their deadline; filing or even
factory-building each one costs minutes. The copies differ from the factory's case only in
what must be unique (tracking code, submission digest), so the tick, the queue and the
e-mail treat each of them as a case of its own.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

from portal.complaints import status as s
from portal.complaints.models import Complaint
from portal.extensions import db
from tests.factories import stored_complaint


def overdue_cases(n: int, due: date, *, chunk: int = 2000) -> list[int]:
    """n new cases (status new, verification due on `due`, not marked yet); their ids."""
    first = stored_complaint(status=s.NEW, due=due)
    table = Complaint.__table__
    template = dict(db.session.execute(select(table).where(table.c.id == first.id)).one()._mapping)
    template.pop("id")
    rows = []
    for i in range(1, n):
        row = dict(template)
        row["tracking_code"] = f"BLK-{i:08d}"
        row["submission_digest"] = hashlib.sha256(f"bulk-{first.id}-{i}".encode()).hexdigest()
        rows.append(row)
    for start in range(0, len(rows), chunk):
        db.session.execute(table.insert(), rows[start : start + chunk])
        db.session.commit()
    stmt = select(table.c.id).where(table.c.id >= first.id).order_by(table.c.id)
    return list(db.session.execute(stmt).scalars())
