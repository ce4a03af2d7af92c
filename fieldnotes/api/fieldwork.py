"""Site visits and participants by the API: pseudonyms only, never a real name, whoever asks."""
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import AccountListSchema, ParticipantListSchema, VisitListSchema
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.visits.models import Participant, SiteVisit, visit_participant
from fieldnotes.visits.names import NameGuard


@bp.get("/studies/<id:study_id>/visits")
@login_required
@operation(ok=(200, VisitListSchema), needs="view_fieldwork")
def visits(study_id, membership):
    """The study's site visits, newest first, with who went and whom they observed (by participant id)."""
    guard = NameGuard.of_study(study_id)
    found = db.session.scalars(SiteVisit.of_study(study_id).options(
        selectinload(SiteVisit.researchers), selectinload(SiteVisit.participants))).all()
    return VisitListSchema().dump({"visits": [
        {"id": v.id, "visited_on": v.visited_on, "organisation": v.organisation,
         "organisation_id": v.organisation_id, "place": v.place,
         "summary": guard.mask(v.summary), "researchers": [u.name for u in v.researchers],
         "participant_ids": [p.id for p in v.participants]} for v in found]})


@bp.get("/studies/<id:study_id>/participants")
@login_required
@operation(ok=(200, ParticipantListSchema), needs="view_fieldwork")
def participants(study_id, membership):
    """The study's participants by pseudonym, with role, organisation and what they consented to.

    Real names are not in the answer, even for owners: they stay on the participant's page.
    """
    people = Participant.in_order(db.session.scalars(Participant.of_study(study_id)))
    visits_of = {}
    for visit_id, participant_id in db.session.execute(
            select(visit_participant.c.visit_id, visit_participant.c.participant_id)
            .where(visit_participant.c.participant_id.in_([p.id for p in people]))).all():
        visits_of.setdefault(participant_id, []).append(visit_id)
    return ParticipantListSchema().dump({"participants": [
        {"id": p.id, "pseudonym": p.pseudonym, "role_id": p.role_id, "organisation": p.organisation,
         "organisation_id": p.organisation_id,
         "consent": {"given": p.consent_given, "on": p.consent_on, "notes": p.consent_notes,
                     "quotes": p.consent_quotes, "photos": p.consent_photos, "audio": p.consent_audio},
         "visit_ids": sorted(visits_of.get(p.id, []))} for p in people]})


@bp.get("/studies/<id:study_id>/accounts")
@login_required
@operation(ok=(200, AccountListSchema), needs="view_fieldwork")
def accounts(study_id, membership):
    """The study's accounts (customer organisations) by name; visits and participants name them by id."""
    found = db.session.scalars(Organisation.of_study(study_id)).all()
    return AccountListSchema().dump({"accounts": [
        {"id": a.id, "name": a.name, "segment": a.segment, "size_band": a.size_band, "region": a.region,
         "notes": a.notes} for a in found]})
