"""The speech engine behind one small interface: `transcribe(path, on_progress) -> [Segment]`.

The default is faster-whisper with the packaged Whisper base model (model_files.py); an operator
points FIELDNOTES_TRANSCRIBE_MODEL at another faster-whisper model folder. Another engine
(whisper.cpp, say) is a class with `name` and `segments(decoded, on_progress, keep, window_seconds)`, returned by
`engine_for`. The audio is decoded first in a limited subprocess (decode.py), to a file, then heard
a window of a few minutes at a time (windows.py), its segments spooled to a file as they come
(Spool), so memory stays the same for a 2-minute note and a 2-hour interview.
"""
import ctypes
import json
import os
import tempfile
import threading
from dataclasses import dataclass

from flask import current_app

from fieldnotes.transcripts import decode as decoding
from fieldnotes.transcripts.model_files import model_folder
from fieldnotes.transcripts.models import MAX_SECONDS
from fieldnotes.transcripts.windows import Windows

WINDOW_SECONDS = 300  # FIELDNOTES_TRANSCRIBE_WINDOW_SECONDS: how much audio the worker holds at once
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
GIVE_BACK_MS = 3000  # a window's last phrase ending this close to the cut is heard again in the next


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Heard:
    """What an engine made of a recording."""

    segments: list
    language: str | None
    duration_ms: int
    model: str


class Cancelled(Exception):
    """on_progress said stop: the recording went, or another worker owns the job now."""


class WhisperEngine:
    def __init__(self, folder, threads):
        from faster_whisper import WhisperModel  # the `transcribe` extra; imported by workers only

        keep_big_buffers_apart()
        self.name = folder.name
        self.model = WhisperModel(str(folder.path), device="cpu", compute_type="int8",
                                  cpu_threads=threads, num_workers=1)

    def segments(self, decoded, on_progress, keep, window_seconds=WINDOW_SECONDS):
        """Hear the recording a window at a time, handing each segment to `keep` as it comes; the language."""
        language, windows = None, Windows(decoded.path, window_seconds)
        for offset, audio in windows:
            # Greedy decoding (beam 1): about twice as fast as beam 5 on two cores, and the VAD filter
            # (Silero, shipped inside faster-whisper) skips silence, where Whisper invents words.
            pieces, info = self.model.transcribe(audio, language=language, beam_size=1, vad_filter=True,
                                                 condition_on_previous_text=False)
            language = language or info.language  # heard in the first window, kept for the rest
            offset_ms, heard = offset * 1000 // decoding.RATE, []
            for piece in pieces:
                heard.append((round(piece.start * 1000), round(piece.end * 1000), piece.text.strip()))
                on_progress(min(99, (offset_ms + heard[-1][1]) * 100 // max(decoded.duration_ms, 1)))
            del pieces, audio  # the window's samples and features go before the next is read
            if not windows.last and runs_to_the_cut(heard, len_ms(windows)) and windows.restart(
                    heard[-2][1] if len(heard) > 1 else 0, heard[-1][0]):
                heard.pop()  # the next window starts in the pause before it and hears it whole
            for start, end, text in heard:
                if text:
                    keep(Segment(offset_ms + start, min(offset_ms + end, decoded.duration_ms), text))
            on_progress(min(99, windows.end * 1000 // decoding.RATE * 100 // max(decoded.duration_ms, 1)))
            give_back_memory()
        return language


def keep_big_buffers_apart():
    """Allocate buffers of a megabyte or more (a window's samples, features, the VAD's batches) as their own
    mappings, returned to the system when freed. glibc otherwise raises this threshold as such buffers are
    freed, and then carves the next window's from its heap, which fragments: the worker's peak crept up
    10-20 MB a window (docs/benchmarks.md, "Issue 14, session 6")."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError):  # not glibc: its allocator has its own rules
        pass


def give_back_memory():
    """After a window: hand the heap's free pages back (glibc only), so the next window starts where this did."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def len_ms(windows):
    return (windows.end - windows.start) * 1000 // decoding.RATE


def runs_to_the_cut(heard, window_ms):
    """The window's last phrase ends at (or near) the cut, so it may be cut short: hear it again next window.
    Not when it starts the window (nothing would be gained, and the next window must move on)."""
    if not heard or heard[-1][0] < 1000:
        return False
    return heard[-1][1] >= window_ms - min(GIVE_BACK_MS, window_ms // 4)


class Spool:
    """Segments written to a temporary file as they come and read back once, in order, to be published:
    the worker keeps no list that grows with the recording, and nothing reaches the database half done."""

    def __init__(self):
        self.file, self.count = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="fieldnotes-segments-"), 0

    def __call__(self, segment):
        self.file.write(json.dumps([segment.start_ms, segment.end_ms, segment.text]) + "\n")
        self.count += 1

    def __len__(self):
        return self.count

    def __iter__(self):
        self.file.flush()
        self.file.seek(0)
        for line in self.file:
            start_ms, end_ms, text = json.loads(line)
            yield Segment(start_ms, end_ms, text)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


_engines = {}
_loading = threading.Lock()


def engine_for(app):
    """The app's engine, loaded once per process (0.5-3 s) and shared by its worker threads."""
    key = (app.config.get("TRANSCRIBE_MODEL"), app.config.get("TRANSCRIBE_MODEL_CACHE"), app.instance_path)
    with _loading:
        if key not in _engines:
            folder = model_folder(app.config, app.instance_path)
            _engines[key] = WhisperEngine(folder, app.config["TRANSCRIBE_THREADS"])
        return _engines[key]


def transcribe(path, on_progress, keep=None, max_seconds=None):
    """The recording at `path` as time-coded segments, each handed to `keep` as it is heard (a Spool, or by
    default a list returned as Heard.segments).

    :raise decode.AudioProblem: the audio is not decodable, too long, or broke a limit.
    :raise Cancelled: on_progress raised it (the job was taken away).
    """
    app = current_app._get_current_object()
    max_seconds = max_seconds or app.config.get("TRANSCRIBE_MAX_SECONDS") or MAX_SECONDS
    engine = engine_for(app)
    with tempfile.TemporaryDirectory(prefix="fieldnotes-pcm-") as work:
        decoded = decoding.decode(path, os.path.join(work, "audio.pcm"), max_seconds,
                                  memory_mb=app.config["TRANSCRIBE_DECODE_MEMORY_MB"],
                                  seconds_per_hour=app.config["TRANSCRIBE_DECODE_SECONDS_PER_HOUR"])
        segments = keep if keep is not None else []
        if decoded.sound_seconds == 0:
            return Heard(segments, None, decoded.duration_ms, engine.name)
        language = engine.segments(decoded, on_progress, keep if keep is not None else segments.append,
                                   app.config.get("TRANSCRIBE_WINDOW_SECONDS") or WINDOW_SECONDS)
    return Heard(segments, language, decoded.duration_ms, engine.name)
