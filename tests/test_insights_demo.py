"""The demo study comes with themes and insights, in the customers' voice, with broad support."""
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.breadth import breadth
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.demo.data import PASSWORD


def test_demo_has_themes_of_insights_grouping_tagged_notes(app, client):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        insights = db.session.scalars(select(Insight)).all()
        themes = [i for i in insights if i.parent_id is None]
        assert len(themes) == 3 and len(insights) == 10
        assert all(i.statement.startswith("“") for i in insights)
        leaves = [i for i in insights if i.parent_id is not None]
        assert all(i.notes for i in leaves)
        rekey = next(i for i in leaves if "re-key" in i.statement)
        assert all(any(t.name == "re-keying" for t in n.observation.tags) for n in rekey.notes)
        widths = breadth([t.id for t in themes])
        assert all(widths[t.id].organisations >= 2 and widths[t.id].participants >= 3 for t in themes)
        grouped = db.session.scalars(select(InsightNote.observation_id)).all()
        assert len(grouped) == len(set(grouped)) and db.session.scalar(select(Observation).limit(1))
        study_id = themes[0].study_id
    # The seeded grouping is the starting point, not the demo designer's move to undo.
    assert client.post("/login", data={"email": "designer@demo.fieldnotes.test",
                                       "password": PASSWORD}).status_code == 303
    assert client.post(f"/api/studies/{study_id}/insights/undo").status_code == 422
    page = client.get(f"/studies/{study_id}/affinity?sort=breadth")
    assert page.status_code == 200 and "I re-key every supplier invoice" in page.text
