"""Each visit's plan: who we hope to see, which roles and journey stages, what we want to learn. Callers commit."""
from marshmallow import Schema, ValidationError, validate
from sqlalchemy import select

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.fieldkit.brief import LONGEST
from fieldnotes.fieldkit.models import VisitPlan
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.text import Text
from fieldnotes.visits.schemas import IdList


class PlanSchema(Schema):
    list_fields = ("role_ids", "touchpoint_ids")

    who = Text(load_default="", validate=validate.Length(max=2_000, error="Use at most {max} characters."))
    learn = Text(load_default="", validate=validate.Length(max=LONGEST, error="Use at most {max} characters."))
    role_ids = IdList()
    touchpoint_ids = IdList()


def plan_of(visit_id):
    return db.session.get(VisitPlan, visit_id)


def _of_study(model, study_id, ids):
    rows = db.session.scalars(select(model).where(model.study_id == study_id, model.id.in_(ids))).all() if ids else []
    return rows if len(rows) == len(set(ids)) else None


def save_plan(visit, data):
    """Replace the visit's plan with the form's. :raise ValidationError: a role or stage of another study."""
    roles = _of_study(Role, visit.study_id, data["role_ids"])
    touchpoints = _of_study(Touchpoint, visit.study_id, data["touchpoint_ids"])
    errors = {}
    if roles is None:
        errors["role_ids"] = ["Choose roles from this study's roles."]
    if touchpoints is None:
        errors["touchpoint_ids"] = ["Choose journey stages from this study's touchpoints."]
    if errors:
        raise ValidationError(errors)
    plan = plan_of(visit.id) or VisitPlan(visit_id=visit.id, study_id=visit.study_id)
    plan.who, plan.learn, plan.updated_at = data["who"], data["learn"], utcnow()
    plan.roles, plan.touchpoints = roles, touchpoints
    db.session.add(plan)
    return plan
