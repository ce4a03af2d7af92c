"""Studies by the API: the ones you are a member of, one study, its journey (touchpoints, roles) and tags."""
from flask_login import current_user, login_required
from sqlalchemy import func, select

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import JourneySchema, StudyListSchema, StudySchema, TagListSchema
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, observation_tag
from fieldnotes.studies.models import Membership, Role, Tag, Touchpoint


def study_entry(membership):
    study = membership.study
    return {"id": study.id, "name": study.name, "goal": study.goal, "audience": str(study.audience),
            "status": str(study.status), "role": str(membership.role), "created_at": study.created_at}


def terms(model, study_id):
    return [{"id": t.id, "name": t.name, "position": t.position, "retired": t.retired}
            for t in db.session.scalars(model.in_order(study_id))]


@bp.get("/studies")
@login_required
@operation(ok=(200, StudyListSchema))
def list_studies():
    """The studies you are a member of, by name, with your role in each."""
    memberships = db.session.scalars(Membership.of_user(current_user.id)).all()
    return StudyListSchema().dump({"studies": [study_entry(m) for m in memberships]})


@bp.get("/studies/<id:study_id>")
@login_required
@operation(ok=(200, StudySchema), needs="view_study")
def show_study(study_id, membership):
    """One study you are a member of."""
    return StudySchema().dump(study_entry(membership))


@bp.get("/studies/<id:study_id>/journey")
@login_required
@operation(ok=(200, JourneySchema), needs="view_study")
def journey(study_id, membership):
    """The study's touchpoints and roles in their order; retired ones stay on old notes."""
    return JourneySchema().dump({"touchpoints": terms(Touchpoint, study_id), "roles": terms(Role, study_id)})


@bp.get("/studies/<id:study_id>/tags")
@login_required
@operation(ok=(200, TagListSchema), needs="view_notes")
def tags(study_id, membership):
    """The study's tags by name, with how many live notes carry each."""
    live = (select(observation_tag.c.tag_id, func.count().label("notes"))
            .join(Observation, Observation.id == observation_tag.c.observation_id)
            .where(Observation.study_id == study_id, Observation.deleted_at.is_(None))
            .group_by(observation_tag.c.tag_id).subquery())
    rows = db.session.execute(select(Tag.id, Tag.name, func.coalesce(live.c.notes, 0))
                              .outerjoin(live, live.c.tag_id == Tag.id)
                              .where(Tag.study_id == study_id).order_by(Tag.name_key, Tag.id)).all()
    return TagListSchema().dump({"tags": [{"id": i, "name": n, "notes": c} for i, n, c in rows]})
