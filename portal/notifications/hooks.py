"""Where state changes announce themselves. Called inside the change's own transaction,
before its commit, so the outbox rows they add commit (or roll back) with the change."""

from __future__ import annotations

from portal.complaints.status import QUARANTINED
from portal.dashboard.hooks import recap_changed
from portal.national.mirror_rows import mirror_case_event, mirror_submitted
from portal.notifications import messages
from portal.notifications.duplicates import notify_duplicates


def on_submitted(complaint) -> None:
    """A new report was stored (receipt to the citizen, new case to staff)."""
    messages.notify_citizen(complaint, "submitted", None)
    messages.notify_new_case(complaint)
    mirror_submitted(complaint)  # SP4N-LAPOR! keeps a copy of every report
    recap_changed(complaint)


def on_quarantined(complaint) -> None:
    """A new report was held back by the abuse list: nobody hears of it (no receipt, no
    staff e-mail, no SP4N-LAPOR! copy) until an admin releases it."""
    recap_changed(complaint)


def on_case_event(complaint, event) -> None:
    """A case action was taken (verified, on hold, responded, closed, …)."""
    if event.from_status == QUARANTINED:
        if event.kind == "release":  # now it arrives, as a new report would have
            on_submitted(complaint)
        elif event.kind != "note":  # archived from quarantine: nobody outside hears
            recap_changed(complaint)
        return
    messages.notify_citizen(complaint, event.kind, event)
    notify_duplicates(complaint, event)  # its duplicates' citizens hear of a response too
    if event.kind in messages.STAFF_DISPOSAL_EVENTS:
        messages.notify_disposed(complaint)
    if event.kind in messages.MOVE_EVENTS:  # the receiving region's desk hears of it
        messages.notify_moved(complaint, event)
    mirror_case_event(complaint, event)  # …and of every status change (never internal notes)
    if event.kind != "note":
        recap_changed(complaint)


def on_hold_reminder(complaint, event, last_day) -> None:
    """Halfway through a hold (the tick): the citizen is asked the question again, told by
    when to answer. Only the citizen hears of it; no status changed, nothing to mirror."""
    messages.notify_citizen(
        complaint, event.kind, event, extra={"hold_until": last_day.isoformat()}
    )
