"""Each note's tag ids kept on its row on PostgreSQL (observations/tags_on_row.py): what its links say after any
write to them, the cascades the app never sees among them, two writers at once too; a search's tag counts read
from the rows are those its notes' links give; and a database upgraded with tagged notes has their arrays."""
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, text, update
from werkzeug.datastructures import MultiDict

from fieldnotes.explore.facets import counts
from fieldnotes.explore.filters import conditions, parse_filters
from fieldnotes.explore.matching import counted_once
from fieldnotes.extensions import db
from fieldnotes.observations import tags_on_row
from fieldnotes.observations.models import Observation, observation_tag
from fieldnotes.studies.models import Tag
from tests.factories import PASSWORD, make_observation, make_observations, make_study, make_user
from tests.test_archive_roundtrip import export, import_as
from tests.test_import_csv import GOOD, import_file
from tests.test_migrations import MIGRATIONS, empty_database, migrated_app  # noqa: F401  (the fixture)


def arrays(note_ids):
    """{note id: its tag ids as its row keeps them}."""
    rows = db.session.execute(text(f"SELECT id, {tags_on_row.COLUMN} FROM observation WHERE id = ANY(:ids)"),
                              {"ids": list(note_ids)})
    return {note_id: tag_ids for note_id, tag_ids in rows}


TAGS = ("invoices", "paper", "month end", "couriers")


def tagged_study():
    """A study with four tags and three untagged notes: (study id, {name: tag id}, [note ids])."""
    ana = make_user()
    study = make_study(ana)
    named = {name: Tag(study_id=study.id, name=name) for name in TAGS}
    db.session.add_all(named.values())
    notes = [make_observation(study, ana, text=f"Invoice {n} keyed by hand") for n in range(3)]
    db.session.commit()
    return study.id, {name: tag.id for name, tag in named.items()}, [note.id for note in notes]


def link(note_id, *tag_ids):
    db.session.execute(observation_tag.insert(), [{"observation_id": note_id, "tag_id": t} for t in tag_ids])


def only_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite keeps no tag ids on a note's row: its tag counts are read from the links")


def test_a_notes_row_keeps_its_links_tag_ids_through_every_kind_of_write_to_them(app):
    only_on_postgresql(app)
    with app.app_context():
        _, tag, (first, second, third) = tagged_study()
        assert arrays([first, second, third]) == {first: [], second: [], third: []}  # none yet: empty, not NULL
        link(first, tag["paper"], tag["invoices"])
        link(second, tag["month end"])
        db.session.commit()
        assert arrays([first, second]) == {first: sorted([tag["paper"], tag["invoices"]]), second: [tag["month end"]]}

        db.session.execute(update(observation_tag).where(observation_tag.c.tag_id == tag["month end"])
                           .values(tag_id=tag["couriers"]))  # a link moved to another tag (as a merge may)
        db.session.execute(delete(observation_tag).where(observation_tag.c.observation_id == first,
                                                         observation_tag.c.tag_id == tag["invoices"]))
        db.session.commit()
        assert arrays([first, second]) == {first: [tag["paper"]], second: [tag["couriers"]]}

        link(third, tag["paper"], tag["couriers"])
        db.session.commit()
        db.session.execute(delete(Tag).where(Tag.id == tag["paper"]))  # its links go by the key's cascade
        db.session.commit()
        assert arrays([first, second, third]) == {first: [], second: [tag["couriers"]], third: [tag["couriers"]]}

        db.session.execute(delete(Observation).where(Observation.id == third))  # its links go by cascade too
        db.session.commit()
        assert db.session.scalars(text(tags_on_row.DIFFERING)).all() == []


def rewritten_after_their_links(note_ids):
    """The notes whose row the trigger wrote again after their links: in the transaction that wrote both, by a
    later statement (a row's cmin is the number of the statement, within its transaction, that wrote it)."""
    return set(db.session.scalars(text(
        "SELECT DISTINCT note.id FROM observation AS note JOIN observation_tag AS link ON link.observation_id = note.id"
        " WHERE note.id = ANY(:ids) AND note.xmin = link.xmin AND note.cmin::text::int > link.cmin::text::int"),
        {"ids": list(note_ids)}))


def test_new_notes_are_written_with_their_tags_once_by_a_push_and_by_an_import(app, client, tmp_path):
    """A push's notes (and a script's, a CSV import's and a study archive's) carry their arrays: the trigger finds
    them right and writes no note a second time. A tag added on the laptop to a note already there is written by the
    trigger, after its link."""
    only_on_postgresql(app)
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana")
        study = make_study(ana)
        pushed = make_observations(study, ana, [{"text": "Keys invoices", "tags": ["paper", "invoices"]},
                                                {"text": "Checks couriers", "tags": ["couriers"]}])
        pushed_ids, study_id = [note.id for note in pushed], study.id
        assert sorted(len(tags) for tags in arrays(pushed_ids).values()) == [1, 2]
        assert rewritten_after_their_links(pushed_ids) == set()
    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    app.config["CSV_IMPORT_DIR"] = str(tmp_path / "uploads")
    assert import_file(client, study_id, GOOD).status_code == 303
    with app.app_context():
        imported = db.session.scalars(select(Observation.id).where(Observation.study_id == study_id,
                                                                   Observation.id.not_in(pushed_ids))).all()
        assert imported and rewritten_after_their_links(imported) == set()
        version = db.session.get(Observation, pushed_ids[1]).version
    scripted = client.post(f"/api/v1/studies/{study_id}/notes", json={
        "kind": "observation", "text": "Sorts couriers' invoices", "captured_at": "2026-03-12T10:15:00+00:00",
        "tags": ["paper", "invoices", "couriers"]})  # a script's note: written by an executemany, not a push's CTE
    assert scripted.status_code == 201, scripted.text
    with app.app_context():
        assert rewritten_after_their_links([uuid.UUID(scripted.json["id"])]) == set()
    export(app, study_id, tmp_path / "study.zip")
    copy_id = import_as(app, tmp_path / "study.zip")
    with app.app_context():
        copied = db.session.scalars(select(Observation.id).where(Observation.study_id == copy_id)).all()
        originals = db.session.scalars(select(Observation.id).where(Observation.study_id == study_id)).all()
        assert sorted(map(len, arrays(copied).values())) == sorted(map(len, arrays(originals).values()))  # tags too
        assert rewritten_after_their_links(copied) == set()
    edit = client.post(f"/studies/{study_id}/notes/bulk", data={"note_ids": [str(pushed_ids[1])],
                                                                "action": "add-tag", "tag": "month end"})
    assert edit.status_code in (200, 303)
    with app.app_context():
        assert db.session.get(Observation, pushed_ids[1]).version == version + 1
        assert rewritten_after_their_links([pushed_ids[1]]) == {pushed_ids[1]}  # the check can tell
        assert db.session.scalars(text(tags_on_row.DIFFERING)).all() == []


def test_two_writers_tagging_one_note_at_once_both_tags_are_on_its_row(app, database_url):
    """The second writer's trigger waits for the first's lock on the note, then reads the links as committed: an
    array worked out before the wait would hold its own tag alone."""
    only_on_postgresql(app)
    with app.app_context():
        _, tag, (note, _, _) = tagged_study()
    plain_url = database_url.replace("+psycopg", "")
    with psycopg.connect(plain_url) as first, psycopg.connect(plain_url) as second:
        first.execute("INSERT INTO observation_tag VALUES (%s, %s)", (note, tag["paper"]))
        waiting_pid = second.info.backend_pid
        done = threading.Thread(target=lambda: (
            second.execute("INSERT INTO observation_tag VALUES (%s, %s)", (note, tag["invoices"])), second.commit()))
        done.start()
        with psycopg.connect(plain_url, autocommit=True) as watcher:
            deadline = time.monotonic() + 10
            while watcher.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                                  (waiting_pid,)).fetchone()[0] != "Lock":
                assert time.monotonic() < deadline, "the second writer never waited for the first"
                time.sleep(0.02)
        first.commit()
        done.join(10)
    with app.app_context():
        assert arrays([note]) == {note: sorted([tag["paper"], tag["invoices"]])}


@pytest.mark.parametrize("query", [{"q": "invoice"}, {"q": "invoice", "kind": "quote"}, {"tag": "paper"},
                                   {"kind": "idea"}, {"q": "invoice", "tag": "paper"}])
def test_a_searchs_tag_counts_are_those_its_notes_links_give(app, query):
    """On PostgreSQL read from the notes' rows, on SQLite from the links: either way what the links say. With a tag
    filter on, the tag facet is counted under the other filters (facets.counts) as well."""
    with app.app_context():
        ana = make_user()
        study = make_study(ana)
        make_observations(study, ana, [  # pushed, as a phone does: the tags named, made on the way
            {"text": ("Invoice " if n % 3 else "Paper ") + f"number {n}", "kind": ("quote", "idea")[n % 2],
             "tags": [TAGS[(n + k) % 4] for k in range(n % 4)]} for n in range(24)])
        study_id = study.id
        tag = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.study_id == study_id)).all())
        values = MultiDict({**query, "tag": str(tag[query["tag"]])} if "tag" in query else query)
        filters = parse_filters(study_id, values)
        dialect = db.engine.dialect.name
        found, total, _, _ = counted_once(filters, dialect, ["tag", "media"], False)
        assert total and sum(links_of(filters, dialect).values())  # notes and tags among them: not an empty check
        assert found["tag"] == links_of(filters, dialect)
        if "tag" in query:
            assert counts(filters, "tag", dialect) == links_of(filters, dialect, skip="tag")


def links_of(filters, dialect, skip=None):
    """{tag id: notes} of the notes the filters (but `skip`'s) keep, counted from their links."""
    matching = select(Observation.id).where(*conditions(filters, dialect, skip=skip))
    return Counter(dict(db.session.execute(
        select(observation_tag.c.tag_id, db.func.count()).where(observation_tag.c.observation_id.in_(matching))
        .group_by(observation_tag.c.tag_id)).all()))


def test_a_tag_filter_beside_a_date_finds_the_tags_notes_by_their_rows_index_not_every_note(new_tables, app):
    """By the links, a tag filter beside a date every note is after was a join of the study's every note to the
    tag's links (50 ms a statement at 100k notes); by the tag ids on the notes' rows, their index finds the tag's
    notes alone (9 ms; tests/test_search.py sees the index read). The notes found are those the links give, after
    tags added, moved and taken off. The statement is planned with sequential scans priced out, as a large table
    would price them."""
    only_on_postgresql(app)
    with app.app_context():
        study_id, tag, (first, second, third) = tagged_study()
        link(first, tag["paper"], tag["invoices"])
        link(second, tag["month end"])
        link(third, tag["couriers"])
        db.session.execute(update(observation_tag).where(observation_tag.c.tag_id == tag["month end"])
                           .values(tag_id=tag["paper"]))  # moved, as a merge moves them
        db.session.execute(delete(observation_tag).where(observation_tag.c.observation_id == first))
        db.session.commit()
        filters = parse_filters(study_id, MultiDict([("tag", str(tag["paper"])), ("tag", str(tag["couriers"])),
                                                     ("from", "2020-01-01")]))
        query = select(Observation.id).where(*conditions(filters, "postgresql"))
        assert set(db.session.scalars(query)) == {second, third} == set(db.session.scalars(
            select(observation_tag.c.observation_id).where(observation_tag.c.tag_id.in_([tag["paper"],
                                                                                        tag["couriers"]]))))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.scalars(text("EXPLAIN " + str(query.compile(
            dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})))))
        db.session.rollback()
    # Which index the few notes here are read by is the planner's; that the links are not joined is not.
    assert "tag_ids && '{" in plan and "on observation_tag" not in plan, plan


def test_an_upgraded_database_keeps_the_tags_of_the_notes_already_there_on_their_rows(empty_database):
    app = migrated_app(empty_database)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        ana = make_user()
        tagged = make_observations(make_study(ana), ana, [
            {"text": "Keys invoices by hand", "tags": ["paper", "invoices"]},
            {"text": "Checks the courier's list", "tags": ["couriers"]}, {"text": "Nothing to tag"}])
        note_ids = [note.id for note in tagged]
        db.session.remove()  # no transaction left open: the downgrade alters the table
        downgrade(directory=MIGRATIONS, revision="0023")
        columns_before = {c["name"] for c in inspect(db.engine).get_columns("observation")}
        upgrade(directory=MIGRATIONS)
        columns = {c["name"] for c in inspect(db.engine).get_columns("observation")}
        indexes = {i["name"]: i["dialect_options"] for i in inspect(db.engine).get_indexes("observation")}
        if tags_on_row.COLUMN in columns:
            kept = [len(tag_ids) for tag_ids in arrays(note_ids).values()]
            differing = db.session.scalars(text(tags_on_row.DIFFERING)).all()
        db.session.remove()
        db.engine.dispose()
    assert tags_on_row.COLUMN not in columns_before
    if empty_database.startswith("postgresql"):
        assert sorted(kept) == [0, 1, 2] and differing == []  # each note's tags, as its links say
        assert indexes[tags_on_row.INDEX]["postgresql_using"] == "gin", indexes  # and their index (0025)
    else:  # SQLite keeps no such column: the upgrade changes nothing there
        assert tags_on_row.COLUMN not in columns and tags_on_row.INDEX not in indexes


def test_new_notes_links_go_in_runs_that_never_split_a_note():
    """On PostgreSQL each run is one INSERT, so a note whose links were split would be written again."""
    links = [{"observation_id": note, "tag_id": tag} for note in range(50) for tag in range(note % 4)]
    runs = list(tags_on_row.whole_notes(links, most=10))
    assert [link for run in runs for link in run] == links  # all of them, in order
    assert all(len(run) <= 10 + 2 for run in runs) and len(runs) > 5
    notes_by_run = [{link["observation_id"] for link in run} for run in runs]
    assert all(not (a & b) for i, a in enumerate(notes_by_run) for b in notes_by_run[i + 1:])
