"""What one photo costs the server (docs/scaling.md): bytes stored and seconds of one core to verify it.

    .venv/bin/python bench/photo_bench.py

A synthetic 12 MP frame (4032 x 3024, the default of most phones): light, shade and
blocks with sensor-like noise (Pillow only), saved as a phone would (JPEG q92), then put
through what verification does to every photo (sync/media_images.sanitise:
decode, turn upright, re-encode q90 without metadata). Real scenes vary by 2x
either way; the figure is for sizing disks and verifier cores, not a promise.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageChops  # noqa: E402

from fieldnotes.sync.media_images import sanitise  # noqa: E402

ROUNDS = 3


def phone_photo(path, width=4032, height=3024):
    size = (width, height)
    light = Image.linear_gradient("L").resize(size)
    shade = Image.radial_gradient("L").resize(size)
    detail = Image.radial_gradient("L").resize((width // 9, height // 9)).resize(size, Image.Resampling.NEAREST)
    channels = [ImageChops.add(Image.blend(a, b, 0.5), Image.effect_noise(size, 10), scale=1.0, offset=-120)
                for a, b in ((light, shade), (shade, detail), (detail, light))]
    Image.merge("RGB", channels).save(path, "JPEG", quality=92)


def main():
    with tempfile.TemporaryDirectory() as folder:
        sent, kept = Path(folder) / "sent.jpg", Path(folder) / "kept.jpg"
        phone_photo(sent)
        times = []
        for _ in range(ROUNDS):
            began = time.perf_counter()
            sanitise(sent, kept, "image/jpeg")
            times.append(time.perf_counter() - began)
        print(f"12 MP photo: sent {sent.stat().st_size / 1e6:.2f} MB, stored {kept.stat().st_size / 1e6:.2f} MB; "
              f"verification (decode + re-encode) {min(times):.2f} s best of {ROUNDS} on one core; "
              f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
