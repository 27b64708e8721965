"""Small images built byte by byte, as their formats lay them out (no imaging library)."""

from __future__ import annotations

import struct
import zlib

from atlas.workspaces.logo import LOGO_MAX_BYTES


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int = 2, height: int = 1, *, padding: bytes = b"") -> bytes:
    """An RGB PNG of black pixels; `padding` goes into a private ancillary chunk (to make
    it bigger, or unique). Of a tall image only the first 100 rows are stored (the
    header is what the server reads)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress((b"\x00" + b"\x00\x00\x00" * width) * min(height, 100))
    extra = _png_chunk(b"prVt", padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + extra
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def png_of_size(size: int) -> bytes:
    """A valid PNG of exactly `size` bytes (a private chunk of 12 bytes and its data pads it)."""
    image = png(padding=b"\x00" * (size - len(png()) - 12))
    assert len(image) == size
    return image


def _jpeg_segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def jpeg(width: int = 2, height: int = 1) -> bytes:
    """A baseline greyscale JPEG: SOI, JFIF, a quantisation table, the frame with its size,
    a Huffman table, the scan and EOI."""
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    quantisation = b"\x00" + b"\x01" * 64
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    huffman = b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00"
    scan = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, jfif)
        + _jpeg_segment(0xDB, quantisation)
        + _jpeg_segment(0xC0, frame)
        + _jpeg_segment(0xC4, huffman)
        + _jpeg_segment(0xDA, scan)
        + b"\x00\x00"
        + b"\xff\xd9"
    )


def _riff(chunk: bytes, data: bytes) -> bytes:
    body = chunk + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_lossy(width: int = 2, height: int = 1) -> bytes:
    """A VP8 key frame's header: frame tag, start code, 14-bit width and height."""
    frame = b"\x30\x01\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 8
    return _riff(b"VP8 ", frame)


def webp_lossless(width: int = 2, height: int = 1) -> bytes:
    """A VP8L header: signature, then width - 1 and height - 1 in 14 bits each."""
    bits = (width - 1) | ((height - 1) << 14)
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\x00" * 3)


def webp_extended(width: int = 2, height: int = 1) -> bytes:
    """A VP8X header (canvas width - 1 and height - 1 in 24 bits each) before a VP8L image."""
    canvas = (
        b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    )
    simple = webp_lossless(width, height)[12:]
    extended = _riff(b"VP8X", canvas)
    body = extended[12:] + simple
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
LARGEST = LOGO_MAX_BYTES
