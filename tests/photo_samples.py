"""Real photo files as phones write them, built in the tests, and a JPEG segment reader."""

from __future__ import annotations

import io
import struct
import zlib

import pillow_heif
from PIL import Image

RED, GREEN, BLUE = (220, 20, 20), (20, 200, 20), (20, 20, 220)
GPS = {1: "S", 2: (3.0, 19.0, 0.0), 3: "E", 4: (114.0, 35.0, 0.0)}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'photoshop:City="RumahSaya"/></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"SECRET-COMMENT-0812"


def exif(*, orientation: int | None = None, gps: bool = True, make: str = "PhoneMaker") -> bytes:
    data = Image.Exif()
    data[0x010F] = make
    if orientation is not None:
        data[0x0112] = orientation
    if gps:
        data[0x8825] = GPS
    return data.tobytes()


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def icc_swapping_red_and_blue() -> bytes:
    """A minimal ICC v2 RGB matrix/TRC profile whose red colorant is sRGB's blue (and
    blue's red): a pixel stored as pure red *means* blue, so only a real colour
    conversion to sRGB stores it blue."""

    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    linear = b"curv" + b"\0" * 4 + struct.pack(">I", 0)
    red, green, blue = (0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141)
    tags = [
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(*blue)),
        (b"gXYZ", xyz(*green)),
        (b"bXYZ", xyz(*red)),
        (b"rTRC", linear),
        (b"gTRC", linear),
        (b"bTRC", linear),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table = data = b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntr"
        + b"RGB "
        + b"XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 28
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    return header + struct.pack(">I", len(tags)) + table + data


def jpeg_with_every_metadata(size=(80, 60), orientation: int | None = None) -> bytes:
    """EXIF (maker, GPS, orientation), XMP, a COM comment and an ICC profile."""
    return encode(
        Image.new("RGB", size, RED),
        "JPEG",
        exif=exif(orientation=orientation),
        xmp=XMP,
        comment=COMMENT,
        icc_profile=icc_swapping_red_and_blue(),
    )


def mpo(size=(80, 60)) -> bytes:
    """A Multi-Picture file (MPF in APP2): a red primary image, then a green second one."""
    second = Image.new("RGB", (size[0] // 2, size[1] // 2), GREEN)
    return encode(
        Image.new("RGB", size, RED),
        "MPO",
        save_all=True,
        append_images=[second],
        exif=exif(),
    )


def ultra_hdr(size=(80, 60)) -> bytes:
    """The "Ultra HDR" layout of recent Android phones: a primary JPEG with the hdrgm XMP
    and an MPF index, the grey gain map appended as a second JPEG."""
    gain_map = Image.new("L", (size[0] // 4, size[1] // 4), 128)
    return encode(
        Image.new("RGB", size, RED),
        "MPO",
        save_all=True,
        append_images=[gain_map],
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/" hdrgm:Version="1.0"/>',
    )


def heic(size=(80, 60), color=RED, **options) -> bytes:
    """A real HEIC as iPhones write them (HEVC in a HEIF container), via pillow-heif."""
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", size, color)).save(out, quality=90, **options)
    return out.getvalue()


def png_bomb(side: int = 60_000) -> bytes:
    """A tiny PNG whose header claims side x side pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment of one JPEG, SOI to EOI; asserts nothing follows
    the EOI (no second image, no appended file)."""
    assert data[:2] == b"\xff\xd8", data[:4]
    segments: list[tuple[int, bytes]] = [(0xD8, b"")]
    i = 2
    while True:
        assert data[i] == 0xFF, (i, data[i : i + 4])
        marker = data[i + 1]
        i += 2
        if marker == 0xD9:
            segments.append((marker, b""))
            break
        (length,) = struct.unpack(">H", data[i : i + 2])
        segments.append((marker, data[i + 2 : i + length]))
        i += length
        if marker == 0xDA:  # entropy-coded data runs to the next real marker
            while True:
                i = data.index(b"\xff", i)
                follower = data[i + 1]
                if follower == 0 or 0xD0 <= follower <= 0xD7:  # stuffed byte, restart
                    i += 2
                    continue
                break
    assert i == len(data), f"{len(data) - i} bytes after the end of the image"
    return segments


# What a clean baseline JPEG may hold: JFIF header, quantisation and Huffman tables, the
# frame, scans, restart interval. No APP1-15 (EXIF, XMP, ICC, MPF ...), no COM.
CLEAN_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDA, 0xDD, 0xD9}


def assert_clean_jpeg(data: bytes) -> None:
    segments = jpeg_segments(data)
    markers = {marker for marker, _payload in segments}
    assert markers <= CLEAN_MARKERS, sorted(hex(m) for m in markers - CLEAN_MARKERS)
    for marker, payload in segments:
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\0"), payload[:8]
    for needle in (b"PhoneMaker", b"RumahSaya", COMMENT, b"Exif", b"ICC_PROFILE", b"MPF"):
        assert needle not in data, needle
