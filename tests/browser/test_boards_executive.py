"""The executive on a board (issue 12): headline first, one card per insight, large words and photos,
Esc leaves the presentation and it opens at the top on a phone, a copy button for a new share link,
and a printed board that fits A4 and Letter with no evidence cut off or split."""
import io
import re
import secrets
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from fieldnotes.auth.models import User, utcnow
from fieldnotes.boards.models import Board, BoardItem, Evidence, ShareLink
from fieldnotes.extensions import db
from fieldnotes.insights.models import InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.tokens import token_digest
from tests.boards_world import build, media_entry, verified_media
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD, make_observation

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
# A customer who talked for a while, with a file name that will not break across a line by itself.
LONG_QUOTE = ("Every month end I print the approvals, walk them to the finance office, wait for a signature, "
              "scan them back in and attach them to the order by hand. ") * 8 + \
             "The scans are called APPROVAL_SCAN_FINAL_FINAL_v7_signed_by_regional_controller.pdf."
TYPED_IN_MARKS = "“Nobody trusts the portal,” the controller said, “so we keep the paper.”"


def photo(width=1200, height=900):
    """A photo-sized JPEG: large enough that the page, not the file, decides how big it shows."""
    base = Image.radial_gradient("L").resize((width, height))
    buffer = io.BytesIO()
    Image.merge("RGB", [base, base.rotate(90), base.rotate(200)]).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def executive_board(app):
    """A board of both insights with evidence (a short quote, a long one, one typed in marks, a large photo)
    and a live share link; returns (board path, share path, {note id: the words shown})."""
    world = build(app)
    with app.app_context():
        ok = db.session.get(Observation, world["ok_note"])
        owner = db.session.query(User).filter_by(email="owner@example.org").one()
        common = dict(participant_id=ok.participant_id, visit_id=ok.visit_id, touchpoint_id=ok.touchpoint_id,
                      role_id=ok.role_id)
        picture = photo()
        long_note = make_observation(ok.study, owner, kind="quote", text=LONG_QUOTE, **common,
                                     media=[media_entry(picture, mime="image/jpeg")])
        verified_media(long_note, content=picture)
        marked = make_observation(ok.study, owner, kind="quote", text=TYPED_IN_MARKS, **common)
        for position, note in enumerate((long_note, marked), 1):
            db.session.add(InsightNote(observation_id=note.id, insight_id=world["first"], position=position))
        board = Board(study_id=world["study"], created_by=owner.id, title="What finance teams live with",
                      narrative="Two things we saw at every site.")
        db.session.add(board)
        db.session.flush()
        first = BoardItem(board_id=board.id, insight_id=world["first"], position=1)
        second = BoardItem(board_id=board.id, insight_id=world["second"], position=2)
        db.session.add_all([first, second])
        db.session.flush()
        picks = [(first, ok.id, None), (first, long_note.id, None), (first, long_note.id, long_note.media[0].id),
                 (first, ok.id, world["ok_media"]), (first, marked.id, None),
                 (second, world["refused_note"], None)]
        db.session.add_all([Evidence(board_item_id=item.id, observation_id=note, attachment_id=media, position=n)
                            for n, (item, note, media) in enumerate(picks)])
        token = secrets.token_urlsafe(32)
        db.session.add(ShareLink(board_id=board.id, token_hash=token_digest(token), created_by=owner.id,
                                 expires_at=utcnow() + timedelta(days=7)))
        db.session.commit()
        words = {"I re-key every order into the fuel sheet.", LONG_QUOTE, TYPED_IN_MARKS,
                 "Approvals wait for printouts."}
        return f"/studies/{world['study']}/boards/{board.id}", f"/share/{token}", words


GROUPING_JS = """() => [...document.querySelectorAll('.board-insight')].map(card => {
  const box = el => el.getBoundingClientRect();
  const parts = [...card.children].map(el => el.className || el.tagName);
  const inside = [...card.querySelectorAll('figure, .board-support')].every(el =>
    box(el).top >= box(card).top && box(el).bottom <= box(card).bottom);
  const style = getComputedStyle(card);
  const quote = card.querySelector('blockquote');
  return {parts, inside, statement: card.querySelector('h2').textContent, border: style.borderTopWidth,
          top: box(card).top, bottom: box(card).bottom,
          heading: card.querySelector('h2').id === card.getAttribute('aria-labelledby'),
          quoteSize: quote ? parseFloat(getComputedStyle(quote).fontSize) : null,
          bodySize: parseFloat(getComputedStyle(document.body).fontSize),
          photoWidth: Math.max(0, ...[...card.querySelectorAll('.board-photo img')].map(img => box(img).width))};
})"""


def test_each_insight_is_a_card_headline_first_with_large_words_and_photos(browser, live_server, app):
    board, share, _ = executive_board(app)
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    page.goto(live_server.url + share)  # the executive on a share link
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    cards = page.evaluate(GROUPING_JS)
    assert len(cards) == 2
    for card in cards:
        # Statement, then its evidence, then breadth and journey, then the reaction form: in that order.
        order = [p for p in card["parts"] if p in ("statement", "board-evidence", "board-support",
                                                    "reaction-form no-print")]
        assert order == ["statement", "board-evidence", "board-support", "reaction-form no-print"], card
        assert card["heading"] and card["inside"] and float(card["border"][:-2]) >= 1
        assert card["quoteSize"] is None or card["quoteSize"] >= 1.3 * card["bodySize"]
    assert cards[1]["top"] - cards[0]["bottom"] >= 16  # space between cards: nothing seems the neighbour's
    [quoted] = [card for card in cards if card["statement"].startswith("I type every order")]
    assert quoted["quoteSize"] and quoted["photoWidth"] >= 500  # the words and the photo are large
    first = page.locator(".board-insight", has_text="I type every order")
    expect(first.get_by_role("heading", level=2)).to_have_text(
        "I type every order twice because the systems do not talk.")
    caption = first.locator("figure.board-quote").first.locator("figcaption")
    expect(caption).to_have_text("End user, Halloran Regional Logistics")
    # Marks typed by the researcher are the only ones shown: the stylesheet adds none to these words.
    marked = first.locator("blockquote.own-marks p")
    expect(marked).to_have_text(TYPED_IN_MARKS)
    assert marked.evaluate("p => getComputedStyle(p, '::before').content") == "none"
    plain = first.locator("blockquote:not(.own-marks) p").first
    assert plain.evaluate("p => getComputedStyle(p, '::before').content") == '"“"'
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits_width(page)
    context.close()


@pytest.mark.parametrize("member", [False, True], ids=["share-link", "member"])
def test_esc_leaves_the_presentation_and_a_phone_opens_it_at_the_top(page, live_server, app, member):
    board, share, _ = executive_board(app)
    if member:
        sign_in(page, live_server, "viewer@example.org", PASSWORD)
    start = live_server.url + (board if member else share)
    page.goto(start)
    page.evaluate("window.scrollTo(0, 900)")  # read down the board, then present
    page.get_by_role("link", name="Present").click()
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # the browser's own scroll to a fragment comes after load
    assert page.evaluate("scrollY") == 0
    expect(page.get_by_role("link", name="Leave presentation")).to_be_in_viewport()
    # Opened on a slide by its address: that slide, still from the top.
    address = page.url.split("#")[0] + "#slide-2"
    page.goto("about:blank")
    page.goto(address)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)
    expect(page.locator("#slide-2")).to_be_visible()
    assert page.evaluate("scrollY") == 0
    assert_tap_targets(page)
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(re.escape(start.split("?")[0]) + r"(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("What finance teams live with")


def test_a_new_share_link_has_a_copy_button_that_says_copied(browser, live_server, app):
    board, _, _ = executive_board(app)
    context = browser.new_context(**LAPTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, live_server, "designer@example.org", PASSWORD)
    page.goto(f"{live_server.url}{board}/edit")
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_role("textbox", name="Share link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/share/[A-Za-z0-9_-]{{43}}", link)
    status = page.locator("[data-copy-status='new-link']")
    assert status.get_attribute("aria-live") == "polite"
    page.get_by_role("button", name="Copy link").click()
    expect(status).to_have_text("Copied. Paste the link into your email or chat.")
    expect(status).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_accessible(page)
    # The link works for someone else.
    other = browser.new_context(**LAPTOP)
    assert other.new_page().goto(link).status == 200
    other.close()
    context.close()


MM = 96 / 25.4  # CSS px per millimetre
# Inside print.css's margins (14 mm each side, 15 mm top and bottom), in CSS px.
SHEETS = {"A4": ((210 - 28) * MM, (297 - 30) * MM), "Letter": ((215.9 - 28) * MM, (279.4 - 30) * MM)}

EVIDENCE_JS = """() => [...document.querySelectorAll('.board-quote, .board-photo')].map(el => {
  const r = el.getBoundingClientRect(), style = getComputedStyle(el);
  const words = el.querySelector('blockquote p, p.note-text');
  const img = el.querySelector('img');
  return {kind: el.className, width: r.width, right: r.right, height: r.height, breakInside: style.breakInside,
          text: words ? words.textContent : null,
          clipped: words ? words.scrollWidth > words.clientWidth + 1
                           || words.scrollHeight > words.clientHeight + 1 : false,
          loaded: img ? img.complete && img.naturalWidth > 0 : true};
})"""


@pytest.mark.parametrize("sheet", ["A4", "Letter"])
@pytest.mark.parametrize("view", ["board", "presentation"])
def test_a_printed_board_fits_the_sheet_with_every_piece_of_evidence_whole(browser, live_server, app, sheet, view):
    board, share, words = executive_board(app)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + share + ("/present" if view == "presentation" else ""))
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
    pdf = page.pdf(format=sheet, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 3  # the title, then one insight a page at least

    # The page as the printer lays it out, one sheet's printable width wide.
    width, height = SHEETS[sheet]
    page.set_viewport_size({"width": int(width), "height": int(height)})
    page.emulate_media(media="print")
    assert page.evaluate("document.documentElement.scrollWidth") <= int(width)
    pieces = page.evaluate(EVIDENCE_JS)
    shown = {p["text"] for p in pieces if p["text"] is not None}
    assert shown == words  # every quote, each whole
    assert sum(1 for p in pieces if "board-photo" in p["kind"]) == 2
    for piece in pieces:
        assert piece["breakInside"] == "avoid", piece  # never split across two sheets
        assert piece["height"] <= height, piece  # and short enough to fit on one
        assert piece["right"] <= width + 0.5 and not piece["clipped"] and piece["loaded"], piece
    context.close()
