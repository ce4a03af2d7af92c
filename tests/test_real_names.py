"""The real-name guard: a participant's private real name typed into a note or a reaction is flagged
to owners, and masked (as their role) for everyone else: boards, share links, presentation, the note
page of a non-owner, the evidence picker and the reactions a designer reads."""
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.names import NameGuard, name_pattern
from tests.boards_world import CANARY, build
from tests.factories import PASSWORD, make_observation
from tests.test_boards import item_ids, new_board
from tests.test_boards_share import share

# Typed by a researcher: the canary's real name, in other letter case and spacing.
NAMED = "wilhelmina   QUARRINGTON-BLEAKE signs every approval by hand."
MASKED = "[finance executive] signs every approval by hand."


def naming_note(app, world):
    """A note of the clerk that names the canary by real name, on the first insight."""
    from fieldnotes.insights.models import InsightNote
    with app.app_context():
        quote = db.session.get(Observation, world["ok_note"])
        note = make_observation(quote.study, quote.author, kind="quote", text=NAMED,
                                participant_id=quote.participant_id, visit_id=quote.visit_id)
        db.session.add(InsightNote(observation_id=note.id, insight_id=world["first"], position=1))
        db.session.commit()
        return note.id


def test_a_real_name_matches_whole_words_in_any_case_and_spacing():
    pattern = name_pattern(["Ann Lee", "J", "", None])
    assert pattern.search("met ANN  lee today") and pattern.search("(Ann Lee)")
    assert not pattern.search("Annual leeway") and not pattern.search("Ann Leeds")
    assert name_pattern(["J", " ", None]) is None  # under two characters: ignored, never matches everything
    guard = NameGuard(people={"ann lee": [(1, "P1", "End user")]}, pattern=pattern)
    assert guard.mask("Ann Lee said so; ann lee agreed.") == "[end user] said so; [end user] agreed."
    assert guard.names_in("nothing here", "thanks to Ann Lee") == ["P1"]


def test_owners_see_the_note_flagged_and_others_see_the_name_masked(app, client, auth):
    world = build(app)
    note = naming_note(app, world)
    page = f"/studies/{world['study']}/notes/{note}"
    auth.login("owner@example.org", PASSWORD)
    owner_view = client.get(page).text
    assert "Needs attention: real name." in owner_view and "P2 Wilhelmina" in owner_view
    assert "QUARRINGTON-BLEAKE" in owner_view  # owners may see it, to edit it out
    auth.logout()
    for member in ("designer@example.org", "researcher@example.org"):
        auth.login(member, PASSWORD)
        other_view = client.get(page).text
        assert MASKED in other_view and "QUARRINGTON" not in other_view.upper()
        assert "Needs attention: real name" not in other_view
        auth.logout()


def test_boards_share_links_and_the_picker_mask_a_real_name(app, client, auth):
    world = build(app)
    note = naming_note(app, world)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, _ = item_ids(app, base)
    picker = client.get(f"{base}/items/{first}/evidence").text
    assert MASKED in picker and "QUARRINGTON" not in picker.upper()
    assert client.post(f"{base}/items/{first}/evidence", data={"pick": [f"note:{note}"]}).status_code == 303
    link = share(client, base)
    visitor = app.test_client()
    for page in (client.get(base).text, client.get(f"{base}/present").text, visitor.get(link).text,
                 visitor.get(f"{link}/present").text):
        assert MASKED in page and "QUARRINGTON" not in page.upper()


def test_a_reaction_naming_a_participant_is_masked_for_designers_and_flagged_to_owners(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    link = share(client, base)
    visitor = app.test_client()
    visitor.get(link)
    assert visitor.post(f"{link}/reactions", data={"insight_id": world["first"], "kind": "question",
                                                   "comment": f"Is {CANARY} still there?"}).status_code == 303
    builder = client.get(f"{base}/edit").text
    assert "Is [finance executive] still there?" in builder and "Quarrington" not in builder
    assert "Needs attention" not in builder
    auth.logout()
    auth.login("owner@example.org", PASSWORD)
    builder = client.get(f"{base}/edit").text
    assert "Is [finance executive] still there?" in builder
    assert "Needs attention: names P2 Wilhelmina by their real name" in builder


def test_the_guard_reads_the_studys_names_once_per_board_page(app, client, auth):
    """Cheap by design: one query for the names, whatever the number of texts on the page."""
    from sqlalchemy import event
    world = build(app)
    naming_note(app, world)
    auth.login("designer@example.org")
    base = new_board(client, world)
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(base)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert sum("real_name" in s and "FROM participant" in s for s in statements) == 1


def test_a_designer_correcting_a_naming_note_never_sees_the_name_and_keeps_the_words(app, client, auth):
    world = build(app)
    note = naming_note(app, world)
    auth.login("designer@example.org", PASSWORD)
    page = client.get(f"/studies/{world['study']}/notes/{note}").text
    assert "QUARRINGTON" not in page.upper() and "so they are not offered here" in page
    form = {"base_version": "1", "tags_shown": "1", "kind": "observation"}
    saved = client.post(f"/studies/{world['study']}/notes/{note}/edit", data=form)
    assert saved.status_code == 303
    with app.app_context():
        edited = db.session.get(Observation, note)
        assert (edited.kind.value, edited.text, edited.version) == ("observation", NAMED, 2)
