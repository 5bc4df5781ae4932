"""The delivery core every outbox channel shares: the e-mail outbox, the SP4N-LAPOR! mirror,
and whatever channel comes next.

Feature packages import this one, never the other way round, so one channel's delivery
code never needs another's. The rules it keeps, and how to add a channel: docs/outbox.md.
"""
