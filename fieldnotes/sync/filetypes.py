"""Which photos and recordings we take, recognised by their first bytes rather than their name.

A file must be what its note declared: the declared type is what the file is served as,
so a recording declared as WebM that is really an MP3 (or a PNG declared as a JPEG)
is refused rather than stored under the wrong name. Photos are then decoded in full
(media_images.py); recordings cannot be decoded here, so their headers are read
further than the magic number: the WebM DocType, the Ogg codec, a valid MPEG frame.
"""
MB = 1024 * 1024
MAX_SIZE = {"photo": 25 * MB, "audio": 100 * MB}

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
AUDIO_TYPES = {"audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/aac"}
ALLOWED = {"photo": PHOTO_TYPES, "audio": AUDIO_TYPES}
KINDS = {"photo": "a photo", "audio": "an audio recording"}
NAMES = {"image/jpeg": "a JPEG photo", "image/png": "a PNG image", "image/webp": "a WebP image",
         "image/heic": "a HEIC photo", "audio/webm": "a WebM recording", "audio/ogg": "an Ogg recording",
         "audio/mp4": "an MP4 (M4A) recording", "audio/mpeg": "an MP3 recording",
         "audio/aac": "an AAC (ADTS) recording"}

# Other spellings browsers and phones use for the same formats.
SYNONYMS = {"image/jpg": "image/jpeg", "image/heif": "image/heic", "audio/x-m4a": "audio/mp4",
            "audio/m4a": "audio/mp4", "audio/x-aac": "audio/aac", "audio/mp3": "audio/mpeg",
            "video/webm": "audio/webm", "video/mp4": "audio/mp4"}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
SNIFF_BYTES = 64  # enough for a WebM header's DocType and an Ogg page's first packet
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE = 0x4282
OGG_CODECS = (b"OpusHead", b"\x01vorbis")
# Declared, so a note naming one is still taken, but never stored: photos are re-encoded without their
# location and Pillow cannot read HEIC without a plugin. Phones' file inputs (accept="image/*") give JPEG.
NOT_STORED = {"image/heic": "HEIC photos cannot be stored yet: we could not remove their location. "
                            "Choose the photo again as a JPEG (on iPhone: Camera > Formats > Most Compatible)."}


def canonical_mime(mime):
    """'audio/webm;codecs=opus' -> 'audio/webm'; synonyms to one name."""
    base = (mime or "").split(";", 1)[0].strip().lower()
    return SYNONYMS.get(base, base)


def sniff(head):
    """The type the content really is, from its first SNIFF_BYTES bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "image/heic" if head[8:12] in HEIC_BRANDS else "audio/mp4"
    if head.startswith(EBML_MAGIC):
        return "audio/webm" if ebml_doctype(head) == b"webm" else None  # "matroska" is not WebM
    if head.startswith(b"OggS"):
        return "audio/ogg" if ogg_first_packet(head).startswith(OGG_CODECS) else None
    if head.startswith(b"ID3") or is_mpeg_frame(head):
        return "audio/mpeg"
    if is_adts_frame(head):
        return "audio/aac"
    return None


def ebml_doctype(head):
    """The DocType in a Matroska/WebM file's EBML header, or None when the header does not parse."""
    try:
        size, pos = vint(head, len(EBML_MAGIC))
        end = min(pos + size, len(head))
        while pos < end:
            element, pos = vint(head, pos, keep_marker=True)
            size, pos = vint(head, pos)
            if element == EBML_DOCTYPE:
                return head[pos:pos + size]
            pos += size
    except IndexError:
        pass
    return None


def vint(data, pos, keep_marker=False):
    """An EBML variable-length integer at `pos`: (value, position after it). IndexError if cut short."""
    first = data[pos]
    length = 9 - first.bit_length()  # the count of leading zero bits, plus one
    if first == 0 or pos + length > len(data):
        raise IndexError("not an EBML integer")
    value = int.from_bytes(data[pos:pos + length], "big")
    return (value if keep_marker else value & ((1 << (7 * length)) - 1)), pos + length


def ogg_first_packet(head):
    """The start of the first packet of an Ogg page (its codec's signature), or b""."""
    if len(head) < 27 or head[4] != 0:
        return b""
    return head[27 + head[26]:]


def is_mpeg_frame(head):
    """An MPEG audio frame header: 11 sync bits, and no reserved version, layer, bitrate or rate."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def is_adts_frame(head):
    """An AAC ADTS frame header: 12 sync bits, layer 0, a real sampling-rate index."""
    return len(head) >= 3 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 0xF < 13


def content_type_error(slot, head, declared):
    """A message when the bytes are not a type this slot takes, or not the type the note declared."""
    found = sniff(head)
    if found in NOT_STORED:
        return NOT_STORED[found]
    if found not in ALLOWED[slot]:
        kinds = ", ".join(sorted(t.split("/")[1].upper() for t in ALLOWED[slot] - NOT_STORED.keys()))
        return f"The file is not {KINDS[slot]} we can take ({kinds})."
    if found != canonical_mime(declared):
        return f"The file is {NAMES[found]}, but its note declared {declared}."
    return None
