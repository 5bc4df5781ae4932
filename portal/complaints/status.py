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
# Held back on arrival by the region's abuse list: in no open tab, no staff e-mail, no
# SP4N-LAPOR! copy, until an admin releases it (to new) or archives it as spam.
QUARANTINED = "quarantined"

ALL = (NEW, VERIFIED, IN_PROGRESS, ON_HOLD, RESPONDED, CLOSED, ARCHIVED, FORWARDED, QUARANTINED)
OPEN = (NEW, VERIFIED, IN_PROGRESS, ON_HOLD, RESPONDED)
FINISHED = (CLOSED, ARCHIVED, FORWARDED)
# Statuses whose running deadline is staff's (not on hold, not waiting for the citizen).
RUNNING = (NEW, VERIFIED, IN_PROGRESS)
