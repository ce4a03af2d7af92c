"""Interview recordings on a visit: resumable upload, transcribed like notes; and bad input, each a clear
state with nothing half-written: undecodable audio, silence, over the length limit, deleted or erased mid-job."""
import hashlib
import struct
import threading
import time
import uuid
import wave

import pytest

from fieldnotes.extensions import db
from fieldnotes.transcripts.decode import AudioProblem, decode
from fieldnotes.transcripts.models import JobState, Recording, Transcript, TranscriptSegment, TranscriptVersion
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import erase_participant
from tests.factories import make_participant, make_visit
from tests.transcripts_world import INVOICES, run_jobs, speech_wav, upload_interview


@pytest.fixture
def visit_id(app, study_id):
    from fieldnotes.studies.models import Study
    with app.app_context():
        study = db.session.get(Study, study_id)
        visit = make_visit(study)
        make_participant(study, [visit], pseudonym="P1", real_name="Janet Ellery")
        return visit.id


def participant_id(app):
    with app.app_context():
        return db.session.scalar(db.select(Participant.id))


def recording(app, recording_id):
    with app.app_context():
        found = db.session.get(Recording, uuid.UUID(str(recording_id)))
        db.session.expunge_all()
        return found


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                     for model in (Recording, Transcript, TranscriptVersion, TranscriptSegment))


def test_a_recording_added_to_a_visit_resumes_where_it_stopped_and_is_transcribed(app, client, study_id, visit_id,
                                                                                 tmp_path):
    page = client.get(f"/studies/{study_id}/visits/{visit_id}").get_data(as_text=True)
    assert "Add a recording" in page and "No interview recordings" in page
    form = client.get(f"/studies/{study_id}/visits/{visit_id}/recordings/new").get_data(as_text=True)
    assert 'for="recording-file"' in form and 'type="file"' in form

    content = INVOICES
    body = {"title": "Interview with the depot lead", "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "mime": "audio/webm", "participant_id": participant_id(app)}
    declared = client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json=body)
    assert declared.status_code == 201 and declared.json["offset"] == 0 and declared.json["state"] == "waiting"
    url = f"/api/studies/{study_id}/recordings/{declared.json['id']}"
    chunk = {"Content-Type": "application/offset+octet-stream"}
    assert client.patch(url, data=content[:5000], headers={**chunk, "Upload-Offset": "0"}).json["offset"] == 5000
    # The connection dropped; the page is opened again and the same file chosen: it goes on from byte 5000.
    again = client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json=body)
    assert again.status_code == 200 and again.json["id"] == declared.json["id"] and again.json["offset"] == 5000
    wrong = client.patch(url, data=content[:100], headers={**chunk, "Upload-Offset": "0"})
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == "5000"
    done = client.patch(url, data=content[5000:], headers={**chunk, "Upload-Offset": "5000"})
    assert done.json["upload"] == "verified" and done.json["state"] == "queued"

    assert run_jobs(app) == 1
    found = recording(app, declared.json["id"])
    assert found.state == JobState.DONE and found.participant_id == participant_id(app)
    page = client.get(done.json["url"]).get_data(as_text=True)
    assert "signature" in page and 'data-start="0.0"' in page and "Interview with the depot lead" in page
    with client.get(f"/studies/{study_id}/recordings/{found.id}/audio") as audio:
        assert audio.data == content and audio.headers["Cache-Control"] == "private, no-store"
    visit_page = client.get(f"/studies/{study_id}/visits/{visit_id}").get_data(as_text=True)
    assert "Interview with the depot lead" in visit_page and "done" in visit_page


@pytest.mark.parametrize("body, problem", [
    ({"mime": "image/jpeg"}, "must be an audio file"),
    ({"size": 500 * 1024 * 1024}, "recordings may be up to 400 MB"),
    ({"size": 0}, "The file is empty"),
    ({"sha256": "not hex"}, "sha256"),
    ({"title": ""}, "title"),
    ({"participant_id": 99999}, "Not a participant of this visit"),
])
def test_a_declaration_that_cannot_be_taken_says_why_and_nothing_is_kept(app, client, study_id, visit_id, body,
                                                                         problem):
    sent = {"title": "Interview", "sha256": "a" * 64, "size": 1000, "mime": "audio/mp4", **body}
    response = client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json=sent)
    assert response.status_code == 422 and problem in response.text
    assert counts(app) == (0, 0, 0, 0)


def test_bytes_that_are_not_the_declared_file_start_again(app, client, study_id, visit_id):
    body = {"title": "Interview", "sha256": hashlib.sha256(b"something else").hexdigest(),
            "size": len(INVOICES), "mime": "audio/webm"}
    declared = client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json=body).json
    response = client.patch(f"/api/studies/{study_id}/recordings/{declared['id']}", data=INVOICES, headers={
        "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"})
    assert response.status_code == 422 and "SHA-256 does not match" in response.text
    found = recording(app, declared["id"])
    assert (found.offset, found.upload, found.state) == (0, "pending", JobState.WAITING)


def wav_header(seconds, rate=16_000):
    """The first bytes of a WAV file that says it holds `seconds` of audio (its data follows)."""
    data = seconds * rate * 2
    layout = struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)  # PCM, mono, 16-bit
    return b"RIFF" + struct.pack("<I", 36 + data) + b"WAVEfmt " + layout + b"data" + struct.pack("<I", data)


def three_hours(path):
    """A real three-hour recording, as small as WAV makes it (8 kHz, 8-bit: 86 MB)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes([128]) * (3 * 60 * 60 * 8000))
    return path


def test_decoding_untrusted_audio_says_what_is_wrong(tmp_path):
    with pytest.raises(AudioProblem, match="The recording is 180 minutes long; the limit is 120 minutes"):
        decode(three_hours(tmp_path / "three-hours.wav"), tmp_path / "out.pcm", 2 * 60 * 60)
    junk = tmp_path / "junk.m4a"
    junk.write_bytes(b"\x00\x00\x00\x1cftypM4A " + bytes(range(256)) * 20)
    with pytest.raises(AudioProblem, match="could not be decoded as audio"):
        decode(junk, tmp_path / "out.pcm", 60)
    # A decoder that needs more memory than allowed is stopped, and the job says so.
    short = tmp_path / "short.wav"
    short.write_bytes(wav_header(4) + bytes(4 * 16_000 * 2))
    with pytest.raises(AudioProblem, match="within the server's limits"):
        decode(short, tmp_path / "out.pcm", 60, memory_mb=40)
    with pytest.raises(AudioProblem, match="The recording is 4 seconds long; the limit is 2 seconds"):
        decode(short, tmp_path / "out.pcm", 2)


def test_silence_is_done_with_no_speech_and_a_three_hour_file_fails_with_the_reason(
        app, client, study_id, visit_id, tmp_path):
    silence = tmp_path / "silence.wav"
    silence.write_bytes(wav_header(5) + bytes(5 * 16_000 * 2))
    quiet = upload_interview(client, study_id, visit_id, silence.read_bytes())
    long = upload_interview(client, study_id, visit_id, three_hours(tmp_path / "long.wav").read_bytes(),
                            chunk=4 * 1024 * 1024)
    run_jobs(app)
    assert recording(app, quiet["id"]).state == JobState.DONE
    assert "No speech was heard in this recording." in client.get(quiet["url"]).get_data(as_text=True)
    failed = recording(app, long["id"])
    assert failed.state == JobState.FAILED
    assert failed.failure == ("The recording is 180 minutes long; the limit is 120 minutes. "
                              "Split it, or trim it, and add it again.")
    page = client.get(long["url"]).get_data(as_text=True)
    assert "Transcription failed:" in page and "180 minutes long" in page
    assert counts(app)[1:] == (1, 1, 0)  # one empty transcript (silence), nothing of the long one


def run_in_background(app):
    worker = threading.Thread(target=run_jobs, args=(app,))
    worker.start()
    return worker


def wait_until_transcribing(app, recording_id):
    deadline = time.monotonic() + 60
    while recording(app, recording_id).state != JobState.TRANSCRIBING:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_recording_deleted_while_its_job_runs_leaves_nothing(app, client, study_id, visit_id, tmp_path):
    added = upload_interview(client, study_id, visit_id, speech_wav(tmp_path / "interview.wav", 8))
    worker = run_in_background(app)
    wait_until_transcribing(app, added["id"])
    response = client.post(f"/studies/{study_id}/recordings/{added['id']}/delete")
    assert response.status_code == 303
    worker.join(120)
    assert counts(app) == (0, 0, 0, 0)
    assert not [p for p in (tmp_path / "media").rglob("*") if p.is_file()]  # the file went too


def test_a_participant_erased_while_their_interview_is_transcribed_leaves_no_words(app, client, study_id, visit_id,
                                                                                  tmp_path):
    other = upload_interview(client, study_id, visit_id, INVOICES, mime="audio/webm")
    run_jobs(app)
    with app.app_context():  # someone else's transcript names them: it is scrubbed
        transcript = db.session.scalar(db.select(Transcript))
        version = transcript.versions[0]
        segment = version.segments[0]
        segment.text = "Janet Ellery keeps a paper tray of invoices."
        version.text = transcript.text = segment.text
        segment.end_char = len(segment.text)
        db.session.commit()
    theirs = upload_interview(client, study_id, visit_id, speech_wav(tmp_path / "interview.wav", 8),
                              participant_id=participant_id(app))
    worker = run_in_background(app)
    wait_until_transcribing(app, theirs["id"])
    with app.app_context():
        erasure = erase_participant(db.session.get(Participant, participant_id(app)))
        db.session.commit()
        erasure.finish()
        assert erasure.counts["interview_recordings"] == 1 and erasure.counts["naming_transcripts"] == 1
    worker.join(120)
    assert recording(app, theirs["id"]) is None
    assert counts(app) == (1, 1, 1, 1)
    with app.app_context():
        transcript = db.session.scalar(db.select(Transcript))
        assert transcript.recording_id == uuid.UUID(other["id"])
        assert transcript.text == "[participant] keeps a paper tray of invoices."
        segment = transcript.versions[0].segments[0]
        assert transcript.text[segment.start_char:segment.end_char] == segment.text
    for page in (other["url"], f"/studies/{study_id}/recordings/{other['id']}/transcript/versions"):
        text = client.get(page).get_data(as_text=True)
        assert "Ellery" not in text and "[participant] keeps a paper tray" in text


def test_a_participant_with_no_recording_of_their_own_is_scrubbed_from_the_transcripts_that_name_them(
        app, client, study_id, visit_id):
    """Erasing someone who never had a recording must still scrub them from others' transcripts: the query left
    out the erased person's recordings with `NOT IN (NULL)` when there were none, true of no row, so the erase
    page counted no transcript naming them and the erasure scrubbed none."""
    from fieldnotes.studies.models import Study
    from fieldnotes.visits.models import SiteVisit
    from fieldnotes.visits.service import holdings
    from tests.transcripts_world import interview_recording
    with app.app_context():
        study = db.session.get(Study, study_id)
        recording_id = interview_recording(study, db.session.get(SiteVisit, visit_id), study.memberships[0].user,
                                           said="Janet Ellery keeps the overdue list in her drawer.")
        person = db.session.get(Participant, participant_id(app))
        assert holdings(person)["naming_transcripts"] == 1  # what the erase page says it will scrub
        erasure = erase_participant(person)
        db.session.commit()
        erasure.finish()
        assert erasure.counts["naming_transcripts"] == 1
        transcript = db.session.scalar(db.select(Transcript).where(Transcript.recording_id == recording_id))
        assert transcript.text == "[participant] keeps the overdue list in her drawer."
        assert all("Ellery" not in v.text for v in transcript.versions)


def test_a_real_name_said_in_an_interview_is_flagged_for_owners_and_masked_for_everyone_else(app, client, auth,
                                                                                           study_id, visit_id):
    from fieldnotes.studies.models import Study
    from fieldnotes.visits.models import SiteVisit
    from tests.factories import add_member, make_user
    from tests.transcripts_world import interview_recording
    with app.app_context():
        study = db.session.get(Study, study_id)
        recording_id = interview_recording(study, db.session.get(SiteVisit, visit_id), study.memberships[0].user,
                                           said="Janet Ellery keeps the overdue list in her drawer.")
        add_member(study, make_user("dee@example.org", name="Dee"), "designer")
    url = f"/studies/{study_id}/recordings/{recording_id}"
    owner_page = client.get(url).get_data(as_text=True)
    assert "Janet Ellery keeps the overdue list" in owner_page and "names P1 by their real name" in owner_page
    auth.logout()
    auth.login("dee@example.org")
    for page in (url, f"{url}/transcript/versions"):
        text = client.get(page).get_data(as_text=True)
        assert "Ellery" not in text and "[participant] keeps the overdue list" in text
    assert client.get(f"{url}/transcript/edit").status_code == 403
