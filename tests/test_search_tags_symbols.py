"""Search finds tag names, hyphenated codes by their beginning, and emoji and other symbols, on both databases.

A designer remembers a note by its tag (WALK-R1, “month end”), half a code (WALK-R) or the emoji a
researcher typed (👍🏽, 🔥, €); each query here runs on SQLite and on PostgreSQL with the same answer.
"""
import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from fieldnotes.explore import listing, search
from fieldnotes.explore.filters import conditions, parse_filters
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.factories import make_observation, make_study, make_user

NOTES = {
    "walk-tag": ("Walks the floor with a clipboard", ["WALK-R1"]),
    "walk-tag-2": ("Second walk of the day", ["WALK-R2", "month end"]),
    "walk-text": ("Code WALK-R17 written on the form", []),
    "walkway": ("The walkway blocks the forklift", []),
    "thumbs": ("Approves it 👍🏽 every time", []),
    "thumbs-plain": ("Approves it 👍 quickly", []),
    "fire": ("Month end is a fire drill", ["🔥 urgent"]),
    "euro": ("Pays €40 per courier run", []),
    "coder": ("Asks the 👩‍💻 in IT for the export", []),
    "invoice": ("Invoice approval waits for finance", ["paper trail"]),
    "end of month": ("The end of the month is quiet", []),  # both words of "month end", not side by side
}

QUERIES = [
    ("WALK-R1", {"walk-tag"}),                          # the tag's name; a code ending in a number is whole
    ("WALK-R17", {"walk-text"}),
    ("walk-r1", {"walk-tag"}),                          # in any letter case
    ("WALK-R", {"walk-tag", "walk-tag-2", "walk-text"}),  # a hyphenated code finds the codes it begins
    ("walk", {"walk-tag", "walk-tag-2", "walk-text"}),  # a word, in text or in a tag; not "walkway"
    ('"month end"', {"walk-tag-2", "fire"}),            # a phrase in a tag or in the text
    ("trail invoice", {"invoice"}),                     # one word in a tag, one in the text
    ("trail floor", set()),                             # each word must match somewhere on the same note
    ("👍", {"thumbs", "thumbs-plain"}),                 # an emoji is searched, not dropped
    ("👍🏽", {"thumbs"}),                               # with its skin tone, only that one
    ("🔥", {"fire"}),                                   # an emoji in a tag's name
    ("€", {"euro"}),                                    # other symbols too
    ("€40", {"euro"}),
    ("👩‍💻", {"coder"}),                                # a joined emoji, whole
    ("approves 👍🏽", {"thumbs"}),                       # words and symbols together
    ("🙂", set()),                                      # a symbol nobody typed finds nothing
]


@pytest.fixture
def tagged_notes(app):
    with app.app_context():
        user = make_user()
        study = make_study(user)
        other = make_study(user, name="Another study")
        ids = {make_observation(study, user, text=text, tags=tags).id: name for name, (text, tags) in NOTES.items()}
        make_observation(other, user, text="WALK-R1 elsewhere 👍 🔥", tags=["WALK-R1"])
        return study.id, ids


def found(study_id, q):
    filters = parse_filters(study_id, MultiDict({"q": q}))
    where = conditions(filters, db.engine.dialect.name)
    return set(db.session.scalars(select(Observation.id).where(*where)))


@pytest.mark.parametrize("q, expected", QUERIES, ids=[f"query-{i}" for i in range(len(QUERIES))])
def test_tags_codes_and_symbols_are_searched_alike_on_both_databases(app, tagged_notes, q, expected):
    study_id, names = tagged_notes
    with app.app_context():
        assert {names[i] for i in found(study_id, q)} == expected


def test_a_tag_given_on_the_laptop_is_found_at_once(app, client, auth, tagged_notes):
    study_id, names = tagged_notes
    auth.login()
    note_id = next(i for i, name in names.items() if name == "walkway")
    assert client.post(f"/studies/{study_id}/notes/bulk", data={
        "note_ids": str(note_id), "action": "add-tag", "tag": "forklift-hazard"}).status_code in (200, 303)
    page = client.get(f"/studies/{study_id}/notes", query_string={"q": "forklift-haz"}).get_data(as_text=True)
    assert "The walkway blocks the" in page


def test_symbols_are_marked_where_found():
    parts = search.parse("👍 €40 walk-r")
    html = str(search.highlight("OK 👍🏽 for €40, see WALK-R17 & walks", parts))
    assert html == ("OK <mark>👍</mark>🏽 for <mark>€</mark><mark>40</mark>, "
                    "see <mark>WALK</mark>-<mark>R17</mark> &amp; walks")


def test_punctuation_alone_is_still_no_search():
    assert search.parse("' : & | ! <-> :* - ...") == []


MANY = 10**9  # more notes match than any study here has: walked to, newest first


@pytest.mark.parametrize("q", [q for q, _ in QUERIES] + ["walk floor", '"second walk"', "nobody wrote this"])
def test_a_search_lists_the_same_notes_in_the_same_order_however_its_notes_are_read(app, tagged_notes, q):
    """The browse page lists a search's notes one of two ways by how many match (listing.few_beside_study): found by
    the indexes and sorted, or read in time order and each asked whether it matches (IN, not = ANY). Both list the
    same notes, page for page."""
    study_id, names = tagged_notes
    with app.app_context():
        dialect = db.engine.dialect.name
        filters = parse_filters(study_id, MultiDict({"q": q}))
        listed = {matching: [n.id for n in listing.browse_page(filters, dialect, matching)[0]]
                  for matching in (None, 0, MANY)}
        assert listed[0] == listed[None] == listed[MANY]
        assert {names[i] for i in listed[0]} == dict(QUERIES).get(q, {names[i] for i in listed[0]})


def test_few_matching_notes_are_found_by_the_search_not_by_walking_the_study_in_time_order(app, tagged_notes):
    """With few notes matching, PostgreSQL must not walk the study's notes newest first until 50 match: for a word
    no note has, that read all 1M notes of a study (2.6-11 s)."""
    study_id, _ = tagged_notes
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite reads the study's notes either way: it cannot find them by the OR of the indexes")
        filters = parse_filters(study_id, MultiDict({"q": "nobody"}))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # as a large study prices a full read
        plans = {matching: "\n".join(db.session.scalars(text("EXPLAIN " + str(listing.page_query(
            filters, "postgresql", matching).compile(dialect=db.engine.dialect,
                                                     compile_kwargs={"literal_binds": True})))))
                 for matching in (0, MANY)}
        db.session.rollback()
    walk = "Index Scan Backward using ix_observation_browse"
    assert walk not in plans[0] and "Sort" in plans[0], plans[0]  # found (by whatever index), then sorted
    assert walk in plans[MANY], plans[MANY]  # many: the walk, which stops at the 50th
