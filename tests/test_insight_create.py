"""An insight is not made empty by accident: the workspace's form asks for a statement and ticked notes,
keeps what was typed and ticked when it refuses, and makes an empty theme only when asked to."""
import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from tests.test_insights import login, placed, work  # noqa: F401  (work is a fixture)


@pytest.fixture
def workspace(work):  # noqa: F811  (test_insights' study: two designers, four notes)
    return work


def insights(app, study_id):
    with app.app_context():
        return db.session.scalars(select(Insight.statement).where(Insight.study_id == study_id)).all()


def text_of(response):
    return " ".join(response.get_data(as_text=True).split())


def test_enter_with_nothing_ticked_makes_no_insight_and_keeps_the_statement(app, client, workspace):
    login(client, "dina@example.org")
    url = f"/studies/{workspace['study']}/affinity"
    refused = client.post(url, data={"action": "create", "statement": "Orders are typed twice"})
    page = text_of(refused)
    assert refused.status_code == 422 and "Tick the notes this insight groups, then create it." in page
    assert 'value="Orders are typed twice"' in page  # nothing typed is lost
    assert insights(app, workspace["study"]) == []


def test_an_empty_statement_is_refused_and_the_ticked_notes_stay_ticked(app, client, workspace):
    login(client, "dina@example.org")
    url = f"/studies/{workspace['study']}/affinity"
    refused = client.post(url, data={"action": "create", "statement": "   ", "note_ids": workspace["notes"][:2]})
    page = text_of(refused)
    assert refused.status_code == 422 and "Write the insight’s statement before creating it" in page
    for note_id in workspace["notes"][:2]:
        assert f'value="{note_id}" id="pick-{note_id}" aria-labelledby="ntext-{note_id}" checked' in page
    unticked = workspace["notes"][2]
    assert f'value="{unticked}" id="pick-{unticked}" aria-labelledby="ntext-{unticked}">' in page
    assert insights(app, workspace["study"]) == []
    assert 'required aria-describedby="new-statement-hint"' in page  # the browser asks before sending


def test_a_theme_is_made_empty_on_purpose_and_needs_a_statement(app, client, workspace):
    login(client, "dina@example.org")
    url = f"/studies/{workspace['study']}/affinity"
    assert client.post(url, data={"action": "theme", "statement": ""}).status_code == 422
    made = client.post(url, data={"action": "theme", "statement": "Double entry"})
    assert made.status_code == 303 and insights(app, workspace["study"]) == ["Double entry"]
    assert "Theme created" in client.get(url).get_data(as_text=True)


def test_with_a_statement_and_ticked_notes_the_insight_is_made(app, client, workspace):
    login(client, "dina@example.org")
    url = f"/studies/{workspace['study']}/affinity"
    made = client.post(url, data={"action": "create", "statement": "I re-key orders",
                                  "note_ids": workspace["notes"][:1]})
    assert made.status_code == 303 and insights(app, workspace["study"]) == ["I re-key orders"]
    assert placed(app, workspace["notes"][0]) is not None
