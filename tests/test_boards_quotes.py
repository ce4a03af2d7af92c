"""A customer's words on a board are in one pair of quotation marks, never two (issue 12)."""
import re
from datetime import date, timedelta

import pytest

from fieldnotes.boards.quotes import customer_words
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.boards_world import build
from tests.test_boards import item_ids, new_board


@pytest.mark.parametrize("typed, shown, own_marks", [
    ("“If it's not in my spreadsheet, it didn't happen.”", "If it's not in my spreadsheet, it didn't happen.", False),
    ('"Fine"', "Fine", False),
    ("  «Je recopie tout à la main.»  ", "Je recopie tout à la main.", False),
    ("„Das dauert Tage.“", "Das dauert Tage.", False),
    ("»Det tager dage.«", "Det tager dage.", False),
    ("‘I don’t trust the portal.’", "I don’t trust the portal.", False),
    ('"I hate it".', "I hate it.", False),                    # the full stop typed outside moves in
    ("“Why?”.", "Why?", False),                               # and is not doubled
    ("“The “urgent” flag means nothing.”", "The “urgent” flag means nothing.", False),  # nested pair kept
    ("I re-key every order.", "I re-key every order.", False),  # no marks typed: the page adds them
    ("He said “no” twice", "He said “no” twice", False),
    # Marks that do not wrap the whole: shown as typed, and the page adds none.
    ("“It’s broken,” she said, “every Monday.”", "“It’s broken,” she said, “every Monday.”", True),
    ('"Print" and "sign" are two steps', '"Print" and "sign" are two steps', True),
    ("“Unfinished", "“Unfinished", True),
    ("“”", "“”", True),
    ("", "", False),
], ids=lambda value: None if not isinstance(value, str) else value[:12])
def test_customer_words_lose_one_wrapping_pair_or_keep_their_own_marks(typed, shown, own_marks):
    words = customer_words(typed)
    assert (words.text, words.own_marks) == (shown, own_marks)


def quotes_on(page):
    """(class of the blockquote, its words) for each customer quote a board page shows."""
    return re.findall(r"<blockquote( class=\"own-marks\")?><p>(.*?)</p></blockquote>", page, re.S)


def test_a_quote_typed_in_marks_is_not_quoted_twice_on_board_presentation_and_share_link(app, client, auth):
    world = build(app)
    with app.app_context():
        note = db.session.get(Observation, world["ok_note"])
        note.text = "“I re-key every order into the fuel sheet.”"
        db.session.commit()
    auth.login("designer@example.org")
    base = new_board(client, world)
    first, _ = item_ids(app, base)
    client.post(f"{base}/items/{first}/evidence", data={"pick": [f"note:{world['ok_note']}"]})
    picker = client.get(f"{base}/items/{first}/evidence").text
    assert "Quote: “I re-key every order into the fuel sheet.”" in picker and "““" not in picker
    shared = client.post(f"{base}/shares", data={"expires_on": (date.today() + timedelta(days=7)).isoformat()})
    link = re.search(r'value="https?://[^/]+(/share/[A-Za-z0-9_\-]+)"', shared.text).group(1)
    visitor = app.test_client()
    pages = [client.get(base).text, client.get(f"{base}/present").text, visitor.get(link).text,
             visitor.get(f"{link}/present").text]
    for page in pages:
        # The stylesheet adds “ ” around a plain blockquote: the words themselves carry none.
        assert quotes_on(page) == [("", "I re-key every order into the fuel sheet.")]

    with app.app_context():
        db.session.get(Observation, world["ok_note"]).text = "“I re-key it,” she said, “every order.”"
        db.session.commit()
    for page in (client.get(base).text, visitor.get(link).text):
        assert quotes_on(page) == [(' class="own-marks"', "“I re-key it,” she said, “every order.”")]
