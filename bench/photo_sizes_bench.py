"""Stored photo size against what the phone sent (issue 12: a 154 KB JPEG became 177 KB).

For photo-like JPEGs at the qualities phones use, with EXIF (GPS) and XMP, upright and turned,
and a PNG and a WebP: bytes sent, bytes the old rule kept (turn, re-encode at quality 90, or
PNG unoptimised / WebP quality 90), and bytes kept now (fieldnotes/sync/media_images.sanitise).
No database or server: the rule is the same function the upload calls.

    /work/main/.venv/bin/python bench/photo_sizes_bench.py [--size 2016x1512]
"""
import argparse
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fieldnotes.sync.media_images import sanitise  # noqa: E402

GPS, ORIENTATION, MAKE = 34853, 0x0112, 0x010F
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.26N"/>'
       b'</rdf:RDF></x:xmpmeta>')


def scene(width, height):
    """Smooth shapes with grain, as a phone sees a desk: compresses like a photo, not like noise."""
    base = Image.radial_gradient("L").resize((width, height))
    return Image.merge("RGB", [base, Image.effect_noise((width, height), 12), base.rotate(35)])


def exif(orientation):
    data = Image.Exif()
    data[MAKE], data[ORIENTATION] = "FieldPhone", orientation
    data.get_ifd(GPS).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    return data


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def old_rule(data):
    """What was kept before issue 12: upright, re-encoded, JPEG and WebP at quality 90."""
    with Image.open(io.BytesIO(data)) as image:
        fmt = "JPEG" if image.format in ("JPEG", "MPO") else image.format
        options = {"PNG": {"optimize": False}}.get(fmt, {"quality": 90})
        upright = ImageOps.exif_transpose(image)
        upright.info = {}
        return len(encoded(upright, fmt, **options))


def now_rule(data, mime, folder):
    source, target = Path(folder) / "sent", Path(folder) / "kept"
    source.write_bytes(data)
    sanitise(source, target, mime)
    return target.stat().st_size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="2016x1512")
    width, height = map(int, parser.parse_args().size.split("x"))
    picture = scene(width, height)
    cases = [(f"JPEG q{q}{' optimised' if opt else ''}, {'upright' if o == 1 else 'turn 90°'}", "image/jpeg",
              encoded(picture, "JPEG", quality=q, optimize=opt, exif=exif(o), xmp=XMP))
             for q, opt, o in [(75, False, 1), (85, False, 1), (85, True, 1), (92, True, 1), (85, False, 6)]]
    cases += [("PNG optimised, upright", "image/png", encoded(picture.resize((width // 2, height // 2)), "PNG",
                                                              optimize=True, exif=exif(1))),
              ("WebP q80, upright", "image/webp", encoded(picture, "WEBP", quality=80, exif=exif(1), xmp=XMP))]
    print(f"| photo ({width}x{height}) | sent KB | before KB | now KB | now / sent |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, mime, data in cases:
            sent, before, now = len(data), old_rule(data), now_rule(data, mime, folder)
            print(f"| {name} | {sent / 1000:.0f} | {before / 1000:.0f} | {now / 1000:.0f} | {now / sent:.2f} |")


if __name__ == "__main__":
    main()
