"""Private-link tokens never reach a log file.

The citizen's private link is `/lacak/<code>?t=<token>`; whoever reads an access log (an
operator, a log shipper, a leaked backup) could otherwise open every report in it. Every
`t=` query value is replaced by "[redacted]": plain (`?t=…`, `&t=…`) and percent-encoded
inside another parameter (`next=%2Flacak%2F…%3Ft%3D…`). The staff account links (an
invitation, a password reset) carry their token as the last path segment, /staf/undangan/…
and /staf/sandi-baru/…, and it is replaced the same way. The werkzeug development server's
log gets `RedactTokens` as a filter (portal/__init__.py); gunicorn's access log uses
portal/gunicorn_logging.py (named by deploy/gunicorn.conf.py).

Phone numbers are personal data too (a WhatsApp or SMS citizen is known by nothing else):
every number in a log line (+62 812-3456-7890, 0812…, 62812…) is shown masked, country
code and last three digits ("62…890", portal.phone_numbers.mask_numbers_in). Tracking
codes, row ids, timestamps and provider message ids keep their digits. The filter also sits
on the root logger's handlers, so what the portal's own modules log (portal.messaging.…,
portal.chat.…, which do not pass through the app logger) is cleaned as well.
"""

from __future__ import annotations

import logging
import re

from portal.phone_numbers import mask_numbers_in

REDACTED = "[redacted]"
# `t` as a query parameter (after ?, &, ; or at the start of a bare query string such as
# gunicorn's %(q)s), plain or percent-encoded (%3F = ?, %26 = &, %3D = =).
# `api_key` the same way: GeoReport clients often put the Open311 key in a GET's query
# string (or POST it there by mistake), and the access log would keep it for good.
_TOKEN = re.compile(
    r"(?P<lead>(?:(?<![^?&;])|%3[Ff]|%26)(?:t|api(?:_|%5[Ff])key)(?:=|%3[Dd]))"
    r"(?P<value>(?!\[redacted\])[^&;\s\"'#]+)"
)
# The staff account links, /staf/undangan/<token> and /staf/sandi-baru/<token>: the path
# segment after the prefix, plain or percent-encoded (%2F = /) inside another parameter
# (a language link's `next=`).
_ACCOUNT_LINK = re.compile(
    r"(?P<lead>(?:/|%2[Ff])staf(?:/|%2[Ff])(?:undangan|sandi-baru)(?:/|%2[Ff]))"
    r"(?P<value>(?!\[redacted\])[^/?&;\s\"'#]+)"
)
# The token an Open311 POST answers with, in /open311/v2/tokens/<token>.<fmt>: its holder
# reads the tracking code with it, and Flask's "Exception on <path>" line and a Sentry
# event's URL carry the path.
_OPEN311_TOKEN = re.compile(
    r"(?P<lead>(?:/|%2[Ff])open311(?:/|%2[Ff])v2(?:/|%2[Ff])tokens(?:/|%2[Ff]))"
    r"(?P<value>(?!\[redacted\])[^/?&;.\s\"'#]+)"
)
# An Open311 key wherever else it turns up (a header, a message): `al311_` and its body.
_API_KEY = re.compile(r"(?P<lead>al311_)(?!\[redacted\])[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """`text` with every private-link, account-link and Open311 token and key replaced by
    "[redacted]" and every phone number masked."""
    text = _TOKEN.sub(lambda m: m.group("lead") + REDACTED, text)
    text = _ACCOUNT_LINK.sub(lambda m: m.group("lead") + REDACTED, text)
    text = _OPEN311_TOKEN.sub(lambda m: m.group("lead") + REDACTED, text)
    return mask_numbers_in(_API_KEY.sub(lambda m: m.group("lead") + REDACTED, text))


def redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """A logging filter: formats the record's message once, with tokens redacted and phone
    numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def redacting_targets() -> list[logging.Filterer]:
    """Where the filter goes: the development server's and the app's loggers, and the
    handlers of the root logger (records of every portal.* module end there)."""
    return [
        logging.getLogger("werkzeug"),
        logging.getLogger("portal"),
        *logging.getLogger().handlers,
    ]
