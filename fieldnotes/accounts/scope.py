"""Which accounts one account page joins: the same-named account of each study the viewer may read.

Accounts belong to studies (Fieldnotes has no team above a study), so "the same customer across
studies" is the same name, exactly, in a study where the viewer's role may read notes. Nothing of a
study the viewer is not a member of, or only views boards in, is ever read.
"""
from sqlalchemy import and_, select

from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Membership, Study
from fieldnotes.studies.permissions import RULES


def joined_accounts(study_id, account_id, user_id):
    """([(account, study)] for this account and its namesakes in the user's readable studies, this one
    first; the ids of those studies where the user may see real names (owners)). One round trip: the
    name, the memberships and the studies are read together. Empty when this study has no such account."""
    name = select(Organisation.name).where(Organisation.id == account_id,
                                           Organisation.study_id == study_id).scalar_subquery()
    member = and_(Membership.study_id == Organisation.study_id, Membership.user_id == user_id)
    rows = db.session.execute(
        select(Organisation, Study, Membership.role).join(Study, Study.id == Organisation.study_id)
        .join(Membership, member)
        .where(Organisation.name == name, Membership.role.in_(RULES["view_notes"]))
        .order_by(Study.name, Study.id)).all()
    joined = sorted(((a, s) for a, s, _ in rows), key=lambda pair: pair[0].id != account_id)
    if not joined or joined[0][0].id != account_id:
        return [], set()
    return joined, {s.id for _, s, role in rows if role in RULES["see_real_names"]}
