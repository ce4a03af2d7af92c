"""Making a highlight in a real browser: a span chosen with the mouse on a laptop, and with Shift and the
arrow keys on a phone; the form, the new highlight's page and its source's page are axe-clean."""
import uuid

from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Observation
from tests.browser.conftest import sign_in
from tests.browser.ui_checks import assert_tap_targets, check_page, tab_to
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user, make_visit

LONG = ("We started at nine. “I type every invoice twice, once here and once in the fuel sheet.” Then she "
        "showed the fuel sheet on a second screen. After lunch the driver called about a missing signature.")
WORDS = "I type every invoice twice"


def seed(app):
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner, designer=[make_user("dee@example.org", "Dee Designer")])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        clerk = make_participant(study, [visit], pseudonym="P2 AP clerk")
        note = make_observation(study, owner, kind="observation", text=LONG, participant_id=clerk.id,
                                visit_id=visit.id)
        return study.id, note.id


def highlights(app):
    with app.app_context():
        return [(h.start, h.end, db.session.get(Observation, h.observation_id).text)
                for h in db.session.query(Highlight).order_by(Highlight.created_at)]


def open_form(page, live_server, study_id, note_id):
    page.goto(f"{live_server.url}/studies/{study_id}/notes/{note_id}")
    page.get_by_role("link", name="Highlight a part of this note").click()
    page.wait_for_load_state("load")
    check_page(page, "Make a highlight")


def test_a_span_chosen_with_the_mouse_becomes_a_highlight(browser, live_server, app):
    study_id, note_id = seed(app)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    open_form(page, live_server, study_id, note_id)
    box = page.get_by_label("The note’s words: select the part to highlight").bounding_box()
    line = box["y"] + 14  # the first line of the note's words
    page.mouse.move(box["x"] + 6, line)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, line, steps=8)
    page.mouse.up()
    chosen = page.evaluate("() => { const t = document.getElementById('source-text');"
                           " return t.value.slice(t.selectionStart, t.selectionEnd).trim(); }")
    assert len(chosen) > 3 and LONG.startswith(chosen)
    expect(page.locator("[data-highlight-chosen]")).to_have_text(f"Selected: “{chosen}”")
    expect(page.get_by_label("Starts at character")).to_have_value("0")
    page.get_by_label("Kind").select_option("observation")
    page.get_by_label("Tags").fill("arrival")
    page.get_by_role("button", name="Make a highlight").click()
    page.wait_for_url(lambda url: str(note_id) not in url)
    check_page(page, "Observation note")
    expect(page.locator(".highlight-in-source mark")).to_have_text(chosen)
    assert highlights(app) == [(0, len(chosen), chosen)]
    page.get_by_role("link", name="Open the whole note").click()
    expect(page.locator(".note-highlights")).to_contain_text(chosen)
    check_page(page, "Observation note")
    context.close()


def test_a_span_chosen_with_shift_and_the_arrow_keys_on_a_phone(page, live_server, app):
    study_id, note_id = seed(app)
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    open_form(page, live_server, study_id, note_id)
    assert_tap_targets(page)
    page.locator("h1").focus()
    tab_to(page, "The note’s words: select the part to highlight")
    page.keyboard.press("Control+Home")
    start = LONG.index(WORDS)
    for _ in range(start):
        page.keyboard.press("ArrowRight")
    for _ in range(len(WORDS)):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("[data-highlight-chosen]")).to_have_text(f"Selected: “{WORDS}”")
    expect(page.get_by_label("Ends before character")).to_have_value(str(start + len(WORDS)))
    page.get_by_label("Kind").focus()
    page.keyboard.press("End")  # the last kind in the list
    tab_to(page, "Make a highlight")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: str(note_id) not in url)
    expect(page.locator(".highlight-in-source mark")).to_have_text(WORDS)
    assert highlights(app) == [(start, start + len(WORDS), WORDS)]
    check_page(page, "Idea note")
    assert_tap_targets(page)


def test_a_selection_left_empty_is_refused_with_a_message(page, live_server, app):
    study_id, note_id = seed(app)
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    open_form(page, live_server, study_id, note_id)
    page.get_by_role("button", name="Make a highlight").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "Make a highlight")
    assert highlights(app) == []
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(str(note_id))).text == LONG
