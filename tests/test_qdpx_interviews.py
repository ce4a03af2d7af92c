"""A visit's interview recording in the REFI-QDA project: an AudioSource of its own with its `Transcript`,
`SyncPoint`s and its highlights as coded `TranscriptSelection`s (valid against Project.xsd), under the
recorded person's consent (audio for the sound, quotes for the words) and gone once they are erased."""
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Study
from fieldnotes.transcripts.models import Recording
from fieldnotes.visits.models import Participant
from tests.boards_world import make_insight
from tests.test_highlights_transcripts import TEXT, made, make, sign_in, world  # noqa: F401  (the fixture)
from tests.test_qdpx import NS, codes_by_name, download, unpack

SOUND = b"\x1aE\xdf\xa3" + bytes(range(200))  # stands in for the interview's webm: exported, never decoded


def interview_with_highlight(app, client, world):
    """The interview's file stored, a highlight of it under an insight; returns (highlight note id, its link)."""
    sign_in(client, "owner@example.org")
    note, link = made(app, make(client, world, "interview", "So I type it twice."))
    with app.app_context():
        recording = db.session.get(Recording, world["recording"])
        stored_path(recording.sha256).parent.mkdir(parents=True, exist_ok=True)
        stored_path(recording.sha256).write_bytes(SOUND)
        make_insight(db.session.get(Study, world["study"]), "Everything is typed twice.",
                     [db.session.get(Observation, note.id)])
    return str(note.id), link


def interview_source(project):
    return [a for a in project.iterfind("q:Sources/q:AudioSource", NS) if " interview " in a.get("name")]


def test_the_interview_goes_with_its_transcript_sync_points_and_its_highlight_as_a_coded_selection(app, client, world):
    note_id, link = interview_with_highlight(app, client, world)
    entries, project = unpack(download(client, world["study"]))  # valid against Project.xsd
    [audio] = interview_source(project)
    assert "Dispatch desk" in audio.get("name") and "P4 dispatcher" in audio.get("name")
    assert entries["sources/" + audio.get("path").removeprefix("internal://")] == SOUND
    assert audio.get("path").endswith(".webm")
    transcript = audio.find("q:Transcript", NS)
    assert entries["sources/" + transcript.get("plainTextPath").removeprefix("internal://")].decode() == TEXT
    points = {p.get("guid"): (int(p.get("timeStamp")), int(p.get("position")))
              for p in transcript.iterfind("q:SyncPoint", NS)}
    assert {(0, 0), (4000, 33), (4500, 34), (9000, 73), (12000, 92)} <= set(points.values()) and len(points) == 8
    [selection] = transcript.iterfind("q:TranscriptSelection", NS)
    assert (points[selection.get("fromSyncPoint")], points[selection.get("toSyncPoint")]) == (
        (link.audio_start_ms, TEXT.index("So I")), (link.audio_end_ms, len(TEXT)))
    codes = codes_by_name(project)
    assert {c.get("targetGUID") for c in selection.iterfind(".//q:CodeRef", NS)} == {
        codes["Quote"], codes["Everything is typed twice."]}
    names = " ".join(s.get("name") for s in project.find("q:Sources", NS))
    assert note_id[:8] not in names  # a selection of the transcript, not a second copy of its words
    [case] = [c for c in project.iterfind("q:Cases/q:Case", NS) if c.get("name") == "P4 dispatcher"]
    assert audio.get("guid") in {ref.get("targetGUID") for ref in case.iterfind("q:SourceRef", NS)}


def test_outside_the_team_without_consent_to_audio_the_interview_stays_and_the_highlight_goes_as_a_note(
        app, client, world):
    note_id, _ = interview_with_highlight(app, client, world)
    assert interview_source(unpack(download(client, world["study"], "outside"))[1])  # consented: it goes
    with app.app_context():
        db.session.get(Participant, world["p4"]).consent_audio = False
        db.session.commit()
    entries, project = unpack(download(client, world["study"], "outside"))
    assert not interview_source(project) and SOUND not in entries.values()
    assert not list(project.iter(f"{{{NS['q']}}}TranscriptSelection"))
    [own] = [s for s in project.iterfind("q:Sources/q:TextSource", NS) if note_id[:8] in s.get("name")]
    assert entries["sources/" + own.get("plainTextPath").removeprefix("internal://")].decode() == "So I type it twice."
    description = project.find("q:Description", NS).text
    assert "1 interview recording: the participant did not consent to audio recordings" in description


def test_outside_the_team_without_consent_to_quotes_the_sound_goes_without_the_words(app, client, world):
    note_id, _ = interview_with_highlight(app, client, world)
    with app.app_context():
        db.session.get(Participant, world["p4"]).consent_quotes = False
        db.session.commit()
    entries, project = unpack(download(client, world["study"], "outside"))
    [audio] = interview_source(project)
    assert audio.find("q:Transcript", NS) is None
    assert not any(b"type it twice" in data for data in entries.values())


def test_erasing_the_person_recorded_takes_the_interview_its_words_and_highlight_out(app, client, world):
    interview_with_highlight(app, client, world)
    erased = client.post(f"/studies/{world['study']}/participants/{world['p4']}/erase",
                         data={"confirm": "erase", "notes": "keep"})
    assert erased.status_code == 303
    for audience in ("team", "outside"):
        entries, project = unpack(download(client, world["study"], audience))
        assert not interview_source(project) and SOUND not in entries.values()
        assert not any(b"type it twice" in data for data in entries.values())
