"""Boards and insights by account (issue 15): which carry evidence from one customer organisation.

A note is an account's as browse and the journey matrix have it: its visit's account, or for a note
taken on no visit, its participant's (explore.cells.account_condition). An insight carries an account's
evidence when it, or any insight under it, groups a live note of the account; a board does when one of
its insights does, or one of its picked pieces of evidence is such a note.
"""
from flask import abort, request
from sqlalchemy import select

from fieldnotes.boards.models import BoardItem, Evidence
from fieldnotes.explore.cells import account_condition
from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.insights.breadth import descendants
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.organisations.models import Organisation


def chosen_account(study_id):
    """The account ?account= names in this study, None when none is asked. :raise 400: in words, for an
    account that is not this study's (another study's id looks like no account)."""
    raw = (request.args.get("account") or "").strip()
    if not raw:
        return None
    account = db.session.get(Organisation, whole_number(raw)) if whole_number(raw) else None
    if account is None or account.study_id != study_id:
        abort(400, "The account filter names an account that is not in this study.")
    return account


def account_notes(study_id, account_id):
    """The statement selecting the ids of the account's live notes in the study."""
    return select(Observation.id).where(Observation.study_id == study_id, Observation.deleted_at.is_(None),
                                        account_condition(study_id, [account_id]))


def insights_with_account(study_id, account_id):
    """Ids of the study's insights that group the account's notes, themselves or through a sub-insight."""
    grouping = set(db.session.scalars(select(InsightNote.insight_id).join(
        Insight, Insight.id == InsightNote.insight_id).where(
        Insight.study_id == study_id, InsightNote.observation_id.in_(account_notes(study_id, account_id)))))
    every = db.session.scalars(select(Insight.id).where(Insight.study_id == study_id)).all()
    return {insight for insight, under in descendants(every).items() if under & grouping}


def boards_with_account(study_id, board_ids, account_id):
    """Of these boards (the study's), the ids of those with evidence from the account."""
    if not board_ids:
        return set()
    insights = insights_with_account(study_id, account_id)
    items = db.session.execute(select(BoardItem.board_id, BoardItem.insight_id)
                               .where(BoardItem.board_id.in_(board_ids))).all()
    picked = db.session.scalars(select(BoardItem.board_id).join(Evidence, Evidence.board_item_id == BoardItem.id)
                                .where(BoardItem.board_id.in_(board_ids),
                                       Evidence.observation_id.in_(account_notes(study_id, account_id))))
    return {board for board, insight in items if insight in insights} | set(picked)


def of_account(study_id, account_id, note_ids):
    """Of these notes, the ids of the account's."""
    if not note_ids:
        return set()
    return set(db.session.scalars(account_notes(study_id, account_id).where(Observation.id.in_(list(note_ids)))))
