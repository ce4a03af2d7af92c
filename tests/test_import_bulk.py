"""A CSV import's rows go to the database by the driver (COPY on PostgreSQL): stored as the write path
stores a pushed note, counted in the summaries, and all or nothing when the database refuses a row."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.imports import writer
from fieldnotes.imports.csv_notes import decode, plan_notes, read_table
from fieldnotes.imports.mapping import guess
from fieldnotes.imports.models import ImportedRow
from fieldnotes.observations import summaries
from fieldnotes.observations.content import note_content, same_content
from fieldnotes.observations.models import Observation, Revision, observation_tag

FILE = ("ID,Date,Stage,Role,Kind,Quote,Expected,Tags\n"
        "a1,2026-03-12 10:30,Use,End user,breakdown,\"Retypes the invoice, twice\",One screen,invoices; Paper\n"
        "a2,2026-03-12T12:00:00+01:00,use,,delight,Likes the export ✓,,paper\n"
        "a3,2026-03-13,,,quote,\"Says \"\"never again\"\"\",,\n")


def plan_of(study_id, content):
    headers, rows = read_table(decode(content.encode("utf-8")))
    return plan_notes(study_id, headers, rows, guess(headers))


def ana():
    return db.session.scalar(select(User.id).where(User.email == "ana@example.org"))


def import_now(study_id, content):
    author_id = ana()
    summary = writer.import_plan(plan_of(study_id, content), study_id, author_id)
    db.session.commit()
    return summary


def test_imported_notes_are_stored_as_the_write_path_stores_them(app, study_id):
    began = datetime.now(UTC) - timedelta(seconds=1)
    with app.app_context():
        assert import_now(study_id, FILE).imported == 3
        found = db.session.scalars(select(Observation).where(Observation.study_id == study_id)
                                   .order_by(Observation.captured_at)).all()
        assert [n.text for n in found] == ["Retypes the invoice, twice", "Likes the export ✓",
                                           'Says "never again"']
        first = found[0]
        assert sorted(t.name for t in first.tags) == ["Paper", "invoices"] and [t.name for t in found[1].tags] == ["Paper"]
        assert first.captured_at == datetime(2026, 3, 12, 10, 30, tzinfo=UTC)
        assert found[1].captured_at == datetime(2026, 3, 12, 11, tzinfo=UTC)
        seqs = [n.seq for n in found]
        assert len(set(seqs)) == 3 and all(n.version == 1 and n.deleted_at is None for n in found)
        for note in found:
            [revision] = note.revisions
            # The first revision holds what the note says, as a push's would: history starts complete.
            assert revision.version == 1 and str(revision.kind) == "edit"
            assert same_content(revision.data, note_content(note)) and revision.data["text"] == note.text
            assert revision.created_at >= began and note.received_at >= began
        keys = db.session.execute(select(ImportedRow.source_key, ImportedRow.observation_id, ImportedRow.imported_at)
                                  .where(ImportedRow.study_id == study_id).order_by(ImportedRow.source_key)).all()
        assert [k for k, _, _ in keys] == ["a1", "a2", "a3"] and keys[0][1] == first.id
        assert all(when >= began for _, _, when in keys)
        # The counts kept on write agree with a recount from the notes.
        assert summaries.stored(study_id) == summaries.recount(study_id)


def test_a_row_the_database_refuses_leaves_nothing(app, study_id):
    with app.app_context():
        plan = plan_of(study_id, FILE)
        # Another import committed key a3 after this plan was made: the database refuses the key's row.
        taken = Observation.__table__
        import_now(study_id, FILE.replace("a1,", "x1,").replace("a2,", "x2,"))
        before = (db.session.scalar(select(func.count()).select_from(taken)),
                  db.session.scalar(select(func.count()).select_from(Revision)),
                  db.session.scalar(select(func.count()).select_from(observation_tag)),
                  summaries.stored(study_id))
        author_id = ana()
        with pytest.raises(Exception, match="(?i)unique|duplicate"):
            writer.import_plan(plan, study_id, author_id)
        db.session.rollback()
        after = (db.session.scalar(select(func.count()).select_from(taken)),
                 db.session.scalar(select(func.count()).select_from(Revision)),
                 db.session.scalar(select(func.count()).select_from(observation_tag)),
                 summaries.stored(study_id))
        assert after == before and before[0] == 3
