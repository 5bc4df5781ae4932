"""What the fuzz sends: values, query strings, form bodies and broken multipart bodies.

A request is drawn as a `Draft`; values that only exist at run time (the page's CSRF
token, a fresh submission key, the stored case's code, private token and version) are
drawn as `Live` markers and filled in when the request is sent, so a drawn request can
reach past the CSRF check and the private-link check into the handler itself.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, quote_from_bytes

from hypothesis import strategies as st

# --- run-time values ------------------------------------------------------------------------


@dataclass(frozen=True)
class Live:
    """A value filled in at send time: "csrf", "key", "token", "version", "code", "pin"."""

    name: str


CSRF, KEY, TOKEN, VERSION = (Live(n) for n in ("csrf", "key", "token", "version"))
CODE, PIN = Live("code"), Live("pin")  # the stored case's tracking code and its PIN

# --- single values --------------------------------------------------------------------------

# Characters that broke or could break something: NUL and the other control characters,
# DEL and C1, bidi overrides and marks (RTL spoofing), zero-width and BOM, a lone combining
# mark, emoji with a ZWJ sequence, the replacement character, noncharacters, full-width
# digits, the Turkish dotless i (case folding), and the characters SQL LIKE and HTML treat.
SPECIAL = [
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\x9f",
    "\t",
    "\n",
    "\r\n",
    "\u202e",
    "\u200f",
    "\u061c",
    "\u200b",
    "\ufeff",
    "\u0301",
    "👩‍👩‍👧",
    "🙂",
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "１２３",
    "ı",
    "%",
    "_",
    "\\",
    "'",
    '"',
    "<script>",
    "&amp;",
    "../",
    "//",
    "=HYPERLINK(",
    "عبد الله",
    "שלום",
]

unicode_text = st.text(max_size=40)  # any code point but surrogates (UTF-8 cannot carry them)
special_text = st.lists(
    st.one_of(st.sampled_from(SPECIAL), st.text(max_size=6)), min_size=1, max_size=6
).map("".join)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "1e309", "NaN", "inf", "2147483648", "9" * 40, "0x1f", "1.5"]),
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(
        ["0001-01-01", "9999-12-31", "0000-00-00", "2026-02-30", "2026-13", "0001-01", "9999-12"]
    ),
    st.tuples(st.integers(-99, 99_999), st.integers(0, 99), st.integers(0, 99)).map(
        lambda ymd: f"{ymd[0]}-{ymd[1]:02}-{ymd[2]:02}"
    ),
)


def sizes(base: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Around and past the form's limits (150, 5000 characters), once well past them."""
    return st.tuples(base, st.sampled_from([149, 151, 5000, 5001, 50_000])).map(
        lambda pair: ((pair[0] or "x") * (pair[1] // max(1, len(pair[0] or "x")) + 1))[: pair[1]]
    )


def values(*, long: bool = False) -> st.SearchStrategy[str]:
    """A form or URL value; `long` adds texts past the field limits (form bodies only: a
    real server refuses a request line of more than a few KB before the app sees it)."""
    kinds = [st.just(""), unicode_text, special_text, numbers, dates]
    if long:
        kinds.append(sizes(st.one_of(unicode_text, special_text)))
    return st.one_of(*kinds)


# --- images and other files -----------------------------------------------------------------


def _png(width: int, height: int, body: bytes | None = None) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = body if body is not None else zlib.compress(b"\x00" * (1 + 3 * min(width, 64)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _tiny_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


TINY_JPEG = _tiny_jpeg()
FILE_BODIES = [
    b"",
    b"%PDF-1.4 not a photo",
    TINY_JPEG,
    TINY_JPEG[: len(TINY_JPEG) // 2],  # truncated
    TINY_JPEG + b"\xff\xfe" + os.urandom(32),  # trailing junk
    b"\xff\xd8\xff\xe0" + os.urandom(64),  # a JPEG header, then noise
    _png(1, 1),
    _png(40_000, 40_000),  # a decompression bomb by its header
    _png(0, 0),
    _png(8, 8, body=b"not zlib"),
    b"GIF89a" + b"\x00" * 20,
    b"RIFF\x00\x00\x00\x00WEBPVP8 " + os.urandom(20),
    b"\x00\x00\x00\x18ftypheic" + os.urandom(40),
]
files = st.tuples(
    st.sampled_from(FILE_BODIES),
    st.one_of(st.sampled_from(["foto.jpg", "a.png", "", "../../x.jpg", "x\x00.jpg"]), unicode_text),
    st.sampled_from(["image/jpeg", "image/png", "application/pdf", "", "text/html", "x/y"]),
)

# --- request parts --------------------------------------------------------------------------


def query_strings(names: list[str]) -> st.SearchStrategy[bytes]:
    """A raw query string: known and random names, any values, raw bytes too (%FF, %00)."""
    key = st.one_of(st.sampled_from(names), unicode_text) if names else unicode_text
    text_pair = st.tuples(key, values()).map(
        lambda kv: quote(kv[0], safe="") + "=" + quote(kv[1], safe="")
    )
    byte_pair = st.tuples(key, st.binary(max_size=12)).map(
        lambda kv: quote(kv[0], safe="") + "=" + quote_from_bytes(kv[1], safe="")
    )
    junk = st.sampled_from(["&&", "=", "a=%", "%zz=1", "a=%e9", "a==b", ";", "%00=%00"])
    return st.lists(st.one_of(text_pair, byte_pair, junk), max_size=6).map(
        lambda parts: "&".join(parts).encode("ascii")
    )


def path_segment(valid: list[str]) -> st.SearchStrategy[str]:
    """A URL path segment, already quoted: a valid one, a mangled one, or anything."""
    mangled = st.tuples(st.sampled_from(valid), st.integers(0, 40), special_text).map(
        lambda v: v[0][: v[1]] + v[2] + v[0][v[1] :]
    )
    raw = st.binary(min_size=1, max_size=20).map(lambda b: quote_from_bytes(b, safe=""))
    text = st.one_of(mangled, values(), st.sampled_from([v.lower() for v in valid]))
    return st.one_of(
        st.sampled_from(valid).map(lambda v: quote(v, safe="")),
        text.filter(bool).map(lambda v: quote(v, safe="")),
        raw,
    )


@dataclass
class Draft:
    """One request to send; `form` items may hold Live markers and file tuples."""

    method: str
    path: str
    query: bytes = b""
    form: list[tuple[str, object]] | None = None
    multipart: bool = False
    raw_body: bytes | None = None
    content_type: str | None = None
    csrf_off: bool = False
    fresh_client: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def form_items(
    fields: dict[str, st.SearchStrategy], *, valid: dict[str, object] | None = None
) -> st.SearchStrategy[list[tuple[str, object]]]:
    """Form items: start from a valid form (or nothing), change, drop and add fields.

    Starting from a valid form keeps many drawn requests past the first check, so the
    fuzz reaches the handler's later steps (and its success path) as well as its refusals.
    """
    base = st.sampled_from([dict(valid or {}), {}]) if valid else st.just({})
    changes = st.dictionaries(st.sampled_from(sorted(fields)), st.just(None), max_size=4).flatmap(
        lambda names: st.fixed_dictionaries({n: fields[n] for n in names})
    )
    dropped = st.lists(st.sampled_from(sorted(fields)), max_size=3)
    extra = st.lists(st.tuples(unicode_text, values()), max_size=3)

    def build(parts) -> list[tuple[str, object]]:
        start, changed, drop, more = parts
        items = {**start, **changed}
        for name in drop:
            items.pop(name, None)
        return [*items.items(), *more]

    return st.tuples(base, changes, dropped, extra).map(build)


def csrf_values() -> st.SearchStrategy[object]:
    """The page's real token most of the time, else none, garbage or another session's."""
    return st.one_of(
        st.just(CSRF),
        st.just(CSRF),
        st.just(CSRF),
        values(),
        st.just("IjEyMzQ1Njc4OTAi.ZZZZZZ.forged-signature-forged-signature"),
    )


def broken_multipart() -> st.SearchStrategy[tuple[bytes, str]]:
    """(body, Content-Type) pairs a browser never sends."""
    boundary = st.sampled_from(["b", "x" * 70, "x" * 200, "", "a b", '"q"', "\u00e9", "--"])

    def body(parts) -> tuple[bytes, str]:
        bound, header_bound, kind, payload, count = parts
        b = bound.encode("utf-8")
        part = b"--" + b + b'\r\nContent-Disposition: form-data; name="title"\r\n\r\n' + payload
        if kind == "truncated":
            data = part  # no closing boundary
        elif kind == "many":
            one = b"--" + b + b'\r\nContent-Disposition: form-data; name="f"\r\n\r\nv\r\n'
            data = one * count + b"--" + b + b"--\r\n"
        elif kind == "no-disposition":
            data = b"--" + b + b"\r\n\r\n" + payload + b"\r\n--" + b + b"--\r\n"
        elif kind == "bad-file":
            data = (
                b"--" + b + b'\r\nContent-Disposition: form-data; name="photos"; filename="a'
                b'.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' + payload + b"\r\n--" + b + b"--\r\n"
            )
        else:
            data = payload
        return data, f"multipart/form-data; boundary={header_bound}"

    return st.tuples(
        boundary,
        st.one_of(boundary, st.just("")),
        st.sampled_from(["truncated", "many", "no-disposition", "bad-file", "garbage"]),
        st.one_of(st.binary(max_size=200), st.sampled_from(FILE_BODIES)),
        st.sampled_from([2, 50, 1001, 3000]),
    ).map(body)


def raw_bodies() -> st.SearchStrategy[tuple[bytes, str]]:
    """Bodies with the wrong or a lying content type, invalid UTF-8, broken multipart."""
    content_types = st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "multipart/form-data",
            "multipart/mixed; boundary=x",
            "application/x-www-form-urlencoded; charset=utf-16",
            "image/jpeg",
            "",
        ]
    )
    urlencoded = st.lists(
        st.tuples(st.sampled_from(["title", "description", "t", "text", "email"]), st.binary()),
        max_size=4,
    ).map(
        lambda items: b"&".join(k.encode() + b"=" + quote_from_bytes(v).encode() for k, v in items)
    )
    invalid_utf8 = st.sampled_from(
        [b"title=%ED%A0%80&description=%FF%FE", b"title=\xff\xfe\x00", b"%", b"=&=&"]
    )
    return st.one_of(
        st.tuples(st.one_of(st.binary(max_size=300), urlencoded, invalid_utf8), content_types),
        broken_multipart(),
    )
