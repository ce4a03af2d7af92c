"""Consent on the capture screen (issue 9, item 3): the chosen participant's consent is shown, offline
too, a photo, recording or quote beyond it asks before it is saved, and a note can be marked as not
a person's words or image."""
from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.models import Participant
from tests.browser.capture_support import choose, field, local, open_capture, save_note, wait_for_server
from tests.browser.conftest import assert_accessible
from tests.browser.test_capture_media import noisy_png
from tests.browser.ui_checks import assert_tap_targets

__all__ = ["field"]


def refuse_photos(app, pseudonym):
    with app.app_context():
        db.session.scalar(select(Participant).filter_by(pseudonym=pseudonym)).consent_photos = False
        db.session.commit()


def stored(app, text):
    with app.app_context():
        note = db.session.scalar(select(Observation).filter_by(text=text))
        result = (str(note.kind), note.participant_id is not None, note.no_person)
        db.session.remove()
    return result


def test_a_photo_beyond_the_participants_consent_asks_first_even_offline(page, context, live_server, app, field):
    refuse_photos(app, "P2")
    open_capture(page, live_server, field)
    context.set_offline(True)
    page.reload()  # the consent comes with the study, kept on the phone
    choose(page, "P2", "Participant")
    consent = page.locator("[data-consent]")
    expect(consent).to_have_text("P2 consented to: quotes, audio recordings. Not to: photos.")

    page.get_by_label("Photo").set_input_files(
        files=[{"name": "desk.png", "mimeType": "image/png", "buffer": noisy_png(40, 30)}])
    page.get_by_label("Note", exact=True).fill("P2's desk: sticky notes with passwords")
    page.get_by_role("button", name="Save note").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("P2 did not consent to photos. It would not be shown as evidence.")
    assert local(page, "outbox") == []  # not saved behind the person's back
    assert_accessible(page)
    assert_tap_targets(page)

    warning.get_by_role("button", name="Save anyway").click()
    page.get_by_text("Saved on this phone.").wait_for()
    assert [m["data"]["participant_id"] is not None for m in local(page, "outbox")] == [True]
    expect(warning).to_be_hidden()


def test_a_quote_needs_a_participant_or_the_mark_not_a_persons_words(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    choose(page, "P1", "Participant")
    expect(page.locator("[data-consent]")).to_have_text("P1 consented to: quotes, photos, audio recordings.")
    choose(page, "None", "Participant")
    choose(page, "Quote")
    page.get_by_label("Note", exact=True).fill("Sign here, here and here")
    expect(page.locator("[data-consent]")).to_contain_text(
        "No participant is chosen: quotes are evidence only with a participant who consented")
    page.get_by_label("Not a person's words or image").check()  # the words on a form at the counter
    expect(page.locator("[data-consent]")).to_have_text("")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved on this phone.").wait_for()
    expect(page.get_by_label("Not a person's words or image")).not_to_be_checked()  # fresh for the next note

    wait_for_server(page, app, field["study_id"], ["Sign here, here and here"])
    assert stored(app, "Sign here, here and here") == ("quote", False, True)

    save_note(page, "An ordinary observation")
    wait_for_server(page, app, field["study_id"], ["An ordinary observation"])
    assert stored(app, "An ordinary observation") == ("observation", False, False)
