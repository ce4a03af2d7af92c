"""0022: on PostgreSQL each note's words are kept in a column, the index on it; a database upgraded with notes
already in it finds them by word and by phrase, and keeps finding a note by its words after an edit."""
import uuid

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.sync.push import push_batch
from tests.factories import make_observation, make_study, make_user, note_mutation
from tests.test_migrations import MIGRATIONS, empty_database, migrated_app  # noqa: F401  (the fixture)
from tests.test_search import found


def test_an_upgraded_database_finds_the_notes_already_there_by_word_and_phrase(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        ana = make_user()
        study = make_study(ana)
        paper = make_observation(study, ana, text="Keeps a paper list of overdue invoices", expected="A report")
        other = make_observation(study, ana, text="The list of papers is kept on paper")
        study_id, paper_id, other_id = study.id, paper.id, other.id
        db.session.remove()  # no transaction left open: the downgrade alters the table
        downgrade(directory=MIGRATIONS, revision="0021")
        upgrade(directory=MIGRATIONS)
        columns = {c["name"] for c in inspect(db.engine).get_columns("observation")}
        by_word, by_phrase = found(study_id, "paper"), found(study_id, '"paper list"')
        edited = db.session.get(Observation, other_id)
        [edit] = push_batch(edited.author, uuid.uuid4(), [note_mutation(
            study_id, op="update", entity_id=other_id, base_version=edited.version, text="A paper list, again")])
        assert edit["status"] == "applied", edit
        after_edit = found(study_id, '"paper list"')
        db.session.remove()
        db.engine.dispose()
    assert by_word == {paper_id, other_id}
    assert by_phrase == {paper_id}  # "list of papers ... paper": both words, not side by side
    assert after_edit == {paper_id, other_id}
    assert ("search_words" in columns) == empty_database.startswith("postgresql")  # SQLite keeps words in FTS5
