"""A transcript highlight on a board: its quote is exactly the span, its clip plays exactly its range, and
consent decides each (quotes for the words, audio for the voice)."""
import uuid

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment
from fieldnotes.visits.models import Participant
from tests.boards_world import board_holding, store_file
from tests.test_highlights_transcripts import make, sign_in, world  # noqa: F401  (the fixture)

SOUND = b"OggS" + bytes(300)  # stands in for the recording's file: the board serves it, nobody decodes it


def board_with(app, client, world, note_id):
    """An insight holding the highlight, on a new board, the recording's file stored; (board url, item id)."""
    with app.app_context():
        store_file(db.session.get(Attachment, world["attachment"]).sha256, SOUND)
    return board_holding(app, client, world["study"], note_id)


def test_a_highlights_quote_and_clip_go_on_a_board_exactly(app, client, world):
    sign_in(client, "owner@example.org")
    note_id = make(client, world, "spoken", "So I type it twice.").location.rsplit("/", 1)[1]
    base, item = board_with(app, client, world, uuid.UUID(note_id))
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f'value="clip:{note_id}"' in picker and f'value="note:{note_id}"' in picker
    saved = client.post(f"{base}/items/{item}/evidence", data={"pick": [f"note:{note_id}", f"clip:{note_id}"]})
    assert saved.status_code == 303
    page = client.get(base).text
    assert "So I type it twice." in page and "paper tray" not in page  # the span, not the transcript
    media = f"{base}/media/{world['attachment']}"
    assert f'data-clip-end="12.0" src="{media}#t=9.0,12.0"' in page and "highlight-clip" in page
    with client.get(media) as sound:
        assert sound.status_code == 200 and sound.data == SOUND
    assert f'value="clip:{note_id}" checked' in client.get(f"{base}/items/{item}/evidence").text


def test_without_consent_to_audio_the_clip_is_withheld_but_the_words_stay(app, client, world):
    sign_in(client, "owner@example.org")
    note_id = make(client, world, "spoken", "So I type it twice.").location.rsplit("/", 1)[1]
    base, item = board_with(app, client, world, uuid.UUID(note_id))
    client.post(f"{base}/items/{item}/evidence", data={"pick": [f"note:{note_id}", f"clip:{note_id}"]})
    with app.app_context():
        db.session.get(Participant, world["p5"]).consent_audio = False
        db.session.commit()
    page = client.get(base).text
    assert "So I type it twice." in page and "data-clip" not in page
    with client.get(f"{base}/media/{world['attachment']}") as refused:
        assert refused.status_code == 404
    picker = client.get(f"{base}/items/{item}/evidence").text
    assert f"clip:{note_id}" not in picker and "the participant did not consent to audio recordings" in picker
    again = client.post(f"{base}/items/{item}/evidence", data={"pick": [f"clip:{note_id}"]})
    assert again.status_code == 422


def test_the_project_carries_the_transcript_with_sync_points_and_the_highlight_as_a_selection(app, client, world):
    from tests.test_qdpx import NS, codes_by_name, download, unpack
    sign_in(client, "owner@example.org")
    note_id = make(client, world, "spoken", "So I type it twice.").location.rsplit("/", 1)[1]
    board_with(app, client, world, uuid.UUID(note_id))  # stores the recording's file
    entries, project = unpack(download(client, world["study"]))  # valid against Project.xsd
    [audio] = project.iterfind("q:Sources/q:AudioSource", NS)
    transcript = audio.find("q:Transcript", NS)
    assert entries["sources/" + transcript.get("plainTextPath").removeprefix("internal://")].decode() == (
        "We keep a paper tray of invoices.\nNobody trusts the fuel sheet any more.\nSo I type it twice.")
    points = {p.get("guid"): (int(p.get("timeStamp")), int(p.get("position")))
              for p in transcript.iterfind("q:SyncPoint", NS)}
    assert (0, 0) in points.values() and (4500, 34) in points.values() and len(points) == 8
    [selection] = transcript.iterfind("q:TranscriptSelection", NS)
    assert (points[selection.get("fromSyncPoint")], points[selection.get("toSyncPoint")]) == ((9000, 73), (12000, 92))
    codes = codes_by_name(project)  # its kind, and the insight it is grouped under
    assert {c.get("targetGUID") for c in selection.iterfind(".//q:CodeRef", NS)} == {
        codes["Quote"], codes["Nobody trusts the fuel sheet."]}
    names = " ".join(s.get("name") for s in project.find("q:Sources", NS))
    assert note_id[:8] not in names  # a selection of the transcript, not a second copy of its words
    with app.app_context():
        db.session.get(Participant, world["p5"]).consent_audio = False
        db.session.commit()
    entries, project = unpack(download(client, world["study"], "outside"))
    assert not list(project.iterfind("q:Sources/q:AudioSource", NS))
    own = [s for s in project.iterfind("q:Sources/q:TextSource", NS) if note_id[:8] in s.get("name")]
    assert len(own) == 1  # without the recording, the highlight goes as the note it is


def test_browse_and_the_export_rows_say_a_transcript_highlight_is_one(app, client, world):
    import json
    sign_in(client, "owner@example.org")
    note_id = make(client, world, "spoken", "So I type it twice.").location.rsplit("/", 1)[1]
    browse = " ".join(client.get(f"/studies/{world['study']}/notes?kind=quote").text.split())
    assert "Highlight of a transcript (9.0–12.0 s)" in browse
    response = client.get(f"/studies/{world['study']}/export/download?format=json&audience=team")
    [row] = [n for n in json.loads(response.get_data())["notes"] if n["id"] == note_id]
    response.close()
    assert (row["highlight_of"], row["highlight_audio"]) == (f"transcript {world['spoken']}", "9000-12000")
    assert row["text"] == "So I type it twice."
