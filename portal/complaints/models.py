"""A complaint (report), its photos and its timeline of events."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.complaints.status import OPEN
from portal.extensions import db
from portal.timeutil import UTCDateTime, utcnow

# The queue's partial indexes hold open complaints only, on both engines (migration 0004).
_OPEN_STATUSES = "status IN ({})".format(", ".join(f"'{value}'" for value in OPEN))
_OPEN_ONLY = {
    "sqlite_where": db.text(_OPEN_STATUSES),
    "postgresql_where": db.text(_OPEN_STATUSES),
}


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The private link's secret, stored as a SHA-256 so a database leak reveals no links.
    access_token_hash: Mapped[str] = mapped_column(String(64))
    # Links e-mailed before migration 0012 (token derived from the raw key): still valid.
    legacy_token_hash: Mapped[str | None] = mapped_column(String(64))
    # The form's one-time key, as an HMAC (portal/complaints/access.py): a second POST of the
    # same form finds this and creates nothing; the raw key is never stored.
    submission_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # An HMAC of the report's content: a replay gets the receipt only if this matches too.
    # NULL for reports stored before migration 0012 (a replay of those is a conflict).
    content_digest: Mapped[str | None] = mapped_column(String(64))

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
    # reporter_phone in one canonical form (portal.phone_numbers.msisdn), so a WhatsApp or
    # SMS message finds the sender's cases whichever way the number was typed.
    reporter_msisdn: Mapped[str | None] = mapped_column(String(16), index=True)
    # How the citizen asked to be told: email | whatsapp | sms (None: nobody to tell).
    notify_via: Mapped[str | None] = mapped_column(String(10))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    # The door it came through (portal.complaints.channels): web, counter, api, …
    channel: Mapped[str] = mapped_column(String(12), default="web", server_default="web")

    status: Mapped[str] = mapped_column(String(20), index=True)
    routing_version: Mapped[str] = mapped_column(String(16))
    routing_rule: Mapped[str] = mapped_column(String(60))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verify_due: Mapped[date] = mapped_column(Date)
    followup_due: Mapped[date] = mapped_column(Date)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    # The clocks in force when the report arrived (JSON of routing.model.Clocks), so a later
    # routing change never moves a running deadline.
    clocks_json: Mapped[str] = mapped_column(Text, default="{}")
    # The deadline running now (verification, follow-up or citizen feedback); 9999-12-31
    # when none runs (on hold, closed), so "nearest deadline first" is one index scan.
    due_key: Mapped[date] = mapped_column(Date, default=date.max)
    feedback_due: Mapped[date | None] = mapped_column(Date)
    sla_state: Mapped[str] = mapped_column(String(12), default="ok")  # ok | due_soon | overdue
    hold_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_return_status: Mapped[str | None] = mapped_column(String(20))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(20))  # spam|duplicate|not-authority
    forwarded_to: Mapped[str | None] = mapped_column(String(40))  # a region id or "sp4n-lapor"
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    # The officer who holds the case (NULL: the unit as a whole, "unassigned" in the queue).
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The region this case was transferred from (another region of this portal), so the
    # receiving region can send it back and the tracking page says where it went.
    transferred_from: Mapped[str | None] = mapped_column(String(40))
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The citizen was reminded halfway through the current hold (once per hold).
    hold_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the problem is (WGS84), when the door that filed it knew: the Open311 API's
    # lat/long. `address_id` is the client's own address id, kept as sent.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address_id: Mapped[str | None] = mapped_column(String(64))
    # The Open311 client application's key a report was filed with (channel "api").
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # Speed figures for the leaders' recap, in working days of the region's calendar, fixed
    # when they happen (portal/dashboard/metrics.py): hold_days is the time spent waiting for
    # the citizen, left out of both durations as the deadlines leave it out.
    hold_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_response_days: Mapped[int | None] = mapped_column(Integer)
    first_response_on_time: Mapped[bool | None] = mapped_column(Boolean)
    completion_days: Mapped[int | None] = mapped_column(Integer)

    photos: Mapped[list[Photo]] = relationship(
        back_populates="complaint", order_by="Photo.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="complaint", order_by="Event.id", cascade="all, delete-orphan"
    )

    duplicate_of: Mapped[Complaint | None] = relationship(remote_side=[id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assigned_user_id])
    # Named, not imported: portal.open311 builds on complaints, never the other way round
    # (tests/unit/test_layers.py), so the key's class is found by name at mapping time.
    api_key = relationship("ApiKey")

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012
    __table_args__ = (
        # On PostgreSQL it also holds the columns the leaders' recap sums (migration 0008),
        # so recomputing a month of a busy region reads the index alone.
        Index(
            "ix_complaints_region_submitted",
            "region_id",
            "submitted_at",
            postgresql_include=[
                "agency_id",
                "unit_id",
                "classification",
                "category",
                "confidential",
                "status",
                "first_response_days",
                "first_response_on_time",
                "completion_days",
                "rating",
            ],
        ),
        Index("ix_complaints_region_due", "region_id", "due_key", "id"),
        Index("ix_complaints_agency_due", "agency_id", "unit_id", "due_key", "id"),
        # The staff queue (migration 0004): one status tab and its count per region or
        # agency, counted from the index alone...
        Index("ix_complaints_region_status_due", "region_id", "status", "due_key", "id"),
        Index("ix_complaints_agency_status_due", "agency_id", "status", "due_key", "id"),
        # ...and the default view, open cases nearest deadline first, from small partial
        # indexes. The predicate is 0004's and must list exactly status.OPEN, or the queue's
        # queries will not use them (tests/functional/test_schema.py checks both).
        Index(
            "ix_complaints_open_region_due",
            "region_id",
            "due_key",
            "id",
            **_OPEN_ONLY,
        ),
        Index(
            "ix_complaints_open_agency_due",
            "agency_id",
            "due_key",
            "id",
            **_OPEN_ONLY,
        ),
        # The text search's pg_trgm indexes exist on PostgreSQL only and are not declared
        # here (portal/schema_check.py says why).
    )


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
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # Public events show on the citizen's tracking page; internal ones only to staff.
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ResponseTemplate(db.Model):
    """A ready answer an agency reuses ("Terima kasih, antrean sudah kami tambah…")."""

    __tablename__ = "response_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
