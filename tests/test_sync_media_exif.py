"""Photos are stored re-encoded without EXIF (location); files that do not decode or are bombs get 422."""
import hashlib
import io
import uuid

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment
from tests.factories import note_mutation

DEVICE = "0f6c0a3e-9a4e-4c1e-8f0e-7d5b3c2a1e01"
GPS, ORIENTATION, MAKE = 34853, 0x0112, 0x010F


def phone_exif():
    """What a phone writes: its make, 'rotate 90° clockwise to view', and where the photo was taken."""
    exif = Image.Exif()
    exif[MAKE] = "FieldPhone"
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    return exif


def picture(width=320, height=200):
    return Image.effect_noise((width, height), 60).convert("RGB")


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def declare(client, study_id, content, mime):
    item = {"id": str(uuid.uuid4()), "slot": "photo", "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "mime": mime}
    mutation = note_mutation(study_id, media=[item])
    pushed = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
    assert pushed.json["results"][0]["status"] == "applied", pushed.json
    return item


def send(client, item, content, chunk=None):
    """Upload in chunks as the phone does; the last answer."""
    chunk = chunk or len(content)
    for offset in range(0, len(content), chunk):
        response = client.patch(f"/api/media/{item['id']}", data=content[offset:offset + chunk], headers={
            "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        if response.status_code != 204:
            break
    return response


def files_in(tmp_path):
    return [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


def served(client, item):
    with client.get(f"/media/{item['id']}") as response:
        assert response.status_code == 200
        return response.data


def test_a_jpeg_with_gps_is_stored_and_served_without_any_exif_and_upright(app, client, study_id, tmp_path):
    sent = encoded(picture(320, 200), "JPEG", exif=phone_exif(), quality=95)
    assert b"FieldPhone" in sent
    item = declare(client, study_id, sent, "image/jpeg")
    last = send(client, item, sent, chunk=4096)  # resumable, in pieces, as before
    assert last.status_code == 204 and last.headers["Upload-Status"] == "verified"
    shown = served(client, item)
    with Image.open(io.BytesIO(shown)) as image:
        image.load()
        # Turned as the phone said (320 x 200 rotated a quarter), and no EXIF left to say it again.
        assert (image.format, image.size) == ("JPEG", (200, 320))
        assert not image.getexif() and "exif" not in image.info
    assert b"Exif" not in shown and b"FieldPhone" not in shown
    [stored] = files_in(tmp_path)
    assert stored.read_bytes() == shown and stored.name == hashlib.sha256(shown).hexdigest()
    # The phone's promise is unchanged: its upload is verified against the SHA-256 it sent.
    status = client.get(f"/api/media/{item['id']}").json
    assert (status["status"], status["sha256"], status["size"]) == ("verified", item["sha256"], len(sent))
    with app.app_context():
        attachment = db.session.get(Attachment, uuid.UUID(item["id"]))
        assert (attachment.stored_sha256, attachment.stored_size) == (stored.name, len(shown))


def test_png_and_webp_lose_their_text_and_exif_but_keep_their_pixels(app, client, study_id):
    original = picture(120, 90)
    text = PngInfo()
    text.add_text("Location", "51.5074 N, 0.1278 W")
    text.add_itxt("Comment", "taken at Ana's house")
    for sent, mime, marks in [
        (encoded(original, "PNG", pnginfo=text, exif=phone_exif()), "image/png",
         [b"eXIf", b"tEXt", b"iTXt", b"51.5074", b"Ana's house", b"FieldPhone"]),
        (encoded(original, "WEBP", exif=phone_exif(), quality=90), "image/webp", [b"EXIF", b"FieldPhone"]),
    ]:
        assert all(mark in sent for mark in marks)
        item = declare(client, study_id, sent, mime)
        assert send(client, item, sent).headers["Upload-Status"] == "verified"
        shown = served(client, item)
        assert not [mark for mark in marks if mark in shown]
        with Image.open(io.BytesIO(shown)) as image:
            assert image.size == (90, 120) and not image.getexif()
            if mime == "image/png":  # lossless: the very same pixels, turned upright
                assert image.tobytes() == original.transpose(Image.Transpose.ROTATE_270).tobytes()


def bomb(width, height):
    """A small PNG that says it is width x height (one bit per pixel, all white, compresses to little)."""
    return encoded(Image.new("1", (width, height), 1), "PNG")


TRUNCATED = encoded(picture(), "JPEG")[:2000]
POLYGLOT = b"\xff\xd8\xff\xe0<html><script>alert(document.cookie)</script></html>" * 4


@pytest.mark.parametrize("content, mime, message", [
    (TRUNCATED, "image/jpeg", "could not be read"),
    (POLYGLOT, "image/jpeg", "could not be read"),
    (bomb(20_000, 20_000), "image/png", "50 megapixels"),  # 400 MP: Pillow refuses outright
    (bomb(8_000, 8_000), "image/png", "50 megapixels"),    # 64 MP: only Pillow's warning, made an error
    (b"just some text, renamed to look like a photo.jpg\n" * 10, "image/jpeg", "not a photo"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(500), "image/heic", "HEIC"),
], ids=["truncated-jpeg", "jpeg-html-polyglot", "bomb-400mp", "bomb-64mp", "text-as-jpg", "heic"])
def test_files_that_do_not_decode_are_422_and_nothing_is_stored(app, client, study_id, tmp_path,
                                                                  content, mime, message):
    assert len(content) < 200_000  # small on the wire, whatever the header claims
    item = declare(client, study_id, content, mime)
    response = send(client, item, content, chunk=1000)
    assert response.status_code == 422 and message in response.json["description"], response.json
    assert not files_in(tmp_path)  # neither the upload nor anything made from it
    status = client.get(f"/api/media/{item['id']}")
    assert status.json["status"] == "pending" and status.headers["Upload-Offset"] == "0"
    assert client.get(f"/media/{item['id']}").status_code == 404
    with app.app_context():
        attachment = db.session.get(Attachment, uuid.UUID(item["id"]))
        assert attachment.stored_sha256 is None and attachment.stored_size is None
