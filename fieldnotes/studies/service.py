"""Creating studies and changing their journey, roles, tags and members. Callers commit.

A change the study's rules refuse (a name taken, no owner left) raises errors.Refused with the message
for the form; the caller rolls back.
"""
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fieldnotes.auth.models import User
from fieldnotes.auth.service import create_invite, create_user
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import ROLES, TOUCHPOINTS
from fieldnotes.studies.models import Membership, Role, Study, Tag, Touchpoint, name_key
from fieldnotes.studies.permissions import StudyRole, find_membership

TERM_KINDS = {"touchpoints": Touchpoint, "roles": Role}


def create_study(owner, name, audience, goal="", status=None):
    """A new study with its audience's default journey and roles, owned by `owner`."""
    study = Study(name=name, audience=audience, goal=goal)
    if status:
        study.status = status
    study.touchpoints = [Touchpoint(name=n, position=i) for i, n in enumerate(TOUCHPOINTS)]
    study.roles = [Role(name=n, position=i) for i, n in enumerate(ROLES[audience])]
    study.memberships = [Membership(user=owner, role=StudyRole.OWNER)]
    db.session.add(study)
    return study


def term_named(model, study, name, exclude_id=None):
    """The study's tag, touchpoint or role (`model`) that `name` names, in whatever letter case."""
    query = select(model).where(model.study_id == study.id, model.name_key == name_key(name))
    if exclude_id:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query)


def add_term(model, study, name):
    """Append a touchpoint or role at the end of the order.

    :raise Refused: the study already has one by that name (case-insensitive).
    """
    if term_named(model, study, name):
        raise Refused(f"There is already one called “{name}”.")
    last = db.session.scalar(select(func.max(model.position)).where(model.study_id == study.id))
    term = model(study=study, name=name, position=(last if last is not None else -1) + 1)
    db.session.add(term)
    flush_unique(f"There is already one called “{name}”.")
    return term


def rename_term(term, name):
    """:raise Refused: another term of the study has that name (its own name in other letters is fine)."""
    if term_named(type(term), term.study, name, exclude_id=term.id):
        raise Refused(f"There is already one called “{name}”.")
    term.name = name
    flush_unique(f"There is already one called “{name}”.")


def move_term(term, step):
    """Swap `term` with its neighbour before (step -1) or after (+1) it in the journey."""
    model = type(term)
    terms = db.session.scalars(model.in_order(term.study_id)).all()
    i = terms.index(term)
    j = i + step
    if 0 <= j < len(terms):
        terms[i], terms[j] = terms[j], terms[i]
    for position, each in enumerate(terms):
        each.position = position


def get_term(model, study_id, term_id):
    """:raise 404: no such term in this study (ids from other studies included)."""
    term = db.session.get(model, term_id)
    if term is None or term.study_id != study_id:
        abort(404)
    return term


def add_tag(study, name):
    """:raise Refused: the study already has that tag, in these or other letters."""
    if term_named(Tag, study, name):
        raise Refused(f"The tag “{name}” already exists.")
    tag = Tag(study=study, name=name)
    db.session.add(tag)
    flush_unique(f"The tag “{name}” already exists.")
    return tag


def flush_unique(message):
    """Write now, so a name someone else saved a moment ago is a refusal, not a 500 at commit.

    The check before it catches the usual case; the unique constraint decides a race.
    The caller rolls back on Refused.
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        raise Refused(message) from error


def add_member(study, email, role):
    """Add `email` to the study with `role`.

    Returns (membership, invite_token); the token is set when the email had no
    account yet, and the owner passes the link on.
    :raise Refused: already a member.
    """
    user = db.session.scalar(User.by_email(email))
    token = None
    if user is None:
        # A placeholder name until they join; an email's local part may be longer than a name.
        user = create_user(email, name=email.split("@")[0][:120])
        db.session.flush()
        token = create_invite(user)
    elif find_membership(study.id, user.id):
        raise Refused(f"{user.email} is already a member of this study.")
    elif user.password_hash is None:
        token = create_invite(user)  # invited elsewhere and not joined yet: a fresh link
    membership = Membership(study=study, user=user, role=role)
    db.session.add(membership)
    return membership, token


def owner_count(study_id):
    """The study's owners, locked until commit: two owners stepping down at once can't both go."""
    return len(db.session.scalars(select(Membership.id).where(
        Membership.study_id == study_id, Membership.role == StudyRole.OWNER).with_for_update()).all())


def change_role(membership, role):
    """:raise Refused: it would leave the study without an owner."""
    if membership.role == StudyRole.OWNER and role != StudyRole.OWNER and owner_count(membership.study_id) == 1:
        raise Refused("A study needs at least one owner: make someone else owner first.")
    membership.role = role


def remove_member(membership):
    """:raise Refused: it would leave the study without an owner."""
    if membership.role == StudyRole.OWNER and owner_count(membership.study_id) == 1:
        raise Refused("A study needs at least one owner: make someone else owner first.")
    db.session.delete(membership)
