"""An interview's highlight as board evidence in Chromium: a span of the transcript chosen by keyboard, put on
a board, and there and through its share link the quote is exactly the span and the clip plays exactly its
range (from its start, paused at its end, and still there); every page axe-clean."""
import hashlib
import math
import re
import struct
import uuid
import wave

from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Observation
from fieldnotes.observations.storage import stored_path
from fieldnotes.transcripts.engine import Heard, Segment
from fieldnotes.transcripts.models import JobState, Recording, Source, UploadStatus
from fieldnotes.transcripts.work import new_transcript
from tests.boards_world import make_insight
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_tap_targets
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
HEARD = [Segment(0, 4000, "We keep a paper tray of invoices."),
         Segment(4500, 9000, "Nobody trusts the fuel sheet any more."),
         Segment(9000, 12000, "So I type it twice.")]
WORDS = "So I type it twice."
RATE = 8000


def tone(path, seconds=14):
    """A quiet tone the browser decodes and plays: the interview's sound (what it says is the transcript)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / RATE)))
                                 for i in range(seconds * RATE)))
    return path.read_bytes()


def seed(app, sound):
    """An interview with P4, transcribed (given segments: the engine is not under test), its file stored."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner)
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        p4 = make_participant(study, [visit], pseudonym="P4 dispatcher")
        digest = hashlib.sha256(sound).hexdigest()
        stored_path(digest).parent.mkdir(parents=True, exist_ok=True)
        stored_path(digest).write_bytes(sound)
        recording = Recording(id=uuid.uuid4(), study_id=study.id, source=Source.INTERVIEW, visit_id=visit.id,
                              participant_id=p4.id, title="Dispatch desk", sha256=digest, size=len(sound),
                              mime="audio/wav", upload=UploadStatus.VERIFIED, added_by_id=owner.id,
                              state=JobState.DONE)
        db.session.add(recording)
        db.session.add(new_transcript(recording, Heard(HEARD, "en", 12000, "test engine (given)")))
        db.session.commit()
        return study.id, recording.id


def highlight_by_keyboard(page, live_server, study_id, recording_id):
    """From the recording's page, select the last sentence with Shift and the arrow keys, make it a highlight."""
    page.goto(f"{live_server.url}/studies/{study_id}/recordings/{recording_id}")
    page.get_by_role("link", name="Highlight a part of the transcript").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a highlight")
    assert_accessible(page)
    words = page.get_by_label("The transcript’s words: select the part to highlight")
    words.focus()
    page.keyboard.press("Control+End")
    for _ in WORDS:
        page.keyboard.press("Shift+ArrowLeft")
    expect(page.locator("[data-highlight-chosen]")).to_have_text(f"Selected: “{WORDS}”")
    page.get_by_role("button", name="Make a highlight").click()
    expect(page.locator(".highlight-in-source mark")).to_have_text(WORDS)
    with app_of(page).app_context():
        [highlight] = db.session.query(Highlight).all()
        return highlight.observation_id, highlight.audio_start_ms / 1000, highlight.audio_end_ms / 1000


def app_of(page):
    return page.context.fieldnotes_app


def plays_exactly(page, start, end):
    """The clip starts at `start` when played and pauses by itself at `end` (highlight-clip.js)."""
    audio = page.locator("audio[data-clip]")
    expect(audio).to_have_count(1)
    page.evaluate("() => { const a = document.querySelector('audio[data-clip]'); window.clipTimes = [];"
                  " a.addEventListener('timeupdate', () => window.clipTimes.push(a.currentTime)); }")
    audio.focus()
    audio.evaluate("a => a.play()")
    page.wait_for_function("() => window.clipTimes.length > 0", timeout=15_000)
    page.wait_for_function(f"() => {{ const a = document.querySelector('audio[data-clip]');"
                           f" return a.paused && window.clipTimes.length > 2 && a.currentTime >= {end} - 0.3; }}",
                           timeout=20_000)
    times = page.evaluate("() => window.clipTimes")
    current = page.evaluate("() => document.querySelector('audio[data-clip]').currentTime")
    assert start - 0.05 <= times[0] < start + 1, times  # from the range's start, not the recording's
    assert abs(current - end) < 0.3 and max(times) <= end + 0.3, (current, times)  # and no further
    stays_still(page)


def stays_still(page):
    """Stopped at its end, the clip does nothing more: no seeking (the page once seeked thousands of times a
    second from there, for as long as it was open: a busy core, a phone's battery)."""
    page.evaluate("() => { window.seeks = 0; document.querySelector('audio[data-clip]')"
                  ".addEventListener('seeking', () => { window.seeks += 1; }); }")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.seeks") == 0
    assert page.evaluate("() => document.querySelector('audio[data-clip]').paused")


def test_an_interview_highlight_goes_on_a_board_and_its_share_link_with_its_words_and_clip(
        browser, live_server, app, tmp_path):
    study_id, recording_id = seed(app, tone(tmp_path / "interview.wav"))
    context = browser.new_context(**LAPTOP)
    context.fieldnotes_app = app
    page = context.new_page()
    sign_in(page, live_server, "owner@example.org", PASSWORD)
    note_id, start, end = highlight_by_keyboard(page, live_server, study_id, recording_id)
    assert (start, end) == (9.0, 12.0)
    with app.app_context():
        from fieldnotes.studies.models import Study
        make_insight(db.session.get(Study, study_id), "Everything is typed twice.",
                     [db.session.get(Observation, note_id)])

    page.goto(f"{live_server.url}/studies/{study_id}/boards")
    page.get_by_label("Title").fill("Typed twice")
    page.get_by_role("button", name="Create board").click()
    page.get_by_label("Insight or theme").select_option(label="Everything is typed twice.")
    page.get_by_role("button", name="Add to board").click()
    expect(page.get_by_role("status")).to_contain_text("Insight added")
    page.get_by_role("link", name=re.compile("Pick evidence for “Everything is typed twice")).click()
    page.get_by_label(re.compile(f"^Quote: “{WORDS}”")).check()
    page.get_by_label(re.compile("^Audio clip with the note")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_role("status")).to_contain_text("Evidence saved: 2 pieces.")
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_role("textbox", name="Share link").input_value()

    page.get_by_role("link", name="Typed twice", exact=True).click()
    expect(page.locator(".board-quote blockquote")).to_have_text(WORDS)  # exactly the span
    assert_accessible(page)
    plays_exactly(page, start, end)

    stranger = browser.new_context(**LAPTOP)  # no account: the share link alone
    shared = stranger.new_page()
    shared.goto(link)
    expect(shared.locator(".board-quote blockquote")).to_have_text(WORDS)
    assert "Nobody trusts" not in shared.content()
    assert_accessible(shared)
    assert_tap_targets(shared)
    plays_exactly(shared, start, end)
    shared.get_by_role("link", name="Present").click()
    expect(shared.locator(".board-quote blockquote").first).to_have_text(WORDS)
    assert_accessible(shared)
    stranger.close()
    context.close()
