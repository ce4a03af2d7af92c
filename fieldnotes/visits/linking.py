"""Visits and participants link to their account (organisations), whoever writes them.

Every writer (the visit and participant forms, the CSV and archive imports, the demo seeds) sets the
free-text `organisation`; a flush listener links each new or changed row to the study's account of
that name, made if missing, so no writer can leave a row outside its account. The forms choose the
account first and write its name, which the listener then finds already linked.
"""
from collections import Counter

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from fieldnotes.extensions import db
from fieldnotes.organisations import service as accounts
from fieldnotes.organisations.models import Organisation
from fieldnotes.organisations.names import account_name
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.service import ERASERS, HOLDINGS, names_them


def link_to_account(row, pending):
    text = account_name(row.organisation or "")
    if not text:
        row.account = None
    elif row.account is None or row.account.name != text:
        row.account = accounts.account_named(row.study_id, text, pending)
    if text and row.organisation != text:
        row.organisation = text  # the account's name, so the free text finds what the account finds


@event.listens_for(Session, "before_flush")
def link_fieldwork(session, flush_context, instances):
    pending = {}
    for row in list(session.new) + list(session.dirty):
        if isinstance(row, SiteVisit | Participant) and row not in session.deleted:
            link_to_account(row, pending)


def relink_fieldwork(from_ids, account, only=None):
    """Point the visits and participants of accounts `from_ids` at `account`, with its name; of those,
    only the ids in only["visit_ids"] and only["participant_ids"] when `only` is given."""
    moved = Counter()
    for model, what in ((SiteVisit, "visits"), (Participant, "participants")):
        query = update(model).where(model.organisation_id.in_(from_ids))
        if only is not None:
            query = query.where(model.id.in_(only.get(f"{what[:-1]}_ids", [])))
        ids = db.session.scalars(query
                                 .values(organisation_id=account.id, organisation=account.name)
                                 .returning(model.id).execution_options(synchronize_session="fetch")).all()
        moved[what] = len(ids)
        moved[f"{what[:-1]}_ids"] = ids
    return moved


def accounts_naming(participant, pattern):
    """The study's accounts whose notes (text the team typed about the customer) name them."""
    found = db.session.scalars(select(Organisation).where(Organisation.study_id == participant.study_id))
    return [account for account in found if names_them(pattern, account.notes)]


def scrub_account_notes(erasure):
    for account in accounts_naming(erasure.participant, erasure.pattern):
        account.notes = erasure.scrub(account.notes)
        erasure.counts["naming_accounts"] += 1


def count_account_notes(participant, pattern):
    return Counter(naming_accounts=len(accounts_naming(participant, pattern)))


accounts.LINKERS.append(relink_fieldwork)
ERASERS.append(scrub_account_notes)
HOLDINGS.append(count_account_notes)
