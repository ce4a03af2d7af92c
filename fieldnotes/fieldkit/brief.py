"""A study's brief as the team and the phones read it: what was saved, and defaults where nothing was.

Callers commit. A role with no saved focus shows the proposal of defaults.py, so a study has a
useful brief (and its phones a role guide) before anyone has written one.
"""
from dataclasses import dataclass

from marshmallow import Schema, validate
from sqlalchemy import select

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.fieldkit.defaults import focus_for, goal_for, hypotheses_for
from fieldnotes.fieldkit.models import RoleFocus, StudyBrief
from fieldnotes.text import Text

LONGEST = 10_000


def lines(text):
    """The items of a one-per-line list, blank lines left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class RoleBrief:
    role: object
    questions: str
    watch_for: str
    proposed: bool  # nothing saved for this role yet: these are the defaults

    @property
    def question_list(self):
        return lines(self.questions)

    @property
    def watch_list(self):
        return lines(self.watch_for)


@dataclass
class Brief:
    goal: str
    hypotheses: str
    roles: list
    saved: StudyBrief | None

    @property
    def hypothesis_list(self):
        return lines(self.hypotheses)


def brief_of(study, include_retired=False):
    """The study's brief: saved text, or the defaults for its audience and each active role."""
    saved = db.session.get(StudyBrief, study.id)
    focus = {f.role_id: f for f in db.session.scalars(select(RoleFocus).where(RoleFocus.study_id == study.id))}
    roles = []
    for role in study.roles:
        if role.retired and not include_retired:
            continue
        kept = focus.get(role.id)
        if kept is not None:
            roles.append(RoleBrief(role, kept.questions, kept.watch_for, proposed=False))
        else:
            roles.append(RoleBrief(role, *focus_for(role.name), proposed=True))
    if saved is not None:
        return Brief(saved.goal, saved.hypotheses, roles, saved)
    return Brief(goal_for(study), hypotheses_for(study), roles, None)


def long_text():
    return Text(load_default="", validate=validate.Length(max=LONGEST, error="Use at most {max} characters."))


def brief_schema(study):
    """The form's fields: goal, hypotheses, and questions and watch-for lines for each active role."""
    fields = {"goal": long_text(), "hypotheses": long_text()}
    for role in study.roles:
        if role.active:
            fields[f"questions_{role.id}"] = long_text()
            fields[f"watch_{role.id}"] = long_text()
    return Schema.from_dict(fields, name="BriefSchema")()


def save_brief(study, data, user):
    """Keep the posted brief whole: every active role's focus is saved, as shown (defaults included)."""
    saved = db.session.get(StudyBrief, study.id) or StudyBrief(study_id=study.id)
    saved.goal, saved.hypotheses = data["goal"], data["hypotheses"]
    saved.updated_at, saved.updated_by_id = utcnow(), user.id
    db.session.add(saved)
    focus = {f.role_id: f for f in db.session.scalars(select(RoleFocus).where(RoleFocus.study_id == study.id))}
    for role in study.roles:
        if not role.active:
            continue
        kept = focus.get(role.id) or RoleFocus(role_id=role.id, study_id=study.id)
        kept.questions, kept.watch_for = data[f"questions_{role.id}"], data[f"watch_{role.id}"]
        db.session.add(kept)
    return saved
