"""Backups an operator can restore from: database, uploads, a manifest, a secrets checklist.

`flask --app wsgi backup` and `flask --app wsgi restore` (cli.py); the layout of a backup
folder is in layout.py. Secrets never go into a backup: only short fingerprints, so a
restore can tell whether the running SECRET_KEY and QR_SIGNING_KEYS are the old ones.
"""
