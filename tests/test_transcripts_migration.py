"""Migration 0009 on a database with audio notes already: each gets its recording, queued, for a worker."""
import uuid
from datetime import UTC, datetime

from flask_migrate import upgrade

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.studies.models import Study
from tests.test_migrations import MIGRATIONS, empty_database, migrated_app  # noqa: F401  (a fixture)


def test_audio_notes_verified_before_0009_are_queued_for_transcription(empty_database):  # noqa: F811
    app = migrated_app(empty_database)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    note, heard, pending = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0008")
        db.session.execute(db.insert(User.__table__).values(id=1, email="ana@example.org", name="Ana",
                                                            is_active=True, created_at=now))
        db.session.execute(db.insert(Study.__table__).values(id=1, name="Onboarding", goal="", audience="customer",
                                                             status="planning", created_at=now))
        db.session.execute(db.insert(Observation.__table__).values(
            id=note, study_id=1, author_id=1, kind="quote", text="On the phone", captured_at=now, received_at=now,
            updated_at=now, version=1, seq=1, client_time_suspect=False, no_person=False))
        for media_id, status in ((heard, "verified"), (pending, "pending")):
            db.session.execute(db.insert(Attachment.__table__).values(
                id=media_id, observation_id=note, slot="audio", sha256="a" * 64, size=10, mime="audio/webm",
                offset=10, status=status, created_at=now))
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        from fieldnotes.transcripts.models import JobState, Recording, Source
        [recording] = db.session.scalars(db.select(Recording)).all()
        assert (recording.attachment_id, recording.observation_id, recording.added_by_id) == (heard, note, 1)
        assert (recording.source, recording.state) == (Source.NOTE, JobState.QUEUED)
        db.session.remove()
        db.engine.dispose()
