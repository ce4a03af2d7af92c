"""Which notes a workshop deals: the study's, a browse filter's (its query string), or one visit's.

The filter is the browse page's own (explore/filters.py), so "start a workshop on these" deals the
very notes the designer was looking at, in capture order.
"""
from urllib.parse import parse_qsl

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from fieldnotes.errors import NotFound, Refused
from fieldnotes.explore.filters import BadFilter, conditions, parse_filters
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.models import SiteVisit
from fieldnotes.workshops.service import MOST_CARDS

STUDY, FILTER, VISIT = "study", "filter", "visit"


def notes_for(study_id, on, filter_query="", visit_id=None):
    """(note ids in capture order, the scope to keep on the workshop). :raise Refused: a bad filter."""
    dialect = db.session.get_bind().dialect.name
    if on == VISIT:
        visit = db.session.get(SiteVisit, visit_id) if visit_id else None
        if visit is None or visit.study_id != study_id:
            raise NotFound("No such visit in this study.")
        where, scope = [Observation.study_id == study_id, Observation.deleted_at.is_(None),
                        Observation.visit_id == visit.id], {"visit": visit.id}
    elif on == FILTER:
        try:
            filters = parse_filters(study_id, MultiDict(parse_qsl((filter_query or "").lstrip("?"))))
        except BadFilter as bad:
            raise Refused(str(bad), errors={"filter": [str(bad)]}) from None
        where, scope = conditions(filters, dialect), {"filter": (filter_query or "").lstrip("?")}
    elif on == STUDY:
        where, scope = [Observation.study_id == study_id, Observation.deleted_at.is_(None)], {}
    else:
        raise Refused("Choose what the workshop is on: the study, a filter or a visit.", errors={"on": ["Choose."]})
    ids = list(db.session.scalars(select(Observation.id).where(*where)
                                  .order_by(Observation.captured_at, Observation.id).limit(MOST_CARDS + 1)))
    return ids, scope
