"""The erasure ledger: which participants were erased, kept outside the database so a restore cannot undo it.

A backup taken before an erasure still holds the participant, their real name and their words. Restoring
it would bring them back, and consent that was withdrawn would be open again. So each erasure, once
committed, appends one line to a file beside the media folder (FIELDNOTES_ERASURE_LEDGER): the study, the
participant's id and creation time, what the team chose for their notes, and when. No name, no pseudonym:
the ledger itself names nobody.

`flask restore` and `flask housekeeping` read it and erase again, with the same choice, every participant
it lists who is back in the database (a restore by hand is caught by the next daily housekeeping). A
participant is the one erased only if the id AND the creation time match, so a new participant who got a
reused id after a restore is never touched. Lines are only ever appended, and re-erasing is idempotent.
"""
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.visits.models import Participant


def ledger_path():
    configured = current_app.config.get("ERASURE_LEDGER")
    return Path(configured) if configured else Path(current_app.instance_path) / "erasures.jsonl"


def stamp(moment):
    """One spelling of a creation time for both databases (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_of(erasure):
    participant = erasure.participant
    return {"study_id": participant.study_id, "participant_id": participant.id,
            "created_at": stamp(participant.created_at), "notes": erasure.notes,
            "erased_at": datetime.now(UTC).isoformat(timespec="seconds"), "erased_by": erasure.erased_by}


def record(entry, path=None):
    """Append one erasure, flushed to disk before the team is told it is done."""
    path = path or ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as ledger:
        ledger.write(json.dumps(entry, sort_keys=True) + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())


def entries(path=None):
    """Every erasure recorded; a torn last line (a crash mid-append) is skipped, not fatal."""
    path = path or ledger_path()
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and {"study_id", "participant_id", "created_at", "notes"} <= entry.keys():
            found.append(entry)
    return found


def merge_from(other):
    """Add the lines of another ledger (a backup's copy) that this one lacks; how many were added."""
    known = {json.dumps(entry, sort_keys=True) for entry in entries()}
    added = [entry for entry in entries(other) if json.dumps(entry, sort_keys=True) not in known]
    for entry in added:
        record(entry)
    return len(added)


def returned(entry):
    """The participant the entry erased, if a restore brought exactly them back."""
    participant = db.session.scalar(select(Participant).where(
        Participant.id == entry["participant_id"], Participant.study_id == entry["study_id"]))
    if participant is not None and stamp(participant.created_at) == entry["created_at"]:
        return participant
    return None
