"""Make the short spoken clips the transcription tests use (tests/data/transcripts), as a phone records them.

espeak-ng speaks each sentence; PyAV encodes it as Opus in WebM, what Chrome's MediaRecorder makes.
Run again only to change them: `python scripts/make_speech_clips.py` (needs espeak-ng).
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import av

CLIPS = {
    "invoices.webm": "The finance league keeps a paper tray of invoices waiting for a signature.",
    "forklift.webm": "The driver scans the pallet twice because the handheld loses the signal near the freezer.",
}


def webm_opus(wav, target, bit_rate=24_000):
    """Encode a WAV file as WebM/Opus, mono at 48 kHz, as a phone's browser records. The clips, the
    straddle (tests/data/transcripts/make_straddle.py) and the transcription bench all make theirs here.
    24 kbit/s by default: speech at a phone recorder's rate, a small file."""
    with av.open(str(wav)) as source, av.open(str(target), "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def main(folder):
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, sentence in CLIPS.items():
            wav = Path(work) / "speech.wav"
            subprocess.run(["espeak-ng", "-w", str(wav), sentence], check=True)
            webm_opus(wav, folder / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "tests" / "data" / "transcripts")
