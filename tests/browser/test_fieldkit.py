"""The visit kit in a browser (issue 15): on a phone, offline, the role guide for the participant being
observed, with the consent they gave (the record button refuses what was not agreed); on a laptop, the
interpretation session walked by keyboard, its outcome kept on the visit."""
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import InterpretationSession, Mark, NoteMark
from fieldnotes.fieldkit.plans import PlanSchema, save_plan
from fieldnotes.visits.models import Participant, SiteVisit
from tests.browser.capture_support import choose, field, open_capture
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_tap_targets
from tests.factories import PASSWORD, make_observations, make_participant, make_study, make_user, make_visit

__all__ = ["field"]
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "en-GB"}


def plan_and_refuse_audio(app, field):
    with app.app_context():
        p2 = db.session.scalar(select(Participant).filter_by(pseudonym="P2"))
        p2.consent_audio = False
        visit = db.session.get(SiteVisit, field["visit_id"])
        save_plan(visit, PlanSchema().load({"who": "The AP clerk", "learn": "How invoices reach the ledger"}))
        db.session.commit()


def test_the_role_guide_shows_offline_for_the_chosen_participant_with_their_consent(page, context, live_server,
                                                                                     app, field):
    plan_and_refuse_audio(app, field)
    open_capture(page, live_server, field)
    context.set_offline(True)
    page.reload()  # the guide comes with the study's context, kept on the phone
    page.get_by_role("radio", name="P1", exact=True, include_hidden=True).wait_for(state="attached")
    page.get_by_label("Visit", exact=True).select_option(str(field["visit_id"]))
    choose(page, "P1", "Participant")

    guide = page.locator("[data-guide]")
    expect(guide.locator("summary")).to_have_text("Guide: P1, End user")
    guide.locator("summary").click()
    expect(guide).to_contain_text("P1 agreed to: notes, quotes, photos, audio recordings.")
    expect(guide.get_by_role("heading", name="Ask")).to_be_visible()
    expect(guide).to_contain_text("Show me the last time you did this task, start to finish.")
    expect(guide).to_contain_text("Workarounds: sticky notes, paper lists")
    expect(guide).to_contain_text("How invoices reach the ledger")  # the visit's plan
    record = page.locator("[data-record]")
    expect(record).to_have_text("Record audio")
    expect(record).to_be_enabled()

    choose(page, "P2", "Participant")
    expect(guide.locator("summary")).to_have_text("Guide: P2")
    expect(guide).to_contain_text(
        "P2 agreed to: notes, quotes, photos. Not to: audio recordings: do not capture those.")
    expect(guide).to_contain_text("No role is recorded for this participant")
    expect(record).to_have_text("No audio consent from P2: do not record")
    expect(record).to_be_disabled()
    assert_accessible(page)
    assert_tap_targets(page)

    choose(page, "None", "Participant")
    expect(guide).to_be_hidden()
    expect(record).to_have_text("Record audio")


@pytest.fixture
def laptop(browser):
    context = browser.new_context(**LAPTOP)
    yield context.new_page()
    context.close()


def session_world(app):
    with app.app_context():
        dee = make_user("dee@example.org", name="Dee Designer")
        rosa = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(dee, researcher=[rosa])
        visit = make_visit(study, visited_on=date(2026, 3, 12), researchers=[rosa])
        clerk = make_participant(study, visits=[visit], pseudonym="P1")
        texts = ["Keeps a paper list of overdue invoices", "Re-keys every total into a spreadsheet",
                 "Asks a colleague how to undo a posting", "Laughs: the new report saved her an hour"]
        make_observations(study, rosa, [{"visit_id": visit.id, "participant_id": clerk.id, "text": text,
                                         "captured_at": f"2026-03-12T10:{i:02d}:00+00:00"}
                                        for i, text in enumerate(texts)])
        return {"study": study.id, "visit": visit.id, "texts": texts}


def marks(app):
    with app.app_context():
        rows = db.session.execute(select(NoteMark.mark, NoteMark.context)).all()
        db.session.remove()
    return sorted((str(m) if m else "", c) for m, c in rows)


def test_the_team_walks_the_visits_notes_by_keyboard_and_closes_the_session(laptop, live_server, app):
    world = session_world(app)
    page = laptop
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world['study']}/visits/{world['visit']}")
    expect(page.get_by_text("overdue")).to_be_visible()  # March 2026 is long past two days
    page.get_by_role("link", name="Hold the interpretation session").click()
    page.get_by_role("button", name="Start the session").click()
    notes = page.locator(".session-note")
    expect(notes).to_have_count(4)
    assert_accessible(page)

    page.get_by_role("button", name="One note at a time").click()
    expect(notes.nth(0)).to_be_visible()
    expect(notes.nth(1)).to_be_hidden()
    notes.nth(0).focus()
    page.keyboard.press("1")  # the first note is key
    expect(page.locator("[data-status]")).to_have_text("Note 1 marked key.")
    page.keyboard.press("j")
    expect(notes.nth(1)).to_be_visible()
    expect(notes.nth(1)).to_be_focused()
    page.keyboard.press("3")  # an insight candidate
    expect(page.locator("[data-status]")).to_have_text("Note 2 marked insight candidate.")
    page.keyboard.press("c")
    expect(notes.nth(1).get_by_label("Missing context")).to_be_focused()
    page.keyboard.type("Her manager was watching")
    page.keyboard.press("Escape")  # back to the note: the context is saved as it is left
    expect(page.locator("[data-status]")).to_have_text("Note 2 marked insight candidate, with context.")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("2")
    expect(page.locator("[data-status]")).to_have_text("Note 3 marked question.")
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("0")  # changed our mind about the first
    expect(page.locator("[data-status]")).to_have_text("Note 1 unmarked.")
    expect(notes.nth(0).locator("[data-mark-label]")).to_have_text("")
    assert marks(app) == [("", ""), ("candidate", "Her manager was watching"), ("question", "")]
    assert_accessible(page)

    page.get_by_role("button", name="One note at a time").click()  # the list again, for closing
    page.get_by_label("Rosa Lindqvist").check()
    page.get_by_label("Summary").fill("Re-keying is where month end hurts.")
    page.get_by_role("button", name="Close the session").click()
    expect(page.get_by_text("Interpretation session closed: 0 key, 1 questions, 1 insight candidates of 4 notes."))\
        .to_be_visible()
    expect(page.get_by_text("Present: Dee Designer, Rosa Lindqvist.")).to_be_visible()
    expect(page.get_by_text("Re-keying is where month end hurts.")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        session = db.session.scalar(select(InterpretationSession))
        assert session.closed and (session.key_count, session.question_count, session.candidate_count) == (0, 1, 1)
        assert Mark.CANDIDATE in {m.mark for m in session.marks}
