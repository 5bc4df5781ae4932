"""The rate-limit settings: which limits exist, their defaults, and checking what is typed.

Pure: no Flask. portal/config.py reads the environment through `read_settings`; the rest of
the feature reads app.config["RATELIMITS"].

Who shares an address decides the numbers. Indonesian mobile carriers put many phones
behind one address (CGNAT) and a hospital's Wi-Fi puts a whole waiting room behind one, so
every limit *per address* is generous (a waiting room of 30 must get through at once); the
tight limits key on what a flood repeats: the browser (a signed cookie id), the same text at
the same service point, the same case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from limits import RateLimitItem, parse_many


@dataclass(frozen=True)
class Setting:
    """One limit: its environment variable, default and the key it counts under."""

    env: str
    default: str
    per: str  # what the count is kept for (for the operator's text and the log)


# The order is the order of the report check: tight keys first, so a refused flood never
# spends the generous budgets (address, service point) that honest neighbours share.
SETTINGS: dict[str, Setting] = {
    "report_same_text": Setting(
        "RATELIMIT_REPORT_SAME_TEXT", "2 per hour; 3 per day", "same title+text at a service point"
    ),
    "report_per_session": Setting(
        "RATELIMIT_REPORT_PER_SESSION", "5 per 10 minutes; 20 per day", "browser"
    ),
    "report_per_address": Setting(
        "RATELIMIT_REPORT_PER_ADDRESS", "50 per 10 minutes; 600 per day", "client address"
    ),
    "report_per_service_point": Setting(
        "RATELIMIT_REPORT_PER_SERVICE_POINT", "100 per 10 minutes; 1000 per day", "service point"
    ),
    "lookup_per_address": Setting(
        "RATELIMIT_LOOKUP_PER_ADDRESS", "60 per minute; 600 per hour", "client address"
    ),
    "lookup_misses": Setting(
        "RATELIMIT_LOOKUP_MISSES", "20 per 10 minutes", "browser (codes that find nothing)"
    ),
    # The picker's search (/cari) scans every counter's names: a page a person reads, then
    # refines, so generous per address, but no machine may make it scan thousands a minute.
    "search_per_address": Setting(
        "RATELIMIT_SEARCH_PER_ADDRESS", "30 per minute; 300 per hour", "client address"
    ),
    "conversation_per_address": Setting(
        "RATELIMIT_CONVERSATION_PER_ADDRESS", "60 per 10 minutes", "client address"
    ),
    "conversation_per_case": Setting(
        "RATELIMIT_CONVERSATION_PER_CASE", "10 per 10 minutes; 50 per day", "case"
    ),
    # The tracking code + PIN (portal/complaints/pins.py): the count per code is what holds
    # a guesser off (a botnet has many addresses, a code has one PIN); the per-address one
    # is generous, since a carrier's CGNAT puts thousands of phones behind one address.
    "pin_per_code": Setting(
        "RATELIMIT_PIN_PER_CODE", "5 per 10 minutes; 20 per day", "tracking code (PIN tries)"
    ),
    "pin_per_address": Setting(
        "RATELIMIT_PIN_PER_ADDRESS", "30 per 10 minutes; 300 per day", "client address"
    ),
    # "Kirim tautan ini ke saya": per case (the link's holder) and per recipient (nobody's
    # inbox or phone is flooded through many cases); per address: the conversation's limit.
    "send_link_per_case": Setting("RATELIMIT_SEND_LINK_PER_CASE", "3 per hour; 10 per day", "case"),
    "send_link_per_recipient": Setting(
        "RATELIMIT_SEND_LINK_PER_RECIPIENT", "3 per hour; 10 per day", "e-mail address or number"
    ),
    # Open311: readers share addresses like citizens do (a city dashboard, a researcher
    # behind a university proxy); filing counts per API key, each client application's own.
    "open311_read_per_address": Setting(
        "RATELIMIT_OPEN311_READ_PER_ADDRESS", "120 per minute; 3000 per hour", "client address"
    ),
    "open311_post_per_key": Setting(
        "RATELIMIT_OPEN311_POST_PER_KEY", "60 per 10 minutes; 1000 per day", "API key"
    ),
    "signin_per_address": Setting(
        "RATELIMIT_SIGNIN_PER_ADDRESS", "30 per minute; 300 per hour", "client address"
    ),
    # "Lupa kata sandi": per address (a machine asking for many accounts) and per e-mail
    # address typed, known or not (nobody's inbox is flooded with reset links; the answer
    # is the same either way, so the count must not tell either).
    "password_reset_per_address": Setting(
        "RATELIMIT_PASSWORD_RESET_PER_ADDRESS", "10 per hour; 50 per day", "client address"
    ),
    "password_reset_per_email": Setting(
        "RATELIMIT_PASSWORD_RESET_PER_EMAIL", "3 per hour; 10 per day", "e-mail address typed"
    ),
    # Opening an invitation or reset link (and sending its form): 256-bit links cannot be
    # guessed, but nobody may make the portal hash thousands a minute.
    "account_link_per_address": Setting(
        "RATELIMIT_ACCOUNT_LINK_PER_ADDRESS", "30 per 10 minutes; 200 per day", "client address"
    ),
}

STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster")


class SettingError(ValueError):
    """A limit or storage setting that cannot be used; the message names the variable."""


def parse_limits(name: str, text: str) -> tuple[RateLimitItem, ...]:
    """`"5 per 10 minutes; 20 per day"` as limit items; anything unreadable is refused."""
    try:
        items = tuple(parse_many(text))
    except ValueError:
        items = ()
    if not items or any(item.amount < 1 for item in items):
        raise SettingError(
            f"{name} must be limits such as '5 per 10 minutes; 20 per day', not {text!r}"
        )
    return items


def read_limits(env: Mapping[str, str]) -> dict[str, tuple[RateLimitItem, ...]]:
    """Every limit, from its variable or its default (an empty value means the default)."""
    found = {}
    for key, setting in SETTINGS.items():
        text = (env.get(setting.env) or "").strip() or setting.default
        found[key] = parse_limits(setting.env, text)
    return found


def check_storage_uri(uri: str) -> str:
    """memory:// (one process) or a Redis URL (shared by every process and host)."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme not in STORAGE_SCHEMES or "://" not in uri:
        raise SettingError(
            "RATELIMIT_STORAGE_URI must be memory:// or a Redis URL such as "
            f"redis://127.0.0.1:6379/0, not {uri!r}"
        )
    return uri


def is_memory(uri: str) -> bool:
    return urlsplit(uri).scheme.lower() == "memory"
