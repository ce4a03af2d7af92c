"""Highlights of transcripts: a span of what was said becomes a note with the audio range it was said in;
its page plays just that clip; the recording's person decides consent and erasure. The transcripts are
written by transcripts/work.py from what an engine heard (given here: the engine is not under test)."""
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.highlights.service import audio_range
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.transcripts.engine import Heard, Segment
from fieldnotes.transcripts.models import JobState, Recording, Source, Transcript, UploadStatus
from fieldnotes.transcripts.work import new_transcript
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit

PASSWORD = "quiet harbour lantern 42"
HEARD = [Segment(0, 4000, "We keep a paper tray of invoices."),
         Segment(4500, 9000, "Nobody trusts the fuel sheet any more."),
         Segment(9000, 12000, "So I type it twice.")]
TEXT = "\n".join(s.text for s in HEARD)


def transcribed(recording):
    transcript = new_transcript(recording, Heard(HEARD, "en", 12000, "test engine (given)"))
    db.session.add(transcript)
    recording.state = JobState.DONE
    db.session.commit()
    return transcript


@pytest.fixture
def world(app):
    """An interview with P4 (a visit's recording) and Rita's audio note of P5, both transcribed."""
    with app.app_context():
        owner, rita = make_user("owner@example.org", "Olu"), make_user("rita@example.org", "Rita")
        study = make_study(owner, researcher=[rita])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        p4 = make_participant(study, [visit], pseudonym="P4 dispatcher")
        p5 = make_participant(study, [visit], pseudonym="P5 driver")
        interview = Recording(id=uuid.uuid4(), study_id=study.id, source=Source.INTERVIEW, visit_id=visit.id, participant_id=p4.id,
                              title="Dispatch desk", sha256="ab" * 32, size=10, mime="audio/webm",
                              upload=UploadStatus.VERIFIED, added_by_id=owner.id)
        db.session.add(interview)
        db.session.commit()
        note = make_observation(study, rita, kind="observation", text="", participant_id=p5.id, visit_id=visit.id,
                                media=[{"id": str(uuid.uuid4()), "slot": "audio", "sha256": "cd" * 32,
                                        "size": 10, "mime": "audio/webm"}])
        attachment = db.session.scalar(select(Attachment).where(Attachment.observation_id == note.id))
        attachment.status = MediaStatus.VERIFIED
        spoken = Recording(id=uuid.uuid4(), study_id=study.id, source=Source.NOTE, attachment_id=attachment.id,
                           observation_id=note.id)
        db.session.add(spoken)
        db.session.commit()
        return {"study": study.id, "interview": transcribed(interview).id, "spoken": transcribed(spoken).id,
                "note": note.id, "attachment": attachment.id, "p4": p4.id, "p5": p5.id, "visit": visit.id,
                "recording": interview.id}


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303


def make(client, world, transcript, words, **fields):
    start = TEXT.index(words)
    data = {"kind": "quote", "start": str(start), "end": str(start + len(words)), "add_tags": "", **fields}
    return client.post(f"/studies/{world['study']}/transcripts/{world[transcript]}/highlights", data=data)


def made(app, response):
    with app.app_context():
        note_id = uuid.UUID(response.location.rsplit("/", 1)[1])
        note, link = db.session.get(Observation, note_id), db.session.get(Highlight, note_id)
        db.session.expunge_all()
        return note, link


def test_a_span_of_an_interview_takes_its_words_its_person_and_the_time_it_was_said(app, client, world):
    sign_in(client, "owner@example.org")
    response = make(client, world, "interview", "the fuel sheet")
    assert response.status_code == 303
    note, link = made(app, response)
    assert note.text == "the fuel sheet" and (note.participant_id, note.visit_id) == (world["p4"], world["visit"])
    assert link.transcript_id == world["interview"] and link.source_note_id is None
    # "Nobody trusts the fuel sheet any more." runs 4.5 s to 9 s; the words sit in its middle.
    assert 4500 < link.audio_start_ms < link.audio_end_ms < 9000
    page = client.get(response.location).text
    assert "Highlight of a transcript" in page and "<mark>the fuel sheet</mark>" in page
    clip = f"/studies/{world['study']}/recordings/{world['recording']}/audio"
    assert f'src="{clip}#t={link.audio_start_ms / 1000},{link.audio_end_ms / 1000}"' in page
    assert f'data-clip-end="{link.audio_end_ms / 1000}"' in page and "highlight-clip" in page


def test_a_span_of_a_notes_recording_takes_the_notes_person_and_shows_on_the_note(app, client, world):
    sign_in(client, "rita@example.org")
    note_page = f"/studies/{world['study']}/notes/{world['note']}"
    assert "Highlight a part of the transcript" in client.get(note_page).text
    form = client.get(f"/studies/{world['study']}/transcripts/{world['spoken']}/highlights/new")
    assert form.status_code == 200 and "So I type it twice." in form.text
    response = make(client, world, "spoken", "So I type it twice.")
    note, link = made(app, response)
    assert note.participant_id == world["p5"] and (link.audio_start_ms, link.audio_end_ms) == (9000, 12000)
    assert f'src="/media/{world["attachment"]}#t=9.0,12.0"' in client.get(response.location).text
    assert "“So I type it twice.”" in client.get(note_page).text  # listed under the note's transcript


def test_the_audio_range_follows_the_segments_and_rounds_outwards():
    segments = [SimpleNamespace(start_char=0, end_char=10, start_ms=0, end_ms=1000),
                SimpleNamespace(start_char=11, end_char=21, start_ms=2000, end_ms=4000)]
    assert audio_range(segments, 0, 10) == (0, 1000)
    assert audio_range(segments, 5, 16) == (500, 3000)
    assert audio_range(segments, 3, 4) == (300, 400)
    assert audio_range(segments, 1, 2) == (100, 200)
    assert audio_range(segments, 12, 13) == (2200, 2400)  # 2200 and 2400 exactly: nothing to round


def test_bad_spans_are_refused_with_nothing_written(app, client, world):
    sign_in(client, "owner@example.org")
    before = db_counts(app)
    for span in ({"start": "3", "end": "3"}, {"start": "0", "end": "999"}, {"start": "33", "end": "34"}):
        response = client.post(f"/studies/{world['study']}/transcripts/{world['interview']}/highlights",
                               data={"kind": "quote", **span})
        assert response.status_code == 422 and 'aria-invalid="true"' in response.text
    other = client.post(f"/studies/{world['study']}/transcripts/99999/highlights", data={"kind": "quote"})
    assert other.status_code == 404
    assert db_counts(app) == before


def db_counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Observation)),
                db.session.scalar(select(func.count()).select_from(Highlight)))


def test_an_edited_transcript_keeps_the_highlight_its_words_or_says_it_is_stale(app, client, world):
    sign_in(client, "owner@example.org")
    response = make(client, world, "interview", "paper tray")
    with app.app_context():
        transcript = db.session.get(Transcript, world["interview"])
        transcript.text = "Right. " + transcript.text
        db.session.commit()
    assert "<mark>paper tray</mark>" in client.get(response.location).text
    with app.app_context():
        db.session.get(Transcript, world["interview"]).text = "We keep a tray."
        db.session.commit()
    page = client.get(response.location).text
    assert "no longer holds these words" in page and "<mark>" not in page


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_erasing_the_person_recorded_takes_the_highlight(app, client, world, choice):
    sign_in(client, "owner@example.org")
    response = make(client, world, "interview", "Nobody trusts the fuel sheet")
    note, _ = made(app, response)
    with app.app_context():  # moved to someone else since: still P4's words
        db.session.get(Observation, note.id).participant_id = world["p5"]
        db.session.commit()
    erased = client.post(f"/studies/{world['study']}/participants/{world['p4']}/erase",
                         data={"confirm": "erase", "notes": choice})
    assert erased.status_code == 303
    with app.app_context():
        assert db.session.get(Highlight, note.id) is None
        kept = db.session.get(Observation, note.id)
        assert "fuel sheet" not in kept.text and kept.participant_id is None
        assert (kept.deleted_at is not None) == (choice == "delete")
        assert db.session.get(Transcript, world["interview"]) is None
