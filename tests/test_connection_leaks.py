"""The suite's own check (tests/connection_leaks.py): a PostgreSQL connection left open names the test that made it
when the garbage collector closes it; one closed says nothing."""
import gc

import psycopg
import pytest
from sqlalchemy import make_url

from tests import connection_leaks
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(not POSTGRES_URL, reason="psycopg connects to PostgreSQL only; set FIELDNOTES_TEST_DATABASE_URL")
def test_a_connection_left_open_names_the_test_that_made_it(request, postgres_schema):
    url = make_url(postgres_schema).set(drivername="postgresql").render_as_string(hide_password=False)
    closed = psycopg.connect(url)
    closed.close()
    left_open = psycopg.connect(url)
    left_open.execute("SELECT 1")  # a transaction under way, as a test's abandoned session leaves one
    with pytest.warns(ResourceWarning) as caught:
        del closed, left_open
        gc.collect()
    assert [str(warning.message) for warning in caught] == [connection_leaks.MESSAGE.format(request.node.nodeid)]
