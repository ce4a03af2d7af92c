"""Consent that cannot be skipped (issue 9, item 3): no participant is no consent, unless a researcher
marked the note as no person's words or image; and only a quote is shown as a customer's words."""
import re
import uuid

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from tests.boards_world import build, make_insight, media_entry, png, verified_media
from tests.factories import PASSWORD, make_observation, note_mutation
from tests.test_boards import item_ids, new_board
from tests.test_boards_share import share

DEVICE = str(uuid.uuid4())


def push(client, *mutations):
    return client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)}).json["results"]


def study_note(app, world, **data):
    """A note in the board world's study, pushed by the owner as a phone would."""
    with app.app_context():
        quote = db.session.get(Observation, world["ok_note"])
        note = make_observation(quote.study, quote.author, visit_id=quote.visit_id, **data)
        return note.id, [a.id for a in note.media], note


def test_a_phone_that_predates_the_field_still_pushes_and_the_mark_travels_both_ways(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    old_phone = note_mutation(world["study"], text="Whiteboard by the door.")
    assert "no_person" not in old_phone["data"]
    marked = note_mutation(world["study"], kind="artifact", text="The wall planner.", no_person=True)
    assert [r["status"] for r in push(client, old_phone, marked)] == ["applied", "applied"]
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(old_phone["entity_id"])).no_person is False
        assert db.session.get(Observation, uuid.UUID(marked["entity_id"])).no_person is True
    pulled = {c["id"]: c["data"]["no_person"] for c in client.get(
        f"/api/sync/pull?study_id={world['study']}").json["changes"]}
    assert pulled[marked["entity_id"]] is True and pulled[old_phone["entity_id"]] is False
    # The old phone resends its note unchanged: the same note, not a conflict.
    assert push(client, {**old_phone, "mutation_id": str(uuid.uuid4())})[0]["status"] == "duplicate"


def test_a_mark_that_is_not_a_boolean_is_refused_and_nothing_is_written(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    for value in ("yes", None, "true", 2):
        bad = note_mutation(world["study"], text="Whiteboard by the door.", no_person=value)
        [answer] = push(client, bad)
        assert answer["status"] == "rejected" and "no_person" in answer["errors"], value
        with app.app_context():
            assert db.session.get(Observation, uuid.UUID(bad["entity_id"])) is None


def test_a_revision_kept_before_the_field_existed_still_matches_a_resend(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    mutation = note_mutation(world["study"], text="Keeps a paper list of overdue invoices.")
    push(client, mutation)
    with app.app_context():
        note_id = uuid.UUID(mutation["entity_id"])
        revision = db.session.scalar(select(Revision).where(Revision.observation_id == note_id))
        revision.data = {k: v for k, v in revision.data.items() if k != "no_person"}  # as stored before issue 9
        db.session.commit()
    assert push(client, {**mutation, "mutation_id": str(uuid.uuid4())})[0]["status"] == "duplicate"


def test_skipping_the_participant_does_not_skip_consent(app, client, auth):
    """Issue 9, item 3: a quote, photo or audio note with no participant was offered as evidence."""
    world = build(app)
    photo = png("no participant")
    unnamed, [unnamed_photo], note = study_note(app, world, kind="quote", text="Nobody asked me.",
                                                media=[media_entry(photo)])
    with app.app_context():
        verified_media(db.session.get(Observation, unnamed), content=photo)
        insight = make_insight(db.session.get(Observation, unnamed).study, "Unattributed words.",
                               [db.session.get(Observation, unnamed)], position=2).id
    auth.login("designer@example.org")
    base = new_board(client, world)
    assert client.post(f"{base}/items", data={"insight_id": insight}).status_code == 303
    item = item_ids(app, base)[-1]
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f"note:{unnamed}" not in picker and f"media:{unnamed_photo}" not in picker
    assert "no participant on record, so no consent for quotes" in picker
    refused = client.post(f"{base}/items/{item}/evidence", data={"pick": [f"note:{unnamed}"]})
    assert refused.status_code == 422


def test_a_note_marked_as_no_persons_words_or_image_may_be_evidence(app, client, auth):
    world = build(app)
    photo = png("wall planner")
    marked, [marked_photo], _ = study_note(app, world, kind="artifact", text="The wall planner, month end in red.",
                                           media=[media_entry(photo)], no_person=True)
    # Marked, but attached to someone who refused photos: their refusal decides.
    refusing, [refusing_photo], _ = study_note(app, world, kind="artifact", text="Her desk.", no_person=True,
                                               participant_id=world["canary"], media=[media_entry(png("desk"))])
    with app.app_context():
        verified_media(db.session.get(Observation, marked), content=photo)
        verified_media(db.session.get(Observation, refusing), content=png("desk"))
        notes = [db.session.get(Observation, marked), db.session.get(Observation, refusing)]
        insight = make_insight(notes[0].study, "Month end is planned on paper.", notes, position=2).id
    auth.login("designer@example.org")
    base = new_board(client, world)
    client.post(f"{base}/items", data={"insight_id": insight})
    item = item_ids(app, base)[-1]
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f"note:{marked}" in picker and f"media:{marked_photo}" in picker
    assert f"media:{refusing_photo}" not in picker
    assert client.post(f"{base}/items/{item}/evidence", data={
        "pick": [f"note:{marked}", f"media:{marked_photo}"]}).status_code == 303
    page = client.get(base).text
    assert "The wall planner, month end in red." in page and f"/media/{marked_photo}" in page
    # It names where it was seen, not a person's role.
    assert "Observed by the research team · Halloran Regional Logistics" in page


def figures(page):
    """(quoted texts, observation texts) as a board shows them."""
    quoted = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", page, re.S)
    observed = re.findall(r'<figure class="board-quote board-observation">\s*<p class="note-text">(.*?)</p>',
                          page, re.S)
    return quoted, observed


def test_only_a_quote_is_shown_in_quotation_marks_on_boards_share_links_and_presentation(app, client, auth):
    """Issue 9, item 3: every text note was shown to executives as a customer quote."""
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, second = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence", data={"pick": [f"note:{world['ok_note']}"]})  # a quote
    client.post(f"{base}/items/{second}/evidence", data={"pick": [f"note:{world['refused_note']}"]})  # a breakdown
    link = share(client, base)
    visitor = app.test_client()
    for page in (client.get(base).text, client.get(f"{base}/present").text, visitor.get(link).text,
                 visitor.get(f"{link}/present").text):
        quoted, observed = figures(page)
        assert quoted == ["I re-key every order into the fuel sheet."]
        assert observed == ["Approvals wait for printouts."]
        assert "Observed by the research team · Finance executive, Halloran Regional Logistics" in page
    assert "1 quote, 0 photos" in client.get(f"{base}/edit").text
    assert "0 quotes, 1 observation, 0 photos" in client.get(f"{base}/edit").text


def test_the_note_page_marks_a_note_as_no_persons_and_phones_pull_the_change(app, client, auth):
    world = build(app)
    note_id, _, _ = study_note(app, world, kind="artifact", text="Sticky notes on the monitor bezel.")
    auth.login("designer@example.org")
    page = f"/studies/{world['study']}/notes/{note_id}"
    form = client.get(page).text
    assert '<input id="no_person" name="no_person" type="checkbox" value="true"' in form
    assert re.search(r'<label for="no_person">Not a person’s words or image</label>', form)
    before = client.get(f"/api/sync/pull?study_id={world['study']}").json["cursor"]
    response = client.post(f"{page}/edit", data={"kind": "artifact", "no_person": "true", "base_version": "1"})
    assert response.status_code == 303
    shown = client.get(page).text
    assert "None: not a person’s words or image" in shown
    assert "Not a person’s words or image: no → yes" in shown
    [change] = client.get(f"/api/sync/pull?study_id={world['study']}&cursor={before}").json["changes"]
    assert (change["version"], change["data"]["no_person"]) == (2, True)
    # Unticking it is a change too.
    assert client.post(f"{page}/edit", data={"kind": "artifact", "base_version": "2"}).status_code == 303
    with app.app_context():
        assert db.session.get(Observation, note_id).no_person is False


def test_the_note_page_shows_only_a_quote_as_someones_words(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    quote = client.get(f"/studies/{world['study']}/notes/{world['ok_note']}").text
    breakdown = client.get(f"/studies/{world['study']}/notes/{world['refused_note']}").text
    assert '<blockquote class="note-text"><p>I re-key every order into the fuel sheet.</p></blockquote>' in quote
    assert "<blockquote" not in breakdown.split("<article")[1].split("</article>")[0]
    assert '<p class="note-text">Approvals wait for printouts.</p>' in breakdown
