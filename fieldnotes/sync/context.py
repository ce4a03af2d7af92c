"""What a phone needs to capture offline in a study: its journey, tags, visits and participants."""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.extensions import db
from fieldnotes.fieldkit.guide import phone_guide
from fieldnotes.observations.models import Kind
from fieldnotes.studies.models import Tag
from fieldnotes.observations import changes
from fieldnotes.visits.models import Participant, SiteVisit


def term(item):
    return {"id": item.id, "name": item.name, "position": item.position, "retired": item.retired}


def study_context(membership):
    """Pseudonyms only: real names never leave the server for a phone."""
    study = membership.study
    visits = db.session.scalars(SiteVisit.of_study(study.id).options(
        selectinload(SiteVisit.participants))).all()
    # The capture screen shows them in this order (P2 before P10).
    participants = Participant.in_order(db.session.scalars(Participant.of_study(study.id)))
    tags = db.session.scalars(select(Tag).where(Tag.study_id == study.id).order_by(Tag.name)).all()
    return {
        "study": {"id": study.id, "name": study.name},
        "epoch": changes.current_epoch(),
        # How long the phone keeps acknowledged mutations, to send them again after a restore.
        "ack_retention_days": current_app.config["ACK_RETENTION_DAYS"],
        "me": {"id": membership.user.id, "name": membership.user.name, "role": str(membership.role)},
        "touchpoints": [term(t) for t in study.touchpoints],
        "roles": [term(r) for r in study.roles],
        "kinds": [kind.value for kind in Kind],
        "tags": [{"id": t.id, "name": t.name} for t in tags],
        "visits": [{"id": v.id, "visited_on": v.visited_on.isoformat(), "organisation": v.organisation,
                    "organisation_id": v.organisation_id,
                    "place": v.place, "participant_ids": [p.id for p in v.participants]} for v in visits],
        # Consent travels too, so the capture screen can warn offline (issue 9).
        "participants": [{"id": p.id, "pseudonym": p.pseudonym, "role_id": p.role_id,
                          "organisation": p.organisation, "consent_given": p.consent_given, "consent_notes": p.consent_notes,
                          "consent_quotes": p.consent_quotes, "consent_photos": p.consent_photos,
                          "consent_audio": p.consent_audio} for p in participants],
        # The role guide (issue 15): the brief's questions and watch-for per role, each visit's plan.
        "guide": phone_guide(study),
    }
