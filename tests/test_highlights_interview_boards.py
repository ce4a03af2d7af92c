"""An interview recording's highlight on a board, its presentation and its share link: the quote is exactly
the span, the clip plays exactly its range of the visit's recording (served with Range support), and the
recorded person's consent (quotes for the words, audio for the voice) and erasure decide what shows."""
import hashlib
import json
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fieldnotes.boards.models import Board, BoardItem, Evidence
from fieldnotes.exports.archive_format import BOARDS
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Observation
from fieldnotes.transcripts.models import Recording
from fieldnotes.visits.models import Participant
from tests.boards_world import board_holding, store_file
from tests.test_archive_roundtrip import everything_in, export, import_as
from tests.test_highlights_transcripts import made, make, sign_in, world  # noqa: F401  (the fixture)

WORDS = "So I type it twice"  # said 9 s to 12 s into the interview; not in the insight's statement
SOUND = bytes(range(256)) * 8  # stands in for the interview's file: the board serves it, nobody decodes it


def board_with(app, client, world, note_id):
    """An insight holding the highlight, on a new board, the recording's file stored; (board url, item id)."""
    with app.app_context():
        recording = db.session.get(Recording, world["recording"])
        recording.sha256, recording.size = hashlib.sha256(SOUND).hexdigest(), len(SOUND)  # the file it names
        db.session.commit()
        store_file(recording.sha256, SOUND)
    return board_holding(app, client, world["study"], note_id)


def share(client, base):
    shared = client.post(f"{base}/shares", data={"expires_on": (date.today() + timedelta(days=7)).isoformat()})
    return re.search(r"(/share/[A-Za-z0-9_\-]+)", shared.text).group(1)


def highlighted(app, client, world, words=None):
    """A highlight of the interview on a board, its words and clip picked: (note id, link, board url, item)."""
    sign_in(client, "owner@example.org")
    response = make(client, world, "interview", words or WORDS)
    note, link = made(app, response)
    base, item = board_with(app, client, world, note.id)
    saved = client.post(f"{base}/items/{item}/evidence", data={"pick": [f"note:{note.id}", f"clip:{note.id}"]})
    assert saved.status_code == 303
    return note.id, link, base, item


def clip_of(page, media, link):
    start, end = link.audio_start_ms / 1000, link.audio_end_ms / 1000
    return f'data-clip-end="{end}" src="{media}#t={start},{end}"' in page


def test_an_interview_highlights_words_and_clip_go_on_the_board_its_presentation_and_share_link(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f'value="clip:{note_id}" checked' in picker and f'value="note:{note_id}" checked' in picker
    media = f"{base}/media/{world['recording']}"
    for page in (client.get(base).text, client.get(f"{base}/present").text):
        assert WORDS in page and "any more" not in page and "paper tray" not in page  # the span only
        assert clip_of(page, media, link) and "highlight-clip" in page
    with client.get(media) as sound:
        assert sound.status_code == 200 and sound.data == SOUND
        assert sound.headers["Cache-Control"] == "private, no-store"
    token_url = share(client, base)
    client.post("/logout")
    shared_media = f"{token_url}/media/{world['recording']}"
    for page in (client.get(token_url).text, client.get(f"{token_url}/present").text):
        assert WORDS in page and "any more" not in page and "paper tray" not in page
        assert clip_of(page, shared_media, link)
    with client.get(shared_media, headers={"Range": "bytes=256-511"}) as part:
        assert part.status_code == 206 and part.data == SOUND[256:512]  # the player fetches just its part
        assert part.headers["Content-Range"] == f"bytes 256-511/{len(SOUND)}"


def test_the_clip_alone_is_kept_as_the_clip_not_as_the_words(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    assert client.post(f"{base}/items/{item}/evidence", data={"pick": [f"clip:{note_id}"]}).status_code == 303
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f'value="clip:{note_id}" checked' in picker and f'value="note:{note_id}" checked' not in picker
    page = client.get(base).text
    assert clip_of(page, f"{base}/media/{world['recording']}", link) and WORDS not in page
    assert client.post(f"{base}/items/{item}/evidence", data={"pick": [f"note:{note_id}"]}).status_code == 303
    page = client.get(base).text
    assert "data-clip" not in page and WORDS in page
    with client.get(f"{base}/media/{world['recording']}") as refused:
        assert refused.status_code == 404  # not picked, so not served by the board
    with app.app_context():
        assert [e.attachment_id for e in db.session.scalars(select(Evidence))] == [None]


@pytest.mark.parametrize("use", ["consent_audio", "consent_quotes"])
def test_consent_to_audio_decides_the_clip_and_consent_to_quotes_the_words(app, client, world, use):
    note_id, link, base, item = highlighted(app, client, world)
    token_url = share(client, base)
    with app.app_context():
        setattr(db.session.get(Participant, world["p4"]), use, False)
        db.session.commit()
    for page, media in ((client.get(base).text, f"{base}/media/{world['recording']}"),
                        (client.get(token_url).text, f"{token_url}/media/{world['recording']}")):
        assert ("data-clip" in page) == (use == "consent_quotes")
        assert (WORDS in page) == (use == "consent_audio")
        with client.get(media) as sound:
            assert sound.status_code == (200 if use == "consent_quotes" else 404)
    picker = client.get(f"{base}/items/{item}/evidence").text
    withheld = "audio recordings" if use == "consent_audio" else "quotes"
    assert f"the participant did not consent to {withheld}" in picker
    assert (f'value="clip:{note_id}"' in picker) == (use == "consent_quotes")


def test_an_interview_without_a_participant_on_record_gives_no_clip(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    with app.app_context():
        db.session.get(Recording, world["recording"]).participant_id = None
        db.session.commit()
    page = client.get(base).text
    assert "data-clip" not in page and WORDS in page
    assert "no participant on record, so no consent for audio recordings" in client.get(
        f"{base}/items/{item}/evidence").text


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_erasing_the_person_recorded_takes_the_clip_and_words_off_the_board_and_share_link(app, client, world, choice):
    note_id, link, base, item = highlighted(app, client, world)
    token_url = share(client, base)
    assert WORDS in client.get(token_url).text
    erased = client.post(f"/studies/{world['study']}/participants/{world['p4']}/erase",
                         data={"confirm": "erase", "notes": choice})
    assert erased.status_code == 303
    for url in (base, f"{base}/present", token_url, f"{token_url}/present"):
        page = client.get(url).text
        assert WORDS not in page and "data-clip" not in page
    for url in (f"{base}/media/{world['recording']}", f"{token_url}/media/{world['recording']}"):
        with client.get(url) as gone:
            assert gone.status_code == 404


def test_a_recording_still_uploading_or_another_recordings_id_is_not_served(app, client, world):
    from fieldnotes.transcripts.models import UploadStatus
    note_id, link, base, item = highlighted(app, client, world)
    with client.get(f"{base}/media/{uuid.uuid4()}") as other:
        assert other.status_code == 404
    with app.app_context():
        db.session.get(Recording, world["recording"]).upload = UploadStatus.PENDING
        db.session.commit()
    assert "data-clip" not in client.get(base).text
    with client.get(f"{base}/media/{world['recording']}") as pending:
        assert pending.status_code == 404


def test_the_clip_pick_names_its_recording_and_the_api_gives_the_recording_its_own_field(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    with app.app_context():
        picks = [(e.attachment_id, e.recording_id, e.position)
                 for e in db.session.scalars(select(Evidence).order_by(Evidence.position))]
    assert picks == [(None, None, 1), (None, world["recording"], 2)]  # the words, then the clip, in pick order
    answer = client.get(f"/api/v1/studies/{world['study']}/boards/{base.rsplit('/', 1)[1]}")
    assert answer.status_code == 200
    evidence = answer.json["items"][0]["evidence"]
    assert [(e["use"], e["attachment_id"], e["recording_id"]) for e in evidence] == [
        ("quote", None, None), ("audio", None, str(world["recording"]))]


def test_deleting_the_interview_recording_takes_its_clip_off_the_board_and_keeps_the_words(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    deleted = client.post(f"/studies/{world['study']}/recordings/{world['recording']}/delete")
    assert deleted.status_code == 303
    page = client.get(base).text
    assert "data-clip" not in page and WORDS in page
    with app.app_context():
        assert [(e.observation_id, e.recording_id) for e in db.session.scalars(select(Evidence))] == [(note_id, None)]


def test_a_pick_is_never_both_a_notes_attachment_and_an_interview_recording(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    with app.app_context():
        db.session.add(Evidence(board_item_id=item, observation_id=note_id, position=3,
                                attachment_id=world["attachment"], recording_id=world["recording"]))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_erasing_the_voice_counts_and_takes_its_clip_even_when_the_highlight_is_anothers_note(app, client, world):
    note_id, link, base, item = highlighted(app, client, world)
    with app.app_context():
        db.session.get(Observation, note_id).participant_id = world["p5"]  # the words said to be P5's since
        db.session.commit()
    page = re.sub(r"\s+", " ", client.get(f"/studies/{world['study']}/participants/{world['p4']}/erase").text)
    assert "1 piece of evidence on 1 board" in page  # the clip: P4's voice, though the note is no longer P4's
    erased = client.post(f"/studies/{world['study']}/participants/{world['p4']}/erase",
                         data={"confirm": "erase", "notes": "keep"})
    assert erased.status_code == 303
    with app.app_context():
        assert [(e.observation_id, e.recording_id) for e in db.session.scalars(select(Evidence))] == [(note_id, None)]


def test_the_archive_names_a_clips_recording_and_an_import_never_makes_the_clip_a_quote(app, client, world, tmp_path):
    note_id, link, base, item = highlighted(app, client, world)
    with app.app_context():  # Rita's voice note has no file here to archive; this test is about the interview
        db.session.delete(db.session.get(Attachment, world["attachment"]))
        db.session.commit()
    export(app, world["study"], tmp_path / "study.zip")
    boards = json.loads(everything_in((tmp_path / "study.zip").read_bytes())[BOARDS])
    assert [(e["position"], e["media"], e["recording"]) for e in boards["boards"][0]["items"][0]["evidence"]] == [
        (1, None, None), (2, None, hashlib.sha256(SOUND).hexdigest())]
    imported = import_as(app, tmp_path / "study.zip")
    with app.app_context():
        picks = [(e.recording_id is not None, e.position) for e in db.session.scalars(
            select(Evidence).join(BoardItem).join(Board).where(Board.study_id == imported).order_by(Evidence.position))]
    # The words come back as words, and the clip as a clip of the recording that came in with it.
    assert picks == [(False, 1), (True, 2)]
