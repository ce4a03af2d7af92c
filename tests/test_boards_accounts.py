"""Boards by account (issue 15): the boards with one customer's evidence, and building a board about one."""
import re
import uuid
from datetime import date

import pytest

from fieldnotes.boards.models import Board, BoardItem, Evidence
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests import accounts_world
from tests.boards_world import make_insight
from tests.factories import make_observations, make_participant, make_study, make_user, make_visit

HALLORAN, MERIDIAN = "Halloran Regional Logistics", "Meridian Dental Supply"


def make_board(study, title, *insights, evidence=()):
    board = Board(study_id=study.id, title=title)
    db.session.add(board)
    db.session.flush()
    for position, insight in enumerate(insights, 1):
        item = BoardItem(board_id=board.id, insight_id=insight.id, position=position)
        db.session.add(item)
        db.session.flush()
        for index, note in enumerate(evidence, 1):
            db.session.add(Evidence(board_item_id=item.id, observation_id=note.id, position=index))
    db.session.commit()
    return board


@pytest.fixture
def world(app, auth):
    """A Halloran visit (two notes), a Meridian visit (one note) and a Meridian person's note on no visit;
    boards: a theme over a Halloran insight, a Meridian insight, an insight with no notes whose picked
    evidence is Halloran's (grouped once, since ungrouped), and an empty board."""
    with app.app_context():
        ana, viewer = make_user("ana@example.org", "Ana Owner"), make_user("vic@example.org", "Vic Viewer")
        study = make_study(ana, viewer=viewer)
        halloran_visit = make_visit(study, organisation=HALLORAN, visited_on=date(2026, 3, 12))
        meridian_visit = make_visit(study, organisation=MERIDIAN, visited_on=date(2026, 4, 2))
        p1 = make_participant(study, [halloran_visit], pseudonym="P1", organisation=HALLORAN)
        p9 = make_participant(study, [meridian_visit], pseudonym="P9", organisation=MERIDIAN)
        waits, twice, fax, rang = make_observations(study, ana, [
            {"visit_id": halloran_visit.id, "participant_id": p1.id, "kind": "quote", "text": "We wait for the quote"},
            {"visit_id": halloran_visit.id, "participant_id": p1.id, "text": "Approves invoices twice"},
            {"visit_id": meridian_visit.id, "participant_id": p9.id, "kind": "quote", "text": "Orders go by fax"},
            {"participant_id": p9.id, "kind": "quote", "text": "Rang back: the fax broke"}])
        theme = make_insight(study, "Money waits on paper")
        quotes = make_insight(study, "Finance waits on quotes", [waits, twice], parent=theme)
        faxes = make_insight(study, "Orders still travel by fax", [fax, rang])
        empty = make_insight(study, "Nobody owns the inbox")
        boards = {"theme": make_board(study, "Paper money", theme), "fax": make_board(study, "Fax", faxes),
                  "picked": make_board(study, "Picked only", empty, evidence=[twice]),
                  "none": make_board(study, "Nothing yet")}
        ids = {"study": study.id, "halloran": halloran_visit.organisation_id,
               "meridian": meridian_visit.organisation_id, "theme": theme.id, "quotes": quotes.id,
               "faxes": faxes.id, "empty": empty.id, "fax_board": boards["fax"].id,
               **{f"board_{k}": b.id for k, b in boards.items()}, "waits": str(waits.id), "fax": str(fax.id),
               "rang": str(rang.id)}
    auth.login("ana@example.org")
    return ids


def board_titles(page):
    return re.findall(r'<li><h2><a href="/studies/\d+/boards/\d+">([^<]+)</a>', page)


def test_the_boards_list_filters_to_the_boards_with_an_accounts_evidence(client, world):
    url = f"/studies/{world['study']}/boards"
    assert sorted(board_titles(client.get(url).text)) == ["Fax", "Nothing yet", "Paper money", "Picked only"]
    page = client.get(f"{url}?account={world['halloran']}").text
    # Through a sub-insight of the board's theme, and through a picked piece of evidence.
    assert sorted(board_titles(page)) == ["Paper money", "Picked only"]
    assert f'<option value="{world["halloran"]}" selected>{HALLORAN}</option>' in page
    assert f"2 boards with evidence from {HALLORAN}." in page
    page = client.get(f"{url}?account={world['meridian']}").text  # a visit's note and a note on no visit
    assert board_titles(page) == ["Fax"]


def test_a_deleted_note_is_no_accounts_evidence(app, client, world):
    with app.app_context():
        for note_id in (world["fax"], world["rang"]):
            note = db.session.get(Observation, uuid.UUID(note_id))
            note.deleted_at = note.updated_at
        db.session.commit()
    page = client.get(f"/studies/{world['study']}/boards?account={world['meridian']}").text
    assert board_titles(page) == [] and f"No board has evidence from {MERIDIAN} yet." in page


def test_another_studys_account_or_nonsense_is_refused_in_words(app, client, world):
    with app.app_context():
        other = make_study(make_user("ola@example.org"), name="Elsewhere")
        theirs = make_visit(other, organisation=HALLORAN).organisation_id
    for asked in (theirs, "abc", "0", "99999999999"):
        response = client.get(f"/studies/{world['study']}/boards?account={asked}")
        assert response.status_code == 400, asked
        assert "The account filter names an account that is not in this study." in response.text


def test_a_viewer_filters_boards_and_an_outsider_sees_nothing(app, client, auth, world):
    auth.logout()
    auth.login("vic@example.org")
    page = client.get(f"/studies/{world['study']}/boards?account={world['meridian']}").text
    assert board_titles(page) == ["Fax"]
    with app.app_context():
        make_user("out@example.org")
    auth.logout()
    auth.login("out@example.org")
    assert client.get(f"/studies/{world['study']}/boards?account={world['meridian']}").status_code == 404


def insight_choices(page):
    """The insight ids the builder's "Insight or theme" list offers."""
    found = re.search(r'<select id="insight_id" name="insight_id"[^>]*>(.*?)</select>', page, re.S)
    return {int(v) for v in re.findall(r'<option value="(\d+)"', found.group(1))} if found else set()


def test_the_builder_offers_only_the_insights_with_an_accounts_notes(client, world):
    url = f"/studies/{world['study']}/boards/{world['board_none']}/edit"
    # A theme counts through its sub-insight; an insight without notes is no one's.
    assert insight_choices(client.get(f"{url}?account={world['halloran']}").text) == {world["theme"], world["quotes"]}
    assert insight_choices(client.get(f"{url}?account={world['meridian']}").text) == {world["faxes"]}
    assert insight_choices(client.get(url).text) == {world[k] for k in ("theme", "quotes", "faxes", "empty")}
    assert f'<option value="{world["meridian"]}" selected>{MERIDIAN}</option>' in client.get(
        f"{url}?account={world['meridian']}").text
    # Adding from a filtered builder comes back to it filtered.
    response = client.post(f"/studies/{world['study']}/boards/{world['board_none']}/items?account={world['meridian']}",
                           data={"insight_id": world["faxes"]})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"edit?account={world['meridian']}")
    page = client.get(response.headers["Location"]).text
    assert f"No insight left to add groups notes from {MERIDIAN}." in page


def test_the_evidence_picker_shows_one_accounts_evidence_and_keeps_the_rest_picked(app, client, world):
    with app.app_context():
        item_id = db.session.query(BoardItem).filter_by(board_id=world["fax_board"]).one().id
    url = f"/studies/{world['study']}/boards/{world['fax_board']}/items/{item_id}/evidence"
    response = client.post(url, data={"pick": [f"note:{world['fax']}", f"note:{world['rang']}"]})
    assert response.status_code == 303
    page = client.get(url).text
    assert page.count('name="pick" type="checkbox"') == 2
    # Both notes are Meridian's: filtered to Halloran, none shows, and both stay picked on a save.
    page = client.get(f"{url}?account={world['halloran']}").text
    assert 'type="checkbox" value="note:' not in page and "2 pieces picked from other accounts stay picked." in page
    assert f'<input type="hidden" name="pick" value="note:{world["fax"]}">' in page
    client.post(f"{url}?account={world['halloran']}",
                data={"pick": [f"note:{world['fax']}", f"note:{world['rang']}"]})
    with app.app_context():
        saved = [str(e.observation_id) for e in db.session.get(BoardItem, item_id).evidence]
    assert saved == [world["fax"], world["rang"]]  # nothing lost, order kept
    page = client.get(f"{url}?account={world['meridian']}").text
    assert page.count('name="pick" type="checkbox"') == 2 and "picked from other accounts" not in page


def test_the_account_page_links_its_boards_matrix_and_notes_in_the_viewers_studies_only(app, client, auth):
    with app.app_context():
        world = accounts_world.build_world()
    auth.login("ana@example.org")
    page = client.get(f"/studies/{world.onboarding}/accounts/{world.account}").text
    assert f'href="/studies/{world.onboarding}/boards?account={world.account}"' in page
    assert f'href="/studies/{world.onboarding}/journey-matrix?account={world.account}"' in page
    assert f'href="/studies/{world.onboarding}/notes?account={world.account}"' in page
    assert f'href="/studies/{world.renewals}/boards?account={world.renewals_account}"' in page
    assert f"/studies/{world.elsewhere}/" not in page and f"account={world.elsewhere_account}" not in page
