"""Search finds tag names, hyphenated codes by their beginning, and emoji and other symbols, on both databases.

A designer remembers a note by its tag (WALK-R1, “month end”), half a code (WALK-R) or the emoji a
researcher typed (👍🏽, 🔥, €); each query here runs on SQLite and on PostgreSQL with the same answer.
"""
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from fieldnotes.explore import search
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
