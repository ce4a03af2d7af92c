"""An interview recording added on a phone, transcribed, played from a segment and corrected, in Chromium."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit
from tests.transcripts_world import run_jobs, speech_wav


def test_a_recording_added_on_a_phone_is_transcribed_played_from_a_segment_and_edited(page, live_server, app,
                                                                                       tmp_path):
    with app.app_context():
        study = make_study(make_user("ana@example.org", "Ana Lima"), "Invoices at Harbour Freight")
        visit = make_visit(study, organisation="Harbour Freight Ltd")
        make_participant(study, [visit], pseudonym="P1 clerk")
        study_id, visit_id = study.id, visit.id
    interview = tmp_path / "interview.wav"
    speech_wav(interview, 9)  # "... invoices waiting for a signature." then "The driver scans the pallet ..."
    sign_in(page, live_server, "ana@example.org", PASSWORD)

    page.goto(f"{live_server.url}/studies/{study_id}/visits/{visit_id}")
    recordings = page.get_by_role("region", name="Recordings")
    expect(recordings).to_contain_text("No interview recordings for this visit yet.")
    recordings.get_by_role("link", name="Add a recording").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a recording")
    assert_accessible(page)
    assert_fits_width(page)
    assert_tap_targets(page)
    page.get_by_label("Title").fill("Interview with the clerk")
    page.get_by_label("Participant").select_option(label="P1 clerk")
    page.get_by_label("Recording").set_input_files(str(interview))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(rf"/studies/{study_id}/recordings/[0-9a-f-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Interview with the clerk")
    expect(page.get_by_role("status").filter(has_text="Queued")).to_contain_text("Queued for transcription.")
    assert_accessible(page)

    run_jobs(app)  # the worker's turn; the page, asking every few seconds, draws the transcript
    segments = page.locator("button.segment")
    expect(segments.first).to_be_visible(timeout=20_000)
    expect(page.locator(".transcript")).to_contain_text("invoices")
    assert segments.count() >= 2
    # The second sentence, cut at 9 s, in a later segment. Its words as the engine hears them differ from one
    # CPU to another (int8 kernels: "scans the pallet" came out "can't repal it" on one), so most, not all.
    later_words = " ".join(segments.nth(i).inner_text() for i in range(1, segments.count())).lower()
    heard = [word for word in ("driver", "pallet", "twice", "signal", "freezer") if word in later_words]
    assert len(heard) >= 3, later_words
    assert_accessible(page)
    assert_fits_width(page)
    assert_tap_targets(page)

    # A tap on a later segment plays the recording from its start; so does Enter on the keyboard.
    later = segments.nth(1)
    start = float(later.get_attribute("data-start"))
    assert start > 2
    later.click()
    page.wait_for_function("([id, at]) => Math.abs(document.getElementById(id).currentTime - at) < 0.6",
                           arg=[page.locator("audio").get_attribute("id"), start])
    page.evaluate("() => { const a = document.querySelector('audio'); a.pause(); a.currentTime = 0; }")
    segments.nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("([id, at]) => Math.abs(document.getElementById(id).currentTime - at) < 0.6",
                           arg=[page.locator("audio").get_attribute("id"), start])

    # Corrected: a new version, who and when in the history.
    page.get_by_role("link", name="Edit transcript").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit transcript")
    assert_accessible(page)
    assert_tap_targets(page)
    page.get_by_label(re.compile(r"^Segment 1 at 0:00")).fill("The finance team keeps a paper tray of invoices.")
    page.get_by_role("button", name="Save transcript").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_contain_text("Saved as version 2.")
    expect(page.locator(".transcript")).to_contain_text("The finance team keeps a paper tray of invoices.")
    expect(page.locator(".transcript")).to_contain_text("Version 2, edited by Ana Lima")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=2, name="Version 2 (current)")).to_be_visible()
    expect(page.get_by_text("Edited by Ana Lima")).to_be_visible()
    assert_accessible(page)
