"""0018: a board's pick of an interview clip moves from a position mark (1,000,000 and up) to
evidence.recording_id, on both databases, and back again on the way down; nothing a board showed is
lost or turned into something else (a marked pick whose highlight is gone showed nothing: dropped)."""
import uuid

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from fieldnotes.boards.models import Board, BoardItem, Evidence
from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.studies.models import Study
from fieldnotes.transcripts.models import Recording, Source, UploadStatus
from tests.boards_world import make_insight
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit
from tests.test_highlights_transcripts import transcribed
from tests.test_migrations import MIGRATIONS, empty_database, migrated_app  # noqa: F401  (the fixture)

EVIDENCE = "SELECT observation_id, recording_id, position FROM evidence ORDER BY position"


def interview_pick(app):
    """An interview's highlight on a board, its words and its clip picked; (note id, orphan note id, recording id)."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu")
        study = make_study(owner)
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        person = make_participant(study, [visit], pseudonym="P4 dispatcher")
        recording = Recording(id=uuid.uuid4(), study_id=study.id, source=Source.INTERVIEW, visit_id=visit.id,
                              participant_id=person.id, title="Dispatch desk", sha256="ab" * 32, size=10,
                              mime="audio/webm", upload=UploadStatus.VERIFIED, added_by_id=owner.id)
        db.session.add(recording)
        db.session.commit()
        transcript = transcribed(recording)
        note = make_observation(study, owner, kind="quote", text="So I type it twice.", participant_id=person.id,
                                visit_id=visit.id)
        orphan = make_observation(study, owner, kind="quote", text="A highlight since undone.", visit_id=visit.id)
        db.session.add(Highlight(observation_id=note.id, study_id=study.id, transcript_id=transcript.id, start=0,
                                 end=19, source_version=1, audio_start_ms=9000, audio_end_ms=12000))
        insight = make_insight(db.session.get(Study, study.id), "Nobody trusts the fuel sheet.", [note, orphan])
        board = Board(study_id=study.id, title="Fuel")
        board.items.append(BoardItem(insight_id=insight.id, evidence=[
            Evidence(observation_id=note.id, position=1),
            Evidence(observation_id=note.id, recording_id=recording.id, position=2)]))
        db.session.add(board)
        db.session.commit()
        return note.id, orphan.id, recording.id


def evidence_rows(connection):
    return [tuple(row) for row in connection.execute(sa.text(EVIDENCE)).all()]


def same(rows):
    """Rows with their ids as UUIDs, whichever way the database hands them back."""
    return [(uuid.UUID(str(note)), uuid.UUID(str(rec)) if rec else None, position) for note, rec, position in rows]


def test_the_clip_pick_moves_to_its_column_and_back_and_an_orphan_mark_is_dropped(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        note, orphan, recording = interview_pick(app)
        downgrade(directory=MIGRATIONS, revision="0017")
        with db.engine.begin() as connection:
            down = connection.execute(sa.text(
                "SELECT observation_id, position FROM evidence ORDER BY position")).all()
            item = connection.scalar(sa.text("SELECT id FROM board_item"))
            connection.execute(sa.text("INSERT INTO evidence (board_item_id, observation_id, position) "
                                       "VALUES (:item, :note, 1000003)"),
                               {"item": item, "note": orphan.hex if connection.dialect.name == "sqlite" else orphan})
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            up = same(evidence_rows(connection))
        db.engine.dispose()
    # Down: the words kept their place, the clip carries the old mark again (a 0017 server reads it so).
    assert [(uuid.UUID(str(n)), p) for n, p in down] == [(note, 1), (note, 1_000_002)]
    # Up: the clip names its recording at its own place; the orphan mark, which showed nothing, is gone.
    assert up == [(note, None, 1), (note, recording, 2)]
