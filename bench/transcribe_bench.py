"""Transcription figures (issue 14): word error rate, real-time factor, memory for long audio, upload to searchable.

    .venv/bin/python bench/transcribe_bench.py [--lengths 10,60,120] [--skip-hour] [--skip-searchable]
    (make bench-transcribe; needs espeak-ng and sox: scripts/ensure-speech-tools)

1. WER: the 20 field sentences below, spoken by espeak-ng (Debian's, default English voice), clean and
   mixed with pink noise by sox at about 10 dB below the speech, transcribed by each engine we could run:
   the default (faster-whisper, Whisper base, int8 on the CPU, greedy, VAD filter; as the worker runs it)
   and pocketsphinx (its own US English model) when it is installed (`pip install pocketsphinx`).
   Words are compared lower-cased without punctuation; WER = (substitutions + deletions + insertions) / words.
2. Real-time factor of the default engine: seconds of work per second of audio, over the 20 sentences
   (model loaded once beforehand), decoding subprocess included.
3. Peak memory for long recordings: the sentences with pauses, cycled to N minutes (10, 60 and 120 by
   default) as one WAV, transcribed by `engine.transcribe` in a fresh process, segments spooled as the
   worker does; the peak resident size of that process and, separately, of its decoding subprocess
   (getrusage), and a trace of its resident size every 15 s on stderr (flat: independent of length).
4. Upload to searchable: a 2-minute audio note (WebM/Opus as Chrome records) pushed and uploaded through
   the sync API of an app on a SQLite file, with a real `flask worker` process beside it; the time from the
   upload's last byte to browse's search finding the note by a word only its recording holds.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "The finance league keeps a paper tray of invoices waiting for a signature.",
    "The driver scans the pallet twice because the handheld loses the signal near the freezer.",
    "She copies the purchase order number from the email into the spreadsheet by hand.",
    "Every Monday the team lead prints the overdue list and pins it beside the kettle.",
    "The warehouse manager approves returns on paper because the portal times out.",
    "He keeps the supplier passwords in a notebook in the top drawer of his desk.",
    "Our onboarding call took forty minutes because nobody could find the admin login.",
    "The technical expert exports the report to a spreadsheet and fixes the dates.",
    "They phone the depot to check the delivery slot before they book the van.",
    "The receptionist writes the visitor badges by hand when the printer jams.",
    "The chief information officer wants one invoice a month instead of twelve.",
    "The night shift photographs the whiteboard so the morning shift can read it.",
    "The buyer waits three days for approval before she can place a repeat order.",
    "The support ticket was closed before the customer tested the fix.",
    "Staff use sticky notes on the monitor to remember which screens to skip.",
    "The accountant matches each receipt to a bank line at the end of the quarter.",
    "The new starter shadows a colleague for a week to learn the stock codes.",
    "The dispatcher reads the route aloud because the tablet screen is too dim outside.",
    "The contract renewal reminder arrives after the contract has already expired.",
    "The line manager signs the timesheets on Friday afternoon in the canteen.",
]


def words(text):
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def edit_distance(reference, hypothesis):
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def speak(sentence, target, noisy):
    clean = target.with_suffix(".clean.wav")
    subprocess.run(["espeak-ng", "-w", str(clean), sentence], check=True)
    seconds = float(subprocess.run(["soxi", "-D", str(clean)], capture_output=True, text=True, check=True).stdout)
    if not noisy:
        subprocess.run(["sox", str(clean), "-r", "16000", "-c", "1", str(target)], check=True)
    else:
        noise = target.with_suffix(".noise.wav")
        subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(noise), "synth", f"{seconds}", "pinknoise",
                        "vol", "0.08"], check=True)
        subprocess.run(["sox", "-m", str(clean), str(noise), "-r", "16000", "-c", "1", str(target)], check=True)
        noise.unlink()
    clean.unlink()
    return seconds


def make_clips(folder):
    clips = {"clean": [], "noisy": []}
    for condition in clips:
        for number, sentence in enumerate(SENTENCES, 1):
            path = folder / f"{condition}-{number:02d}.wav"
            clips[condition].append((sentence, path, speak(sentence, path, condition == "noisy")))
    return clips


def app_for(folder, **config):
    from fieldnotes import create_app
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "MEDIA_ROOT": f"{folder}/media",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", **config})


def whisper_results(app, clips):
    from fieldnotes.transcripts import engine
    with app.app_context():
        started = time.perf_counter()
        engine.engine_for(app)
        loaded = time.perf_counter() - started
        results = {}
        for condition, items in clips.items():
            errors = total = 0
            audio = work = 0.0
            for sentence, path, seconds in items:
                started = time.perf_counter()
                heard = engine.transcribe(str(path), lambda percent: None)
                work += time.perf_counter() - started
                audio += seconds
                reference = words(sentence)
                hypothesis = " ".join(s.text for s in heard.segments)
                shown("whisper", condition, sentence, hypothesis)
                errors += edit_distance(reference, words(hypothesis))
                total += len(reference)
            results[condition] = {"wer": errors / total, "rtf": work / audio, "audio": audio, "work": work}
    return loaded, results


def pocketsphinx_results(clips):
    try:
        from pocketsphinx import Decoder
    except ImportError:
        return None
    decoder = Decoder(samprate=16000)
    results = {}
    for condition, items in clips.items():
        errors = total = 0
        audio = work = 0.0
        for sentence, path, seconds in items:
            with wave.open(str(path)) as source:
                pcm = source.readframes(source.getnframes())
            started = time.perf_counter()
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp().hypstr if decoder.hyp() else ""
            work += time.perf_counter() - started
            audio += seconds
            reference = words(sentence)
            shown("pocketsphinx", condition, sentence, hypothesis)
            errors += edit_distance(reference, words(hypothesis))
            total += len(reference)
        results[condition] = {"wer": errors / total, "rtf": work / audio}
    return results


def long_recording(clips, target, minutes):
    """The clean sentences with a second's pause after each, cycled to `minutes` of 16 kHz mono audio."""
    frames = b""
    for _, path, _ in clips["clean"]:
        with wave.open(str(path)) as source:
            frames += source.readframes(source.getnframes()) + bytes(16000 * 2)
    needed = minutes * 60 * 16000 * 2
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        written = 0
        while written < needed:
            piece = frames[:needed - written]
            out.writeframes(piece)
            written += len(piece)
    return target


MEMORY_PROBE = """
import json, resource, sys, threading, time
sys.path.insert(0, {root!r})
from fieldnotes import create_app
app = create_app({{"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"}})

def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

percent, done = [0], threading.Event()

def trace(started):
    # The worker's resident size every 15 s, as the recording is heard: flat means independent of length.
    while not done.wait(15):
        rss, hwm = status()
        print(f"  trace {{time.perf_counter() - started:7.0f}} s  {{percent[0]:3d}}%  RSS {{rss / 1024:6.0f}} MB  "
              f"peak {{hwm / 1024:6.0f}} MB", file=sys.stderr, flush=True)

with app.app_context():
    from fieldnotes.transcripts import engine
    engine.engine_for(app)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    threading.Thread(target=trace, args=(started,), daemon=True).start()
    with engine.Spool() as spool:  # as the worker keeps them
        heard = engine.transcribe({path!r}, lambda p: percent.__setitem__(0, p), spool)
        took = time.perf_counter() - started
        done.set()
        ends = [(s.start_ms, s.end_ms) for s in spool]
print(json.dumps({{"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "loaded_kb": before,
                   "decoder_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "seconds": took,
                   "segments": len(ends), "duration_ms": heard.duration_ms,
                   "in_order": all(a[1] <= b[0] + 500 for a, b in zip(ends, ends[1:])),
                   "last_end_ms": ends[-1][1] if ends else 0}}))
"""


def memory_for(path):
    """The probe in a fresh process (nice'd by the caller when the machine is shared); its trace to stderr."""
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), path=str(path))],
                          stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def upload_to_searchable(folder, clips):
    """Seconds from a 2-minute note's last uploaded byte to browse finding it by a word only its audio holds."""
    import hashlib
    import uuid

    from fieldnotes.extensions import db
    from scripts.make_speech_clips import webm_opus
    from tests.factories import make_study, make_user, note_mutation

    two_minutes = long_recording(clips, folder / "two-minutes.wav", 2)
    webm = folder / "two-minutes.webm"
    webm_opus(two_minutes, webm)
    content = webm.read_bytes()
    jobs_path = folder / "jobs.sqlite"
    app = app_for(folder, JOBS_PATH=str(jobs_path))
    with app.app_context():
        db.create_all()
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "FIELDNOTES_SECRET_KEY": "k" * 48, "FIELDNOTES_MEDIA_ROOT": app.config["MEDIA_ROOT"],
           "FIELDNOTES_JOBS_PATH": str(jobs_path)}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(5)  # the worker has started and checked its model, as a running deployment's has
        client = app.test_client()
        client.post("/login", data={"email": "ana@example.org", "password": "quiet harbour lantern 42"})
        media = {"id": str(uuid.uuid4()), "slot": "audio", "sha256": hashlib.sha256(content).hexdigest(),
                 "size": len(content), "mime": "audio/webm;codecs=opus"}
        mutation = note_mutation(study_id, media=[media], text="Recorded at the depot.")
        client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": [mutation]})
        offset = 0
        while offset < len(content):
            chunk = content[offset:offset + 4 * 1024 * 1024]
            client.patch(f"/api/media/{media['id']}", data=chunk, headers={
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
            offset += len(chunk)
        uploaded = time.perf_counter()
        while mutation["entity_id"] not in client.get(f"/studies/{study_id}/notes?q=freezer").get_data(as_text=True):
            assert time.perf_counter() - uploaded < 1800, "not searchable after 30 minutes"
            time.sleep(0.2)
        return time.perf_counter() - uploaded, len(content)
    finally:
        worker.terminate()
        worker.wait(30)


def report_wer(folder, clips, show):
    global SHOW
    SHOW = show
    app = app_for(folder)
    loaded, whisper = whisper_results(app, clips)
    print(f"faster-whisper base: model loaded in {loaded:.1f} s")
    for condition, result in whisper.items():
        print(f"  {condition}: WER {result['wer']:.1%}, real-time factor {result['rtf']:.2f} "
              f"({result['work']:.1f} s for {result['audio']:.1f} s of audio, a decoding subprocess per clip)")
    sphinx = pocketsphinx_results(clips)
    if sphinx is None:
        print("pocketsphinx: not installed")
    else:
        for condition, result in sphinx.items():
            print(f"pocketsphinx {condition}: WER {result['wer']:.1%}, real-time factor {result['rtf']:.2f}")


SHOW = False


def shown(engine, condition, sentence, hypothesis):
    if SHOW:
        print(f"    [{engine} {condition}] {sentence}\n      heard: {hypothesis}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="10,60,120", help="minutes of the long recordings, comma-separated")
    parser.add_argument("--skip-hour", action="store_true")
    parser.add_argument("--skip-searchable", action="store_true")
    parser.add_argument("--skip-wer", action="store_true")
    parser.add_argument("--show", action="store_true", help="print what each engine heard, sentence by sentence")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="transcribe-bench-"))
    load = os.getloadavg()[0]
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {load:.1f} at start (the machine is shared)")
    clips = make_clips(folder)
    if not options.skip_wer:
        report_wer(folder, clips, options.show)
    if not options.skip_hour:
        for minutes in [int(m) for m in options.lengths.split(",")]:
            print(f"{minutes} minutes of audio (load average {os.getloadavg()[0]:.1f}):", flush=True)
            measured = memory_for(long_recording(clips, folder / f"{minutes}-minutes.wav", minutes))
            print(f"{minutes} minutes of audio: peak RSS {measured['peak_kb'] / 1024:.0f} MB (model loaded: "
                  f"{measured['loaded_kb'] / 1024:.0f} MB), decoder subprocess {measured['decoder_kb'] / 1024:.0f} MB; "
                  f"{measured['seconds']:.0f} s, real-time factor {measured['seconds'] / (minutes * 60):.2f}, "
                  f"{measured['segments']} segments, in order: {measured['in_order']}, last ends at "
                  f"{measured['last_end_ms'] / 60000:.1f} min; load average {os.getloadavg()[0]:.1f}", flush=True)
            (folder / f"{minutes}-minutes.wav").unlink()
    if not options.skip_searchable:
        seconds, size = upload_to_searchable(folder, clips)
        print(f"2-minute audio note ({size / 1024:.0f} kB WebM/Opus): searchable {seconds:.1f} s after its upload")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
