"""Finding, creating, editing and merging a study's accounts. Callers commit.

The rows that link to an account (visits and participants, and through them notes) belong to
features above this one: each registers in LINKERS a function(from_ids, account, only=None) that points
its rows at `account` instead (only the ids listed in `only` under its "<row>_ids" keys, when given),
rewrites the free-text name they keep for old readers, and returns what it moved as a Counter with the
ids moved. A merge, its undoing and a rename go through them, so no feature's rows are left behind.
"""
from collections import Counter
from datetime import UTC, datetime
from itertools import combinations

from sqlalchemy import select

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation, OrganisationMerge
from fieldnotes.organisations.names import account_name, near

LINKERS = []
ACCOUNT_FIELDS = ("name", "segment", "size_band", "region", "notes")


def named(study_id, name):
    """The study's account with exactly this name (once trimmed), or None."""
    return db.session.scalar(select(Organisation).where(Organisation.study_id == study_id,
                                                        Organisation.name == account_name(name)))


def account_named(study_id, name, pending=None):
    """The study's account of this name, made if missing. `pending` ({(study, key): account}) holds
    accounts made earlier in one flush, not yet in the database."""
    name = account_name(name)
    key = (study_id, name)
    if pending is not None and key in pending:
        return pending[key]
    account = named(study_id, name)
    if account is None:
        account = Organisation(study_id=study_id, name=name)
        db.session.add(account)
    if pending is not None:
        pending[key] = account
    return account


def get_account(study_id, account_id):
    """The study's account with this id, or None (ids of other studies included)."""
    account = db.session.get(Organisation, account_id)
    return account if account is not None and account.study_id == study_id else None


def update_account(account, data):
    """Change the account's fields; a new name reaches every visit and participant that keeps it.

    :raise Refused: another account of the study already has that name.
    """
    other = named(account.study_id, data["name"])
    if other is not None and other.id != account.id:
        raise Refused(errors={"name": [f"This study already has an account called “{other.name}”. "
                                       "Merge the two instead."]})
    renamed = account_name(data["name"]) != account.name
    for key in ACCOUNT_FIELDS:
        setattr(account, key, data[key])
    if renamed:
        db.session.flush()
        relink([account.id], account)
    return account


def relink(from_ids, account, only=None):
    """What every linker moved: counts, and lists of the ids moved (keys ending in _ids)."""
    moved = Counter()
    for linker in LINKERS:
        for key, value in linker(from_ids, account, only).items():
            moved[key] = moved.get(key, [] if key.endswith("_ids") else 0) + value
    return moved


def merge(kept, removed, merged_by=None, notes=0):
    """Move everything of `removed` to `kept`, record the merge and delete `removed`; one transaction.

    :raise Refused: the two are one account, or of different studies; nothing written.
    """
    if kept.id == removed.id or kept.study_id != removed.study_id:
        raise Refused(errors={"removed_id": ["Choose two different accounts of this study to merge."]})
    moved = relink([removed.id], kept)
    record = OrganisationMerge(
        study_id=kept.study_id, kept_id=kept.id, kept_name=kept.name, merged_name=removed.name,
        merged={**{key: getattr(removed, key) for key in ACCOUNT_FIELDS}, "id": removed.id,
                "visit_ids": sorted(moved.pop("visit_ids", ())),
                "participant_ids": sorted(moved.pop("participant_ids", ()))},
        visits=moved["visits"], participants=moved["participants"], notes=notes, merged_by=merged_by)
    # What the kept account does not say, the removed one may: keep it rather than lose it.
    for key in ("segment", "size_band", "region"):
        if not getattr(kept, key) and getattr(removed, key):
            setattr(kept, key, getattr(removed, key))
    if removed.notes:
        kept.notes = "\n\n".join(filter(None, [kept.notes, removed.notes]))
    db.session.add(record)
    db.session.delete(removed)
    return record


def undo_merge(record, undone_by=None):
    """Make the merged account again, with its details, and move back what the merge moved and is still
    on the kept account; one transaction. Returns the account made again.

    :raise Refused: undone already, the kept account is gone, or its old name is taken again.
    """
    kept = db.session.get(Organisation, record.kept_id) if record.kept_id else None
    problem = ("This merge was undone already." if record.undone_at else
               "The account it was merged into no longer exists." if kept is None else
               f"An account called “{record.merged_name}” exists again: rename or merge it first."
               if named(record.study_id, record.merged_name) else None)
    if problem:
        raise Refused(errors={"merge": [problem]})
    restored = Organisation(study_id=record.study_id, **{key: record.merged[key] for key in ACCOUNT_FIELDS})
    db.session.add(restored)
    db.session.flush()
    relink([kept.id], restored, only={key: record.merged[key] for key in ("visit_ids", "participant_ids")})
    record.undone_at, record.undone_by = datetime.now(UTC), undone_by
    return restored


def suggested_merges(study_id):
    """Pairs (older, newer) of the study's accounts whose names are near-duplicates, for the team to
    confirm; never merged without them. Quadratic in accounts: a study visits tens, not thousands."""
    accounts = db.session.scalars(select(Organisation).where(Organisation.study_id == study_id)
                                  .order_by(Organisation.id)).all()
    return [(a, b) for a, b in combinations(accounts, 2) if near(a.name, b.name)]


def merge_history(study_id):
    return db.session.scalars(select(OrganisationMerge).where(OrganisationMerge.study_id == study_id)
                              .order_by(OrganisationMerge.merged_at.desc(), OrganisationMerge.id.desc())).all()
