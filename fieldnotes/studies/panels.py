"""Panels that features above studies add to a study's pages, drawn by the page that shows them.

Studies and visits sit below the features that have something to say on their pages (the visit kit's
overdue interpretation sessions on the study home, a visit's plan and session on its page), so those
features register a panel here when imported, the pattern of visits.service.ERASERS. A panel is a
function(membership, **page) returning HTML (a Markup) or None when it has nothing to show this member.
"""
STUDY_HOME, VISIT_PAGE = "study_home", "visit_page"
PANELS = {STUDY_HOME: [], VISIT_PAGE: []}


def register(page, panel):
    if panel not in PANELS[page]:
        PANELS[page].append(panel)


def draw(page, membership, **context):
    """Every registered panel's HTML for this page, in the order they registered; the empty ones left out."""
    return [html for panel in PANELS[page] if (html := panel(membership, **context))]
