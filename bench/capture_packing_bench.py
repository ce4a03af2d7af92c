"""What Brotli 11 (fieldnotes/pwa.py: packed) costs and saves against Brotli 5 (compression.gzipped, the floor)
on the bodies the capture app sends through Flask: the two workers, the offline page and a capture page.

    .venv/bin/python bench/capture_packing_bench.py

Each body is compressed ROUNDS times at each level, alternating, in this process; the median is printed with
the load average, so a loaded machine shows as one. A miss of pwa.strongest's cache pays the Brotli 11 time
once per distinct body (a version's workers and offline page; a researcher's capture page); a hit pays none.
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import brotli  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 30))


def bodies():
    workdir = tempfile.mkdtemp(prefix="capture-packing-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite", "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MEDIA_ROOT": f"{workdir}/media"})
    with app.app_context():
        db.create_all()
        researcher = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(researcher=[researcher])
        visit = make_visit(study)
        for name in ("P1", "P2"):
            make_participant(study, visits=[visit], pseudonym=name)
        study_id = study.id
    client = app.test_client()
    client.post("/login", data={"email": "rosa@example.org", "password": PASSWORD})
    found = {}
    for path in ("/sw.js", "/sw-sync.js", "/offline", f"/studies/{study_id}/capture"):
        found[path] = client.get(path, headers={"Accept-Encoding": "identity"}).get_data()
    return found


def median_ms(body, quality):
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        brotli.compress(body, quality=quality)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    print(f"load average {os.getloadavg()[0]:.2f}, {ROUNDS} rounds, median ms")
    print("| body | raw | Brotli 5 bytes | ms | Brotli 11 bytes | ms | saved |\n|---|---|---|---|---|---|---|")
    for path, body in bodies().items():
        q5, q11 = len(brotli.compress(body, quality=5)), len(brotli.compress(body, quality=11))
        print(f"| {path} | {len(body):,} | {q5:,} | {median_ms(body, 5):.2f} | {q11:,} | {median_ms(body, 11):.1f}"
              f" | {q5 - q11:,} |")


if __name__ == "__main__":
    main()
