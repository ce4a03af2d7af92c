"""Plain factory functions: each adds what it makes and commits. Call inside an app context."""
from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.studies.service import create_study

PASSWORD = "quiet harbour lantern 42"


def make_user(email="ana@example.org", name=None, password=PASSWORD, active=True):
    user = User(email=email.lower(), name=name or email.split("@")[0].title(), is_active=active)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_study(owner=None, name="Onboarding at mid-size accounts", audience=Audience.CUSTOMER, **members):
    """A study owned by `owner` (made if missing); `members` maps role names to users."""
    owner = owner or make_user(f"owner{db.session.query(User).count()}@example.org")
    study = create_study(owner, name, audience)
    for role, users in members.items():
        for user in users if isinstance(users, (list, tuple)) else [users]:
            db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    db.session.commit()
    return study


def add_member(study, user, role):
    db.session.add(Membership(study=study, user=user, role=StudyRole(role)))
    db.session.commit()
