"""0020 and 0021: the facet counts per journey cell and day, and per pair of two facets' values, are filled from
the notes already there, as a recount counts them (kinds, authors, tags, media, a kept conflict; a deleted note
left out; UTC days, notes captured in other time zones across midnight among them), on both databases."""
import uuid

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations import summaries
from fieldnotes.observations.models import CellFacetCount, FacetPairCount
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.sync.push import push_batch
from tests.factories import (make_conflict, make_observations, make_participant, make_study, make_user, make_visit,
                             note_mutation)
from tests.test_migrations import MIGRATIONS, empty_database, migrated_app  # noqa: F401  (the fixture)
from tests.test_summaries import varied_notes


def fieldwork_with_notes():
    """A study with 30 varied notes, one deleted and one with a kept conflict; its id."""
    ana, rui = make_user("ana@example.org", "Ana"), make_user("rui@example.org", "Rui")
    study = make_study(ana, researcher=rui)
    visits = [make_visit(study, organisation="Halloran Regional Logistics"),
              make_visit(study, organisation="Meridian Dental Supply")]
    people = [make_participant(study, [visits[0]]), make_participant(study, [visits[1]]),
              make_participant(study, [], organisation="Brightwater Marinas")]
    world = {"study": study.id, "visits": [v.id for v in visits], "people": [p.id for p in people],
             "touchpoints": db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study.id)).all(),
             "roles": db.session.scalars(select(Role.id).where(Role.study_id == study.id)).all()}
    notes = make_observations(study, ana, [dict(m["data"]) for m in varied_notes(world, 20)])
    notes += make_observations(study, rui, [dict(m["data"]) for m in varied_notes(world, 10)])
    make_conflict(notes[1], ana)
    [deleted] = push_batch(ana, uuid.uuid4(), [note_mutation(study.id, op="delete", entity_id=notes[2].id,
                                                             base_version=notes[2].version)])
    assert deleted["status"] == "applied", deleted
    study_id = study.id
    db.session.remove()  # no transaction left open: the downgrade drops a table
    return study_id


def test_an_upgrade_counts_each_cells_facets_as_a_recount_of_the_notes_does(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        study_id = fieldwork_with_notes()
        downgrade(directory=MIGRATIONS, revision="0019")
        upgrade(directory=MIGRATIONS)
        kept, recounted = summaries.stored(study_id), summaries.recount(study_id)
        facets = {row.facet for row in db.session.scalars(select(CellFacetCount))}
        days = {str(row.day) for row in db.session.scalars(select(CellFacetCount))}
        pairs = {(row.facet, row.other) for row in db.session.scalars(select(FacetPairCount))}
        db.session.remove()  # its connection back to the pool, closed with it: none left open for the drop
        db.engine.dispose()
    assert kept == recounted
    assert facets == {"kind", "author", "tag", "media", "attention"}  # every facet was filled, not an empty table
    assert pairs == {("author", "kind"), ("author", "tag"), ("author", "media"), ("kind", "tag"), ("kind", "media"),
                     ("media", "tag"), ("attention", "author"), ("attention", "kind"), ("attention", "tag")}  # each
    # pair of two facets a note holds, in name order (the note with a kept conflict has no media)
    assert days == {"2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"}  # UTC days (test_summaries.CAPTURED)
