"""The demo's phone: each WhatsApp or SMS message written as a readable .txt file under
PHONE_MESSAGE_DIR/<medium>/ (instance/messages/ by default), as e-mails become .eml files
when no MAIL_SERVER is set. Used whenever WHATSAPP_TOKEN (WhatsApp) or SMS_GATEWAY_URL
(SMS) is unset.

A file is written under a temporary name and renamed into place, so a reader (or a test)
never sees half a message; a re-sent row overwrites its own file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from portal.phone_numbers import masked

log = logging.getLogger(__name__)

CONNECTOR = "file"


def file_name(row_id: int, kind: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind)
    return f"{row_id:08d}-{safe}.txt"


def write_message(
    folder: str | Path,
    *,
    medium: str,
    row_id: int,
    kind: str,
    recipient: str,
    locale: str,
    text: str,
    choices: Sequence[tuple[str, str]] = (),
    parts: Sequence[str] = (),
) -> Path:
    """Write one message; returns its path. Raises OSError (the worker retries)."""
    target_dir = Path(folder) / medium
    target_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"To: +{recipient}", f"Medium: {medium}", f"Kind: {kind}", f"Locale: {locale}"]
    if choices:
        lines.append("Choices: " + " | ".join(f"{cid}={title}" for cid, title in choices))
    if len(parts) > 1:
        lines.append(f"Parts: {len(parts)}")
    content = "\n".join(lines) + "\n\n" + text.strip() + "\n"
    if len(parts) > 1:
        content += "\n" + "\n".join(f"--- part {i}\n{p}" for i, p in enumerate(parts, 1)) + "\n"
    path = target_dir / file_name(row_id, kind)
    fd, temp = tempfile.mkstemp(dir=target_dir, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    log.info("%s message to %s written to %s", medium, masked(recipient), path)
    return path
