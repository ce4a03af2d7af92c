"""Erasure, the "not a person's" mark and researcher observations on boards, in a real browser:
by keyboard, on a phone, axe-clean, with 44 px tap targets."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.models import Participant
from tests.boards_world import build
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD


def check(page):
    assert_accessible(page)
    assert_fits_width(page)
    assert_tap_targets(page)


def test_an_owner_erases_a_participant_by_keyboard_choosing_to_delete_their_notes(page, live_server, app):
    world = build(app)
    with app.app_context():
        clerk = db.session.scalar(select(Participant.id).where(Participant.pseudonym == "P1"))
    sign_in(page, live_server, "owner@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world['study']}/participants/{clerk}")
    page.get_by_role("link", name="Erase participant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase P1?")
    goes = page.get_by_role("region", name=re.compile("What goes"))
    expect(goes).to_contain_text("1 photo and 0 recordings, with their files")
    choice = page.get_by_role("group", name="What stays of their 1 note")
    expect(choice.get_by_role("radio", name="Keep them as de-identified observations")).to_be_checked()
    check(page)

    choice.get_by_role("radio", name="Keep them as de-identified observations").focus()
    page.keyboard.press("ArrowDown")  # radios move by arrow key, as everywhere
    expect(choice.get_by_role("radio", name="Delete them")).to_be_checked()
    page.get_by_role("button", name="Erase participant").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/studies/{world['study']}/participants")
    expect(page.get_by_role("status")).to_contain_text("Participant erased: 1 note deleted")
    expect(page.get_by_role("link", name="P1", exact=True)).to_have_count(0)
    check(page)
    with app.app_context():
        assert db.session.get(Observation, world["ok_note"]).deleted_at is not None


def test_a_designer_marks_a_note_as_no_persons_and_a_board_shows_an_observation_as_one(page, live_server, app):
    world = build(app)
    sign_in(page, live_server, "designer@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world['study']}/notes/{world['refused_note']}")
    mark = page.get_by_role("checkbox", name="Not a person’s words or image")
    expect(mark).not_to_be_checked()
    check(page)
    mark.check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Note updated.")
    expect(page.get_by_role("checkbox", name="Not a person’s words or image")).to_be_checked()

    # Its participant is still attached, so their consent still decides; its words are an observation.
    page.goto(f"{live_server.url}/studies/{world['study']}/boards")
    page.get_by_label("Title").fill("What finance teams live with")
    page.get_by_role("button", name="Create board").click()
    page.get_by_label("Insight or theme").select_option(label="I wait days for a signature on paper.")
    page.get_by_role("button", name="Add to board").click()
    page.get_by_role("link", name=re.compile("Pick evidence")).click()
    page.get_by_label(re.compile("Observation \\(breakdown note")).check()
    check(page)
    page.get_by_role("button", name="Save evidence").click()
    page.get_by_role("link", name="What finance teams live with").click()
    observation = page.locator("figure.board-observation")
    expect(observation).to_contain_text("Approvals wait for printouts.")
    expect(observation.locator("figcaption")).to_have_text(
        "Observed by the research team · Finance executive, Halloran Regional Logistics")
    expect(page.locator("blockquote")).to_have_count(0)  # no quotation marks around a researcher's words
    check(page)
