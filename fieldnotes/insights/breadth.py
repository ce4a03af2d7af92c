"""How broadly each insight is supported: distinct people, places and researchers behind its notes."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.visits.models import Participant, SiteVisit


@dataclass
class Breadth:
    notes: int = 0
    participants: int = 0
    organisations: int = 0
    roles: int = 0
    touchpoints: int = 0
    visits: int = 0
    researchers: int = 0
    touchpoint_ids: list = field(default_factory=list)
    single_organisation: bool = False
    single_researcher: bool = False

    def as_dict(self):
        return dict(self.__dict__)


def descendants(insight_ids, parent=None):
    """{id: set of itself and every insight under it}, from one query of the studies' trees (or the
    tree `parent` gives, {id: parent id}, when the caller has read it already)."""
    if not insight_ids:
        return {}
    if parent is None:
        studies = select(Insight.study_id).where(Insight.id.in_(insight_ids)).distinct()
        parent = dict(db.session.execute(select(Insight.id, Insight.parent_id)
                                         .where(Insight.study_id.in_(studies))).all())
    wanted = set(insight_ids)
    under = {i: {i} for i in wanted}
    for node in parent:
        seen, current = set(), parent[node]
        while current is not None and current not in seen:  # `seen` guards against a cycle in bad data
            seen.add(current)
            if current in wanted:
                under[current].add(node)
            current = parent.get(current)
    return under


def breadth(insight_ids, parent=None):
    """{insight_id: Breadth} over the live notes of each insight and of all its descendants."""
    insight_ids = list(dict.fromkeys(insight_ids))
    under = descendants(insight_ids, parent)
    if not under:
        return {}
    every = set().union(*under.values())
    # The organisation a note speaks for: its visit's, else its participant's (as the browse filter has it).
    organisation = func.coalesce(SiteVisit.organisation, Participant.organisation)
    rows = db.session.execute(
        select(InsightNote.insight_id, Observation.participant_id, Observation.visit_id, Observation.role_id,
               Observation.touchpoint_id, Observation.author_id, organisation, func.count())
        .join(Observation, Observation.id == InsightNote.observation_id)
        .outerjoin(SiteVisit, SiteVisit.id == Observation.visit_id)
        .outerjoin(Participant, Participant.id == Observation.participant_id)
        .where(InsightNote.insight_id.in_(every), Observation.deleted_at.is_(None))
        .group_by(InsightNote.insight_id, Observation.participant_id, Observation.visit_id, Observation.role_id,
                  Observation.touchpoint_id, Observation.author_id, organisation)).all()
    by_insight = {}
    for row in rows:
        by_insight.setdefault(row[0], []).append(row[1:])
    return {i: tally([r for member in members for r in by_insight.get(member, [])])
            for i, members in under.items()}


def tally(rows):
    def distinct(column):
        return {r[column] for r in rows if r[column] is not None}
    notes = sum(r[6] for r in rows)
    touchpoints = distinct(3)
    organisations, researchers = distinct(5), distinct(4)
    return Breadth(notes=notes, participants=len(distinct(0)), organisations=len(organisations),
                   roles=len(distinct(2)), touchpoints=len(touchpoints), visits=len(distinct(1)),
                   researchers=len(researchers), touchpoint_ids=sorted(touchpoints),
                   single_organisation=notes > 0 and len(organisations) <= 1,
                   single_researcher=notes > 0 and len(researchers) <= 1)
