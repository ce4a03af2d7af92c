"""Suggested groups: similar notes cluster; dismissed proposals stay away; accepting groups exactly what was kept."""
import uuid

import pytest

from fieldnotes.extensions import db
from fieldnotes.insights.models import InsightNote
from fieldnotes.insights.suggest import cluster_notes
from tests.factories import PASSWORD, make_observations, make_study, make_user

ERP = ["I re-key every order because the portal does not talk to our ERP",
       "Orders from the portal get typed again into the ERP by hand",
       "The ERP and the portal never agree on an order, so I re-key it",
       "Re-keying portal orders into the ERP takes my whole morning"]
INVOICES = ["Overdue invoices live on a paper list beside the keyboard",
            "She prints overdue invoices and ticks them off on paper",
            "A paper list of overdue invoices is the real to-do list"]
OTHER = ["The van was late to the depot again", "Coffee machine broken on the third floor"]


@pytest.fixture
def study(app):
    with app.app_context():
        designer = make_user("dina@example.org")
        s = make_study(designer=designer)
        notes = make_observations(s, s.memberships[0].user, [{"text": t} for t in ERP + INVOICES + OTHER])
        return {"id": s.id, "erp": {str(n.id) for n in notes[:4]},
                "invoices": {str(n.id) for n in notes[4:7]}}


@pytest.fixture
def designer(client, study):
    assert client.post("/login", data={"email": "dina@example.org", "password": PASSWORD}).status_code == 303
    return client


def proposals(client, study):
    answer = client.get(f"/api/studies/{study['id']}/insights/suggestions")
    assert answer.status_code == 200
    return answer.json["suggestions"]


def test_clusters_bring_together_notes_about_the_same_thing():
    groups = cluster_notes(ERP + INVOICES + OTHER)
    as_sets = [set(members) for members, _ in groups]
    assert {0, 1, 2, 3} in as_sets and {4, 5, 6} in as_sets
    words = dict((frozenset(m), w) for m, w in groups)
    assert "ERP" in words[frozenset({0, 1, 2, 3})] and "invoices" in words[frozenset({4, 5, 6})]
    assert not any({7, 8} & s for s in as_sets)  # unrelated notes are not forced into a group


def test_dismissed_proposals_do_not_come_back(designer, study):
    found = proposals(designer, study)
    erp = next(p for p in found if set(p["note_ids"]) == study["erp"])
    answer = designer.post(f"/api/studies/{study['id']}/insights/suggestions/dismiss",
                           json={"note_ids": erp["note_ids"]})
    assert answer.status_code == 200
    again = proposals(designer, study)
    assert not any(set(p["note_ids"]) & study["erp"] for p in again)
    assert any(set(p["note_ids"]) == study["invoices"] for p in again)


def test_accepting_groups_exactly_the_kept_notes(app, designer, study):
    found = proposals(designer, study)
    erp = next(p for p in found if set(p["note_ids"]) == study["erp"])
    kept = erp["note_ids"][:3]  # the person unticked one
    answer = designer.post(f"/api/studies/{study['id']}/insights/suggestions/accept",
                           json={"note_ids": kept, "statement": "I re-key every order"})
    assert answer.status_code == 201
    with app.app_context():
        rows = db.session.query(InsightNote).all()
        assert {str(r.observation_id) for r in rows} == set(kept)
        assert {r.insight_id for r in rows} == {answer.json["insight_id"]}
    left = set(study["erp"]) - set(kept)
    assert not any(set(p["note_ids"]) & set(kept) for p in proposals(designer, study))
    with app.app_context():
        assert db.session.get(InsightNote, uuid.UUID(left.pop())) is None


def test_suggestions_page_accepts_with_a_form(app, designer, study):
    page = designer.get(f"/studies/{study['id']}/affinity/suggestions")
    assert page.status_code == 200 and "Accept as insight" in page.text
    answer = designer.post(f"/studies/{study['id']}/affinity", data={
        "action": "accept", "note_ids": sorted(study["invoices"]), "statement": "Paper is my to-do list",
        "next": f"/studies/{study['id']}/affinity/suggestions"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/affinity/suggestions")
    with app.app_context():
        assert {str(r.observation_id) for r in db.session.query(InsightNote)} == study["invoices"]


def test_accepting_without_a_statement_drafts_one_from_the_first_note(app, designer, study):
    ids = sorted(study["invoices"])
    answer = designer.post(f"/studies/{study['id']}/affinity", data={"action": "accept", "note_ids": ids})
    assert answer.status_code == 303
    state = designer.get(f"/api/studies/{study['id']}/insights").json
    [insight] = state["insights"]
    assert set(insight["note_ids"]) == study["invoices"] and "invoices" in insight["statement"]
