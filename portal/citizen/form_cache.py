"""The empty report form, rendered once per poster URL, language and routing version.

Every scan of a poster asks for the same page; only the CSRF token and the one-time
submission key differ. Rendering it through Jinja and WTForms costs more than the rest of
the request, so the blank page is kept with two placeholders that are filled per request.
A form with errors or typed values is always rendered fresh.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

CSRF_SLOT = "\x00csrf-slot\x00"
KEY_SLOT = "\x00submission-key-slot\x00"
MAX_PAGES = 1024  # posters × languages a process serves; older pages are dropped first


class BlankFormCache:
    def __init__(self, max_pages: int = MAX_PAGES):
        self._pages: OrderedDict[tuple, str] = OrderedDict()
        self._max = max_pages
        self._lock = Lock()

    def page(self, key: tuple, render: Callable[[str, str], str], csrf_token: str) -> str:
        """The blank page for `key`, rendering it with `render(csrf, key)` the first time."""
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
        if html is None:
            html = render(CSRF_SLOT, KEY_SLOT)
            with self._lock:
                self._pages[key] = html
                while len(self._pages) > self._max:
                    self._pages.popitem(last=False)
        return html.replace(CSRF_SLOT, csrf_token).replace(KEY_SLOT, secrets.token_urlsafe(24))

    def clear(self) -> None:
        """Forget every page (a test that changes a limit the page states)."""
        with self._lock:
            self._pages.clear()
