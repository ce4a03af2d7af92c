"""Erasing a participant: what goes and what stays, said before and after; files, history, search,
boards and phones; the team's choice to keep their notes de-identified or delete them."""
import re
import uuid

import pytest
from sqlalchemy import func, select, text

from fieldnotes.boards.models import Evidence, Reaction
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightOp
from fieldnotes.observations.models import Attachment, Observation, Revision
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.visits.models import Participant, SiteVisit
from tests.boards_world import build, media_entry, png, verified_media
from tests.factories import PASSWORD, make_observation, note_mutation
from tests.test_boards import item_ids, new_board
from tests.test_boards_share import share

QUOTE = "I re-key every order into the fuel sheet."
REMOVED = "[Removed: the participant was erased.]"  # what a kept note says instead of their words


def clerk_id(app):
    with app.app_context():
        return db.session.scalar(select(Participant.id).where(Participant.pseudonym == "P1"))


def erase(client, world, participant_id, **form):
    return client.post(f"/studies/{world['study']}/participants/{participant_id}/erase",
                       data={"confirm": "erase", **form})


def board_with_quote(app, client, auth, world):
    """A board with the clerk's quote and photo picked, and its share link (made as the designer)."""
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, _ = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence", data={"pick": [f"note:{world['ok_note']}",
                                                                   f"media:{world['ok_media']}"]})
    link = share(client, base)
    auth.logout()
    return base, link


def test_the_erase_page_says_what_goes_and_what_stays_before_and_after(app, client, auth):
    world = build(app)
    board_with_quote(app, client, auth, world)
    auth.login("owner@example.org", PASSWORD)
    page = client.get(f"/studies/{world['study']}/participants/{clerk_id(app)}/erase").text
    flat = re.sub(r"\s+", " ", page)
    assert "1 note (1 quote)" in flat and "1 photo and 0 recordings, with their files" in flat
    assert "2 pieces of evidence on 1 board" in flat
    assert 'type="radio" id="notes-keep" name="notes" value="keep" checked' in page
    assert "Keep them as de-identified observations" in page and "Delete them" in page

    response = erase(client, world, clerk_id(app), notes="keep")
    assert response.status_code == 303
    confirmation = client.get(response.location).text
    assert ("Participant erased: 1 note kept as de-identified observations, without their words; "
            "1 photo and 0 recordings deleted with their files; 2 pieces of board evidence removed.") in confirmation
    assert "P1" not in re.sub(r"<[^>]+>", "", confirmation.split('class="flash"')[1].split("</div>")[0])


def test_an_unknown_choice_is_refused_and_nothing_is_erased(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    response = erase(client, world, clerk_id(app), notes="archive")
    assert response.status_code == 422 and "Choose whether to keep their notes" in response.text
    with app.app_context():
        assert db.session.get(Participant, clerk_id(app)) is not None
        assert db.session.get(Observation, world["ok_note"]).text == QUOTE


def test_a_withheld_quote_stays_withheld_and_the_share_link_loses_it(app, client, auth):
    """Issue 9, item 2: after erasure the note had no participant, was offered again, and the
    share link showed the quote attributed to their role and organisation."""
    world = build(app)
    base, link = board_with_quote(app, client, auth, world)
    with app.app_context():
        db.session.get(Participant, clerk_id(app)).consent_quotes = False  # they withdraw
        db.session.commit()
    auth.login("designer@example.org")
    first, _ = item_ids(app, base)
    assert f"note:{world['ok_note']}" not in client.get(f"{base}/items/{first}/evidence").text
    auth.logout()
    auth.login("owner@example.org", PASSWORD)
    assert erase(client, world, clerk_id(app)).status_code == 303
    picker = client.get(f"{base}/items/{first}/evidence").text
    assert f"note:{world['ok_note']}" not in picker and QUOTE not in picker
    shared = app.test_client().get(link).text
    assert QUOTE not in shared and "End user, Halloran Regional Logistics" not in shared


def test_their_files_leave_the_media_folder_but_a_file_another_note_uses_stays(app, client, auth):
    world = build(app)
    with app.app_context():
        clerk = db.session.get(Participant, clerk_id(app))
        owner = db.session.get(Observation, world["ok_note"]).author
        shared_png, own_audio = png("shared"), b"ID3" + b"\x00" * 64
        unfinished = png("half sent")
        theirs = make_observation(db.session.get(Observation, world["ok_note"]).study, owner,
                                  participant_id=clerk.id, text="Shows the pinned rota.",
                                  media=[media_entry(shared_png), media_entry(own_audio, "audio", "audio/mpeg")])
        verified_media(theirs, content=shared_png)
        verified_media(theirs, "audio", own_audio)
        # Another photo of theirs still uploading: its first half waits in the partial folder.
        half = make_observation(theirs.study, owner, participant_id=clerk.id, text="The rota, closer.",
                                media=[media_entry(unfinished)])
        partial = partial_path(half.media[0].id)
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(unfinished[:40])
        colleague = make_observation(theirs.study, owner, participant_id=world["canary"], text="Same rota photo.",
                                     media=[media_entry(shared_png)])
        verified_media(colleague, content=shared_png)
        own_photo = db.session.get(Observation, world["ok_note"]).media[0].sha256
        shared_sha, colleague_media = colleague.media[0].sha256, colleague.media[0].id
        audio_sha = next(a.sha256 for a in theirs.media if a.slot == "audio")
        assert stored_path(own_photo).exists() and stored_path(audio_sha).exists()
    auth.login("owner@example.org", PASSWORD)
    assert erase(client, world, clerk_id(app)).status_code == 303
    assert not stored_path_in(app, own_photo).exists() and not stored_path_in(app, audio_sha).exists()
    assert stored_path_in(app, shared_sha).exists()  # the colleague's note still shows it
    assert not partial.exists()
    response = client.get(f"/media/{colleague_media}")
    assert response.status_code == 200 and response.data == shared_png
    response.close()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 2  # canary's photo, colleague's


def stored_path_in(app, digest):
    with app.app_context():
        return stored_path(digest)


def test_kept_notes_lose_their_words_media_and_history_and_phones_pull_that(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    before = client.get(f"/api/sync/pull?study_id={world['study']}").json["cursor"]
    edit = client.post(f"/studies/{world['study']}/notes/{world['ok_note']}/edit",
                       data={"kind": "quote", "touchpoint_id": "", "role_id": "", "base_version": "1"})
    assert edit.status_code == 303  # a second version: history now holds the words twice
    assert erase(client, world, clerk_id(app), notes="keep").status_code == 303

    with app.app_context():
        note = db.session.get(Observation, world["ok_note"])
        assert (note.text, note.expected, note.participant_id, note.kind, note.media) == (
            REMOVED, None, None, "observation", [])
        assert note.touchpoint_id is None and note.visit_id is not None  # what the team keeps
        revisions = db.session.scalars(select(Revision).where(Revision.observation_id == note.id)).all()
        assert [(r.version, r.data["text"], r.data.get("erased")) for r in revisions] == [(note.version, REMOVED, True)]
        assert not any(QUOTE in str(r.data) for r in db.session.scalars(select(Revision)))
    api = client.get(f"/api/studies/{world['study']}/observations/{world['ok_note']}").get_data(as_text=True)
    assert "re-key" not in api
    page = client.get(f"/studies/{world['study']}/notes/{world['ok_note']}").text
    assert "the participant was erased" in page and "re-key" not in page
    changes = client.get(f"/api/sync/pull?study_id={world['study']}&cursor={before}").json["changes"]
    pulled = [c for c in changes if c["id"] == str(world["ok_note"])]
    assert [(c["data"]["text"], c["data"]["participant_id"], c["data"]["media"]) for c in pulled] == [
        (REMOVED, None, [])]
    # The phone, now up to date, may still edit the note.
    with app.app_context():
        mutation = note_mutation(world["study"], op="update", entity_id=world["ok_note"],
                                 base_version=pulled[0]["version"], text="Re-filed by the team.")
    answer = client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": [mutation]}).json
    assert answer["results"][0]["status"] == "applied"


def test_deleting_their_notes_sends_tombstones_with_no_words(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    assert erase(client, world, clerk_id(app), notes="delete").status_code == 303
    with app.app_context():
        note = db.session.get(Observation, world["ok_note"])
        assert note.deleted_at is not None and note.text == "" and note.media == []
        assert [(r.data["text"], r.data["erased"]) for r in note.revisions] == [("", True)]  # only the erasure
    changes = client.get(f"/api/sync/pull?study_id={world['study']}").json["changes"]
    pulled = [c for c in changes if c["id"] == str(world["ok_note"])]
    assert pulled[0]["deleted"] and pulled[0]["data"]["text"] == ""
    assert client.get(f"/studies/{world['study']}/notes/{world['ok_note']}").status_code == 404
    assert "re-key" not in client.get(f"/studies/{world['study']}/notes").text


def test_search_and_the_full_text_index_forget_their_words(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    listed = f'id="text-{world["ok_note"]}"'
    assert listed in client.get(f"/studies/{world['study']}/notes?q=fuel").text
    assert erase(client, world, clerk_id(app)).status_code == 303
    assert listed not in client.get(f"/studies/{world['study']}/notes?q=fuel").text
    assert listed in client.get(f"/studies/{world['study']}/notes").text  # kept, de-identified
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # FTS5 keeps a changed row's old words in older index segments until they merge.
            blocks = db.session.scalars(text("SELECT block FROM observation_fts_data")).all()
            assert not any(b"fuel" in bytes(block) for block in blocks)


def test_text_that_names_them_elsewhere_is_scrubbed_with_its_history(app, client, auth):
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    with app.app_context():
        db.session.get(Participant, world["canary"]).real_name = "Janet Ellery"
        db.session.commit()
        quote = db.session.get(Observation, world["ok_note"])
        # The clerk's note, typed with the other participant's real name (odd spacing and all).
        other_id = make_observation(quote.study, quote.author, participant_id=clerk_id(app),
                                    text="Janet  Ellery keeps the fuel rota; P1 agrees.").id
        db.session.get(SiteVisit, quote.visit_id).summary = "Met JANET ELLERY and P2 Wilhelmina at the depot."
        db.session.get(Insight, world["first"]).statement = "Janet Ellery types every order twice."
        db.session.commit()
    base, _ = board_with_quote(app, client, auth, world)
    auth.login("viewer@example.org")
    client.post(f"{base}/reactions", data={"insight_id": world["first"], "kind": "question",
                                           "comment": "Did Janet Ellery say why?"})
    auth.logout()
    auth.login("owner@example.org", PASSWORD)
    page = re.sub(r"\s+", " ", client.get(f"/studies/{world['study']}/participants/{world['canary']}/erase").text)
    assert ("replaced by “[participant]” in 1 other note, 1 reaction, 1 visit summary, 0 boards "
            "and 1 insight statement") in page
    response = erase(client, world, world["canary"])
    assert response.status_code == 303
    assert "their name replaced by “[participant]” in 1 other note, 1 reaction, 1 visit summary, 1 insight statement" \
        in client.get(response.location).text
    with app.app_context():
        note = db.session.get(Observation, other_id)
        assert (note.text, note.participant_id, note.version) == ("[participant] keeps the fuel rota; P1 agrees.",
                                                                  clerk_id(app), 2)
        assert db.session.get(Observation, world["refused_note"]).text == REMOVED  # theirs: de-identified
        everything = " ".join(str(r.data) for r in db.session.scalars(select(Revision))) + " ".join(
            str(o.data) for o in db.session.scalars(select(InsightOp)))
        assert "Janet" not in everything and "JANET" not in everything
        summary = db.session.get(SiteVisit, db.session.get(Observation, world["ok_note"]).visit_id).summary
        assert summary == "Met [participant] and [participant] at the depot."
        assert db.session.get(Insight, world["first"]).statement == "[participant] types every order twice."
        assert db.session.scalar(select(Reaction.comment)) == "Did [participant] say why?"
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 2  # the clerk's picks stay


def stale_phone_edit(app, client, world, base_version):
    """A phone that edited the note offline, before it heard of the erasure, sends their words back."""
    with app.app_context():
        mutation = note_mutation(world["study"], op="update", entity_id=world["ok_note"], kind="quote",
                                 base_version=base_version, text=QUOTE + " Offline addition.")
    return client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": [mutation]}).json


@pytest.mark.parametrize("mode", ["keep", "delete"])
def test_a_stale_phone_edit_cannot_bring_their_words_back_into_history(app, client, auth, mode):
    """The phone's version loses (a conflict), and the conflict revision keeps none of their words."""
    world = build(app)
    auth.login("owner@example.org", PASSWORD)
    assert erase(client, world, clerk_id(app), notes=mode).status_code == 303
    answer = stale_phone_edit(app, client, world, base_version=1)
    assert answer["results"][0]["status"] == "conflict"
    assert "re-key" not in str(answer["results"][0]["server"])
    with app.app_context():
        assert not any("re-key" in str(r.data) for r in db.session.scalars(select(Revision)))
        assert "re-key" not in db.session.get(Observation, world["ok_note"]).text
    if mode == "keep":  # the note page shows the withheld conflict without failing
        page = client.get(f"/studies/{world['study']}/notes/{world['ok_note']}")
        assert page.status_code == 200 and "re-key" not in page.text
