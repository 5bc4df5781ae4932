"""The monthly recap the dashboard reads, and the marks saying which months to redo.

Per region, month of filing, agency and privacy (Rahasia or not), three slices: one row
per unit, one per classification and one per category. Every figure on the leader page,
the CSV and the public page is a sum over these rows, so the three always agree, and a
year's page over a million cases reads a few thousand rows. A change to a case marks its
month dirty in the change's own transaction; the next read recomputes the dirty months
(portal/dashboard/recap.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class DirtyMonth(db.Model):
    """An append-only mark: inserting never waits on another transaction, and a refresh
    deletes only the marks it can see, so a change still being committed keeps its mark."""

    __tablename__ = "stats_dirty_months"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(40), index=True)
    month: Mapped[date] = mapped_column(Date)  # first day of the month, region's local time


class MonthlyRecap(db.Model):
    __tablename__ = "stats_monthly"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[str] = mapped_column(String(40))
    month: Mapped[date] = mapped_column(Date)
    agency_id: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(16))  # unit | classification | category
    value: Mapped[str] = mapped_column(String(40))  # the unit id, … ("" for no category)
    confidential: Mapped[bool] = mapped_column(Boolean)

    received: Mapped[int] = mapped_column(Integer)
    excluded: Mapped[int] = mapped_column(Integer)  # rejected (spam, duplicate) or forwarded
    resolved: Mapped[int] = mapped_column(Integer)  # closed after an answer
    answered: Mapped[int] = mapped_column(Integer)
    answered_on_time: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(Integer)
    response_hist: Mapped[str] = mapped_column(Text)  # histogram.encode of first-response days
    completion_hist: Mapped[str] = mapped_column(Text)  # … and of days to completion

    __table_args__ = (
        Index("ix_stats_monthly_region_month", "region_id", "dimension", "month", "agency_id"),
    )
