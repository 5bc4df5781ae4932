"""The audit trail's staff page and CSV export (`/staf/jejak-audit/`).

A package of its own, above portal.audit: the trail itself (portal/audit: models, record,
labels, queries) is written by accounts, routing, cases, Open311 keys and the abuse list,
so it imports none of them; the page needs the reader's reach and the regions' clocks,
which live in those higher packages.
"""
