"""The request class: a multipart part without a name is dropped, not kept under `None`.

Werkzeug files a part whose Content-Disposition names no field (`form-data` alone, or a
name with a line break in it) under the key None. No browser sends one, but a script can,
and the CSRF check (Flask-WTF looks for the token among the form's names with
`key.endswith(…)`) then failed with a 500 on every POST before any view ran. Such a part
carries nothing a form could read, so it is simply left out.
"""

from __future__ import annotations

from flask import Request


class PortalRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        parsed = self.__dict__
        for name in ("form", "files"):
            fields = parsed.get(name)
            if fields is not None and None in fields:
                parsed[name] = type(fields)(
                    (key, value) for key, value in fields.items(multi=True) if key is not None
                )
