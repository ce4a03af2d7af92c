"""Visits, participants and notes per account of one study: the accounts list and the merge tool."""
from collections import Counter

from sqlalchemy import func, literal, select, union_all

from fieldnotes.extensions import db
from fieldnotes.observations.models import NONE_ID, JourneyCount
from fieldnotes.visits.models import Participant, SiteVisit


def per_account(study_id):
    """{account id: Counter(visits=, participants=, notes=)}, from the counts kept on write, in one round
    trip (the four counts used to be four: on the server each trip cost more than its counting)."""
    counts = JourneyCount
    linked = [select(literal(what).label("what"), model.organisation_id.label("account_id"), func.count().label("n"))
              .where(model.study_id == study_id, model.organisation_id.is_not(None)).group_by(model.organisation_id)
              for model, what in ((SiteVisit, "visits"), (Participant, "participants"))]
    by_visit = (select(literal("notes"), SiteVisit.organisation_id, func.sum(counts.notes))
                .join(SiteVisit, SiteVisit.id == counts.visit_id)
                .where(counts.study_id == study_id).group_by(SiteVisit.organisation_id))
    by_person = (select(literal("notes"), Participant.organisation_id, func.sum(counts.notes))
                 .join(Participant, Participant.id == counts.participant_id)
                 .where(counts.study_id == study_id, counts.visit_id == NONE_ID)
                 .group_by(Participant.organisation_id))
    found = {}
    for row in db.session.execute(union_all(*linked, by_visit, by_person)):
        if row.account_id is not None:
            found.setdefault(row.account_id, Counter())[row.what] += int(row.n or 0)
    return found
