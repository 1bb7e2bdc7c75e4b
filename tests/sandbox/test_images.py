"""Generated demo images: valid PNGs, deterministic, distinct per name; and sniffing upload formats."""
from __future__ import annotations

import struct
import zlib

import pytest

from synq_desktop.sandbox.images import IMAGE_MEDIA_TYPES, is_image, render_png


def _decode(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and raw RGB rows of a PNG written by render_png (checks every chunk's CRC)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind, payload = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", payload[:10])
            assert (depth, color_type) == (8, 2)
        elif kind == b"IDAT":
            idat += payload
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    assert len(raw) == stride * height
    assert all(raw[row * stride] == 0 for row in range(height))
    return width, height, b"".join(raw[row * stride + 1:(row + 1) * stride] for row in range(height))


def test_render_png_is_a_valid_png_of_the_asked_size():
    for width, height in ((256, 256), (64, 40), (1, 1), (300, 120)):
        w, h, pixels = _decode(render_png("sbx00001-1", width, height))
        assert (w, h) == (width, height) and len(pixels) == width * height * 3


def test_same_name_same_bytes_and_cached():
    render_png.cache_clear()
    first = render_png("tjx00042-red")
    assert render_png("tjx00042-red") is first, "served from the cache"
    render_png.cache_clear()
    assert render_png("tjx00042-red") == first, "deterministic without the cache too"


def test_different_names_look_different():
    names = [f"prd{n:05d}-{view}" for n in range(1, 13) for view in (1, 2)] + [f"brand-{n}" for n in range(1, 13)]
    pictures = {name: _decode(render_png(name, 48, 48))[2] for name in names}
    assert len(set(pictures.values())) == len(names)
    # Visibly different: the mean colour differs noticeably between most pairs.
    means = {name: tuple(sum(px[i::3]) / (48 * 48) for i in range(3)) for name, px in pictures.items()}
    distinct = sum(1 for a in names for b in names if a < b
                   and max(abs(x - y) for x, y in zip(means[a], means[b], strict=True)) > 8)
    pairs = len(names) * (len(names) - 1) // 2
    assert distinct > pairs * 0.8


def test_picture_is_not_flat():
    _w, _h, pixels = _decode(render_png("dmt00007-navy", 128, 128))
    colours = {pixels[i:i + 3] for i in range(0, len(pixels), 3)}
    assert len(colours) > 20, "gradient, shapes and initials"


@pytest.mark.parametrize("width,height", [(0, 10), (10, 0), (5000, 10), (-1, 5)])
def test_absurd_sizes_are_refused(width, height):
    with pytest.raises(ValueError):
        render_png("x", width, height)


def test_odd_names_still_render():
    for name in ("", "---", "ü-ñ", "\U0001f600", "a" * 500):
        assert is_image(render_png(name, 16, 16)) == "png"


def test_renders_are_cached():
    # The cost of one render is bench/sandbox_parts.py's business (target: under 50 ms).
    render_png.cache_clear()
    first = render_png("cached-name")
    assert render_png("cached-name") is first
    info = render_png.cache_info()
    assert info.hits == 1 and info.misses == 1


@pytest.mark.parametrize("data,kind", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
    (b"GIF89a\x01\x00\x01\x00", "gif"),
    (b"GIF87a\x01\x00\x01\x00", "gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
    (b"%PDF-1.7\n", None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"MZ\x90\x00", None),
    (b"", None),
    (b"\x89PN", None),
])
def test_is_image_sniffs_magic_bytes(data, kind):
    assert is_image(data) == kind
    if kind is not None:
        assert IMAGE_MEDIA_TYPES[kind].startswith("image/")
