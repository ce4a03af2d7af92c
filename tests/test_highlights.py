"""Highlights: a span of a long note made a note of its own, on both databases: what it holds, where it
shows, bad selections refused with nothing written, the source edited after, and erasure."""
import uuid

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import FacetCount, Observation
from fieldnotes.studies.models import Role, Study, Touchpoint
from fieldnotes.sync.push import push_batch
from tests.factories import (make_observation, make_participant, make_study, make_user, make_visit,
                             note_mutation)

PASSWORD = "quiet harbour lantern 42"
QUOTE = "I type every invoice twice"
LONG = ("We started at nine. “I type every invoice twice, once here and once in the fuel sheet.” Then she "
        "showed the fuel sheet on a second screen.\r\nAfter lunch the driver called about a missing signature.")


def term(model, study_id, name):
    return db.session.query(model).filter_by(study_id=study_id, name=name).one().id


@pytest.fixture
def world(app):
    """Rita (researcher) typed up a long note from an interview with P2 at Halloran; Dee designs."""
    with app.app_context():
        owner, rita, dee = (make_user("owner@example.org", "Olu"), make_user("rita@example.org", "Rita"),
                            make_user("dee@example.org", "Dee"))
        study = make_study(owner, researcher=[rita], designer=[dee])
        other = make_study(owner, name="Another study")
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        person = make_participant(study, [visit], pseudonym="P2 AP clerk")
        other_person = make_participant(study, [visit], pseudonym="P3 driver")
        note = make_observation(study, rita, kind="observation", text=LONG, participant_id=person.id,
                                visit_id=visit.id, touchpoint_id=term(Touchpoint, study.id, "Use"),
                                captured_at="2026-03-12T10:15:00+00:00")
        return {"study": study.id, "note": note.id, "person": person.id, "other_person": other_person.id,
                "visit": visit.id, "support": term(Touchpoint, study.id, "Support"),
                "end_user": term(Role, study.id, "End user"),
                "foreign_touchpoint": term(Touchpoint, other.id, "Support")}


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303


def base(world):
    return f"/studies/{world['study']}/notes/{world['note']}"


def form_span(words, text=LONG):
    """The offsets a browser's selection of `words` gives (its form field holds CRLF as LF)."""
    shown = text.replace("\r\n", "\n")
    start = shown.index(words)
    return {"start": str(start), "end": str(start + len(words))}


def make(client, world, words, **fields):
    data = {"kind": "quote", "touchpoint_id": str(world["support"]), "role_id": str(world["end_user"]),
            "add_tags": "re-keying, fuel sheet", **form_span(words), **fields}
    return client.post(f"{base(world)}/highlights", data=data)


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Observation)),
                db.session.scalar(select(func.count()).select_from(Highlight)))


def test_a_span_becomes_a_note_with_its_own_terms_and_its_sources_person(app, client, world):
    sign_in(client, "dee@example.org")
    response = make(client, world, QUOTE)
    assert response.status_code == 303
    made_id = uuid.UUID(response.location.rsplit("/", 1)[1])
    with app.app_context():
        made, source = db.session.get(Observation, made_id), db.session.get(Observation, world["note"])
        link = db.session.get(Highlight, made_id)
        assert made.text == QUOTE and source.text[link.start:link.end] == QUOTE
        assert (str(made.kind), made.touchpoint_id, made.role_id) == ("quote", world["support"], world["end_user"])
        assert sorted(t.name for t in made.tags) == ["fuel sheet", "re-keying"]
        assert (made.participant_id, made.visit_id, made.captured_at) == (
            source.participant_id, source.visit_id, source.captured_at)
        assert made.author.name == "Dee" and made.version == 1 and made.seq > source.seq
        assert (link.source_note_id, link.source_version) == (source.id, source.version)
        assert [r.version for r in made.revisions] == [1]  # history like any note
        kinds = dict(db.session.execute(select(FacetCount.value, FacetCount.notes).where(
            FacetCount.study_id == world["study"], FacetCount.facet == "kind")).all())
        assert kinds.get("quote") == 1  # counted on write, as every note is
    page = client.get(response.location).text
    assert "Highlight of a note" in page and f"<mark>{QUOTE}</mark>" in page
    source_page = client.get(base(world)).text
    assert f"“{QUOTE}”" in source_page and f'href="/studies/{world["study"]}/notes/{made_id}"' in source_page
    browse = client.get(f"/studies/{world['study']}/notes?kind=quote").text
    assert QUOTE in browse and "Highlight of" in browse and f'href="{base(world)}"' in browse


def test_offsets_after_a_line_break_take_exactly_the_words_chosen(app, client, world):
    sign_in(client, "rita@example.org")
    words = "the driver called about a missing signature"
    assert make(client, world, words).status_code == 303
    # A line end and spaces a hand picks up at the edges are left out; the words are exact.
    span = form_span("\nAfter lunch ")
    assert make(client, world, "", **span).status_code == 303
    with app.app_context():
        texts = sorted(db.session.scalars(select(Observation.text).join(
            Highlight, Highlight.observation_id == Observation.id)))
        assert texts == ["After lunch", words]


@pytest.mark.parametrize("span, field, message", [
    ({"start": "5", "end": "5"}, "span", "Select the words to highlight first"),
    ({"start": "0", "end": "9999"}, "span", "Select the words to highlight first"),
    ({"start": "19", "end": "20"}, "span", "only spaces"),
    ({"start": "0", "end": str(len(LONG.replace("\r\n", "\n")))}, "span", "the whole note"),
    ({"start": "-1", "end": "4"}, "start", "greater than or equal to 0"),
    ({"start": "x", "end": "4"}, "start", "Not a valid integer"),
])
def test_a_bad_selection_is_refused_and_nothing_is_written(app, client, world, span, field, message):
    sign_in(client, "dee@example.org")
    before = counts(app)
    response = make(client, world, "", **span)
    assert response.status_code == 422 and message in response.text
    assert 'aria-invalid="true"' in response.text
    assert counts(app) == before


def test_a_journey_term_of_another_study_is_refused(app, client, world):
    sign_in(client, "dee@example.org")
    before = counts(app)
    response = make(client, world, QUOTE, touchpoint_id=str(world["foreign_touchpoint"]))
    assert response.status_code == 422 and "Not found in this study." in response.text
    assert counts(app) == before
    assert 're-keying, fuel sheet' in response.text  # what they typed is kept


def edit_source(app, note_id, text):
    """Rita edits the source on her phone."""
    with app.app_context():
        note = db.session.get(Observation, note_id)
        data = {"text": text, "participant_id": note.participant_id, "visit_id": note.visit_id,
                "touchpoint_id": note.touchpoint_id}
        [answer] = push_batch(note.author, uuid.uuid4(), [note_mutation(
            note.study_id, op="update", entity_id=note.id, base_version=note.version, **data)])
        assert answer["status"] == "applied"


def test_when_the_source_is_edited_the_span_follows_its_words_or_is_marked_stale(app, client, world):
    sign_in(client, "dee@example.org")
    made = make(client, world, QUOTE).location
    edit_source(app, world["note"], "Notes typed up after the visit. " + LONG)  # words added before the span
    page = client.get(made).text
    assert f"<mark>{QUOTE}</mark>" in page and "Notes typed up after the visit." in page
    assert "edited since" not in page
    edit_source(app, world["note"], LONG.replace("invoice twice", "invoice three times"))  # the span's own words changed
    page = client.get(made).text
    assert "<mark>" not in page and "no longer holds these words" in page
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(made.rsplit("/", 1)[1])).text == QUOTE  # kept as chosen
    assert "(its words are no longer in this note" in client.get(base(world)).text
    assert "(edited since)" in client.get(f"/studies/{world['study']}/notes?kind=quote").text


def test_a_deleted_source_leaves_the_highlight_saying_so(app, client, world):
    sign_in(client, "dee@example.org")
    made = make(client, world, QUOTE).location
    with app.app_context():
        note = db.session.get(Observation, world["note"])
        [answer] = push_batch(note.author, uuid.uuid4(), [note_mutation(
            note.study_id, op="delete", entity_id=note.id, base_version=note.version)])
        assert answer["status"] == "applied"
    assert "has been deleted; the highlight keeps its words" in client.get(made).text
    assert client.get(f"{base(world)}/highlights/new").status_code == 404


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_erasing_the_participant_takes_their_highlights_even_one_moved_to_someone_else(app, client, world, choice):
    sign_in(client, "owner@example.org")
    first = uuid.UUID(make(client, world, QUOTE).location.rsplit("/", 1)[1])
    second = uuid.UUID(make(client, world, "the driver called").location.rsplit("/", 1)[1])
    with app.app_context():  # someone moved the second to another participant: still P2's words
        moved = db.session.get(Observation, second)
        moved.participant_id = world["other_person"]
        db.session.commit()
    response = client.post(f"/studies/{world['study']}/participants/{world['person']}/erase",
                           data={"confirm": "erase", "notes": choice})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Highlight)) == 0
        for note_id in (first, second):
            note = db.session.get(Observation, note_id)
            assert QUOTE not in note.text and "driver called" not in note.text
            assert note.participant_id is None
            assert (note.deleted_at is not None) == (choice == "delete")
            assert not any("invoice" in str(r.data) or "driver" in str(r.data) for r in note.revisions)


def test_phones_pull_a_highlight_as_a_note(app, client, world):
    sign_in(client, "rita@example.org")
    before = client.get(f"/api/sync/pull?study_id={world['study']}").json["cursor"]
    made = make(client, world, QUOTE).location.rsplit("/", 1)[1]
    changes = client.get(f"/api/sync/pull?study_id={world['study']}&cursor={before}").json["changes"]
    assert [(c["id"], c["data"]["text"], c["data"]["kind"]) for c in changes] == [(made, QUOTE, "quote")]


def test_the_page_offers_highlighting_to_note_editors_only(app, client, world):
    sign_in(client, "dee@example.org")
    page = client.get(base(world)).text
    assert "Highlight a part of this note" in page
    form = client.get(f"{base(world)}/highlights/new").text
    assert 'readonly' in form and "Make a highlight" in form and "fuel sheet" in form
