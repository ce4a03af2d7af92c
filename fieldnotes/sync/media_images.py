"""Photos cleaned on arrival: decoded under a pixel limit, turned upright, kept without EXIF, XMP or text.

A photo already upright loses its metadata without being re-encoded (media_metadata.py), and the smaller of
that and a re-encoded copy is kept, so a photo never grows on the way to a board (a phone's 154 KB JPEG
became 177 KB when every photo was re-encoded at quality 90). A photo the phone says to turn must be
re-encoded; a JPEG keeps its own quantisation tables and chroma subsampling, so it stays about its size.
"""
import io
import os
import struct
import warnings

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin

from fieldnotes.sync.media_metadata import stripped

# Phones save 12-24 MP by default and at most 48 MP (8064 x 6048) in "full resolution" modes; 50 MP takes
# every real photo and refuses bombs early. One photo at the limit decodes to ~150 MB of RGB.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own check at open(): warns above this, raises above twice it

# The only decoders a file that sniffed as this type may reach (an MPO is a phone's JPEG with a depth map).
DECODERS = {"image/jpeg": ["JPEG", "MPO"], "image/png": ["PNG"], "image/webp": ["WEBP"]}
ENCODERS = {"JPEG": ("JPEG", {"quality": 90}), "MPO": ("JPEG", {"quality": 90}),
            "PNG": ("PNG", {"optimize": False}), "WEBP": ("WEBP", {"quality": 90})}
# What Pillow reports of a file's metadata: none of it may be left in a photo we keep.
METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "mp", "Raw profile type exif"}
# Hostile or broken files make decoders raise any of these; each means "not a photo we can read".
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error,
                 Image.DecompressionBombError, Image.DecompressionBombWarning)


class NotAPhoto(Exception):
    """The bytes are not a photo we can decode, or would decode to too many pixels."""


def sanitise(source, target, mime):
    """Write to `target` the photo in `source`, upright, in its own format, with no metadata but colour."""
    with decode(source, mime) as image:
        fmt = image.format
        reencoded = reencode(image)
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) not in (0, 1)
        size, mode = image.size, image.mode
    kept = reencoded
    if not turned:
        with open(source, "rb") as file:
            lossless = stripped(file.read(), fmt)
        # Ties go to the lossless copy: the same size and not a pixel changed.
        if lossless is not None and len(lossless) <= len(reencoded) and clean(lossless, fmt, size, mode):
            kept = lossless
    with open(target, "wb") as file:
        file.write(kept)
        file.flush()
        os.fsync(file.fileno())


def reencode(image):
    """The photo turned upright and saved again in its own format, keeping only its colour profile."""
    fmt, options = ENCODERS[image.format]
    if fmt == "JPEG" and getattr(image, "quantization", None):
        # The phone's own quality: its tables and subsampling, not a fixed quality that may be higher (a
        # quality given with the tables would scale them). Without a quality Pillow's output buffer is
        # large enough for optimised Huffman tables, which cost no pixels.
        options = {"qtables": image.quantization, "optimize": True}
        sampling = JpegImagePlugin.get_sampling(image)
        if sampling != -1:
            options["subsampling"] = sampling
    upright = ImageOps.exif_transpose(image)
    # Keep only what changes how the pixels look; EXIF (GPS), XMP, comments and PNG text all go.
    kept = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
    upright.info = {}
    if "icc_profile" in kept:
        options = {**options, "icc_profile": kept["icc_profile"]}
    if "transparency" in kept and fmt == "PNG":
        options = {**options, "transparency": kept["transparency"]}
    buffer = io.BytesIO()
    upright.save(buffer, fmt, **options)
    return buffer.getvalue()


def clean(data, fmt, size, mode):
    """True when `data` decodes as the same picture and Pillow finds no metadata left in it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # An MPO's first picture, kept alone, is a plain JPEG.
            with Image.open(io.BytesIO(data), formats=["JPEG" if fmt == "MPO" else fmt]) as image:
                image.load()
                return ((image.size, image.mode) == (size, mode) and not image.getexif()
                        and not METADATA_KEYS & set(image.info) and not getattr(image, "text", None))
    except Exception:  # noqa: BLE001 - whatever goes wrong, the re-encoded copy is kept instead
        return False


def decode(source, mime):
    """The fully decoded image; NotAPhoto if it is broken, not this type, or a decompression bomb."""
    try:
        with warnings.catch_warnings():
            # Metadata warnings (corrupt EXIF) do not matter: the metadata is thrown away.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source, formats=DECODERS[mime]) as probe:
                check_size(probe)
                probe.verify()  # checksums and structure, without decoding the pixels
            image = Image.open(source, formats=DECODERS[mime])  # verify() leaves an image unusable
            try:
                check_size(image)
                image.load()  # a truncated file fails here
            except BaseException:
                image.close()
                raise
    except NotAPhoto:
        raise
    except DECODE_ERRORS as error:
        if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
            raise NotAPhoto(too_big_message()) from error
        raise NotAPhoto("The photo could not be read: it is damaged, cut short, "
                        "or not really a JPEG, PNG or WebP.") from error
    return image


def check_size(image):
    # Also here, not only in Pillow's global check, so the limit holds whatever the warning filters are.
    if image.width * image.height > MAX_PIXELS:
        raise NotAPhoto(too_big_message())


def too_big_message():
    return f"The photo has more than {MAX_PIXELS // 1_000_000} megapixels; we take photos up to that size."
