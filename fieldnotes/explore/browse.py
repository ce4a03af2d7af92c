"""The browse page: a study's live notes, filtered, searched, counted, a keyset page at a time.

Only the view: the note query and its cursor are in listing, the counts in facets.
"""
from urllib.parse import urlencode

from flask import abort, render_template, request
from flask_login import login_required

from fieldnotes.explore import bp, facets, note_rows, search
from fieldnotes.explore.filters import BadFilter, parse_filters
from fieldnotes.explore.listing import browse_page, lookups, needing_attention
from fieldnotes.extensions import db
from fieldnotes.highlights import queries as highlight_queries
from fieldnotes.studies.permissions import require


@bp.get("/studies/<id:study_id>/notes")
@login_required
def browse(study_id):
    membership = require(study_id, "view_notes")
    study = membership.study
    dialect_name = db.session.get_bind().dialect.name
    names = lookups(study_id)
    try:
        filters = parse_filters(study_id, request.args)
        # First: how many notes match decides how to list them.
        tallies = facets.counted(filters, dialect_name, facets.organisations_in(names))
        notes, cursor = browse_page(filters, dialect_name, matching=tallies[1])
        note_rows.named(notes, names)
    except BadFilter as error:
        abort(400, str(error))
    facet_list, total = facets.facets(filters, dialect_name, names, tallies)
    here = request.full_path if request.query_string else request.path
    return render_template(
        "explore/browse.html", study=study, membership=membership, filters=filters, notes=notes,
        facets=facet_list, attention=tallies[2], total=total,
        next_url=cursor and f"{request.path}?{urlencode(filters.params() + [('after', cursor)])}",
        first_url=filters.after and f"{request.path}?{urlencode(filters.params())}",
        clear_url=request.path, here=here,
        # None of the notes found needs attention (the usual case): none on this page does, nothing to ask.
        attention_ids=needing_attention(notes) if tallies[2] else set(),
        highlight_links=highlight_queries.links([n.id for n in notes if n.is_highlight]),
        highlight=lambda value: search.highlight(value, filters.parts))
