"""Backups and restores that lose nothing: `flask backup` / `flask restore`, and the safety net
for a database restored by hand, which tells a phone that knows more than the server to reset."""
import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation, Revision
from fieldnotes.ops import backup as backup_module
from fieldnotes.studies.models import Study
from fieldnotes.sync.models import ProcessedMutation
from tests.factories import add_member, make_study, make_user, note_mutation
from tests.restore_support import by_hand_backup, by_hand_restore, run_command

DEVICE = "7c1d4e2a-5b3f-4a6e-9d8c-0e1f2a3b4c5d"
# A WebM header as Chrome's MediaRecorder writes it (EBML, DocType "webm"), then the sound.
EBML = bytes.fromhex("1a45dfa39f" "4286810142f7810142f2810442f381084282847765626d4287810442858102")
WEBM = EBML + hashlib.sha256(b"a recording").digest() * 1000


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def pull(client, study_id, cursor="", seen=None):
    query = {"study_id": study_id, "cursor": cursor} | ({"seen": seen} if seen else {})
    response = client.get("/api/sync/pull", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def seen_of(page):
    """What a phone remembers of its last page: the note of the last change it saw, and its number."""
    last = page["changes"][-1]
    return f"{last['id']}:{last['seq']}"


def texts(app):
    with app.app_context():
        return sorted(db.session.scalars(select(Observation.text)))


def state(app):
    with app.app_context():
        return changes.current_epoch(), changes.current_counter()


def record_audio(client, study_id, content=WEBM, text="Explains the month-end close, recorded"):
    """A note with a recording, uploaded and verified: the file lands in the media folder."""
    media = {"id": str(uuid.uuid4()), "slot": "audio", "sha256": hashlib.sha256(content).hexdigest(),
             "size": len(content), "mime": "audio/webm"}
    mutation = note_mutation(study_id, kind="quote", text=text, media=[media])
    assert push(client, mutation)[0]["status"] == "applied"
    assert client.post("/api/media", json={**media, "observation_id": mutation["entity_id"]}).status_code in (200, 201)
    done = client.patch(f"/api/media/{media['id']}", data=content, headers={
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert done.headers["Upload-Status"] == "verified"
    return media


def media_file(app, sha256):
    return os.path.join(app.config["MEDIA_ROOT"], sha256[:2], sha256)


def manifest(path):
    with open(path / "manifest.json") as file:
        return json.load(file)


# flask backup / flask restore

def test_a_backup_holds_the_database_and_the_media_with_a_manifest(app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Keeps invoices in a shoebox"))
    audio = record_audio(client, study_id)
    epoch, counter = state(app)

    result = run_command(app, "backup", str(tmp_path / "nightly"))

    assert result.exit_code == 0, result.output
    about = manifest(tmp_path / "nightly")
    kind = "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
    assert (about["format"], about["database"], about["epoch"], about["counter"]) == (1, kind, epoch, counter)
    assert datetime.fromisoformat(about["created_at"]).tzinfo is not None
    assert about["media_files"] == 1 and about["media_missing"] == []
    copied = tmp_path / "nightly" / "media" / audio["sha256"][:2] / audio["sha256"]
    assert copied.read_bytes() == WEBM
    assert "Backed up" in result.output and str(counter) in result.output


def test_a_restore_brings_back_notes_and_media_and_starts_a_new_epoch(app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Before the backup"))
    audio = record_audio(client, study_id)
    before = texts(app)
    old_epoch, counter = state(app)
    cursor = pull(client, study_id)["cursor"]
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    push(client, note_mutation(study_id, text="After the backup"))
    later = record_audio(client, study_id, content=WEBM + b"later", text="Recorded after the backup")
    os.remove(media_file(app, audio["sha256"]))  # a disk mishap: the recording is gone

    result = run_command(app, "restore", str(tmp_path / "nightly"), "--yes")

    assert result.exit_code == 0, result.output
    assert texts(app) == before
    with open(media_file(app, audio["sha256"]), "rb") as file:
        assert file.read() == WEBM
    assert os.path.isfile(media_file(app, later["sha256"]))  # a restore deletes no media file
    new_epoch, restored_counter = state(app)
    assert new_epoch != old_epoch and restored_counter == counter
    assert new_epoch in result.output
    # Every phone hears of it: its cursor is from the old epoch, so it pulls again from the start.
    page = pull(client, study_id, cursor)
    assert page["reset"] is True and page["cursor"] == f"{new_epoch}:0"


def test_what_a_phone_sent_since_the_backup_comes_back_once_after_a_restore(app, client, study_id, tmp_path):
    kept = note_mutation(study_id, text="Before the backup")
    push(client, kept)
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    after = note_mutation(study_id, text="After the backup")
    edit = note_mutation(study_id, op="update", entity_id=kept["entity_id"], base_version=1,
                         text="Before the backup, edited after it")
    acknowledged = [kept, after, edit]  # what the phone keeps in its acked store, in order
    assert [r["status"] for r in push(client, after)] + [r["status"] for r in push(client, edit)] == [
        "applied", "applied"]
    assert run_command(app, "restore", str(tmp_path / "nightly"), "--yes").exit_code == 0

    # After the reset the phone sends its acknowledged mutations again, one note's in order.
    answers = [push(client, mutation)[0]["status"] for mutation in acknowledged]

    assert answers == ["duplicate", "applied", "applied"]
    assert texts(app) == ["After the backup", "Before the backup, edited after it"]
    assert [r["status"] for r in push(client, *acknowledged)] == ["duplicate"] * 3  # never twice


def test_media_that_arrives_during_a_backup_leaves_it_consistent(app, client, study_id, tmp_path, monkeypatch):
    first = record_audio(client, study_id)
    snapshot = backup_module.snapshot_database

    def snapshot_then_more_media(*args):
        taken = snapshot(*args)
        record_audio(client, study_id, content=WEBM[:-1] + b"!", text="Recorded while the backup ran")
        return taken

    monkeypatch.setattr(backup_module, "snapshot_database", snapshot_then_more_media)
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    about = manifest(tmp_path / "nightly")
    # Copied after the snapshot: the later file is there too, unreferenced and harmless.
    assert about["media_missing"] == [] and about["media_files"] == 2
    assert run_command(app, "restore", str(tmp_path / "nightly"), "--yes").exit_code == 0
    assert texts(app) == ["Explains the month-end close, recorded"]  # the database as it was snapshotted
    with client.get(f"/media/{first['id']}") as served:
        assert served.status_code == 200 and served.data == WEBM


def test_a_backup_never_overwrites_an_earlier_one(app, client, study_id, tmp_path):
    (tmp_path / "nightly").mkdir()
    (tmp_path / "nightly" / "keep.txt").write_text("an earlier backup")
    result = run_command(app, "backup", str(tmp_path / "nightly"))
    assert result.exit_code != 0 and "already exists" in result.output
    assert os.listdir(tmp_path / "nightly") == ["keep.txt"]
    assert sorted(os.listdir(tmp_path)).count("nightly") == 1 and not [
        name for name in os.listdir(tmp_path) if name.startswith("nightly.")]


def test_postgresql_backups_need_its_client_tools_and_sqlite_backups_need_none(
        app, client, study_id, tmp_path, monkeypatch):
    push(client, note_mutation(study_id))
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    result = run_command(app, "backup", str(tmp_path / "nightly"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert result.exit_code != 0 and "pg_dump and pg_restore not found on PATH" in result.output
        assert not [name for name in os.listdir(tmp_path) if "nightly" in name]  # nothing half-made
    else:
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("damage, words", [
    ("no manifest", "not a Fieldnotes backup"),
    ("newer format", "format 2"),
    ("other database", "this app uses"),
    ("no database file", "lacks its database file"),
])
def test_restore_refuses_what_it_cannot_restore_and_changes_nothing(app, client, study_id, tmp_path,
                                                                    damage, words):
    push(client, note_mutation(study_id, text="Before the backup"))
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    push(client, note_mutation(study_id, text="After the backup"))
    before = state(app)
    about = manifest(tmp_path / "nightly")
    if damage == "no manifest":
        os.remove(tmp_path / "nightly" / "manifest.json")
    elif damage == "no database file":
        os.remove(tmp_path / "nightly" / about["database_file"])
    else:
        about.update({"newer format": {"format": 2}, "other database": {
            "database": "sqlite" if about["database"] == "postgresql" else "postgresql"}}[damage])
        (tmp_path / "nightly" / "manifest.json").write_text(json.dumps(about))

    result = run_command(app, "restore", str(tmp_path / "nightly"), "--yes")

    assert result.exit_code != 0 and words in result.output
    assert texts(app) == ["After the backup", "Before the backup"] and state(app) == before


def test_restore_refuses_a_damaged_database_file_and_changes_nothing(app, client, study_id, tmp_path):
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    push(client, note_mutation(study_id, text="After the backup"))
    before = state(app)
    damaged = tmp_path / "nightly" / manifest(tmp_path / "nightly")["database_file"]
    damaged.write_bytes(damaged.read_bytes()[:600] + b"\x00" * 400)  # cut short by a full disk

    result = run_command(app, "restore", str(tmp_path / "nightly"), "--yes")

    assert result.exit_code != 0 and ("damaged" in result.output or "pg_restore failed" in result.output)
    assert texts(app) == ["After the backup"] and state(app) == before


def test_restore_asks_first_and_a_no_changes_nothing(app, client, study_id, tmp_path):
    assert run_command(app, "backup", str(tmp_path / "nightly")).exit_code == 0
    push(client, note_mutation(study_id, text="After the backup"))
    before = state(app)
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "nightly")], input="n\n")
    assert result.exit_code != 0 and "Replace the database" in result.output
    assert texts(app) == ["After the backup"] and state(app) == before


# The safety net: a database restored by hand, so the epoch did not change

def test_a_cursor_ahead_of_a_database_restored_by_hand_resets_the_phone(app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Before the backup"))
    by_hand_backup(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, text="After the backup"))
    page = pull(client, study_id)
    epoch = page["cursor"].split(":")[0]
    by_hand_restore(app, tmp_path / "by-hand.backup")
    assert state(app)[0] == epoch  # nothing told the database it went back

    answer = pull(client, study_id, page["cursor"])

    assert answer["reset"] is True and answer["changes"] == [] and answer["cursor"].endswith(":0")
    again = pull(client, study_id, answer["cursor"])
    assert [c["data"]["text"] for c in again["changes"]] == ["Before the backup"]


def test_a_phone_whose_last_change_the_server_lost_resets_after_the_counter_caught_up(
        app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Before the backup"))
    by_hand_backup(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, text="B, after the backup"))
    phone_a = pull(client, study_id)
    by_hand_restore(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, text="C, from another phone"))  # takes B's old change number

    answer = pull(client, study_id, phone_a["cursor"], seen_of(phone_a))

    assert answer["reset"] is True
    changes_seen = pull(client, study_id, answer["cursor"])["changes"]
    assert [c["data"]["text"] for c in changes_seen] == ["Before the backup", "C, from another phone"]


def test_a_phone_that_pulled_nothing_since_its_push_resets_through_what_its_push_was_told(
        app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Before the backup"))
    cursor = pull(client, study_id)["cursor"]  # the phone's last successful pull
    by_hand_backup(app, tmp_path / "by-hand.backup")
    [answer] = push(client, note_mutation(study_id, text="B, after the backup"))  # its pull then failed
    by_hand_restore(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, text="C, from another phone"))

    page = pull(client, study_id, cursor, f"{answer['entity_id']}:{answer['seq']}")

    assert page["reset"] is True


def test_a_phone_in_step_with_the_server_is_not_reset(app, client, study_id, tmp_path):
    push(client, note_mutation(study_id, text="Before the backup"))
    phone = pull(client, study_id)
    by_hand_backup(app, tmp_path / "by-hand.backup")
    by_hand_restore(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, text="After the restore"))
    page = pull(client, study_id, phone["cursor"], seen_of(phone))
    assert page["reset"] is False and [c["data"]["text"] for c in page["changes"]] == ["After the restore"]


def test_a_seen_note_of_another_study_tells_nothing_and_resets_only_this_phone(app, client, study_id):
    with app.app_context():
        other = make_study(make_user("bo@example.org"), name="Other")
        add_member(other, db.session.get(Study, study_id).memberships[0].user, "researcher")
        other_id = other.id
    [elsewhere] = push(client, note_mutation(other_id))
    push(client, note_mutation(study_id))
    epoch_before = state(app)[0]
    page = pull(client, study_id, "", f"{elsewhere['entity_id']}:{elsewhere['seq']}")
    assert page["reset"] is True and state(app)[0] == epoch_before


EPOCH = "5b6b1931-7860-4367-b58b-db0a6d8e7155"  # an epoch no server has: fixed, so every worker collects the same


@pytest.mark.parametrize("seen", ["nonsense", f"{EPOCH}:²", f"{EPOCH}:-1", "12:3",
                                  f"{EPOCH}:{'9' * 19}"])
def test_a_seen_that_no_phone_could_hold_is_a_400(app, client, study_id, seen):
    response = client.get("/api/sync/pull", query_string={"study_id": study_id, "seen": seen})
    assert response.status_code == 400 and "seen" in response.json["description"]


def test_a_cursor_with_a_non_ascii_digit_is_a_400(app, client, study_id):
    epoch = pull(client, study_id)["cursor"].split(":")[0]
    response = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": f"{epoch}:²"})
    assert response.status_code == 400


def test_an_edit_based_on_a_version_the_server_lost_is_answered_reset_and_writes_nothing(
        app, client, study_id, tmp_path):
    create = note_mutation(study_id, text="Version one")
    push(client, create)
    by_hand_backup(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1,
                               text="Version two"))
    by_hand_restore(app, tmp_path / "by-hand.backup")
    held = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=2,
                         text="Version three")

    [answer] = push(client, held)

    assert answer["status"] == "reset" and answer["mutation_id"] == held["mutation_id"]
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(create["entity_id"]))
        assert (note.version, note.text, len(note.revisions)) == (1, "Version one", 1)
        assert db.session.get(ProcessedMutation, uuid.UUID(held["mutation_id"])) is None
    # After its reset the phone sends what was acknowledged, then the held edit: all of it lands.
    push(client, note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1,
                               text="Version two"))
    assert push(client, held)[0]["status"] == "applied"
    assert texts(app) == ["Version three"]


def test_a_delete_based_on_a_version_the_server_lost_is_answered_reset(app, client, study_id, tmp_path):
    create = note_mutation(study_id)
    push(client, create)
    by_hand_backup(app, tmp_path / "by-hand.backup")
    push(client, note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1, text="Two"))
    by_hand_restore(app, tmp_path / "by-hand.backup")
    [answer] = push(client, note_mutation(study_id, op="delete", entity_id=create["entity_id"], base_version=2))
    assert answer["status"] == "reset"
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(create["entity_id"])).deleted_at is None


def test_an_edit_of_a_note_the_server_lacks_claiming_a_version_is_answered_reset(app, client, study_id):
    lost = note_mutation(study_id, op="update", base_version=3, text="Edited on the phone")
    [answer] = push(client, lost)
    assert answer["status"] == "reset"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 0
    # Sent again after a reset with no version to base it on, its full data recreates the note.
    [again] = push(client, {**lost, "base_version": 0})
    assert again["status"] == "applied" and texts(app) == ["Edited on the phone"]


def test_the_phone_learns_how_long_to_keep_what_the_server_acknowledged(app, client, study_id):
    assert client.get(f"/api/studies/{study_id}/context").json["ack_retention_days"] == 30
    app.config["ACK_RETENTION_DAYS"] = 45
    assert client.get(f"/api/studies/{study_id}/context").json["ack_retention_days"] == 45



def test_the_retention_window_is_read_from_the_environment():
    script = "from fieldnotes.config import Config; print(Config.ACK_RETENTION_DAYS)"
    env = {k: v for k, v in os.environ.items() if k != "FIELDNOTES_ACK_RETENTION_DAYS"}
    default = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    chosen = subprocess.run([sys.executable, "-c", script], env={**env, "FIELDNOTES_ACK_RETENTION_DAYS": "12"},
                            capture_output=True, text=True)
    assert (default.stdout.strip(), chosen.stdout.strip()) == ("30", "12")
