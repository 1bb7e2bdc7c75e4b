"""Generated images for the demo catalog, and sniffing uploads for image formats.

Demo media URLs point at `/files/demo/<name>.png`; the sandbox draws those pictures itself, so nothing
leaves the machine. A name always gives the same picture, and different names give visibly different
ones (colours, gradient direction, shapes and the name's initials drawn in blocks), which lets a person
tell thumbnails apart in a gallery. Pure Python (zlib + struct), drawn a row span at a time, not pixel by
pixel, so a 256x256 picture costs a few milliseconds; results are cached.
"""
from __future__ import annotations

import colorsys
import functools
import hashlib
import random
import struct
import zlib

MAX_SIDE = 2048

# 5x7 glyphs, one string of five bits per row, for the initials.
_GLYPHS: dict[str, tuple[str, ...]] = {
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "B": ("11110", "10001", "10001", "11110", "10001", "10001", "11110"),
    "C": ("01111", "10000", "10000", "10000", "10000", "10000", "01111"),
    "D": ("11110", "10001", "10001", "10001", "10001", "10001", "11110"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "F": ("11111", "10000", "10000", "11110", "10000", "10000", "10000"),
    "G": ("01111", "10000", "10000", "10011", "10001", "10001", "01111"),
    "H": ("10001", "10001", "10001", "11111", "10001", "10001", "10001"),
    "I": ("11111", "00100", "00100", "00100", "00100", "00100", "11111"),
    "J": ("00111", "00010", "00010", "00010", "00010", "10010", "01100"),
    "K": ("10001", "10010", "10100", "11000", "10100", "10010", "10001"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "M": ("10001", "11011", "10101", "10101", "10001", "10001", "10001"),
    "N": ("10001", "11001", "10101", "10011", "10001", "10001", "10001"),
    "O": ("01110", "10001", "10001", "10001", "10001", "10001", "01110"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "Q": ("01110", "10001", "10001", "10001", "10101", "10010", "01101"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "T": ("11111", "00100", "00100", "00100", "00100", "00100", "00100"),
    "U": ("10001", "10001", "10001", "10001", "10001", "10001", "01110"),
    "V": ("10001", "10001", "10001", "10001", "10001", "01010", "00100"),
    "W": ("10001", "10001", "10001", "10101", "10101", "10101", "01010"),
    "X": ("10001", "10001", "01010", "00100", "01010", "10001", "10001"),
    "Y": ("10001", "10001", "01010", "00100", "00100", "00100", "00100"),
    "Z": ("11111", "00001", "00010", "00100", "01000", "10000", "11111"),
    "0": ("01110", "10011", "10101", "10101", "10101", "11001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
}

IMAGE_MEDIA_TYPES: dict[str, str] = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
# File name extension per kind (for stored uploads).
IMAGE_EXTENSIONS: dict[str, str] = {"png": "png", "jpeg": "jpg", "gif": "gif", "webp": "webp"}


def is_image(data: bytes) -> str | None:
    """The image kind ("png", "jpeg", "gif", "webp") the bytes start like, or None.

    Only the magic bytes are checked: enough to refuse a text file or an executable dropped by mistake,
    not a promise that the picture decodes.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def encode_png(width: int, height: int, rows: list[bytearray]) -> bytes:
    """An 8-bit RGB PNG from `height` rows of `width * 3` bytes."""
    raw = b"".join(b"\x00" + bytes(row) for row in rows)  # filter type 0 (None) on every row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b""))


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return int(r * 255), int(g * 255), int(b * 255)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> bytes:
    return bytes(int(a[i] + (b[i] - a[i]) * t) for i in range(3))


def _initials(name: str) -> str:
    """Up to two letters or digits that stand for the name ("tjx00042-red" -> "TR", "brand-3" -> "B3")."""
    words = [w for w in name.replace("_", "-").replace(".", "-").split("-") if w]
    letters = [w[0].upper() for w in words if w[0].isalnum() and w[0].upper() in _GLYPHS]
    if len(letters) < 2:
        letters += [c.upper() for c in name[1:] if c.upper() in _GLYPHS][: 2 - len(letters)]
    return "".join(letters[:2]) or "?"


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.rows = [bytearray(width * 3) for _ in range(height)]

    def span(self, y: int, x0: int, x1: int, color: bytes) -> None:
        if 0 <= y < self.height:
            x0, x1 = max(0, x0), min(self.width, x1)
            if x1 > x0:
                self.rows[y][x0 * 3:x1 * 3] = color * (x1 - x0)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: bytes) -> None:
        for y in range(max(0, y0), min(self.height, y1)):
            self.span(y, x0, x1, color)

    def disc(self, cx: float, cy: float, radius: float, color: bytes) -> None:
        for y in range(max(0, int(cy - radius)), min(self.height, int(cy + radius) + 1)):
            dy = y + 0.5 - cy
            if abs(dy) <= radius:
                half = (radius * radius - dy * dy) ** 0.5
                self.span(y, int(cx - half), int(cx + half), color)


@functools.lru_cache(maxsize=512)
def render_png(name: str, width: int = 256, height: int = 256) -> bytes:
    """A PNG picture for `name`: the same name always gives the same bytes."""
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ValueError(f"image sides must be between 1 and {MAX_SIDE} pixels")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()
    rng = random.Random(digest)
    hue = digest[0] / 256
    top = _rgb(hue, 0.35 + rng.random() * 0.3, 0.95)
    bottom = _rgb(hue + 0.08 + rng.random() * 0.1, 0.6 + rng.random() * 0.3, 0.55 + rng.random() * 0.25)
    canvas = _Canvas(width, height)

    # Background: a vertical or horizontal gradient (one fill per row, or per column band).
    if digest[1] % 2 == 0:
        for y in range(height):
            canvas.rows[y][:] = _mix(top, bottom, y / max(1, height - 1)) * width
    else:
        bands = 32
        row = bytearray()
        for band in range(bands):
            x0, x1 = band * width // bands, (band + 1) * width // bands
            row += _mix(top, bottom, band / (bands - 1)) * (x1 - x0)
        for y in range(height):
            canvas.rows[y][:] = row

    # Shapes in a complementary hue: discs and bars whose number, size and place come from the name.
    side = min(width, height)
    for _ in range(2 + digest[2] % 4):
        color = bytes(_rgb(hue + 0.5 + rng.uniform(-0.12, 0.12), 0.45 + rng.random() * 0.4,
                           0.6 + rng.random() * 0.4))
        if rng.random() < 0.55:
            canvas.disc(rng.uniform(0, width), rng.uniform(0, height), side * rng.uniform(0.08, 0.3), color)
        else:
            x, y = int(rng.uniform(0, width)), int(rng.uniform(0, height))
            canvas.rect(x, y, x + int(side * rng.uniform(0.1, 0.5)), y + int(side * rng.uniform(0.05, 0.2)), color)

    # The initials in blocks, on a plate so they read on any background.
    letters = _initials(name)
    block = max(1, side // (6 * len(letters) + 10))
    text_w = (len(letters) * 6 - 1) * block
    text_h = 7 * block
    left, up = (width - text_w) // 2, (height - text_h) // 2
    canvas.rect(left - 2 * block, up - 2 * block, left + text_w + 2 * block, up + text_h + 2 * block,
                bytes(_rgb(hue, 0.15, 0.98)))
    ink = bytes(_rgb(hue, 0.8, 0.3))
    for position, letter in enumerate(letters):
        glyph = _GLYPHS.get(letter)
        if glyph is None:
            continue
        gx = left + position * 6 * block
        for gy, bits in enumerate(glyph):
            for col, bit in enumerate(bits):
                if bit == "1":
                    canvas.rect(gx + col * block, up + gy * block, gx + (col + 1) * block, up + (gy + 1) * block, ink)
    return encode_png(width, height, canvas.rows)
