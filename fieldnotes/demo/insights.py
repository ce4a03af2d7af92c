"""Demo synthesis: a few themes and insights grouping the demo notes, written as the customers would say them."""
from sqlalchemy import update

from fieldnotes.extensions import db
from fieldnotes.insights import service
from fieldnotes.insights.models import InsightOp, OpState

# (theme, [(insight statement, the tag whose notes it groups, how many of them)])
THEMES = [
    ("“Our old tools and Ledgerline don't talk, so people carry the data across by hand.”", [
        ("“I re-key every supplier invoice, because the portal doesn't talk to our ERP.”", "re-keying", 8),
        ("“The spreadsheet is the real system; Ledgerline is where the numbers end up.”",
         "spreadsheet workaround", 8),
        ("“Half my suppliers exist twice, and I only find out when one gets paid twice.”",
         "duplicate vendor records", 8),
    ]),
    ("“Getting a yes takes longer than doing the work.”", [
        ("“I chase approvals by email and walk to desks, because nobody sees the queue.”", "approval delays", 8),
        ("“If it isn't in my inbox, it doesn't exist, so the approval lives in Outlook.”",
         "email as workflow", 6),
    ]),
    ("“Month end is when it all catches up with us.”", [
        ("“At month end I stay late re-checking what the system should already know.”", "month-end crunch", 6),
        ("“Nobody showed us how approvals work, so we each invented our own way.”", "training gap", 6),
    ]),
]


def seed_insights(demo):
    """Group demo notes by their tags into insights under three themes, as the designer would."""
    study, designer = demo["study"], demo["users"]["designer"]
    notes = sorted(demo["study_notes"], key=lambda n: n.seq)
    taken = set()
    demo["insights"] = []
    for theme_statement, insights in THEMES:
        theme = service.create_insight(study.id, designer.id, theme_statement)
        for statement, tag, count in insights:
            chosen = [n.id for n in notes if n.id not in taken and any(t.name == tag for t in n.tags)][:count]
            taken.update(chosen)
            insight = service.create_insight(study.id, designer.id, statement, chosen, parent_id=theme.id)
            demo["insights"].append(insight)
        demo.setdefault("themes", []).append(theme)
    # The demo's grouping is where people start, not a move of theirs to undo.
    db.session.execute(update(InsightOp).where(InsightOp.study_id == study.id).values(state=OpState.DROPPED))
