"""Migration 0011 turns free-text organisations into accounts, one per (study, trimmed name), with rows present."""
from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from fieldnotes.extensions import UTCDateTime, db
from tests.test_migrations import MIGRATIONS, NOW, empty_database, migrated_app, rows_table  # noqa: F401


def free_text_at_0010(connection):
    def add(table, *rows):
        connection.execute(sa.insert(table), [dict(row) for row in rows])
    add(rows_table("study", sa.column("created_at", UTCDateTime())),
        *(dict(id=i, name=f"Study {i}", goal="", audience="customer", status="fieldwork", created_at=NOW)
          for i in (1, 2)))
    visits = sa.table("site_visit", *(sa.column(c) for c in ("id", "study_id", "organisation", "place", "summary")),
                      sa.column("visited_on", sa.Date()), sa.column("created_at", UTCDateTime()))
    add(visits, *(dict(id=i, study_id=s, organisation=o, place="", summary="", visited_on=date(2026, 3, i),
                       created_at=NOW) for i, s, o in (
        (1, 1, "Halloran Logistics"), (2, 1, "  Halloran Logistics "), (3, 1, "Halloran Logistics Ltd"),
        (4, 1, "halloran logistics"), (5, 2, "Halloran Logistics"))))
    add(rows_table("participant", sa.column("created_at", UTCDateTime())), *(dict(
        id=i, study_id=1, pseudonym=f"P{i}", role_id=None, organisation=o, consent_given=False,
        consent_notes=False, consent_quotes=False, consent_photos=False, consent_audio=False, created_at=NOW)
        for i, o in ((1, "Halloran Logistics"), (2, ""), (3, "Meridian Dental"))))


def test_free_text_becomes_one_account_per_trimmed_name_and_near_duplicates_stay_apart(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0010")
        with db.engine.begin() as connection:
            free_text_at_0010(connection)
        upgrade(directory=MIGRATIONS, revision="0011")
        with db.engine.connect() as connection:
            accounts = connection.execute(sa.text("SELECT id, study_id, name FROM organisation ORDER BY id")).all()
            visits = connection.execute(sa.text(
                "SELECT id, organisation_id, organisation FROM site_visit ORDER BY id")).all()
            people = connection.execute(sa.text(
                "SELECT id, organisation_id, organisation FROM participant ORDER BY id")).all()
        name = {a.id: (a.study_id, a.name) for a in accounts}
        assert sorted(name.values()) == [(1, "Halloran Logistics"), (1, "Halloran Logistics Ltd"),
                                         (1, "Meridian Dental"), (1, "halloran logistics"),
                                         (2, "Halloran Logistics")]
        assert [(name[v.organisation_id], v.organisation) for v in visits] == [
            ((1, "Halloran Logistics"), "Halloran Logistics"), ((1, "Halloran Logistics"), "Halloran Logistics"),
            ((1, "Halloran Logistics Ltd"), "Halloran Logistics Ltd"),
            ((1, "halloran logistics"), "halloran logistics"), ((2, "Halloran Logistics"), "Halloran Logistics")]
        assert people[0].organisation_id == visits[0].organisation_id
        assert (people[1].organisation_id, people[1].organisation) == (None, "")
        assert name[people[2].organisation_id] == (1, "Meridian Dental")
        # And back: the free text is all that was there before, and it is kept.
        downgrade(directory=MIGRATIONS, revision="0010")
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT organisation FROM site_visit WHERE id = 2")) == \
                "Halloran Logistics"
        db.engine.dispose()
