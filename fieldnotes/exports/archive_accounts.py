"""What a study archive says about a study's accounts: each customer organisation, and the merges.

A merge record keeps what the merge moved, by id, so it can be undone; here those ids become the
archive's keys (visit keys, pseudonyms), and the removed account's own id, gone since, is left out.
"""
from sqlalchemy import select

from fieldnotes.exports.archive_format import moment
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation, OrganisationMerge
from fieldnotes.organisations.service import ACCOUNT_FIELDS


def account_keys(study_id):
    return {aid: f"account-{i}" for i, aid in enumerate(db.session.scalars(
        select(Organisation.id).where(Organisation.study_id == study_id).order_by(Organisation.id)), 1)}


def accounts_record(keys):
    accounts = db.session.scalars(select(Organisation).where(Organisation.study_id == keys.study_id)
                                  .order_by(Organisation.id))
    merges = db.session.scalars(select(OrganisationMerge).where(OrganisationMerge.study_id == keys.study_id)
                                .order_by(OrganisationMerge.id))
    return {"accounts": [{"key": keys.account[a.id], **{f: getattr(a, f) for f in ACCOUNT_FIELDS},
                          "created_at": moment(a.created_at)} for a in accounts],
            "merges": [merge_record(m, keys) for m in merges]}


def merge_record(merge, keys):
    merged = merge.merged or {}
    return {
        "kept": keys.account.get(merge.kept_id), "kept_name": merge.kept_name, "merged_name": merge.merged_name,
        # The undo data: the removed account's fields, and what moved, by key (gone since: left out).
        "merged": {**{f: merged.get(f, "") for f in ACCOUNT_FIELDS},
                   "visits": sorted(keys.visit[v] for v in merged.get("visit_ids", ()) if v in keys.visit),
                   "participants": sorted(keys.participant[p] for p in merged.get("participant_ids", ())
                                          if p in keys.participant)},
        "visits": merge.visits, "participants": merge.participants, "notes": merge.notes,
        "merged_by": keys.member(merge.merged_by), "merged_at": moment(merge.merged_at),
        "undone_by": keys.member(merge.undone_by), "undone_at": moment(merge.undone_at)}
