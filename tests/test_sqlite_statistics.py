"""SQLite gets planner statistics without anyone running ANALYZE: `PRAGMA optimize` as connections close."""
import sqlite3

from sqlalchemy import func, select, text

from fieldnotes import create_app
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.conftest import TEST_CONFIG
from tests.factories import make_observations, make_study, make_user


def test_a_closing_connection_leaves_statistics_for_the_tables_it_queried(tmp_path):
    path = tmp_path / "statistics.sqlite"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        owner = make_user("ana@example.org")
        study = make_study(owner)
        make_observations(study, owner, [{"text": f"Note {i}"} for i in range(30)])
        assert db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.study_id == study.id, Observation.seq > 3)) == 27
        assert db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")) == 0
        db.session.remove()
        db.engine.dispose()
    with sqlite3.connect(path) as connection:
        analysed = {table for (table,) in connection.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert "observation" in analysed
