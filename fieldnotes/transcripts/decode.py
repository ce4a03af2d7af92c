"""Decode untrusted audio to 16 kHz mono PCM, in a subprocess with limits on memory, CPU, time and output.

Audio from phones and laptops is decoded by FFmpeg's libraries (PyAV), a large C codebase fed
whatever was uploaded. So it never runs in the worker itself: `decode()` starts this file as a
script (`python -I decode.py IN OUT MAX_SECONDS`) with setrlimit on its address space, CPU seconds
and the size of what it may write, and a wall-clock timeout. A crash, a hang or a file that
decodes to more than the limit ends that process only, and the job fails with a reason.

The script writes raw little-endian 16-bit samples to OUT and one JSON line to stdout: the
duration and how many seconds were louder than near-silence (for "no speech heard").
"""
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass

RATE = 16_000
BYTES_PER_SECOND = RATE * 2
# A second is "sound" when its RMS is above this (of 32768): about -50 dBFS, below any voice.
QUIET_RMS = 100
UNDECODABLE, TOO_LONG = 2, 3


class AudioProblem(Exception):
    """The audio cannot be transcribed; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class Decoded:
    path: str
    duration_ms: int
    sound_seconds: int


def limits(memory_mb, cpu_seconds, max_bytes):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def decode(source, target, max_seconds, memory_mb=1024, seconds_per_hour=300):
    """Decode `source` into `target` (16 kHz mono s16le) under limits. :raise AudioProblem: why not."""
    hours = max(max_seconds / 3600, 1 / 60)
    budget = max(60, int(seconds_per_hour * hours))
    max_bytes = int((max_seconds + 2) * BYTES_PER_SECOND)
    try:
        done = subprocess.run([sys.executable, "-I", __file__, str(source), str(target), str(max_seconds)],
                              capture_output=True, text=True, timeout=budget * 2,
                              preexec_fn=limits(memory_mb, budget, max_bytes), check=False)
    except subprocess.TimeoutExpired:
        raise AudioProblem(f"Decoding the audio took longer than {budget * 2} seconds; it was stopped.")
    answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    if done.returncode == TOO_LONG:
        raise AudioProblem(answer.get("problem") or "The recording is longer than the limit.")
    if done.returncode == UNDECODABLE:
        raise AudioProblem(answer.get("problem") or "The file could not be decoded as audio.")
    if done.returncode != 0:
        # Killed by a limit (SIGXCPU, SIGXFSZ, SIGKILL) or crashed inside the decoder.
        raise AudioProblem("The audio could not be decoded within the server's limits "
                           f"(the decoder stopped with code {done.returncode}).")
    return Decoded(str(target), answer["duration_ms"], answer["sound_seconds"])


def minutes(seconds):
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"


def run(source, target, max_seconds):
    """The subprocess: decode, resample, write; stop as soon as the audio passes the limit."""
    import av  # here, so the worker imports no decoder
    import numpy

    try:
        container = av.open(source)
    except Exception as error:  # noqa: BLE001 (any failure to open is "not audio we can read")
        return UNDECODABLE, {"problem": f"The file could not be decoded as audio ({type(error).__name__})."}
    with container:
        streams = container.streams.audio
        if not streams:
            return UNDECODABLE, {"problem": "The file holds no audio."}
        stream = streams[0]
        declared = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else (
            container.duration / 1_000_000 if container.duration else None)
        if declared and declared > max_seconds + 1:
            return TOO_LONG, {"problem": f"The recording is {minutes(declared)} long; the limit is "
                                         f"{minutes(max_seconds)}. Split it, or trim it, and add it again."}
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        samples, sound, window = 0, 0, numpy.zeros(0, dtype=numpy.int16)
        with open(target, "wb") as out:
            try:
                frames = container.decode(stream)
                for frame in frames:
                    for piece in resampler.resample(frame):
                        data = piece.to_ndarray().reshape(-1).astype(numpy.int16)
                        out.write(data.tobytes())
                        samples += data.size
                        window = numpy.concatenate([window, data])
                        while window.size >= RATE:
                            second, window = window[:RATE], window[RATE:]
                            sound += int(numpy.sqrt(numpy.mean(second.astype(numpy.float64) ** 2)) > QUIET_RMS)
                        if samples > (max_seconds + 1) * RATE:
                            return TOO_LONG, {"problem": f"The recording is longer than the limit of "
                                                         f"{minutes(max_seconds)}. Split it, or trim it, "
                                                         "and add it again."}
                for piece in resampler.resample(None):
                    data = piece.to_ndarray().reshape(-1).astype(numpy.int16)
                    out.write(data.tobytes())
                    samples += data.size
            except av.error.FFmpegError as error:
                if samples == 0:
                    return UNDECODABLE, {"problem": f"The file could not be decoded as audio ({error.strerror})."}
                # A damaged tail: keep what decoded (a phone cut off mid-recording).
        if samples == 0:
            return UNDECODABLE, {"problem": "The file holds no audio samples."}
        if window.size and numpy.sqrt(numpy.mean(window.astype(numpy.float64) ** 2)) > QUIET_RMS:
            sound += 1
    return 0, {"duration_ms": samples * 1000 // RATE, "sound_seconds": sound}


if __name__ == "__main__":
    code, answer = run(sys.argv[1], sys.argv[2], float(sys.argv[3]))
    print(json.dumps(answer), flush=True)
    os._exit(code)
