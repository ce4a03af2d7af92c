"""Draw the app icons (PNG, standard library only): python scripts/make_icons.py."""
import struct
import zlib
from pathlib import Path

BRAND = (0x1F, 0x5F, 0x5B)
PAPER = (0xFB, 0xFA, 0xF7)
ACCENT = (0xE8, 0xB0, 0x4B)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"


def png(width, height, rows):
    """Encode RGBA rows (lists of (r, g, b, a)) as a PNG file's bytes."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def inside_rounded(x, y, size, radius):
    cx = min(max(x, radius), size - 1 - radius)
    cy = min(max(y, radius), size - 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def pixel(x, y, size, maskable):
    """A notebook page with ruled lines on the brand colour; maskable keeps it in the safe zone."""
    if not maskable and not inside_rounded(x, y, size, size * 0.18):
        return (0, 0, 0, 0)
    u, v = x / size, y / size
    margin = 0.30 if maskable else 0.22
    left, right, top, bottom = margin, 1 - margin, margin * 0.9, 1 - margin * 0.9
    if left <= u <= right and top <= v <= bottom:
        if left <= u <= left + (right - left) * 0.12:
            return (*ACCENT, 255)  # the binding
        line_gap = (bottom - top) / 6
        for i in range(1, 6):
            if abs(v - (top + i * line_gap)) < 0.012 and u > left + (right - left) * 0.22:
                return (*BRAND, 255)
        return (*PAPER, 255)
    return (*BRAND, 255)


def draw(size, maskable):
    return png(size, size, [[pixel(x, y, size, maskable) for x in range(size)] for y in range(size)])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(draw(size, maskable=False))
        (OUT / f"icon-maskable-{size}.png").write_bytes(draw(size, maskable=True))


if __name__ == "__main__":
    main()
