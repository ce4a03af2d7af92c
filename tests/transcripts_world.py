"""What the transcription tests share: spoken clips, a note with a recording pushed as a phone does."""
import hashlib
import uuid
from pathlib import Path

from fieldnotes import jobs
from fieldnotes.extensions import db
from fieldnotes.observations.storage import stored_path
from fieldnotes.transcripts.models import Recording
from tests.factories import note_mutation

CLIPS = Path(__file__).parent / "data" / "transcripts"
INVOICES = (CLIPS / "invoices.webm").read_bytes()  # "The finance league keeps a paper tray of invoices ..."
FORKLIFT = (CLIPS / "forklift.webm").read_bytes()  # "The driver scans the pallet twice because ..."
DEVICE = "0f6c0a3e-9a4e-4c1e-8f0e-7d5b3c2a1e00"


def words(text):
    return [w.strip(".,!?").lower() for w in text.split()]


def push_audio_note(client, study_id, content=INVOICES, mime="audio/webm;codecs=opus", **data):
    """A note with a recording, pushed and uploaded in one piece; returns (note id, media id)."""
    media = {"id": str(uuid.uuid4()), "slot": "audio", "sha256": hashlib.sha256(content).hexdigest(),
             "size": len(content), "mime": mime}
    mutation = note_mutation(study_id, media=[media], **data)
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
    assert response.json["results"][0]["status"] == "applied", response.json
    response = client.patch(f"/api/media/{media['id']}", data=content, headers={
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert response.headers["Upload-Status"] == "verified", response.text
    return uuid.UUID(mutation["entity_id"]), uuid.UUID(media["id"])


def run_jobs(app):
    """What a worker would do with the queue now, in this process."""
    with app.app_context():
        return jobs.queue().run_pending()


def recording_of(app, note_id):
    with app.app_context():
        recording = db.session.scalar(db.select(Recording).where(Recording.observation_id == note_id))
        db.session.expunge_all()
        return recording


def speech_wav(path, seconds):
    """A WAV of the clips' speech, one after another with a pause, until `seconds` long: an interview."""
    import wave

    from fieldnotes.transcripts.decode import RATE, decode

    pcm = b""
    for name in ("invoices.webm", "forklift.webm"):
        decoded = decode(CLIPS / name, path.with_suffix(".pcm"), 60)
        pcm += Path(decoded.path).read_bytes() + bytes(RATE)  # half a second of silence between
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        whole = pcm * (int(seconds * RATE * 2) // len(pcm) + 1)
        out.writeframes(whole[:int(seconds * RATE) * 2])
    path.with_suffix(".pcm").unlink()
    return path.read_bytes()


def upload_interview(client, study_id, visit_id, content, mime="audio/wav", chunk=1024 * 1024, **fields):
    """Add a recording to a visit as the page's script does: declare, then PATCH chunks. Returns its JSON."""
    declared = client.post(f"/api/studies/{study_id}/visits/{visit_id}/recordings", json={
        "title": "Interview with the depot lead", "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content), "mime": mime, **fields})
    assert declared.status_code in (200, 201), declared.text
    answer = declared.json
    offset = answer["offset"]
    while answer["upload"] != "verified":
        response = client.patch(f"/api/studies/{study_id}/recordings/{answer['id']}",
                                data=content[offset:offset + chunk], headers={
                                    "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
        assert response.status_code == 200, response.text
        answer = response.json
        offset = answer["offset"]
    return answer


def interview_recording(study, visit, researcher, said="We print the invoices twice."):
    """An interview recording `researcher` added to the visit, transcribed, its file stored; returns its id."""
    from fieldnotes.transcripts.engine import Heard, Segment
    from fieldnotes.transcripts.models import JobState, Recording, Source
    from fieldnotes.transcripts.work import new_transcript
    audio = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64" + bytes(500)
    recording = Recording(study_id=study.id, source=Source.INTERVIEW, visit_id=visit.id, title="Interview",
                          added_by_id=researcher.id, sha256=hashlib.sha256(audio).hexdigest(), size=len(audio),
                          offset=len(audio), mime="audio/mpeg", state=JobState.DONE, progress=100)
    db.session.add(recording)
    db.session.flush()
    db.session.add(new_transcript(recording, Heard([Segment(0, 2000, said)], "en", 2000,
                                                   "faster-whisper:test")))
    db.session.commit()
    path = stored_path(recording.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(audio)
    return recording.id
