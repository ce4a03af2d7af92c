"""Which photos and recordings we take, recognised by their first bytes rather than their name."""
MB = 1024 * 1024
MAX_SIZE = {"photo": 25 * MB, "audio": 100 * MB}

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
AUDIO_TYPES = {"audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg"}
ALLOWED = {"photo": PHOTO_TYPES, "audio": AUDIO_TYPES}

# Other spellings browsers and phones use for the same formats.
SYNONYMS = {"image/jpg": "image/jpeg", "image/heif": "image/heic", "audio/x-m4a": "audio/mp4",
            "audio/m4a": "audio/mp4", "audio/aac": "audio/mp4", "audio/mp3": "audio/mpeg",
            "video/webm": "audio/webm", "video/mp4": "audio/mp4"}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
SNIFF_BYTES = 16
# Declared, so a note naming one is still taken, but never stored: photos are re-encoded without their
# location and Pillow cannot read HEIC without a plugin. Phones' file inputs (accept="image/*") give JPEG.
NOT_STORED = {"image/heic": "HEIC photos cannot be stored yet: we could not remove their location. "
                            "Choose the photo again as a JPEG (on iPhone: Camera > Formats > Most Compatible)."}


def canonical_mime(mime):
    """'audio/webm;codecs=opus' -> 'audio/webm'; synonyms to one name."""
    base = (mime or "").split(";", 1)[0].strip().lower()
    return SYNONYMS.get(base, base)


def sniff(head):
    """The type the content really is, from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "image/heic" if head[8:12] in HEIC_BRANDS else "audio/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def content_type_error(slot, head):
    """A message when the bytes are not a type this slot takes."""
    found = sniff(head)
    if found in NOT_STORED:
        return NOT_STORED[found]
    if found not in ALLOWED[slot]:
        kinds = ", ".join(sorted(t.split("/")[1].upper() for t in ALLOWED[slot] - NOT_STORED.keys()))
        return f"The file is not a {slot} we can take ({kinds})."
    return None
