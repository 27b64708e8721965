"""The workspace's logo as an image: its kind told by its bytes, its size read from its header.

What the client calls the file or says its content type is, is never believed: a logo is
a PNG, a JPEG or a WebP image because its bytes begin as one, its header holds a width and
a height, and its structure is whole (a PNG's chunks with their checksums up to IEND, a
JPEG up to its end marker, a WebP's RIFF length). SVG is refused: it is a document that
may hold scripts and links, run when the file is opened on its own. GIF is refused too.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass

from atlas.errors import Invalid, TooLarge

LOGO_MAX_BYTES = 512 * 1024
# Wider or taller than this is no logo (and costs memory to decode wherever it is shown).
LOGO_MAX_SIDE = 4000
# The content types and file extensions of the accepted kinds.
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_START = b"\xff\xd8\xff"
JPEG_END = b"\xff\xd9"
# The start-of-frame markers, which carry the image's size: C0-CF but DHT, JPG and DAC.
JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length: TEM and the restart markers.
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
JPEG_SCAN = 0xDA
SVG_START = re.compile(rb"^(\xef\xbb\xbf)?\s*<(\?xml|svg|!doctype svg|!--)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LogoImage:
    content_type: str
    width: int
    height: int


def _unreadable(kind: str) -> Invalid:
    return Invalid(
        f"The file starts as a {kind} image but is cut short or damaged.",
        code="logo_unreadable",
        details=[{"field": "logo", "message": f"not a whole {kind} image"}],
    )


def _unsupported(what: str) -> Invalid:
    return Invalid(
        f"{what} Upload a PNG, JPEG or WebP image.",
        code="logo_type_unsupported",
        details=[{"field": "logo", "message": "must be a PNG, JPEG or WebP image"}],
    )


def _png(data: bytes) -> tuple[int, int]:
    """Walks every chunk (length, type, data, CRC): IHDR first, IDAT in it, IEND last."""
    offset = len(PNG_SIGNATURE)
    seen: list[bytes] = []
    size = (0, 0)
    while offset < len(data):
        if offset + 12 > len(data):
            raise _unreadable("PNG")
        (length,) = struct.unpack_from(">I", data, offset)
        kind = data[offset + 4 : offset + 8]
        end = offset + 8 + length
        if end + 4 > len(data):
            raise _unreadable("PNG")
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(data[offset + 4 : end]) != crc:
            raise _unreadable("PNG")
        if not seen and (kind != b"IHDR" or length != 13):
            raise _unreadable("PNG")
        if not seen:
            size = struct.unpack_from(">II", data, offset + 8)
        seen.append(kind)
        offset = end + 4
        if kind == b"IEND":
            break
    if not seen or seen[-1] != b"IEND" or b"IDAT" not in seen or offset != len(data):
        raise _unreadable("PNG")
    return size


def _jpeg(data: bytes) -> tuple[int, int]:
    """The size in the first start-of-frame segment before the scan; the file must end
    with the end-of-image marker."""
    if not data.endswith(JPEG_END):
        raise _unreadable("JPEG")
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise _unreadable("JPEG")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in JPEG_STANDALONE:
            offset += 2
            continue
        (length,) = struct.unpack_from(">H", data, offset + 2)
        if length < 2 or offset + 2 + length > len(data):
            raise _unreadable("JPEG")
        if marker in JPEG_FRAMES:
            if length < 7:
                raise _unreadable("JPEG")
            height, width = struct.unpack_from(">HH", data, offset + 5)
            return width, height
        if marker == JPEG_SCAN:
            break
        offset += 2 + length
    raise _unreadable("JPEG")


def _webp(data: bytes) -> tuple[int, int]:
    """RIFF's length covers the file; the first chunk is VP8 (lossy), VP8L (lossless)
    or VP8X (extended), each with the size in its own layout."""
    if len(data) < 20:
        raise _unreadable("WebP")
    (riff_length,) = struct.unpack_from("<I", data, 4)
    if riff_length + 8 != len(data):
        raise _unreadable("WebP")
    kind = data[12:16]
    (chunk_length,) = struct.unpack_from("<I", data, 16)
    body = data[20 : 20 + chunk_length]
    if len(body) != chunk_length:
        raise _unreadable("WebP")
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", body, 6)
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        (bits,) = struct.unpack_from("<I", body, 1)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(body) >= 10:
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
        return width, height
    raise _unreadable("WebP")


def read_logo(data: bytes) -> LogoImage:
    """The image `data` holds, or the refusal: 413 `logo_too_large` over LOGO_MAX_BYTES;
    422 `logo_missing`, `logo_type_unsupported`, `logo_unreadable` or
    `logo_dimensions_out_of_range`."""
    if not data:
        raise Invalid(
            "Choose an image file to upload.",
            code="logo_missing",
            details=[{"field": "logo", "message": "is required"}],
        )
    if len(data) > LOGO_MAX_BYTES:
        raise TooLarge(
            f"The logo is {len(data)} bytes; at most {LOGO_MAX_BYTES} (512 KiB) are accepted.",
            code="logo_too_large",
            details=[{"field": "logo", "message": "must be at most 512 KiB"}],
        )
    if data.startswith(PNG_SIGNATURE):
        content_type, (width, height) = "image/png", _png(data)
    elif data.startswith(JPEG_START):
        content_type, (width, height) = "image/jpeg", _jpeg(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        content_type, (width, height) = "image/webp", _webp(data)
    elif SVG_START.match(data[:256]) and b"<svg" in data.lower():
        raise _unsupported("SVG is not accepted: it may carry scripts.")
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        raise _unsupported("GIF is not accepted.")
    else:
        raise _unsupported("The file is not an image of a known kind.")
    if not (1 <= width <= LOGO_MAX_SIDE and 1 <= height <= LOGO_MAX_SIDE):
        raise Invalid(
            f"The logo is {width} by {height} pixels; each side must be 1 to {LOGO_MAX_SIDE}.",
            code="logo_dimensions_out_of_range",
            details=[{"field": "logo", "message": f"at most {LOGO_MAX_SIDE} pixels a side"}],
        )
    return LogoImage(content_type, width, height)
