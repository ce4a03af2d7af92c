"""Erasing a participant of the large synthetic study (issue 9): the erase page's counts, and the erasure.

    .venv/bin/python bench/erase_bench.py [NOTES]         # SQLite file in a temp dir; NOTES 100000 by default

Seeds the demo and `flask seed-demo --notes NOTES`, then erases the participant with the most notes,
keeping their notes de-identified: every note a new version and change number, its history replaced,
the full-text index merged (SQLite). The erasure holds the change counter, so pushes wait that long.
"""
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402
from fieldnotes.visits.models import Participant  # noqa: E402
from fieldnotes.visits.service import KEEP, erase_participant, holdings  # noqa: E402


def busiest_participant(study_id):
    return db.session.execute(
        select(Observation.participant_id, func.count()).where(
            Observation.study_id == study_id, Observation.participant_id.is_not(None))
        .group_by(Observation.participant_id).order_by(func.count().desc()).limit(1)).one()


def main(count):
    folder = tempfile.mkdtemp()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "MEDIA_ROOT": f"{folder}/media",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
    with app.app_context():
        db.create_all()
        seeded = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(count)])
        assert seeded.exit_code == 0, seeded.output
        participant_id, notes = busiest_participant(large.find_large_study(count).id)
        person = db.session.get(Participant, participant_id)
        started = time.perf_counter()
        holdings(person)
        counted = time.perf_counter() - started
        db.session.rollback()
        person = db.session.get(Participant, participant_id)
        started = time.perf_counter()
        erasure = erase_participant(person, KEEP)
        db.session.commit()
        erasure.finish()
        erased = time.perf_counter() - started
    print(f"{platform.python_implementation()} {platform.python_version()}, SQLite; {count:,} notes; "
          f"the participant with most notes has {notes}: erase page counts {counted * 1000:.0f} ms, "
          f"erasure {erased * 1000:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
