"""One stored file, many holders: the same bytes kept by a note and an interview, in one study or two.

Files are stored by their SHA-256, so a note's audio and an interview recording of the same bytes, or the
same photo in two studies, are one file. Erasing a person, deleting a recording or housekeeping may delete
that file only when no row of any feature (notes' media, interview recordings) still holds it: the kept
one still plays and downloads afterwards.
"""
import hashlib
import os
import time

import pytest

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.studies.models import Study
from tests.factories import make_participant, make_study, make_visit, note_mutation
from tests.test_sync_media import JPEG, MP3, declared, patch, push_note
from tests.transcripts_world import DEVICE, push_audio_note, upload_interview

DAY_AND_A_BIT = 25 * 3600


@pytest.fixture
def world(app, study_id):
    """Ana's study with a visit and two consenting participants, P1 and P2; and a second study of hers."""
    with app.app_context():
        study = db.session.get(Study, study_id)
        visit = make_visit(study)
        p1 = make_participant(study, [visit], pseudonym="P1", real_name="Janet Ellery")
        p2 = make_participant(study, [visit], pseudonym="P2", real_name="Omar Haddad")
        other = make_study(db.session.scalar(db.select(User)), name="Depot returns")
        other_visit = make_visit(other)
        return {"study": study_id, "visit": visit.id, "p1": p1.id, "p2": p2.id,
                "other": other.id, "other_visit": other_visit.id}


def erase(client, study_id, participant_id):
    response = client.post(f"/studies/{study_id}/participants/{participant_id}/erase",
                           data={"confirm": "erase", "notes": "keep"})
    assert response.status_code in (302, 303), response.text


def audio_note(client, world, participant):
    """A note of `participant` with an audio recording of MP3's bytes; returns its media id."""
    _, media_id = push_audio_note(client, world["study"], content=MP3, mime="audio/mpeg",
                                  participant_id=world[participant], visit_id=world["visit"])
    return media_id


def plays(client, url, content):
    with client.get(url) as response:
        return response.status_code == 200 and response.get_data() == content


def interview_url(study_id, interview):
    return f"/studies/{study_id}/recordings/{interview['id']}/audio"


def file_of(app, content):
    with app.app_context():
        return stored_path(hashlib.sha256(content).hexdigest())


def age(path, seconds=DAY_AND_A_BIT):
    when = time.time() - seconds
    os.utime(path, (when, when))


# Erasure

def test_erasing_p1_keeps_p2s_interview_with_the_same_bytes_as_p1s_audio_note(app, client, world):
    media_id = audio_note(client, world, "p1")
    interview = upload_interview(client, world["study"], world["visit"], MP3, mime="audio/mpeg",
                                 participant_id=world["p2"])
    assert plays(client, f"/media/{media_id}", MP3)
    erase(client, world["study"], world["p1"])
    assert client.get(f"/media/{media_id}").status_code == 404  # P1's audio went with them
    assert plays(client, interview_url(world["study"], interview), MP3)


def test_erasing_p1_keeps_another_studys_interview_with_the_same_bytes(app, client, world):
    audio_note(client, world, "p1")
    interview = upload_interview(client, world["other"], world["other_visit"], MP3, mime="audio/mpeg")
    erase(client, world["study"], world["p1"])
    assert plays(client, interview_url(world["other"], interview), MP3)


def test_erasing_p2_keeps_p1s_audio_note_with_the_same_bytes_as_p2s_interview(app, client, world):
    media_id = audio_note(client, world, "p1")
    interview = upload_interview(client, world["study"], world["visit"], MP3, mime="audio/mpeg",
                                 participant_id=world["p2"])
    erase(client, world["study"], world["p2"])
    assert client.get(interview_url(world["study"], interview)).status_code == 404
    assert plays(client, f"/media/{media_id}", MP3)


def test_erasing_p1_keeps_another_studys_photo_of_the_same_bytes(app, client, world):
    theirs, kept = declared(JPEG), declared(JPEG)
    mutation = note_mutation(world["study"], media=[theirs], participant_id=world["p1"], visit_id=world["visit"])
    pushed = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
    assert pushed.json["results"][0]["status"] == "applied"
    push_note(client, world["other"], kept)
    for item in (theirs, kept):
        assert patch(client, item["id"], 0, JPEG).headers["Upload-Status"] == "verified"
    with client.get(f"/media/{kept['id']}") as before:
        photo = before.get_data()
    erase(client, world["study"], world["p1"])
    assert client.get(f"/media/{theirs['id']}").status_code == 404
    assert plays(client, f"/media/{kept['id']}", photo)


def test_what_nobody_else_holds_is_deleted_with_the_person(app, client, world):
    audio_note(client, world, "p1")
    interview = upload_interview(client, world["study"], world["visit"], JPEG[:4000] + MP3, mime="audio/mpeg",
                                 participant_id=world["p2"])
    assert file_of(app, MP3).exists() and file_of(app, JPEG[:4000] + MP3).exists()
    erase(client, world["study"], world["p1"])
    assert not file_of(app, MP3).exists()
    erase(client, world["study"], world["p2"])
    assert not file_of(app, JPEG[:4000] + MP3).exists()
    assert client.get(interview_url(world["study"], interview)).status_code == 404


# Deleting a recording

def test_deleting_an_interview_keeps_a_note_and_another_studys_interview_of_the_same_bytes(app, client, world):
    media_id = audio_note(client, world, "p1")
    gone = upload_interview(client, world["study"], world["visit"], MP3, mime="audio/mpeg")
    elsewhere = upload_interview(client, world["other"], world["other_visit"], MP3, mime="audio/mpeg")
    response = client.post(f"/studies/{world['study']}/recordings/{gone['id']}/delete")
    assert response.status_code == 303, response.text
    assert client.get(interview_url(world["study"], gone)).status_code == 404
    assert plays(client, f"/media/{media_id}", MP3)
    assert plays(client, interview_url(world["other"], elsewhere), MP3)


# Housekeeping

def run_housekeeping(app):
    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    return result.output


def test_housekeeping_keeps_an_interview_recording_untouched_for_a_day(app, client, world):
    interview = upload_interview(client, world["study"], world["visit"], MP3, mime="audio/mpeg")
    orphan = file_of(app, b"nobody holds these bytes")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"nobody holds these bytes")
    for path in (file_of(app, MP3), orphan):
        age(path)
    assert "orphaned media files: 1 removed" in run_housekeeping(app)
    assert not orphan.exists()
    assert plays(client, interview_url(world["study"], interview), MP3)


def test_an_interview_upload_left_for_a_day_starts_again_from_byte_zero(app, client, world):
    digest = hashlib.sha256(MP3).hexdigest()
    upload = client.post(f"/api/studies/{world['study']}/visits/{world['visit']}/recordings", json={
        "title": "Interview", "sha256": digest, "size": len(MP3), "mime": "audio/mpeg"}).json
    url = f"/api/studies/{world['study']}/recordings/{upload['id']}"
    half = len(MP3) // 2
    headers = {"Content-Type": "application/offset+octet-stream"}
    assert client.patch(url, data=MP3[:half], headers={**headers, "Upload-Offset": "0"}).status_code == 200
    with app.app_context():
        age(partial_path(upload["id"]))
    assert "unfinished uploads: 1 removed" in run_housekeeping(app)
    state = client.get(f"/studies/{world['study']}/recordings/{upload['id']}/state").json
    assert state["offset"] == 0 and state["upload"] == "pending"
    # The laptop still has the file: it sends it again, whole, and it is kept.
    answer = client.patch(url, data=MP3, headers={**headers, "Upload-Offset": "0"})
    assert answer.status_code == 200 and answer.json["upload"] == "verified", answer.text
    assert plays(client, f"/studies/{world['study']}/recordings/{upload['id']}/audio", MP3)
