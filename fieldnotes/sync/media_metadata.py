"""Metadata taken out of a photo without touching its pixels: the file's own compressed image, less EXIF and XMP.

Each function keeps only what a viewer needs to draw the picture (a keep-list, so metadata we have never
heard of goes too) and returns the new bytes, or None when the file is not laid out as expected; then
media_images.py keeps its re-encoded copy instead. The result is checked again there before it is kept.
"""
import struct
import zlib

JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and the restart markers carry no length
# APPn segments kept, by the signature they start with: JFIF (how to read the pixels), the colour profile,
# Adobe's colour transform. EXIF and XMP (APP1), IPTC (APP13), MPF and every other APPn and comment go.
JPEG_APP_KEPT = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
# PNG chunks kept: the image, its palette, transparency and the chunks that say how its colours look.
PNG_KEPT = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP",
            b"pHYs"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# WebP chunks kept: the image (lossy, lossless, alpha, animation frames), its header and colour profile.
WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def stripped(data, fmt):
    """`data` without metadata, for a JPEG, PNG or WebP (Pillow's format name); None if it cannot be done."""
    strip = {"JPEG": strip_jpeg, "MPO": strip_jpeg, "PNG": strip_png, "WEBP": strip_webp}.get(fmt)
    try:
        return strip(data) if strip else None
    except (IndexError, ValueError, struct.error):
        return None


def strip_jpeg(data):
    """The first image of a JPEG (an MPO's depth map or preview after it goes), with only JPEG_APP_KEPT."""
    if data[:2] != b"\xff\xd8":
        return None
    out, at = [b"\xff\xd8"], 2
    while at < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0xD9:  # end of image: anything after it (another image, trailing bytes) is dropped
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in JPEG_STANDALONE:
            out.append(data[at:at + 2])
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if length < 2 or at + 2 + length > len(data):
            return None
        segment = data[at:at + 2 + length]
        if kept_segment(marker, segment[4:]):
            out.append(segment)
        at += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next marker that is not data
            end = scan_end(data, at)
            out.append(data[at:end])
            at = end
    return None  # no end-of-image marker: cut short


def kept_segment(marker, payload):
    if marker == 0xFE or 0xE0 <= marker <= 0xEF:  # comment, application segments
        return any(payload.startswith(signature) for signature in JPEG_APP_KEPT.get(marker, ()))
    return True  # tables, frame and scan headers: the image itself


def scan_end(data, at):
    """Where the entropy-coded data that starts at `at` ends: the first 0xFF not stuffed (00) or a restart."""
    while True:
        at = data.index(b"\xff", at)
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at


def strip_png(data):
    """The PNG with only PNG_KEPT chunks, each copied with its own checksum, ending at IEND."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    out, at = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        chunk = data[at:at + 12 + length]
        if len(chunk) != 12 + length or zlib.crc32(chunk[4:-4]) != struct.unpack(">I", chunk[-4:])[0]:
            return None
        if kind in PNG_KEPT:
            out.append(chunk)
        if kind == b"IEND":
            return b"".join(out)
        at += 12 + length
    return None


def strip_webp(data):
    """The WebP with only WEBP_KEPT chunks, the extended header's EXIF and XMP flags cleared."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + riff_size)
    out, at = [], 12
    while at + 8 <= end:
        kind = data[at:at + 4]
        (size,) = struct.unpack("<I", data[at + 4:at + 8])
        chunk = data[at:at + 8 + size + (size & 1)]  # chunks are padded to an even length
        if len(chunk) < 8 + size:
            return None
        if kind == b"VP8X":
            chunk = chunk[:8] + bytes([chunk[8] & ~(VP8X_EXIF | VP8X_XMP) & 0xFF]) + chunk[9:]
        if kind in WEBP_KEPT:
            out.append(chunk)
        at += len(chunk)
    body = b"WEBP" + b"".join(out)
    return b"RIFF" + struct.pack("<I", len(body)) + body
