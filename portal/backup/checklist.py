"""The human checklist written next to every backup: which secrets to keep elsewhere.

The values themselves never enter a backup (a stolen backup must not hand out the keys
that sign staff sessions, private links and posters); only their fingerprints.
"""

from __future__ import annotations

from collections.abc import Mapping


def checklist_text(
    *,
    created_at: str,
    fingerprints: Mapping,
    secret_key_file: str | None,
    mail_password_set: bool,
    national_token_set: bool,
) -> str:
    qr = fingerprints["qr_signing_keys"]
    active = fingerprints["qr_active"]
    qr_lines = "\n".join(
        f"      {kid}: fingerprint {fp}"
        + ("  (active: signs new posters)" if kid == active else "")
        for kid, fp in qr.items()
    )
    where = (
        f"      It was generated on this machine and lives in {secret_key_file}:\n"
        "      copy that file's content somewhere safe, or set SECRET_KEY explicitly.\n"
        if secret_key_file
        else ""
    )
    return f"""Aduan Langsung backup of {created_at}: secrets to keep ELSEWHERE
=====================================================================

This backup holds the database, the uploaded photos and the manifest. It does NOT hold the
secrets below, on purpose: keep them in your password manager or secrets store, apart from
the backups. Without them a restored portal works, but the links and posters made before
do not. Each line gives a fingerprint, so you can check you kept the right value:
`flask --app wsgi restore` compares them with the running portal's.

[ ] SECRET_KEY: fingerprint {fingerprints["secret_key"]}
      Signs staff sessions, keys every private link e-mailed to citizens and the abuse
      list ("Daftar blokir"). Lose it and every private link already sent stops opening
      its report, and every abuse-list entry matches nothing.
{where}[ ] QR_SIGNING_KEYS: every key id below, with its secret
{qr_lines}
      Lose one and every poster printed under it is refused when scanned (reprint them).
[ ] MAIL_PASSWORD: {"set on this portal" if mail_password_set else "not set here"}
      The mail server account's password; you can also get a new one from the provider.
[ ] NATIONAL_TOKEN: {"set on this portal" if national_token_set else "not set here"}
      The SP4N-LAPOR! bearer token; LAPOR! can issue a new one.
[ ] The rest of the environment (DATABASE_URL, PUBLIC_BASE_URL, MAIL_SERVER, ... see
      the README's Configuration table): not secret, but needed to run the portal again.

Restore: flask --app wsgi restore <this folder>   (see the README, "Backup and restore")
"""
