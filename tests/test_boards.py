"""Boards: building one, consent on every view, viewers' access, reactions, and other studies' ids."""
import re

from sqlalchemy import func, select

from fieldnotes.boards.models import Board, BoardItem, Evidence, Reaction
from fieldnotes.extensions import db
from fieldnotes.visits.models import Participant
from tests.boards_world import CANARY, CANARY_PSEUDONYM, build


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def status(client, url):
    """The status of a GET, closing the response (a file response holds the file open)."""
    response = client.get(url)
    response.close()
    return response.status_code


def new_board(client, world, title="What finance teams live with"):
    response = client.post(f"/studies/{world['study']}/boards", data={"title": title, "narrative": "Why it matters."})
    assert response.status_code == 303
    board_id = int(re.search(r"/boards/(\d+)/edit", response.location).group(1))
    base = f"/studies/{world['study']}/boards/{board_id}"
    for insight in ("first", "second"):
        assert client.post(f"{base}/items", data={"insight_id": world[insight]}).status_code == 303
    return base


def item_ids(app, base):
    board_id = int(base.rsplit("/", 1)[1])
    with app.app_context():
        return db.session.scalars(select(BoardItem.id).where(BoardItem.board_id == board_id)
                                  .order_by(BoardItem.position)).all()


def test_designer_builds_a_board_and_picks_only_consented_evidence(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, second = item_ids(app, base)

    picker = client.get(f"{base}/items/{second}/evidence").text
    assert f"media:{world['refused_media']}" not in picker          # never offered
    assert "the participant did not consent to photos" in picker    # and it says why
    assert f"note:{world['refused_note']}" in picker                # the words are consented
    assert CANARY not in picker and CANARY_PSEUDONYM not in picker

    # Posting the refused photo anyway is refused, and nothing is written.
    refused = client.post(f"{base}/items/{second}/evidence",
                          data={"pick": [f"note:{world['refused_note']}", f"media:{world['refused_media']}"]})
    assert refused.status_code == 422
    # Another insight's note is not offered for this one either.
    assert client.post(f"{base}/items/{first}/evidence",
                       data={"pick": [f"note:{world['refused_note']}"]}).status_code == 422
    with app.app_context():
        assert count(Evidence) == 0

    assert client.post(f"{base}/items/{first}/evidence", data={
        "pick": [f"note:{world['ok_note']}", f"media:{world['ok_media']}"]}).status_code == 303
    assert client.post(f"{base}/items/{second}/evidence",
                       data={"pick": [f"note:{world['refused_note']}"]}).status_code == 303
    page = client.get(base).text
    assert "I re-key every order into the fuel sheet." in page
    assert f"/media/{world['ok_media']}" in page
    assert "End user, Halloran Regional Logistics" in page
    assert status(client, f"{base}/media/{world['ok_media']}") == 200
    assert status(client, f"{base}/media/{world['refused_media']}") == 404


def test_withdrawn_consent_hides_picked_evidence_on_board_and_presentation(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, _ = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence",
                data={"pick": [f"note:{world['ok_note']}", f"media:{world['ok_media']}"]})
    with app.app_context():
        clerk = db.session.scalar(select(Participant).where(Participant.pseudonym == "P1"))
        clerk.consent_photos = False
        db.session.commit()
    for url in (base, f"{base}/present"):
        page = client.get(url).text
        assert str(world["ok_media"]) not in page, url
        assert "I re-key every order" in page, url  # the quote is still consented
    assert "1 quote, 0 photos or clips shown" in client.get(f"{base}/edit").text
    assert status(client, f"{base}/media/{world['ok_media']}") == 404
    with app.app_context():
        clerk = db.session.scalar(select(Participant).where(Participant.pseudonym == "P1"))
        clerk.consent_quotes = False
        db.session.commit()
    assert "I re-key every order" not in client.get(f"{base}/present").text


def test_privacy_canary_never_on_board_pages(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    _, second = item_ids(app, base)
    client.post(f"{base}/items/{second}/evidence", data={"pick": [f"note:{world['refused_note']}"]})
    for url in (base, f"{base}/present", f"{base}/edit", f"{base}/items/{second}/evidence",
                f"/studies/{world['study']}/boards"):
        page = client.get(url).text
        assert CANARY not in page and "Wilhelmina" not in page, url
    assert "Finance executive, Halloran Regional Logistics" in client.get(base).text


def test_viewer_sees_boards_not_notes_and_reacts(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    auth.logout()
    auth.login("viewer@example.org")
    assert "Boards" in client.get(f"/studies/{world['study']}").text
    assert client.get(base).status_code == 200
    assert client.get(f"{base}/present").status_code == 200
    for url in (f"/studies/{world['study']}/notes", f"/studies/{world['study']}/journey-matrix",
                f"/studies/{world['study']}/notes/{world['ok_note']}", f"{base}/edit"):
        assert client.get(url).status_code == 403, url
    response = client.post(f"{base}/reactions", data={"insight_id": world["first"], "kind": "surprised",
                                                      "comment": "We had no idea."})
    assert response.status_code == 303
    auth.logout()
    auth.login("designer@example.org")
    builder = client.get(f"{base}/edit").text
    assert "1 surprised" in builder and "We had no idea." in builder and "Viewer Person" in builder


def test_non_member_gets_404(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    auth.logout()
    auth.login("outsider@example.org")
    for url in (base, f"{base}/present", f"{base}/edit", f"/studies/{world['study']}/boards"):
        assert client.get(url).status_code == 404, url


def test_another_studys_insight_cannot_go_on_a_board(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    with app.app_context():
        before = count(BoardItem)
    assert client.post(f"{base}/items", data={"insight_id": world["stray"]}).status_code == 404
    assert client.post(f"{base}/reactions", data={"insight_id": world["stray"], "kind": "agree"}).status_code == 404
    with app.app_context():
        assert count(BoardItem) == before and count(Reaction) == 0
    # Nor can a board of this study be reached through another study's URL.
    board_id = base.rsplit("/", 1)[1]
    assert client.get(f"/studies/{world['other_study']}/boards/{board_id}").status_code == 404


def test_reorder_and_journey_order(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, second = item_ids(app, base)
    assert client.post(f"{base}/items/{second}/move", data={"direction": "up"}).status_code == 303
    assert item_ids(app, base) == [second, first]
    board_order = client.get(f"{base}?order=board").text
    assert board_order.index("I wait days") < board_order.index("I type every order")
    # Along the journey: Purchase comes before Use, so "I wait days" (Purchase) leads either way;
    # swap back and the journey order still puts it first.
    client.post(f"{base}/items/{second}/move", data={"direction": "down"})
    journey = client.get(base).text
    assert journey.index("I wait days") < journey.index("I type every order")
    assert client.get(f"{base}?order=board").text.index("I type every order") < \
        client.get(f"{base}?order=board").text.index("I wait days")


def test_board_form_errors_rerender_with_422(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    response = client.post(f"/studies/{world['study']}/boards", data={"title": "  "})
    assert response.status_code == 422 and "Title: This is required" in response.text
    with app.app_context():
        assert count(Board) == 0
    auth.logout()
    auth.login("viewer@example.org")
    assert client.post(f"/studies/{world['study']}/boards", data={"title": "Mine"}).status_code == 403


def test_heatmap_counts_the_boards_notes_by_role_and_touchpoint(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    page = client.get(base).text
    assert "The board’s notes by role and touchpoint, 2 notes in all" in page
    heat = page[page.index('id="heat-heading"'):]
    rows = {row.split("</th>")[0]: row for row in heat.split('<tr><th scope="row">')[1:]}
    assert rows["End user"].count("1 note<") == 1 and rows["Finance executive"].count("1 note<") == 1
    assert "100% pain" in rows["Finance executive"]  # its note is a breakdown
    assert "1 note<" not in rows["CIO"]


def test_erasing_a_participant_takes_their_words_off_the_board(app, client, auth):
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, _ = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence", data={"pick": [f"note:{world['ok_note']}"]})
    assert "I re-key every order" in client.get(base).text
    auth.logout()
    auth.login("owner@example.org")
    with app.app_context():
        clerk = db.session.scalar(select(Participant.id).where(Participant.pseudonym == "P1"))
    erased = client.post(f"/studies/{world['study']}/participants/{clerk}/erase", data={"confirm": "erase"})
    assert erased.status_code == 303
    # The note stays for the team without a participant; its words are no longer on the board.
    assert "I re-key every order" not in client.get(base).text
    with app.app_context():
        assert count(Evidence) == 0


def test_quotes_lose_only_the_quotation_marks_typed_around_them():
    from fieldnotes.visits.consent import unquoted
    assert unquoted("“If it's not in my spreadsheet, it didn't happen.”") == "If it's not in my spreadsheet, it didn't happen."
    assert unquoted('"Fine"') == "Fine"
    assert unquoted("He said “no” twice") == "He said “no” twice"


def test_consent_rule_for_each_use():
    from fieldnotes.visits.consent import AUDIO, PHOTO, QUOTE, consent_problem
    # No participant is no consent (issue 9), unless a researcher marked the note as no person's words or image.
    assert "no consent" in consent_problem(QUOTE, None)
    assert all(consent_problem(use, None, no_person=True) is None for use in (QUOTE, PHOTO, AUDIO))
    assert "no consent" in consent_problem(PHOTO, None) and "no consent" in consent_problem(AUDIO, None)
    everything = dict(consent_given=True, consent_quotes=True, consent_photos=True, consent_audio=True)
    assert all(consent_problem(use, Participant(**everything)) is None for use in (QUOTE, PHOTO, AUDIO))
    assert consent_problem(QUOTE, Participant(**{**everything, "consent_given": False})) is not None
    for use, field in ((QUOTE, "consent_quotes"), (PHOTO, "consent_photos"), (AUDIO, "consent_audio")):
        refused = Participant(**{**everything, field: False})
        assert consent_problem(use, refused) is not None
        assert all(consent_problem(other, refused) is None for other in (QUOTE, PHOTO, AUDIO) if other != use)
        assert consent_problem(use, refused, no_person=True) is not None  # the mark cannot override a refusal


def test_deleting_a_board_ends_its_share_links_and_keeps_its_insights(app, client, auth):
    from fieldnotes.boards.models import ShareLink
    from fieldnotes.insights.models import Insight
    world = build(app)
    auth.login("designer@example.org")
    base = new_board(client, world)
    from datetime import date, timedelta
    shared = client.post(f"{base}/shares", data={"expires_on": (date.today() + timedelta(days=7)).isoformat()})
    token_url = re.search(r'(/share/[A-Za-z0-9_\-]+)', shared.text).group(1)
    assert status(client, token_url) == 200

    unconfirmed = client.post(f"{base}/delete")
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.text
    with app.app_context():
        assert count(Board) == 1

    response = client.post(f"{base}/delete", data={"confirm": "yes"})
    assert response.status_code == 303 and response.location.endswith(f"/studies/{world['study']}/boards")
    assert status(client, token_url) == 404
    assert status(client, f"{base}/edit") == 404
    with app.app_context():
        assert count(Board) == count(BoardItem) == count(ShareLink) == 0
        assert count(Insight) >= 2  # the insights the board showed are still there
