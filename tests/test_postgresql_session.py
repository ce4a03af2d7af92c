"""PostgreSQL's sessions as the app opens them: what a page waits for is never JIT-compiled (extensions.py)."""
import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from fieldnotes import create_app
from fieldnotes.explore.filters import parse_filters
from fieldnotes.explore.matching import grouped_once
from fieldnotes.extensions import db
from tests.conftest import POSTGRES_URL, TEST_CONFIG, empty_postgres
from tests.factories import make_observations, make_study, make_user

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="JIT compiling is PostgreSQL's")


@pytest.fixture
def app(postgres_schema):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": postgres_schema})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    empty_postgres(postgres_schema)


def search_counts_plan():
    """The plan of a search's counts, run, with every statement priced over PostgreSQL's JIT threshold."""
    ana = make_user()
    study = make_study(ana)
    make_observations(study, ana, [{"text": f"Invoice {n} keyed twice"} for n in range(20)])
    db.session.execute(text("SET LOCAL jit_above_cost = 0"))
    statement = grouped_once(parse_filters(study.id, MultiDict({"q": "invoice"})), ("tag", "media"), True)
    sql = statement.compile(db.session.get_bind(), compile_kwargs={"literal_binds": True})
    return "\n".join(row for (row,) in db.session.execute(text(f"EXPLAIN (ANALYZE) {sql}")))


def test_a_searchs_counts_are_not_jit_compiled_however_costly_they_look(app):
    """At 1M notes compiling cost up to 18% of a search's or a filter's first view (docs/benchmarks.md, session 27)."""
    with app.app_context():
        plan = search_counts_plan()
        assert "Bitmap Heap Scan" in plan or "Seq Scan" in plan  # the plan was read, and ran
        assert "JIT" not in plan, plan


def test_no_jit_holds_after_a_rollback_and_on_every_new_connection(app):
    """Set outside any transaction: the pool's rollback, as each request ends, does not undo it."""
    with app.app_context():
        for _ in range(2):
            assert db.session.scalar(text("SHOW jit")) == "off"
            db.session.rollback()
            assert db.session.scalar(text("SHOW jit")) == "off"
            db.session.remove()
            db.engine.dispose()
