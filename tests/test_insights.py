"""Affinity grouping: every move through the API, nesting, undo/redo, stale versions, scoping, breadth."""
import re
import uuid

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.insights.breadth import breadth
from fieldnotes.insights.models import InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.visits.models import Participant, SiteVisit
from tests.factories import (PASSWORD, make_observations, make_participant, make_study, make_user,
                             make_visit)
from tests.statements import statements_during


@pytest.fixture
def work(app):
    with app.app_context():
        owner, designer = make_user("olga@example.org"), make_user("dina@example.org", name="Dina")
        designer2, researcher = make_user("dora@example.org", name="Dora"), make_user("rita@example.org")
        viewer, other = make_user("vic@example.org"), make_user("bert@example.org")
        study = make_study(owner, designer=[designer, designer2], researcher=researcher, viewer=viewer)
        other_study = make_study(other, name="Other study")
        v1 = make_visit(study, organisation="Halloran Logistics")
        v2 = make_visit(study, organisation="Credit Union North")
        p1, p2 = make_participant(study, [v1]), make_participant(study, [v2], organisation="Credit Union North")
        tps = [t.id for t in study.touchpoints]
        notes = make_observations(study, researcher, [
            {"text": "I re-key every order into the ERP", "visit_id": v1.id, "participant_id": p1.id,
             "touchpoint_id": tps[0]},
            {"text": "The portal does not talk to our ERP", "visit_id": v2.id, "participant_id": p2.id,
             "touchpoint_id": tps[1]},
            {"text": "Printed invoices pile up by the keyboard", "visit_id": v1.id, "participant_id": p1.id},
            {"text": "Approval emails wait for days", "visit_id": v2.id},
        ])
        others = make_observations(other_study, other, [{"text": "Someone else's note"}])
        return {"study": study.id, "other_study": other_study.id, "notes": [str(n.id) for n in notes],
                "other_note": str(others[0].id), "tps": tps}


def login(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303


def api(client, study, path="", **body):
    return client.post(f"/api/studies/{study}/insights{path}", json=body)


def create(client, work, statement="I re-key orders", notes=()):
    response = api(client, work["study"], statement=statement, note_ids=list(notes))
    assert response.status_code == 201, response.json
    return response.json["insight_id"]


def then_board(client, work, path="", **body):
    """Make a move, then read the board as any screen would (a move answers only what it changed)."""
    response = api(client, work["study"], path, **body)
    assert response.status_code in (200, 201), response.json
    return client.get(f"/api/studies/{work['study']}/insights").json


def find(state, insight_id):
    stack = list(state["insights"])
    while stack:
        card = stack.pop()
        if card["id"] == insight_id:
            return card
        stack.extend(card["children"])
    return None


def placed(app, note_id):
    with app.app_context():
        row = db.session.get(InsightNote, uuid.UUID(note_id))
        return row.insight_id if row else None


def test_create_from_selection_and_move_notes_between_and_out(app, client, work):
    login(client, "dina@example.org")
    n = work["notes"]
    a = create(client, work, "I re-key every order", n[:2])
    b = create(client, work, "Paper is my to-do list")
    assert placed(app, n[0]) == a and placed(app, n[1]) == a
    state = client.get(f"/api/studies/{work['study']}/insights").json
    version_a, version_b = find(state, a)["version"], find(state, b)["version"]
    moved = api(client, work["study"], "/move-notes", note_ids=[n[1]], target_id=b,
                versions={str(a): version_a, str(b): version_b}, sources={n[1]: a})
    assert moved.status_code == 200
    assert placed(app, n[1]) == b
    assert find(client.get(f"/api/studies/{work['study']}/insights").json, a)["note_ids"] == [n[0]]
    out = api(client, work["study"], "/move-notes", note_ids=[n[1]], target_id=None)
    assert out.status_code == 200 and placed(app, n[1]) is None


def test_edit_reorder_and_delete(app, client, work):
    login(client, "dina@example.org")
    a, b = create(client, work, "First"), create(client, work, "Second", work["notes"][:1])
    state = then_board(client, work, f"/{a}/statement", statement="I wait for approval", version=1)
    assert find(state, a)["statement"] == "I wait for approval"
    state = then_board(client, work, f"/{b}/reorder", offset=-1)
    assert [c["id"] for c in state["insights"]] == [b, a]
    refused = api(client, work["study"], f"/{b}/delete")
    assert refused.status_code == 422 and "still has notes" in refused.json["description"]
    state = then_board(client, work, f"/{b}/delete", ungroup=True)
    assert find(state, b) is None and placed(app, work["notes"][0]) is None
    assert api(client, work["study"], f"/{a}/delete").status_code == 200


def test_nesting_refuses_cycles(client, work):
    login(client, "dina@example.org")
    theme, insight, leaf = create(client, work, "Theme"), create(client, work, "Insight"), create(client, work, "Leaf")
    assert api(client, work["study"], f"/{insight}/nest", parent_id=theme).status_code == 200
    state = then_board(client, work, f"/{leaf}/nest", parent_id=insight)
    assert find(state, theme)["children"][0]["children"][0]["id"] == leaf
    for parent in (leaf, theme):  # under its own descendant, or under itself
        cycle = api(client, work["study"], f"/{theme}/nest", parent_id=parent)
        assert cycle.status_code == 422 and "inside itself" in cycle.json["description"]
    back = then_board(client, work, f"/{leaf}/nest", parent_id=None)
    assert find(back, leaf)["parent_id"] is None


def test_stale_version_answers_409_with_current_state_and_who(client, work):
    login(client, "dora@example.org")
    a = create(client, work, "Shared insight")
    login(client, "dina@example.org")
    api(client, work["study"], f"/{a}/statement", statement="Dina's wording", version=1)
    stale = api(client, work["study"], "/move-notes", note_ids=[work["notes"][0]], target_id=a,
                versions={str(a): 1})
    assert stale.status_code == 409
    assert "Dina changed" in stale.json["description"]
    assert find(stale.json["state"], a)["statement"] == "Dina's wording"
    # A note someone already grouped is not taken from them silently.
    api(client, work["study"], "/move-notes", note_ids=[work["notes"][1]], target_id=a)
    b = create(client, work, "Another")
    taken = api(client, work["study"], "/move-notes", note_ids=[work["notes"][1]], target_id=b,
                sources={work["notes"][1]: None})
    assert taken.status_code == 409


def test_undo_and_redo_each_move(app, client, work):
    login(client, "dina@example.org")
    n = work["notes"]
    a = create(client, work, "Orders", n[:1])
    api(client, work["study"], "/move-notes", note_ids=[n[1]], target_id=a)
    api(client, work["study"], f"/{a}/statement", statement="I re-key orders")
    state = then_board(client, work, "/undo")
    assert find(state, a)["statement"] == "Orders"
    api(client, work["study"], "/undo")
    assert placed(app, n[1]) is None
    api(client, work["study"], "/undo")
    state = client.get(f"/api/studies/{work['study']}/insights").json
    assert find(state, a) is None and placed(app, n[0]) is None
    assert api(client, work["study"], "/undo").status_code == 422  # nothing left
    api(client, work["study"], "/redo")
    assert placed(app, n[0]) == a
    api(client, work["study"], "/redo")
    state = then_board(client, work, "/redo")
    assert find(state, a)["statement"] == "I re-key orders" and placed(app, n[1]) == a
    assert api(client, work["study"], "/redo").status_code == 422
    # A delete is undone with its notes back in it, under its old id.
    api(client, work["study"], f"/{a}/delete", ungroup=True)
    api(client, work["study"], "/undo")
    assert placed(app, n[0]) == a and placed(app, n[1]) == a


def test_undo_of_a_move_someone_changed_since_is_a_conflict(app, client, work):
    login(client, "dina@example.org")
    a = create(client, work, "Orders")
    b = create(client, work, "Invoices")
    api(client, work["study"], "/move-notes", note_ids=[work["notes"][0]], target_id=a)
    login(client, "dora@example.org")
    api(client, work["study"], "/move-notes", note_ids=[work["notes"][0]], target_id=b)
    login(client, "dina@example.org")
    conflict = api(client, work["study"], "/undo")
    assert conflict.status_code == 409 and "Dora" in conflict.json["description"]
    assert placed(app, work["notes"][0]) == b  # Dora's move stands


def test_changes_feed_reports_other_peoples_moves(client, work):
    login(client, "dina@example.org")
    since = client.get(f"/api/studies/{work['study']}/insights/changes?since=0").json["counter"]
    quiet = client.get(f"/api/studies/{work['study']}/insights/changes?since={since}").json
    assert quiet == {"counter": since, "changed": False}
    login(client, "dora@example.org")
    a = create(client, work, "Dora's insight")
    login(client, "dina@example.org")
    news = client.get(f"/api/studies/{work['study']}/insights/changes?since={since}").json
    assert news["changed"] and news["counter"] > since and news["since"] == since and news["layout"]
    assert [i["statement"] for i in news["insights"] if i["id"] == a] == ["Dora's insight"]


def test_breadth_matches_direct_counts(app, client, work):
    login(client, "dina@example.org")
    n = work["notes"]
    theme = create(client, work, "Theme", n[2:3])
    child = create(client, work, "Orders", n[:2])
    api(client, work["study"], f"/{child}/nest", parent_id=theme)
    with app.app_context():
        widths = breadth([theme, child])
        for insight_id, note_ids in ((child, n[:2]), (theme, n[:3])):
            rows = db.session.execute(
                select(Observation.participant_id, Observation.visit_id, Observation.touchpoint_id,
                       Observation.author_id, func.coalesce(SiteVisit.organisation, Participant.organisation))
                .outerjoin(SiteVisit, SiteVisit.id == Observation.visit_id)
                .outerjoin(Participant, Participant.id == Observation.participant_id)
                .where(Observation.id.in_([uuid.UUID(x) for x in note_ids]))).all()
            b = widths[insight_id]
            assert b.notes == len(rows)
            assert b.participants == len({r[0] for r in rows if r[0]})
            assert b.visits == len({r[1] for r in rows if r[1]})
            assert b.touchpoint_ids == sorted({r[2] for r in rows if r[2]})
            assert b.organisations == len({r[4] for r in rows if r[4]}) == 2
            assert b.researchers == 1 and b.single_researcher and not b.single_organisation


def test_scoping_other_studies_insights_and_notes_are_404(client, work):
    login(client, "dina@example.org")
    mine = create(client, work, "Mine")
    foreign_note = api(client, work["study"], "/move-notes", note_ids=[work["other_note"]], target_id=mine)
    assert foreign_note.status_code == 404
    assert api(client, work["study"], statement="x", note_ids=[work["other_note"]]).status_code == 404
    login(client, "bert@example.org")
    theirs = create(client, {"study": work["other_study"]}, "Theirs")
    login(client, "dina@example.org")
    assert api(client, work["other_study"], f"/{theirs}/statement", statement="Hijack").status_code == 404
    assert api(client, work["study"], f"/{theirs}/statement", statement="Hijack").status_code == 404
    assert api(client, work["study"], f"/{mine}/nest", parent_id=theirs).status_code == 404
    assert client.get(f"/studies/{work['other_study']}/affinity").status_code == 404


def test_permissions_researcher_reads_viewer_does_not(client, work):
    login(client, "rita@example.org")
    page = client.get(f"/studies/{work['study']}/affinity")
    assert page.status_code == 200 and "Move to…" not in page.text
    assert api(client, work["study"], statement="Nope").status_code == 403
    login(client, "vic@example.org")
    assert client.get(f"/studies/{work['study']}/affinity").status_code == 403
    assert client.get(f"/api/studies/{work['study']}/insights").status_code == 403
    assert api(client, work["study"], statement="Nope").status_code == 403


def test_html_forms_work_without_script(app, client, work):
    login(client, "dina@example.org")
    url = f"/studies/{work['study']}/affinity"
    page = client.get(url)
    assert page.status_code == 200 and "I re-key every order into the ERP" in page.text
    made = client.post(url, data={"action": "create", "statement": "I re-key every order",
                                  "note_ids": work["notes"][:1]})
    assert made.status_code == 303
    [insight_id] = [i for i in [placed(app, work["notes"][0])] if i]
    picker = client.get(f"{url}/move?note={work['notes'][1]}&next={url}?q=erp")
    assert picker.status_code == 200 and "I re-key every order" in picker.text and 'value="?q=erp"' not in picker.text
    assert client.get(f"{url}/move?note={work['other_note']}").status_code == 404
    nest = client.get(f"{url}/{insight_id}/nest")
    assert nest.status_code == 200 and "Top level" in nest.text
    moved = client.post(url, data={"action": "move", "note_ids": work["notes"][1], "from": "",
                                   "target_id": str(insight_id)})
    assert moved.status_code == 303 and placed(app, work["notes"][1]) == insight_id
    stale = client.post(url, data={"action": "statement", "insight_id": str(insight_id), "version": "1",
                                   "statement": "Late"})
    assert stale.status_code == 409 and "changed" in stale.text
    empty = client.post(url, data={"action": "create", "statement": " "})
    assert empty.status_code == 422 and "Write the insight" in empty.text
    page = client.get(url + "?q=invoices")
    assert "Printed invoices" in page.text and "Approval emails" not in page.text
    assert client.post(url, data={"action": "undo"}).status_code == 303
    assert placed(app, work["notes"][1]) is None


def test_place_a_dragged_insight_before_another_or_into_one_and_undo(client, work):
    login(client, "dina@example.org")
    a, b, c = create(client, work, "A"), create(client, work, "B"), create(client, work, "C")
    state = then_board(client, work, f"/{c}/place", before_id=a)
    assert [x["id"] for x in state["insights"]] == [c, a, b]
    state = then_board(client, work, f"/{a}/place", parent_id=b)
    assert [x["id"] for x in state["insights"]] == [c, b] and find(state, b)["children"][0]["id"] == a
    cycle = api(client, work["study"], f"/{b}/place", parent_id=a)
    assert cycle.status_code == 422
    state = then_board(client, work, "/undo")
    assert [x["id"] for x in state["insights"]] == [c, a, b]
    state = then_board(client, work, "/undo")
    assert [x["id"] for x in state["insights"]] == [a, b, c]


def test_ungrouped_column_pages_with_the_browse_cursor(app, client, work, monkeypatch):
    from fieldnotes.insights import views
    monkeypatch.setattr(views, "LEFT_LIMIT", 3)
    login(client, "dina@example.org")
    create(client, work, "Grouped", work["notes"][:1])  # three ungrouped notes left: one page of 3
    page = client.get(f"/studies/{work['study']}/affinity")
    assert "More ungrouped notes" not in page.text
    api(client, work["study"], "/move-notes", note_ids=[work["notes"][0]], target_id=None)
    first = client.get(f"/studies/{work['study']}/affinity")
    assert first.text.count('class="pick-row"') == 3 and "More ungrouped notes" in first.text
    more = re.search(r'href="([^"]*after=[^"]*)">More ungrouped notes', first.text).group(1)
    second = client.get(more.replace("&amp;", "&"))
    assert second.status_code == 200 and second.text.count('class="pick-row"') == 1


def test_a_search_s_ungrouped_notes_are_listed_when_its_newest_are_all_in_insights(app, client, monkeypatch):
    """The left column walks a search's newest notes through a budget (for 5 notes among 600: 25 notes), then finds
    them: when every match the walk meets is in an insight already, the next ungrouped ones are still listed, in
    order, and the walk does not go on through the study, even when the browse page's count says the matches are
    many."""
    from fieldnotes.insights import service, views
    monkeypatch.setattr(views, "LEFT_LIMIT", 5)
    with app.app_context():
        olga = make_user("olga@example.org")
        study = make_study(olga)
        for start in range(0, 600, 200):
            make_observations(study, olga, [
                {"text": f"Note {i}" + (" busy" if i % 2 else ""),
                 "captured_at": f"2026-{1 + i // 60:02}-{1 + i % 28:02}T{i % 24:02}:00:00+00:00"}
                for i in range(start, start + 200)])
        busy_newest_first = db.session.scalars(select(Observation.id).where(
            Observation.study_id == study.id, Observation.text.like("% busy")).order_by(
            Observation.captured_at.desc(), Observation.id.desc())).all()
        service.create_insight(study.id, olga.id, "The newest busy notes", busy_newest_first[:30])
        db.session.commit()
        study_id, dialect = study.id, db.engine.dialect.name
    login(client, "olga@example.org")
    for counted in (False, True):  # then with the browse page's count kept: 300 notes, many, still walked so
        if counted:
            client.get(f"/studies/{study_id}/notes?q=busy")
        pages = []
        sent = statements_during(app, lambda: pages.append(client.get(f"/studies/{study_id}/affinity?q=busy").text),
                                 lambda statement: "FROM observation" in statement and "LIMIT" in statement)
        listed = re.findall(r'name="note_ids" value="([0-9a-f-]+)"', pages[0])
        assert listed == [str(i) for i in busy_newest_first[30:35]], counted
        if dialect == "postgresql":
            assert ["AS walk" in s for s in sent] == [True, False], (counted, sent)  # walked 25 notes, then found
