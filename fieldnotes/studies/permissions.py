"""Who may do what in a study: the one place that decides.

Every view asks `require(study_id, action)`; a non-member gets 404, as if
the study did not exist, and a member without the right gets 403.
"""
import enum
import functools

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from fieldnotes.extensions import db


class StudyRole(enum.StrEnum):
    OWNER = "owner"            # sets up the study, its journey and members
    RESEARCHER = "researcher"  # goes into the field and captures notes
    DESIGNER = "designer"      # browses, tags, groups notes, builds boards
    VIEWER = "viewer"          # executive: boards and the evidence on them


O, R, D, V = StudyRole.OWNER, StudyRole.RESEARCHER, StudyRole.DESIGNER, StudyRole.VIEWER

RULES = {
    "view_study": {O, R, D, V},
    "view_notes": {O, R, D},         # viewers see curated boards, not raw notes
    "capture": {O, R},
    "edit_notes": {O, R, D},
    "manage_fieldwork": {O, R},      # site visits and participants
    "view_fieldwork": {O, R, D},
    "see_real_names": {O},
    "manage_study": {O},             # settings, journey, roles, members
    "export_archive": {O},           # the whole study in one file, to take to another server
    "manage_tags": {O, R, D},
    "build_boards": {O, D},
    "group_notes": {O, D},           # the affinity workspace's moves; researchers may look, read-only
    "view_boards": {O, R, D, V},
    "export": {O, R, D},             # notes out for the team: whoever may browse them
    "export_outside": {O, R},        # consent-filtered notes for outside: those who gathered the consent
    "import_notes": {O},             # bulk notes, and the touchpoints, roles and participants they name
    # The visit kit (fieldkit): the brief is the study's intent, written by those who set it up and
    # those who make sense of the notes; the interpretation session is the whole team's (not viewers':
    # it walks through raw notes).
    "edit_brief": {O, D},
    "interpret": {O, R, D},
    "make_highlights": {O, R, D},    # a span of a note as a note of its own: whoever may edit notes
    "run_workshops": {O, D},         # start a workshop, show its wall, deal, name, merge, lock, end (it groups notes)
    "join_workshops": {O, R, D},     # a phone in the room: whoever may read the notes places cards
}


def allows(role, action):
    return role in RULES[action]


def membership_of(study_id, user):
    """The signed-in (or anonymous) user's membership in the study, or None."""
    if not user.is_authenticated:
        return None
    return find_membership(study_id, user.id)


def find_membership(study_id, user_id):
    """The membership of the user with this id in the study, or None: the one lookup every feature uses."""
    return db.session.scalar(membership_query(), {"study_id": study_id, "user_id": user_id})


@functools.cache
def membership_query():
    """Built once (it runs on every request): SQLAlchemy keeps a statement object's cache key. The study comes with
    the membership (contains_eager): most pages name it, and its lazy load was a round trip of its own."""
    from fieldnotes.studies.models import Membership
    return (select(Membership).join(Membership.study).options(contains_eager(Membership.study))
            .where(Membership.study_id == bindparam("study_id"), Membership.user_id == bindparam("user_id")))


def require(study_id, action):
    """Return the current user's Membership (with .study) for `action`.

    :raise 404: not a member, or no such study (indistinguishable on purpose).
    :raise 403: a member whose role does not allow `action`.
    """
    membership = membership_of(study_id, current_user)
    require_role(membership.role if membership is not None else None, action)
    return membership


def require_role(role, action):
    """require() for a caller that read the role itself (None: not a member), in a query it needed anyway."""
    if role is None:
        abort(404)
    if not allows(role, action):
        abort(403, f"Your role in this study ({role}) does not allow this.")
