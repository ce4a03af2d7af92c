"""QDPX export of 10,000 notes with 500 photos (issue 10): time and peak RSS, beside a plain DB-API floor.

    .venv/bin/python bench/export_qdpx_bench.py                   # SQLite file in a temp dir
    .venv/bin/python bench/export_qdpx_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_qda_bench

The PostgreSQL database must exist; its tables are dropped and made again. The study is the
synthetic one of `flask seed-demo --notes` (demo/large.py: 72 participants, 20 tags, texts from the
demo sentence bank), with 20 insights of 50 notes each and a real JPEG (made by Pillow, about
30 KB) on 500 notes. Each figure runs in its own child process, so its peak RSS (VmHWM) is
its own: "idle" is the app started and nothing done (the floor of every other RSS figure), "floor"
is the unavoidable work with the DB-API alone (one SELECT of the texts written into a zip, the
photos copied in), "export" is fieldnotes.exports.qdpx.export_project.
"""
import hashlib
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.auth.models import utcnow  # noqa: E402
from fieldnotes.demo.large import seed_large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.insights.models import Insight, InsightNote  # noqa: E402
from fieldnotes.observations.models import Attachment, MediaStatus, Observation  # noqa: E402
from fieldnotes.observations.storage import stored_path  # noqa: E402
from fieldnotes.studies.models import Study  # noqa: E402
from tests.factories import make_user  # noqa: E402

NOTES = int(os.environ.get("BENCH_NOTES", 10_000))
PHOTOS = int(os.environ.get("BENCH_PHOTOS", 500))
RUNS = int(os.environ.get("BENCH_RUNS", 3))


def app_for(url, media):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_ROOT": media, "SECRET_KEY": "bench"})


def jpeg(rng):
    """A real 320x240 JPEG, noise over a gradient: photo-like in size (tens of KB), and each one different."""
    size = (320, 240)
    gradient = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360))
    image = Image.merge("RGB", (Image.effect_noise(size, rng.randrange(20, 80)), gradient,
                                Image.effect_noise(size, 40)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def seed(app):
    """The study, its insights and photos; returns the study id."""
    rng = random.Random(10)
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = {role: make_user(f"{role}@example.org", role.title()) for role in
                 ("owner", "researcher", "designer", "viewer")}
        study = seed_large(users, NOTES)
        db.session.commit()
        ids = db.session.scalars(select(Observation.id).where(Observation.study_id == study.id)
                                 .order_by(Observation.id)).all()
        for i in range(20):
            insight = Insight(study_id=study.id, statement=f"Insight {i}: I do the same work twice.", position=i)
            db.session.add(insight)
            db.session.flush()
            db.session.execute(insert(InsightNote), [{"observation_id": note_id, "insight_id": insight.id,
                                                      "position": n} for n, note_id in enumerate(ids[i::200][:50])])
        rows = []
        for note_id in rng.sample(ids, PHOTOS):
            content = jpeg(rng)
            digest = hashlib.sha256(content).hexdigest()
            path = stored_path(digest)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            rows.append({"id": uuid.uuid4(), "observation_id": note_id, "slot": "photo", "sha256": digest,
                         "size": len(content), "mime": "image/jpeg", "offset": len(content),
                         "status": MediaStatus.VERIFIED, "created_at": utcnow(), "verified_at": utcnow()})
        db.session.execute(insert(Attachment), rows)
        db.session.commit()
        return study.id


def export(app, study_id, target):
    from fieldnotes.exports.qdpx import export_project
    with app.app_context():
        export_project(db.session.get(Study, study_id), "team", target)


def floor(app, study_id, target):
    """The least any exporter does: the texts from one plain SELECT into a zip, the photos copied in."""
    with app.app_context():
        connection = db.engine.raw_connection()
        mark = "?" if db.engine.dialect.name == "sqlite" else "%s"
        cursor = connection.cursor()
        with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
            cursor.execute(f"SELECT id, text, expected FROM observation WHERE study_id = {mark} "
                           f"AND deleted_at IS NULL ORDER BY captured_at, id", (study_id,))
            for note_id, words, expected in cursor:
                archive.writestr(f"sources/{note_id}.txt", words + (expected or ""), zipfile.ZIP_DEFLATED)
            cursor.execute("SELECT a.id, a.sha256 FROM attachment a JOIN observation o ON o.id = a.observation_id "
                           f"WHERE o.study_id = {mark} AND a.status = 'verified'", (study_id,))
            for media_id, digest in cursor.fetchall():
                archive.write(stored_path(digest), f"sources/{media_id}.jpg", zipfile.ZIP_STORED)
        connection.close()


def child(what, url, media, study_id, target):
    app = app_for(url, media)
    start = time.perf_counter()
    if what != "idle":
        {"export": export, "floor": floor}[what](app, int(study_id), target)
    seconds = time.perf_counter() - start
    # This process's own peak: getrusage's ru_maxrss (and wait4's) counts the parent's memory too, as Linux
    # carries the forking process's high-water mark across exec.
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024}))


def measure(what, url, media, study_id, target):
    """(seconds, peak RSS in MB) of one child process doing `what`."""
    out = subprocess.run([sys.executable, __file__, "--child", what, url, media, str(study_id), target],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    result = json.loads(out)
    return result["seconds"], result["peak_mb"]


def main(url):
    work = Path(tempfile.mkdtemp(prefix="qdpx-bench-"))
    url = url or f"sqlite:///{work / 'bench.sqlite'}"
    media, target = str(work / "media"), str(work / "study.qdpx")
    started = time.perf_counter()
    study_id = seed(app_for(url, media))
    print(f"{url.split(':')[0]}: seeded {NOTES:,} notes, {PHOTOS} photos "
          f"in {time.perf_counter() - started:.0f} s ({platform.python_version()}, {os.cpu_count()} cores)")
    print("| run | time (s, median of %d) | peak RSS (MB, max) |\n|---|---|---|" % RUNS)
    for what in ("idle", "floor", "export"):
        runs = [measure(what, url, media, study_id, target) for _ in range(RUNS)]
        size = f", zip {os.path.getsize(target) / 1e6:.1f} MB" if what != "idle" else ""
        print(f"| {what}{size} | {statistics.median(r[0] for r in runs):.2f} | {max(r[1] for r in runs):.0f} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:7])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else None)
