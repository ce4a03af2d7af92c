"""Photos for boards are never made larger on the way in, and never keep where they were taken (issue 12).

A phone's 154 KB JPEG became 177 KB when every photo was re-encoded at quality 90. Now an upright photo
loses its metadata without re-encoding, the smaller of that and a re-encoded copy is kept, and a photo
that must be turned is re-encoded with its own quantisation tables.
"""
import io

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from fieldnotes.sync.media_metadata import stripped
from tests.test_sync_media_exif import GPS, MAKE, declare, encoded, send, served

ORIENTATION = 0x0112


def photo_like(width=800, height=600):
    """Smooth shapes with a little grain, as a camera sees a desk: compresses like a photo, not like noise."""
    base = Image.radial_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 12)
    return Image.merge("RGB", [base, grain, base.rotate(35)])


def located(orientation=1):
    exif = Image.Exif()
    exif[MAKE] = "FieldPhone"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    return exif


def xmp(latitude="51,30.26N"):
    return (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="'
            + latitude.encode() + b'"/></rdf:RDF></x:xmpmeta>')


def pixels(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def assert_no_location(shown):
    assert b"FieldPhone" not in shown and b"Exif" not in shown and b"GPSLatitude" not in shown
    with Image.open(io.BytesIO(shown)) as image:
        assert not image.getexif() and "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info


@pytest.mark.parametrize("quality, optimize", [(75, False), (85, False), (85, True), (95, True)],
                         ids=["q75", "q85", "q85-optimised", "q95-optimised"])
def test_an_upright_jpeg_with_gps_is_stored_no_larger_and_without_location(app, client, study_id,
                                                                           quality, optimize):
    sent = encoded(photo_like(), "JPEG", quality=quality, optimize=optimize, exif=located(), xmp=xmp())
    item = declare(client, study_id, sent, "image/jpeg")
    assert send(client, item, sent, chunk=8192).headers["Upload-Status"] == "verified"
    shown = served(client, item)
    assert_no_location(shown)
    assert len(shown) < len(sent)  # the metadata is gone and nothing grew
    without_metadata = stripped(sent, "JPEG")
    if shown == without_metadata:  # kept lossless: the very pixels the phone took
        assert pixels(shown) == pixels(sent)
    else:  # re-encoded only because that came out smaller still
        assert len(shown) <= len(without_metadata)


def test_a_jpeg_the_phone_says_to_turn_is_turned_and_stays_about_its_size(app, client, study_id):
    sent = encoded(photo_like(800, 600), "JPEG", quality=80, exif=located(orientation=6))
    item = declare(client, study_id, sent, "image/jpeg")
    assert send(client, item, sent).headers["Upload-Status"] == "verified"
    shown = served(client, item)
    assert_no_location(shown)
    with Image.open(io.BytesIO(shown)) as image:
        assert image.size == (600, 800)  # upright, with nothing left to say it
    # Its own tables, not quality 90: a quality-80 photo was ~40% larger re-encoded that way.
    assert len(shown) <= len(sent)


def test_png_and_webp_keep_their_pixels_and_lose_text_exif_and_xmp_without_growing(app, client, study_id):
    text = PngInfo()
    text.add_text("Location", "51.5074 N, 0.1278 W")
    text.add_itxt("XML:com.adobe.xmp", xmp().decode())
    picture = photo_like(320, 240)
    for sent, mime in [(encoded(picture, "PNG", pnginfo=text, exif=located(), optimize=True), "image/png"),
                       (encoded(picture, "WEBP", exif=located(), xmp=xmp(), quality=80), "image/webp")]:
        item = declare(client, study_id, sent, mime)
        assert send(client, item, sent).headers["Upload-Status"] == "verified"
        shown = served(client, item)
        assert_no_location(shown)
        assert b"51.5074" not in shown and len(shown) < len(sent)
        if mime == "image/png":
            assert pixels(shown) == picture.tobytes()
        else:
            assert pixels(shown) == pixels(sent)  # not re-encoded: WebP at quality 90 would be larger


@pytest.mark.parametrize("data, fmt", [
    (b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", "JPEG"),          # cut short inside a segment
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + bytes(17), "PNG"),  # a chunk whose checksum is wrong
    (b"GIF89a", "GIF"),
], ids=["jpeg-cut-short", "png-bad-crc", "not-ours"])
def test_a_file_not_laid_out_as_expected_is_not_stripped_so_the_reencoded_copy_is_kept(data, fmt):
    assert stripped(data, fmt) is None


def test_a_stripped_copy_that_is_not_the_same_picture_is_never_kept():
    from fieldnotes.sync.media_images import clean
    sent = encoded(photo_like(64, 48), "WEBP", exif=located())
    assert clean(stripped(sent, "WEBP"), "WEBP", (64, 48), "RGB")
    assert not clean(b"RIFF\x04\x00\x00\x00WEBP", "WEBP", (64, 48), "RGB")  # no picture left in it
    assert not clean(sent, "WEBP", (64, 48), "RGB")  # its EXIF is still there


def test_a_phones_mpo_keeps_its_first_picture_only_without_location(app, client, study_id):
    """An MPO is a JPEG with a second picture (a depth map or preview) after it, each with its own EXIF."""
    buffer = io.BytesIO()
    photo_like(400, 300).save(buffer, "MPO", save_all=True, append_images=[photo_like(200, 150)],
                              exif=located(), quality=85)
    sent = buffer.getvalue()
    assert sent.count(b"FieldPhone") == 2
    item = declare(client, study_id, sent, "image/jpeg")
    assert send(client, item, sent).headers["Upload-Status"] == "verified"
    shown = served(client, item)
    assert_no_location(shown)
    assert len(shown) < len(sent) and shown.count(b"\xff\xd8") == 1  # one picture, no second image after it
    with Image.open(io.BytesIO(shown)) as image:
        assert (image.format, image.size, getattr(image, "n_frames", 1)) == ("JPEG", (400, 300), 1)
