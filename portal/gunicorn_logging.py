"""gunicorn's logger, with private-link tokens redacted from every access-log field.

Named by deploy/gunicorn.conf.py (`logger_class`). Every atom of the access-log format is cleaned,
so the request line (%(r)s), the query (%(q)s), the referer (%(f)s) and any header or
environ atom an operator adds to `--access-logformat` carry "[redacted]" instead of a token.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from portal.logredact import RedactTokens, redact_value


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactTokens) for f in log.filters):
                log.addFilter(RedactTokens())

    def atoms(self, resp, req, environ, request_time) -> dict:
        return {
            key: redact_value(value)
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }
