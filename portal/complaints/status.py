"""Complaint statuses, named as staff know them from SP4N-LAPOR! (plain values; their
labels are in portal/complaints/labels.py)."""

NEW = "new"
VERIFIED = "verified"
IN_PROGRESS = "in_progress"
RESPONDED = "responded"
ON_HOLD = "on_hold"
CLOSED = "closed"
ARCHIVED = "archived"
FORWARDED = "forwarded"

ALL = (NEW, VERIFIED, IN_PROGRESS, ON_HOLD, RESPONDED, CLOSED, ARCHIVED, FORWARDED)
OPEN = (NEW, VERIFIED, IN_PROGRESS, ON_HOLD, RESPONDED)
FINISHED = (CLOSED, ARCHIVED, FORWARDED)
# Statuses whose running deadline is staff's (not on hold, not waiting for the citizen).
RUNNING = (NEW, VERIFIED, IN_PROGRESS)
