"""A complaint (report), its photos and its timeline of events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The private link's secret, stored as a SHA-256 so a database leak reveals no links.
    access_token_hash: Mapped[str] = mapped_column(String(64))
    # The form's one-time id: a second POST of the same form finds this and creates nothing.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    region_id: Mapped[str] = mapped_column(String(40))
    origin_agency_id: Mapped[str] = mapped_column(String(40))
    origin_unit_id: Mapped[str] = mapped_column(String(40))
    origin_service_id: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str] = mapped_column(String(40))

    classification: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    incident_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))

    reporter_name: Mapped[str | None] = mapped_column(String(120))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_email: Mapped[str | None] = mapped_column(String(254))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(5), default="id")

    status: Mapped[str] = mapped_column(String(20), index=True)
    routing_version: Mapped[str] = mapped_column(String(16))
    routing_rule: Mapped[str] = mapped_column(String(60))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verify_due: Mapped[date] = mapped_column(Date)
    followup_due: Mapped[date] = mapped_column(Date)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    photos: Mapped[list[Photo]] = relationship(
        back_populates="complaint", order_by="Photo.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="complaint", order_by="Event.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012
    __table_args__ = (Index("ix_complaints_region_submitted", "region_id", "submitted_at"),)


class Photo(db.Model):
    __tablename__ = "complaint_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    complaint: Mapped[Complaint] = relationship(back_populates="photos")


class Event(db.Model):
    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # Public events show on the citizen's tracking page; internal ones only to staff.
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
