"""Make straddle.webm: two field sentences spoken by espeak-ng, spliced by sox with 0.6 s pauses.

With a 7-second window (tests/test_transcripts_windows.py) the first window's cut falls inside the
second sentence ("The driver scans the pallet ..." runs from 4.6 s to 9.5 s). Needs espeak-ng and sox
(scripts/ensure-speech-tools); run from the repository root:

    .venv/bin/python tests/data/transcripts/make_straddle.py
"""
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent.parent))  # the repository, for the encoder the clips share

from scripts.make_speech_clips import webm_opus  # noqa: E402

SENTENCES = ["The finance league keeps a paper tray of invoices waiting for a signature.",
             "The driver scans the pallet twice because the handheld loses the signal near the freezer."]


def main():
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        parts = []
        for number, sentence in enumerate(SENTENCES):
            subprocess.run(["espeak-ng", "-w", str(work / f"{number}.wav"), sentence], check=True)
            parts += [str(work / f"{number}.wav"), str(work / "pause.wav")]
        subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", str(work / "pause.wav"), "trim", "0", "0.6"], check=True)
        subprocess.run(["sox", *parts, "-r", "16000", "-c", "1", str(work / "straddle.wav")], check=True)
        webm_opus(work / "straddle.wav", HERE / "straddle.webm", bit_rate=32_000)


if __name__ == "__main__":
    main()
