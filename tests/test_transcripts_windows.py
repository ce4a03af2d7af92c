"""A recording longer than one window: heard a window at a time, with time codes that run on, and the
sentence that straddles a window's end heard whole, once: no word doubled or lost at the boundary."""
import uuid

import numpy
import pytest

from fieldnotes.extensions import db
from fieldnotes.transcripts import engine
from fieldnotes.transcripts.decode import RATE
from fieldnotes.transcripts.models import JobState, Recording, Transcript
from fieldnotes.transcripts.windows import Windows
from tests.factories import make_visit
from tests.transcripts_world import CLIPS, run_jobs, upload_interview, words

# Two sentences spoken by espeak-ng, spliced by sox (tests/data/transcripts/make_straddle.py): the finance
# league's from 0 to 4.0 s, then 0.6 s of pause, the driver's from 4.6 s to 9.5 s, and a pause to 10.1 s.
STRADDLE = (CLIPS / "straddle.webm").read_bytes()
WINDOW = 7  # seconds: the first window's cut is searched for in 5.25-7 s, inside the driver's sentence


@pytest.fixture
def windows_seen(monkeypatch):
    """The windows the engine was given: (start, end) in ms."""
    seen = []

    class Watched(Windows):
        def __iter__(self):
            for offset, audio in super().__iter__():
                seen.append((offset * 1000 // RATE, (offset + audio.size) * 1000 // RATE))
                yield offset, audio

    monkeypatch.setattr(engine, "Windows", Watched)
    return seen


def test_a_sentence_straddling_a_window_end_is_heard_whole_once_with_time_codes_running_on(
        app, client, study_id, windows_seen):
    app.config["TRANSCRIBE_WINDOW_SECONDS"] = WINDOW
    with app.app_context():
        from fieldnotes.studies.models import Study
        visit_id = make_visit(db.session.get(Study, study_id)).id
    recording_id = uuid.UUID(upload_interview(client, study_id, visit_id, STRADDLE, mime="audio/webm")["id"])
    assert run_jobs(app) == 1

    with app.app_context():
        recording = db.session.get(Recording, recording_id)
        assert recording.state == JobState.DONE, recording.failure
        [transcript] = db.session.scalars(db.select(Transcript)).all()
        segments = [(s.start_ms, s.end_ms, s.text) for s in transcript.versions[0].segments]
        text, duration = transcript.text, recording.duration_ms

    # More than one window, the first cut inside the driver's sentence; the next window went back before it.
    assert len(windows_seen) >= 2, windows_seen
    first_cut = windows_seen[0][1]
    assert 5_250 <= first_cut <= 7_000 and windows_seen[1][0] < 4_700, windows_seen
    # Each word once: nothing doubled by the window heard again, nothing lost at the cut.
    heard = words(text)
    for word in ("finance", "invoices", "signature", "pallet", "signal", "freezer"):
        assert heard.count(word) == 1, (word, text)
    # The driver's sentence is one segment spanning the cut, from its first words to its last.
    [straddling] = [s for s in segments if "freezer" in s[2].lower()]
    assert "driver" in straddling[2].lower() and straddling[0] < first_cut < straddling[1], segments
    # Time codes run on across windows: in order, not overlapping, within the recording.
    assert segments[0][0] < 1_000 and segments[-1][1] <= duration
    assert all(a_end <= b_start for (_, a_end, _), (b_start, _, _) in zip(segments, segments[1:])), segments
    assert 4_000 <= straddling[0] <= 4_900, segments  # the sentence starts at 4.6 s of the recording


def pcm_file(path, pattern):
    """A s16le file from (seconds, loud?) pieces: loud is a 300 Hz tone, quiet is silence."""
    samples = []
    for seconds, loud in pattern:
        count = int(seconds * RATE)
        tone = 8000 * numpy.sin(numpy.arange(count) * 2 * numpy.pi * 300 / RATE) if loud else numpy.zeros(count)
        samples.append(tone.astype(numpy.int16))
    path.write_bytes(numpy.concatenate(samples).tobytes())
    return path


def test_windows_cover_the_recording_once_and_end_in_its_pauses(tmp_path):
    # Speech in 2.7 s runs with 0.5 s pauses, for 64 s: windows of 10 s must end in pauses.
    path = pcm_file(tmp_path / "talk.pcm", [(2.7, True), (0.5, False)] * 20)
    windows = Windows(str(path), 10)
    pieces = [(offset, audio.size) for offset, audio in windows]
    assert len(pieces) >= 6
    assert pieces[0][0] == 0 and all(a + n == b for (a, n), (b, _) in zip(pieces, pieces[1:]))
    assert pieces[-1][0] + pieces[-1][1] == path.stat().st_size // 2
    for offset, size in pieces[:-1]:
        cut = (offset + size) / RATE % 3.2
        assert 2.7 <= cut <= 3.2, (offset + size) / RATE  # inside a pause, not in a tone


def test_a_phrase_given_back_starts_the_next_window_in_the_pause_before_it(tmp_path):
    path = pcm_file(tmp_path / "talk.pcm", [(3.0, True), (0.6, False), (6.0, True), (1.0, False)])
    windows = Windows(str(path), 6)
    walk = iter(windows)
    offset, audio = next(walk)
    assert (offset, windows.last) == (0, False)
    assert windows.restart(3_000, 3_600)  # kept a phrase to 3.0 s; gave back the one from 3.6 s
    assert 3.0 <= windows.end / RATE <= 3.6
    offset, audio = next(walk)
    assert 3.0 <= offset / RATE <= 3.6  # the next window hears the given-back phrase from its start


def test_the_spool_gives_back_the_segments_in_order_with_their_words(tmp_path):
    with engine.Spool() as spool:
        for number in range(1000):
            spool(engine.Segment(number * 10, number * 10 + 9, f"word {number} “quoted” é"))
        assert len(spool) == 1000
        back = list(spool)
    assert back[0] == engine.Segment(0, 9, "word 0 “quoted” é") and back[-1].start_ms == 9990
    assert [s.start_ms for s in back] == sorted(s.start_ms for s in back)


def test_a_recording_with_no_pause_is_still_heard_in_windows_of_about_the_set_length(tmp_path):
    # No pause near any nominal end: each window still ends (at the quietest stretch it has), so memory
    # stays one window's whatever is said.
    path = pcm_file(tmp_path / "drone.pcm", [(25.0, True)])
    pieces = [(offset, audio.size) for offset, audio in Windows(str(path), 10)]
    assert sum(size for _, size in pieces) == 25 * RATE and len(pieces) == 3
    assert all(7.5 * RATE <= size <= 10 * RATE for _, size in pieces[:-1]), pieces
