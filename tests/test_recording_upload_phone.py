"""The resumable upload as the phone's interview recorder uses it (static/js/interview-upload.js): every attempt
declares the file again to learn the server's offset; chunks are sent from there, and an answer lost on the way
(after a chunk, or after the last one) never doubles a byte or a recording. A participant who did not consent to
audio recordings is refused in words, with nothing kept."""
import hashlib
import uuid

import pytest

from fieldnotes.extensions import db
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.transcripts.models import Recording
from tests.factories import make_participant, make_visit
from tests.transcripts_world import INVOICES

CHUNK = {"Content-Type": "application/offset+octet-stream"}
BODY = {"title": "Interview with P1, recorded on the phone", "sha256": hashlib.sha256(INVOICES).hexdigest(),
        "size": len(INVOICES), "mime": "audio/webm;codecs=opus"}


@pytest.fixture
def visit_id(app, study_id):
    from fieldnotes.studies.models import Study
    with app.app_context():
        study = db.session.get(Study, study_id)
        visit = make_visit(study)
        make_participant(study, [visit], pseudonym="P1")
        make_participant(study, [visit], pseudonym="P2", consent_audio=False)
        make_participant(study, [visit], pseudonym="P3", consent_given=False)
        return visit.id


def participant(app, pseudonym):
    from fieldnotes.visits.models import Participant
    with app.app_context():
        return db.session.scalar(db.select(Participant.id).where(Participant.pseudonym == pseudonym))


def recordings(app):
    with app.app_context():
        rows = db.session.scalars(db.select(Recording)).all()
        found = [(r.offset, str(r.upload), r.size) for r in rows]
        db.session.remove()
        return found


def declare(client, study_id, visit_id, **changes):
    return client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json={**BODY, **changes})


def send(client, study_id, recording_id, offset, data):
    return client.patch(f"/api/studies/{study_id}/recordings/{recording_id}", data=data,
                        headers={**CHUNK, "Upload-Offset": str(offset)})


def test_a_chunk_sent_again_after_its_answer_was_lost_is_written_once(app, client, study_id, visit_id):
    declared = declare(client, study_id, visit_id, participant_id=participant(app, "P1")).json
    assert send(client, study_id, declared["id"], 0, INVOICES[:4000]).json["offset"] == 4000
    # The answer was lost: the phone asks again by declaring, and hears where the server is.
    again = declare(client, study_id, visit_id, participant_id=participant(app, "P1"))
    assert again.status_code == 200 and (again.json["id"], again.json["offset"]) == (declared["id"], 4000)
    # A phone that sends the same chunk anyway is told the offset; the bytes are not written twice.
    twice = send(client, study_id, declared["id"], 0, INVOICES[:4000])
    assert twice.status_code == 409 and twice.json["offset"] == 4000 and twice.headers["Upload-Offset"] == "4000"
    with app.app_context():
        assert partial_path(uuid.UUID(declared["id"])).stat().st_size == 4000
    done = send(client, study_id, declared["id"], 4000, INVOICES[4000:])
    assert done.json["upload"] == "verified" and done.json["state"] == "queued"
    with app.app_context():
        assert stored_path(BODY["sha256"]).read_bytes() == INVOICES
    assert recordings(app) == [(len(INVOICES), "verified", len(INVOICES))]


def test_the_last_answer_lost_is_one_recording_the_phone_may_then_free(app, client, study_id, visit_id):
    declared = declare(client, study_id, visit_id).json
    assert send(client, study_id, declared["id"], 0, INVOICES).json["upload"] == "verified"
    # The phone never heard "verified": its next attempt declares again and hears it, and frees its copy.
    again = declare(client, study_id, visit_id)
    assert again.status_code == 200 and again.json["id"] == declared["id"] and again.json["upload"] == "verified"
    # The whole file sent again changes nothing.
    resent = send(client, study_id, declared["id"], 0, INVOICES)
    assert resent.status_code == 200 and resent.json["upload"] == "verified"
    assert recordings(app) == [(len(INVOICES), "verified", len(INVOICES))]


def test_more_bytes_than_declared_are_refused_in_words_and_the_offset_stays(app, client, study_id, visit_id):
    declared = declare(client, study_id, visit_id).json
    response = send(client, study_id, declared["id"], 0, INVOICES + b"extra")
    assert response.status_code == 422 and f"More bytes than the {len(INVOICES)} declared" in response.text
    assert recordings(app) == [(0, "pending", len(INVOICES))]


def test_a_recording_over_the_limit_is_refused_before_any_byte_with_nothing_kept(app, client, study_id, visit_id):
    response = declare(client, study_id, visit_id, size=401 * 1024 * 1024)
    assert response.status_code == 422 and "recordings may be up to 400 MB (two hours, compressed)" in response.text
    assert recordings(app) == []


@pytest.mark.parametrize("pseudonym", ["P2", "P3"])
def test_a_participant_who_did_not_consent_to_audio_is_refused_with_nothing_kept(app, client, study_id, visit_id,
                                                                               pseudonym):
    response = declare(client, study_id, visit_id, participant_id=participant(app, pseudonym))
    assert response.status_code == 422
    assert f"{pseudonym} did not consent to audio recordings, so a recording of them is not kept." in response.text
    assert recordings(app) == []


def test_the_worker_keeps_the_recorder_with_the_shell_it_installs(app, client):
    from fieldnotes.pwa import shell_files
    shell = shell_files(app.static_folder)
    for name in ("interview", "interview-store", "interview-upload", "net"):
        assert f"js/{name}.js" in shell
    worker = client.get("/sw.js").get_data(as_text=True)
    shell_line = next(line for line in worker.splitlines() if line.startswith("const SHELL"))
    assert "/static/js/interview." in shell_line and "LATER" not in worker
