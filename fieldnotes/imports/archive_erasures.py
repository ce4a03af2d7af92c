"""An archive made before an erasure must not bring the participant back (visits/ledger.py).

Each participant in a format 2 archive carries the exporting server's erasure key for them (a hash of
study id, participant id and creation time: exports/archive_format.erasure_key). If this server's
erasure ledger lists that participant (the same server, or one that merged its ledger from a backup),
the import erases them again, with the team's choice, in the same transaction: their words, voice,
transcripts and highlight spans are never committed here. Not caught: a format 1 archive (no keys),
and an archive restored on a server whose ledger never heard of the erasure.
"""
from fieldnotes.exports.archive_format import erasure_key
from fieldnotes.extensions import db
from fieldnotes.visits import ledger
from fieldnotes.visits.models import Participant
from fieldnotes.visits.service import erase_participant


def erased_since(loader):
    """(pseudonym, the ledger's entry) for each archived participant the ledger erased."""
    if not loader.erasure_keys:
        return []
    found = {}
    for entry in ledger.entries():
        key = erasure_key(entry["study_id"], entry["participant_id"], entry["created_at"])
        if key in loader.erasure_keys:
            found[loader.erasure_keys[key]] = entry
    return sorted(found.items())


def erase_again(loader):
    """Erase them, uncommitted; returns the erasures, whose finish() the caller runs after the commit.

    `recorded`: the ledger names them already, and their rows here are never committed."""
    erasures = []
    for pseudonym, entry in erased_since(loader):
        participant = db.session.get(Participant, loader.ids["participant"][pseudonym])
        erasures.append(erase_participant(participant, entry["notes"], erased_by=None, recorded=True))
        db.session.flush()
    return erasures
