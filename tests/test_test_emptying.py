"""The fixtures' promise to every PostgreSQL test: it starts on empty tables whose ids count from 1, as a fresh
schema has them, whether the test before it wrote a few rows (deleted) or many (TRUNCATE)."""
import pytest
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.conftest import MANY_ROWS, POSTGRES_URL, TEST_CONFIG, empty_postgres
from tests.factories import make_observations, make_study, make_user

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="emptying by deletes is PostgreSQL's (SQLite: a new file)")


@pytest.mark.parametrize("notes", [3, MANY_ROWS + 1], ids=["a few rows, deleted", "many rows, truncated"])
def test_after_emptying_every_table_is_empty_and_ids_start_again(postgres_schema, notes):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_schema})
    with app.app_context():
        owner = make_user("ana@example.org", name="Ana")
        make_observations(make_study(owner), owner, [{"text": f"Said {i}"} for i in range(notes)])
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Observation)) == notes
        db.session.remove()
    empty_postgres(postgres_schema)
    with app.app_context():
        left = {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}
        assert {name: rows for name, rows in left.items() if rows} == {}
        owner = make_user("ana@example.org", name="Ana")
        assert (owner.id, make_study(owner).id) == (1, 1)
        db.session.remove()
        db.engine.dispose()
    empty_postgres(postgres_schema)
