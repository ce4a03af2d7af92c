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
from fieldnotes.studies.models import Tag
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


def test_few_matching_notes_are_found_by_the_search_not_by_walking_the_study_in_time_order(new_tables, app,
                                                                                           tagged_notes):
    """With few notes matching, the database must not walk the study's notes newest first until 50 match: for a word
    no note has, that read all 1M notes of a study on PostgreSQL (2.6-11 s), 50k on SQLite (189 ms). With many, the
    walk meets 50 soon: SQLite must not find them all by the search's indexes and sort them (42 ms a page at 100k,
    24 walking)."""
    study_id, _ = tagged_notes
    with app.app_context():
        dialect = db.engine.dialect.name
        plans = few_and_many_plans(parse_filters(study_id, MultiDict({"q": "nobody"})))
    if dialect == "postgresql":
        walk = "Index Scan Backward using ix_observation_browse"
        assert walk not in plans[0] and "Sort" in plans[0], plans[0]  # found (by whatever index), then sorted
        assert walk in plans[MANY], plans[MANY]  # many: the walk, which stops at the 50th
    else:
        assert "MULTI-INDEX OR" in plans[0] and "TEMP B-TREE FOR ORDER BY" in plans[0], plans[0]
        assert "USING INDEX ix_observation_browse" in plans[MANY], plans[MANY]
        assert "MULTI-INDEX OR" not in plans[MANY] and "TEMP B-TREE" not in plans[MANY], plans[MANY]


def test_many_notes_of_two_tags_are_walked_to_and_few_found(new_tables, app, tagged_notes):
    """Two tags on 7.9k of 100k notes: with whole statistics SQLite found them by the tags' links and sorted them, 46
    ms a page; walked to, each note asked whether it has them, 35 ms (and 36 after a push of 5, where it was 58)."""
    study_id, _ = tagged_notes
    with app.app_context():
        dialect = db.engine.dialect.name
        tags = db.session.scalars(select(Tag.id).where(Tag.study_id == study_id).order_by(Tag.id).limit(2)).all()
        plans = few_and_many_plans(parse_filters(study_id, MultiDict([("tag", str(t)) for t in tags])))
    if dialect == "postgresql":
        # Few: sorted by a key no index holds. Many: PostgreSQL prices the walk by its statistics, which a table of
        # a few notes cannot give it (a plan seen here once sorted 8 notes); test_browse checks the key it may walk.
        assert "Sort" in plans[0], plans[0]
    else:
        assert "USING INDEX ix_observation_tag_tag_id" in plans[0] and "TEMP B-TREE FOR ORDER BY" in plans[0], plans[0]
        assert "USING INDEX ix_observation_browse" in plans[MANY], plans[MANY]
        assert "TEMP B-TREE" not in plans[MANY], plans[MANY]


def few_and_many_plans(filters):
    """{0: the plan of the page's notes when few match, MANY: when many do}, priced as in a large study."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # as a large study prices a full read
    else:
        as_if_large_study()
    plans = {matching: "\n".join(str(row) for row in db.session.execute(text(
        ("EXPLAIN " if dialect == "postgresql" else "EXPLAIN QUERY PLAN ") + str(listing.page_query(
            filters, dialect, matching).compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})))))
             for matching in (0, MANY)}
    db.session.rollback()
    return plans


LARGE_STUDY = {  # sqlite_stat1 of bench/summaries_bench.py's 100k seed, analysed whole
    "ix_observation_tag_tag_id": "80086 2861", "sqlite_autoindex_observation_tag_1": "80086 2 1",
    "ix_observation_participant_id": "100910 1231", "ix_observation_study_seq": "100910 50455 1",
    "ix_observation_matrix": "100910 50455 6307 1682 218 217 41", "ix_observation_role_time": "100910 50455 7208 1 1",
    "ix_observation_browse": "100910 50455 1 1", "ix_observation_visit_id": "100910 3604",
    "ix_observation_visit_time": "100910 50455 3604 1 1", "ix_observation_touchpoint_time": "100910 50455 6307 1 1",
    "ix_observation_participant_time": "100910 50455 1216 1 1", "ix_observation_author_id": "100910 50455",
    "sqlite_autoindex_observation_2": "100910 1", "sqlite_autoindex_observation_1": "100910 1"}


def as_if_large_study():
    """SQLite's statistics as a whole ANALYZE left them for 100,910 notes in two studies (extensions.py)."""
    db.session.execute(text("ANALYZE"))
    for index, stat in LARGE_STUDY.items():
        db.session.execute(text("UPDATE sqlite_stat1 SET stat = :stat WHERE idx = :index"),
                           {"stat": stat, "index": index})
    db.session.execute(text("ANALYZE sqlite_schema"))  # the planner reads them again
