"""The study archive carries what came after format 1: accounts and their merges, the visit kit,
interview recordings with their transcripts and versions, and highlights; and an erasure made after
the archive still holds when it is imported."""
import hashlib
import json
import uuid
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from fieldnotes import create_app
from fieldnotes.accounts import story
from fieldnotes.exports.archive_format import FORMAT, FORMAT_1
from fieldnotes.exports.archive_records import canonical_dump
from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import RoleFocus, StudyBrief
from fieldnotes.fieldkit.plans import save_plan
from fieldnotes.fieldkit.sessions import close_session, mark_note, start_session
from fieldnotes.highlights.models import Highlight
from fieldnotes.highlights.service import make_highlight, make_transcript_highlight
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Slot
from fieldnotes.observations.storage import stored_path
from fieldnotes.organisations import service as accounts
from fieldnotes.organisations.models import Organisation, OrganisationMerge
from fieldnotes.studies.models import Role, Study, Touchpoint
from fieldnotes.transcripts import service as transcripts
from fieldnotes.transcripts.models import JobState, Recording, Transcript
from fieldnotes.auth.models import User
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.service import KEEP, erase_participant
from tests.accounts_world import HALLORAN, build_world, term
from tests.conftest import TEST_CONFIG
from tests.factories import make_observations, make_participant, make_visit
from tests.test_archive_roundtrip import everything_in, export, import_as
from tests.transcripts_world import interview_recording

SAID = "We print the invoices twice. Then Moira signs them on Fridays."
EDITED = "We print every invoice twice. Then the finance lead signs them on Fridays."
NOTE_SAID = "Dispatch calls finance every morning."
NOTE_AUDIO = b"\x1aE\xdf\xa3 a phone's voice note" + bytes(300)
FAILED_AUDIO = b"RIFF\x00\x00\x00\x00WAVEnot really audio"


def build_kit_world():
    """The accounts world's Onboarding study, with everything a team adds after the visits. Returns its id."""
    world = build_world()
    study = db.session.get(Study, world.onboarding)
    ana, dan = (db.session.scalar(select(User).where(User.email == f"{n}@example.org")) for n in ("ana", "dan"))
    halloran = db.session.get(Organisation, world.account)
    accounts.update_account(halloran, {"name": HALLORAN, "segment": "Logistics", "size_band": "250–999",
                                       "region": "North West", "notes": "Two depots; finance at head office."})
    # A typo made a second account, which the team merged; another merge they undid.
    typo = make_visit(study, organisation="Haloran Regional Logistics", visited_on=date(2026, 7, 1))
    make_participant(study, [typo], pseudonym="P3 Dispatcher", organisation="Haloran Regional Logistics")
    acme = make_visit(study, organisation="Acme Freight", visited_on=date(2026, 8, 3))
    make_visit(study, organisation="Acme Freight Ltd", visited_on=date(2026, 8, 4))
    db.session.flush()
    accounts.merge(halloran, accounts.named(study.id, "Haloran Regional Logistics"), merged_by=ana.id)
    undone = accounts.merge(acme.account, accounts.named(study.id, "Acme Freight Ltd"), merged_by=ana.id)
    db.session.flush()
    accounts.undo_merge(undone, undone_by=dan.id)

    db.session.add(StudyBrief(study_id=study.id, goal="Learn why invoices wait.", hypotheses="Paper slows finance.",
                              updated_by_id=ana.id))
    finance = term(study, Role, "finance executive")
    db.session.add(RoleFocus(role_id=finance, study_id=study.id, questions="Who signs?\nHow long?",
                             watch_for="Paper trays"))
    march = db.session.get(SiteVisit, world.march)
    save_plan(march, {"who": "P1 and a clerk", "learn": "How approval works", "role_ids": [finance],
                      "touchpoint_ids": [term(study, Touchpoint, "purchase"), term(study, Touchpoint, "use")]})
    session = start_session(march, ana)
    notes = db.session.scalars(select(Observation).where(Observation.visit_id == march.id)
                               .order_by(Observation.text)).all()
    for note, mark, context in zip(notes, ("key", "question", "candidate"),
                                   ("Said with the manager in the room.", "", "Ask again in June.")):
        mark_note(session, str(note.id), mark, context, ana)
    close_session(session, {"attendee_ids": [ana.id, dan.id], "summary": "Paper is the bottleneck."}, ana)
    db.session.commit()

    recording_id = interview_recording(study, march, ana, said=SAID)
    recording = db.session.get(Recording, recording_id)
    recording.participant_id = world.p1
    transcript = recording.transcripts[0]
    transcripts.edit(transcript, ana, 1, [EDITED])
    db.session.commit()
    add_note_audio(study, ana)
    db.session.commit()
    failed = Recording(study_id=study.id, source="interview", visit_id=world.june, title="Second interview",
                       added_by_id=ana.id, sha256=stored_file(FAILED_AUDIO), size=len(FAILED_AUDIO),
                       offset=len(FAILED_AUDIO), mime="audio/wav", state=JobState.FAILED,
                       failure="The audio could not be decoded.", attempts=3)
    midway = Recording(study_id=study.id, source="interview", visit_id=world.june, title="Third interview",
                       added_by_id=ana.id, sha256=stored_file(FAILED_AUDIO + b"!"), size=len(FAILED_AUDIO) + 1,
                       offset=len(FAILED_AUDIO) + 1, mime="audio/wav", state=JobState.TRANSCRIBING, progress=40,
                       job_token="a worker of the old server", attempts=1)
    db.session.add_all([failed, midway])
    quote = term(study, Touchpoint, "purchase")
    make_highlight(notes[0], 0, 17, {"kind": "quote", "touchpoint_id": quote, "role_id": finance,
                                     "tags": ["paper"]}, ana.id)
    make_transcript_highlight(transcript, 0, 29, {"kind": "breakdown", "touchpoint_id": quote, "role_id": finance,
                                                  "tags": []}, ana.id)
    db.session.commit()
    return study.id


def add_note_audio(study, author):
    """P3's quote with its audio, transcribed: a note's recording, whose file travels as the note's media."""
    from fieldnotes.transcripts.engine import Heard, Segment
    from fieldnotes.transcripts.work import new_transcript
    p3 = db.session.scalar(select(Participant).where(Participant.study_id == study.id,
                                                     Participant.pseudonym == "P3 Dispatcher"))
    [voice] = make_observations(study, author, [{"visit_id": p3.visits[0].id, "participant_id": p3.id,
                                                 "kind": "quote", "text": NOTE_SAID}])
    digest = stored_file(NOTE_AUDIO)
    attachment = Attachment(id=uuid.uuid4(), observation_id=voice.id, slot=Slot.AUDIO, sha256=digest,
                            size=len(NOTE_AUDIO), mime="audio/webm", offset=len(NOTE_AUDIO),
                            status=MediaStatus.VERIFIED, verified_at=datetime.now(UTC))
    db.session.add(attachment)
    db.session.flush()
    recording = Recording(study_id=study.id, source="note", attachment_id=attachment.id, observation_id=voice.id,
                          added_by_id=author.id, sha256=digest, size=len(NOTE_AUDIO), mime="audio/webm",
                          state=JobState.DONE, progress=100)
    db.session.add(recording)
    db.session.flush()
    db.session.add(new_transcript(recording, Heard([Segment(0, 1500, NOTE_SAID)], "en", 1500, "faster-whisper:test")))


def stored_file(content):
    digest = hashlib.sha256(content).hexdigest()
    path = stored_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return digest


def what_the_account_page_shows(study_id):
    """The account page's numbers for the study's Halloran account: totals, stages, gaps, people, insights."""
    study = db.session.get(Study, study_id)
    account = accounts.named(study_id, HALLORAN)
    told = story.tell([(account, study)], see_real_names=(study_id,))
    return {"total": vars(told.total), "stages": {s: vars(t) for s, t in told.stage_totals.items()},
            "visits": [(m.visit.visited_on if m.visit else None, vars(m.total)) for m in told.moments],
            "people": [(p.pseudonym, role) for p, role, _ in told.people], "gaps": told.gaps,
            "insights": [statement for _, _, statement, *_ in told.insights]}


@pytest.fixture(scope="module")
def kit_archive(tmp_path_factory):
    """The kit world exported once from a server of its own (SQLite)."""
    folder = tmp_path_factory.mktemp("kit-source")
    source = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'source.sqlite'}",
                         "MEDIA_ROOT": str(folder / "media"), "ERASURE_LEDGER": str(folder / "erasures.jsonl")})
    with source.app_context():
        db.create_all()
        study_id = build_kit_world()
    export(source, study_id, folder / "study.zip")
    with source.app_context():
        dump, page = canonical_dump(study_id), what_the_account_page_shows(study_id)
        db.session.remove()
        db.engine.dispose()
    return {"path": folder / "study.zip", "dump": dump, "page": page}


def test_the_archive_holds_accounts_kit_recordings_and_highlights(kit_archive):
    files = everything_in(kit_archive["path"].read_bytes())
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == FORMAT == "fieldnotes.archive/2"
    assert manifest["counts"] | {"accounts": 3, "account_merges": 2, "visit_plans": 1, "interpretation_sessions": 1,
                                 "recordings": 4, "highlights": 2} == manifest["counts"]
    halloran = next(a for a in json.loads(files["accounts.json"])["accounts"] if a["name"] == HALLORAN)
    assert halloran["region"] == "North West" and halloran["size_band"] == "250–999"
    recordings = [json.loads(line) for line in files["recordings.jsonl"].splitlines()]
    assert all(f"media/{r['sha256']}" in files for r in recordings)  # the audio itself travels
    assert "Moira" not in files["participants.jsonl"].decode()  # real names never leave


def test_another_server_restores_what_a_user_sees(app, kit_archive):
    """SQLite to this run's database (PostgreSQL when FIELDNOTES_TEST_DATABASE_URL is set)."""
    study_id = import_as(app, kit_archive["path"])
    with app.app_context():
        dump = canonical_dump(study_id)
        assert dump == kit_archive["dump"]
        assert what_the_account_page_shows(study_id) == kit_archive["page"]
        merges = accounts.merge_history(study_id)
        assert [(m.kept_name, m.merged_name, bool(m.undone_at)) for m in merges] == [
            ("Acme Freight", "Acme Freight Ltd", True), (HALLORAN, "Haloran Regional Logistics", False)]
        fieldkit = dump["fieldkit"]
        assert fieldkit["brief"]["goal"] == "Learn why invoices wait."
        assert fieldkit["plans"][0]["touchpoints"] == ["Purchase", "Use"]
        assert sorted(m["mark"] for m in fieldkit["sessions"][0]["marks"]) == ["candidate", "key", "question"]
        assert fieldkit["sessions"][0]["closed_at"] and fieldkit["sessions"][0]["key_count"] == 1
        transcript = db.session.scalars(select(Transcript).where(Transcript.study_id == study_id)
                                        .order_by(Transcript.created_at)).first()
        assert transcript.text == EDITED and [v.text for v in transcript.versions] == [SAID, EDITED]
        assert [v.author_id is None for v in transcript.versions] == [True, False]  # the engine's, then a person's
        recordings = db.session.scalars(select(Recording).where(Recording.study_id == study_id)
                                        .order_by(Recording.created_at)).all()
        assert all(stored_path(r.sha256).is_file() for r in recordings)
        # Failed stays failed, with its reason and a retry; one a worker had begun is queued again here.
        assert [(r.source, r.state, r.failure, r.progress, r.job_token) for r in recordings] == [
            ("interview", JobState.DONE, None, 100, None), ("note", JobState.DONE, None, 100, None),
            ("interview", JobState.FAILED, "The audio could not be decoded.", 0, None),
            ("interview", JobState.QUEUED, None, 0, None)]
        voice = recordings[1]
        assert voice.attachment.observation_id == voice.observation_id and voice.attachment.sha256 == voice.sha256
        assert voice.transcripts[0].text == NOTE_SAID
        spans = {(h.start, h.end, h.audio_start_ms, h.audio_end_ms, h.note.text)
                 for h in db.session.scalars(select(Highlight).where(Highlight.study_id == study_id))}
        assert spans == {(0, 17, None, None, "Approves invoices"), (0, 29, 0, 800, EDITED[:29])}
        moved = db.session.scalars(select(OrganisationMerge).where(OrganisationMerge.study_id == study_id,
                                                                   OrganisationMerge.undone_at.is_(None))).one()
        typo_visit = db.session.scalar(select(SiteVisit.id).where(SiteVisit.study_id == study_id,
                                                                  SiteVisit.visited_on == date(2026, 7, 1)))
        assert moved.merged["visit_ids"] == [typo_visit]  # the undo data names this server's rows


def test_a_merge_restored_can_still_be_undone(app, kit_archive):
    study_id = import_as(app, kit_archive["path"])
    with app.app_context():
        record = db.session.scalars(select(OrganisationMerge).where(OrganisationMerge.study_id == study_id,
                                                                    OrganisationMerge.undone_at.is_(None))).one()
        restored = accounts.undo_merge(record)
        db.session.commit()
        assert restored.name == "Haloran Regional Logistics"
        assert [p.pseudonym for p in db.session.scalars(select(Participant).where(
            Participant.organisation_id == restored.id))] == ["P3 Dispatcher"]


def test_a_copy_on_the_same_server_is_the_same_study(app, tmp_path):
    with app.app_context():
        study_id = build_kit_world()
    export(app, study_id, tmp_path / "study.zip")
    copy_id = import_as(app, tmp_path / "study.zip", email="copy@example.org")
    with app.app_context():
        assert copy_id != study_id
        assert canonical_dump(copy_id) == canonical_dump(study_id)
        assert what_the_account_page_shows(copy_id) == what_the_account_page_shows(study_id)


def test_an_archive_made_before_an_erasure_does_not_bring_them_back(app, tmp_path):
    with app.app_context():
        study_id = build_kit_world()
    export(app, study_id, tmp_path / "before.zip")
    with app.app_context():
        p1 = db.session.scalar(select(Participant).where(Participant.study_id == study_id,
                                                         Participant.pseudonym == "P1 Finance"))
        erasure = erase_participant(p1, KEEP)
        db.session.commit()
        erasure.finish()
        after = canonical_dump(study_id)
    restored_id = import_as(app, tmp_path / "before.zip")
    with app.app_context():
        restored = canonical_dump(restored_id)
        assert "P1 Finance" not in {p["pseudonym"] for p in restored["participants"]}
        texts = " ".join(n["text"] or "" for n in restored["notes"])
        for words in ("Approves invoices", "Waits a week", "We print", "finance lead signs", "Quote came the same day"):
            assert words not in texts
        assert [t.text for t in db.session.scalars(select(Transcript).where(Transcript.study_id == restored_id))] == [
            NOTE_SAID]  # P3's voice note: only P1 was erased
        assert not db.session.scalars(select(Highlight).where(Highlight.study_id == restored_id)).all()
        assert [(r["source"], r["title"]) for r in restored["recordings"]] == [
            ("note", ""), ("interview", "Second interview"), ("interview", "Third interview")]
        for part in ("participants", "recordings", "highlights", "accounts"):
            assert restored[part] == after[part]
        assert [m["context"] for m in restored["fieldkit"]["sessions"][0]["marks"]] == [
            m["context"] for m in after["fieldkit"]["sessions"][0]["marks"]]


def as_format_1(path, out):
    """The archive as format 1 wrote it: without the four files format 2 added, or their fields."""
    files = everything_in(path.read_bytes())
    manifest = json.loads(files.pop("manifest.json"))
    for name in ("accounts.json", "fieldkit.json", "recordings.jsonl", "highlights.jsonl"):
        files.pop(name)
    for name in ("visits.jsonl", "participants.jsonl"):
        records = [json.loads(line) for line in files[name].splitlines()]
        files[name] = b"".join(json.dumps({k: v for k, v in r.items() if k not in ("account", "erasure_key")})
                               .encode() + b"\n" for r in records)
    files = {n: c for n, c in files.items() if not n.startswith("media/") or n[6:] in notes_media(files)}
    manifest |= {"format": FORMAT_1, "files": {n: {"sha256": hashlib.sha256(c).hexdigest(), "size": len(c)}
                                               for n, c in files.items()}}
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", json.dumps(manifest))


def notes_media(files):
    notes = [json.loads(line) for line in files["notes.jsonl"].splitlines()]
    return {m["stored_sha256"] or m["sha256"] for n in notes for m in n["media"]}


def test_a_format_1_archive_still_imports(app, kit_archive, tmp_path):
    as_format_1(kit_archive["path"], tmp_path / "old.zip")
    study_id = import_as(app, tmp_path / "old.zip")
    with app.app_context():
        dump = canonical_dump(study_id)
        for part in ("notes", "insights", "boards"):
            assert dump[part] == kit_archive["dump"][part]
        assert [v["organisation"] for v in dump["visits"]] == [v["organisation"] for v in kit_archive["dump"]["visits"]]
        # Accounts come back by name, as the migration made them from free text.
        assert {a["name"] for a in dump["accounts"]["accounts"]} == {HALLORAN, "Acme Freight", "Acme Freight Ltd"}
        # It knew no recordings: each note's audio is transcribed afresh here.
        assert [(r["source"], r["state"], r["transcripts"]) for r in dump["recordings"]] == [("note", "queued", [])]
        assert dump["highlights"] == []


def test_the_archive_page_says_what_travels_and_which_workshops_to_end_first(app, client, auth):
    from fieldnotes.workshops.models import Workshop
    from tests.factories import make_study, make_user
    with app.app_context():
        study = make_study(make_user("ana@example.org", name="Ana"))
        study_id = study.id
        db.session.add(Workshop(study_id=study_id, title="Invoices wall", code="WALL42"))
        db.session.commit()
    auth.login()
    page = client.get(f"/studies/{study_id}/export/archive").get_data(as_text=True)
    assert "transcripts with every version" in page and "Accounts with their details" in page
    assert "1 workshop of this study is not ended: end it first" in page
    with app.app_context():
        db.session.get(Workshop, db.session.scalar(select(Workshop.id))).state = "ended"
        db.session.commit()
    assert "not ended" not in client.get(f"/studies/{study_id}/export/archive").get_data(as_text=True)
