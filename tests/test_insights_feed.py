"""A move answers what it changed, not the board (issue 16, session 7), and the feed that other
screens follow sends what changed since their counter, or says `full` when it cannot say it whole."""
import pytest

from fieldnotes.extensions import db
from fieldnotes.insights import feed
from fieldnotes.insights.oplog import advance
from tests.test_insights import api, login, placed, work  # noqa: F401  (work is a fixture)


@pytest.fixture
def board(app, client, work):  # noqa: F811  (test_insights' study: two designers, four notes)
    """Two insights under a theme and one beside it; notes 0-1 in A, note 2 in C."""
    login(client, "dina@example.org")
    n = work["notes"]

    def make(statement, notes=(), parent_id=None):
        made = api(client, work["study"], statement=statement, note_ids=list(notes), parent_id=parent_id)
        assert made.status_code == 201, made.json
        return made.json["insight_id"]
    theme = make("Theme: paper")
    a = make("I re-key orders", n[:2], parent_id=theme)
    b = make("Invoices pile up", parent_id=theme)
    c = make("Approvals wait", n[2:3])
    return {**work, "theme": theme, "a": a, "b": b, "c": c}


def whole(client, board):
    return client.get(f"/api/studies/{board['study']}/insights").json


def versions(state):
    found, stack = {}, list(state["insights"])
    while stack:
        card = stack.pop()
        found[card["id"]] = (card["version"], card["breadth"])
        stack.extend(card["children"])
    return found


def test_a_note_move_answers_the_insights_it_touched_and_the_theme_above_them(app, client, board):
    before = whole(client, board)["counter"]
    moved = api(client, board["study"], "/move-notes", note_ids=[board["notes"][1]], target_id=board["b"],
                sources={board["notes"][1]: board["a"]})
    assert moved.status_code == 200
    change = moved.json
    assert (change["counter"], change["since"], change["layout"]) == (before + 1, before, False)
    # A and B changed; the theme above them counts their notes; C, untouched, is not sent.
    assert [i["id"] for i in change["insights"]] == sorted([board["theme"], board["a"], board["b"]])
    assert change["removed"] == [] and list(change["notes"]) == [board["notes"][1]]
    target, position = change["notes"][board["notes"][1]]
    assert target == board["b"] == placed(app, board["notes"][1])
    # What it says of each is what the whole board says now.
    now = versions(whole(client, board))
    for insight in change["insights"]:
        assert (insight["version"], insight["breadth"]) == now[insight["id"]]
    by_id = {i["id"]: i for i in change["insights"]}
    assert by_id[board["b"]]["breadth"]["notes"] == 1 and by_id[board["theme"]]["breadth"]["notes"] == 2
    assert len(moved.get_data()) < len(client.get(f"/api/studies/{board['study']}/insights").get_data())


def test_a_note_out_of_its_insight_is_said_ungrouped(app, client, board):
    out = api(client, board["study"], "/move-notes", note_ids=[board["notes"][2]], target_id=None).json
    assert out["notes"] == {board["notes"][2]: None} and not out["layout"]
    assert [i["id"] for i in out["insights"]] == [board["c"]]
    assert out["insights"][0]["breadth"]["notes"] == 0


def test_undo_answers_its_change_and_a_removed_insight_is_named(app, client, board):
    api(client, board["study"], "/move-notes", note_ids=[board["notes"][3]], target_id=board["c"])
    undone = api(client, board["study"], "/undo").json
    assert undone["notes"] == {board["notes"][3]: None} and placed(app, board["notes"][3]) is None
    made = api(client, board["study"], statement="Short-lived", note_ids=[board["notes"][3]])
    assert made.json["layout"] and made.json["insight_id"] in [i["id"] for i in made.json["insights"]]
    gone = api(client, board["study"], "/undo").json
    assert gone["removed"] == [made.json["insight_id"]] and gone["layout"]
    assert gone["notes"] == {board["notes"][3]: None}


def test_the_feed_since_a_screens_counter_is_every_move_after_it(app, client, board):
    seen = whole(client, board)["counter"]
    login(client, "dora@example.org")
    api(client, board["study"], "/move-notes", note_ids=[board["notes"][0]], target_id=board["c"])
    api(client, board["study"], "/move-notes", note_ids=[board["notes"][3]], target_id=board["b"])
    news = client.get(f"/api/studies/{board['study']}/insights/changes?since={seen}").json
    assert news["changed"] and (news["since"], news["counter"]) == (seen, seen + 2) and not news["layout"]
    assert set(news["notes"]) == {board["notes"][0], board["notes"][3]}
    assert news["notes"][board["notes"][0]][0] == board["c"] and news["notes"][board["notes"][3]][0] == board["b"]
    assert {board["a"], board["b"], board["c"], board["theme"]} == {i["id"] for i in news["insights"]}
    quiet = client.get(f"/api/studies/{board['study']}/insights/changes?since={seen + 2}").json
    assert quiet == {"counter": seen + 2, "changed": False}


def test_the_feed_says_full_when_the_move_log_cannot_say_it_whole(app, client, board, monkeypatch):
    seen = whole(client, board)["counter"]
    with app.app_context():  # a number no logged move holds: an erasure's scrub of statements
        advance(board["study"])
        db.session.commit()
    api(client, board["study"], "/move-notes", note_ids=[board["notes"][3]], target_id=board["b"])
    news = client.get(f"/api/studies/{board['study']}/insights/changes?since={seen}").json
    assert news["full"] and news["counter"] == seen + 2
    after = client.get(f"/api/studies/{board['study']}/insights/changes?since={seen + 1}").json
    assert not after.get("full") and list(after["notes"]) == [board["notes"][3]]

    # A move undone takes its undo's number: a screen from before it reads the board whole.
    mark = seen + 2
    api(client, board["study"], "/move-notes", note_ids=[board["notes"][3]], target_id=board["c"])
    api(client, board["study"], "/undo")
    assert client.get(f"/api/studies/{board['study']}/insights/changes?since={mark}").json["full"]
    assert not client.get(f"/api/studies/{board['study']}/insights/changes?since={mark + 1}").json.get("full")

    # Far behind: the whole board is one read, not a long list of changes.
    for target in ("b", "c"):
        api(client, board["study"], "/move-notes", note_ids=[board["notes"][3]], target_id=board[target])
    two_back = mark + 2
    assert not client.get(f"/api/studies/{board['study']}/insights/changes?since={two_back}").json.get("full")
    monkeypatch.setattr(feed, "MOST_BEHIND", 1)
    assert client.get(f"/api/studies/{board['study']}/insights/changes?since={two_back}").json["full"]
