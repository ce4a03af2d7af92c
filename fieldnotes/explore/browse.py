"""The browse page: a study's live notes, filtered, searched, counted, a keyset page at a time.

Only the view: the note query and its cursor are in listing, the counts in facets.

Filters whose counts are not kept (a search, several facets, a date beside a facet), first viewed, are counted over
every note they keep: at 1M notes on PostgreSQL, 0.1-0.7 s for a search of 10k-170k notes, where only counting and
listing them in plain psycopg takes 0.06-0.48 s; no exact count is much faster. When the filters keep many notes,
the page does not wait for that: it lists the newest, and the page's script asks for the counts (browse_counts),
which are then kept for the next view. Few notes are counted while the page waits, as before (a few ms).
"""
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for
from flask_login import login_required

from fieldnotes.explore import bp, facets, note_rows, search
from fieldnotes.explore.filters import BadFilter, parse_filters
from fieldnotes.explore.listing import browse_page, lookups, needing_attention, walked_page
from fieldnotes.extensions import db
from fieldnotes.highlights import queries as highlight_queries
from fieldnotes.studies.permissions import require

COUNT_NOW = ("counts", "now")  # in a page's address: count while the page waits (the link without the script)


@bp.get("/studies/<id:study_id>/notes")
@login_required
def browse(study_id):
    membership = require(study_id, "view_notes")
    study = membership.study
    dialect_name = db.session.get_bind().dialect.name
    names = lookups(study_id)
    try:
        filters = parse_filters(study_id, request.args)
        (notes, cursor), tallies = listed_and_counted(filters, dialect_name, facets.organisations_in(names))
        note_rows.named(notes, names)
    except BadFilter as error:
        abort(400, str(error))
    facet_list, total = facets.facets(filters, dialect_name, names, tallies) if tallies else (None, None)
    here = request.full_path if request.query_string else request.path
    return render_template(
        "explore/browse.html", study=study, membership=membership, filters=filters, notes=notes,
        facets=facet_list, attention=tallies and tallies[2], total=total, **({} if tallies else counts_later(filters)),
        next_url=cursor and f"{request.path}?{urlencode(filters.params() + [('after', cursor)])}",
        first_url=filters.after and f"{request.path}?{urlencode(filters.params())}",
        clear_url=request.path, here=here,
        # None of the notes found needs attention (the usual case): none on this page does, nothing to ask.
        attention_ids=needing_attention(notes) if tallies is None or tallies[2] else set(),
        highlight_links=highlight_queries.links([n.id for n in notes if n.is_highlight]),
        highlight=lambda value: search.highlight(value, filters.parts))


def listed_and_counted(filters, dialect_name, orgs):
    """((notes, cursor), the counts or None): None when the notes are many and listed before they are counted."""
    tallies = facets.counted(filters, dialect_name, orgs, afresh=not may_count_later(filters))
    page = walked_page(filters, dialect_name) if tallies is None else None
    if page is None:  # counted now: how many notes match decides how to list them
        tallies = tallies or facets.counted(filters, dialect_name, orgs)
        page = browse_page(filters, dialect_name, matching=tallies[1])
    return page, tallies


def may_count_later(filters):
    """May the page list the filters' notes before they are counted? In time order, unless asked to count now
    (journey order sorts every matching note anyway)."""
    return filters.order != "journey" and request.args.get(COUNT_NOW[0]) != COUNT_NOW[1]


def counts_later(filters):
    """A page listed before counted: where its script asks for the counts, and the link that counts them now."""
    this_page = [("after", filters.after)] if filters.after else []
    return {"counts_url": f"{url_for('explore.browse_counts', study_id=filters.study_id)}?"
                          f"{urlencode(filters.params())}",
            "count_now_url": f"{request.path}?{urlencode(filters.params() + this_page + [COUNT_NOW])}"}


@bp.get("/studies/<id:study_id>/notes/counts")
@login_required
def browse_counts(study_id):
    """The counts a browse page listed its notes without: the heading's number and the filters' options with theirs,
    as HTML for the page's script to put in place (static/js/browse-counts.js)."""
    membership = require(study_id, "view_notes")
    dialect_name = db.session.get_bind().dialect.name
    names = lookups(study_id)
    try:
        filters = parse_filters(study_id, request.args)
        tallies = facets.counted(filters, dialect_name, facets.organisations_in(names))
    except BadFilter as error:
        abort(400, str(error))
    facet_list, total = facets.facets(filters, dialect_name, names, tallies)
    shown = {"study": membership.study, "filters": filters, "facets": facet_list, "attention": tallies[2],
             "total": total}
    return {"total": total, "heading": render_template("explore/_found_heading.html", **shown),
            "options": render_template("explore/_facet_options.html", **shown)}
