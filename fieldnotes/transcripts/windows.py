"""A decoded recording read a window at a time, each window cut where nobody is speaking.

The worker never holds the whole recording: a window's samples are read from the decoded file with
plain reads (not a memory map, whose pages stay in the process's resident size as it is walked, so
a 2-hour recording would cost 230 MB more than a 2-minute one) and dropped before the next is read.
Memory is that of one window, whatever the length.

Where a window ends matters: a word cut in two is misheard or lost. So a window ends at the quietest
stretch near its nominal end, and the engine gives a window's last phrase back when it runs up to the
cut (`Windows.restart`): the next window starts before that phrase, in the pause before it, and hears
it whole. Time codes are the window's offset plus the engine's, so they run on across windows.
"""
import os

from fieldnotes.transcripts.decode import RATE

FRAME = RATE // 20  # quietness is judged in 50 ms frames
QUIET_STRETCH = 6  # frames (300 ms): the quietest stretch of this length, not one quiet instant in a word


class Windows:
    """Iterate over (offset in samples, float32 samples) of about `seconds` each from a s16le PCM file."""

    def __init__(self, pcm_path, seconds):
        self.path, self.size = pcm_path, os.path.getsize(pcm_path) // 2
        self.length = max(int(seconds * RATE), RATE)
        # The cut is searched for in the window's last quarter, at most its last ten seconds.
        self.search = min(10 * RATE, self.length // 4)
        self.start, self.end = 0, 0

    def __iter__(self):
        with open(self.path, "rb") as pcm:
            while self.start < self.size:
                end = min(self.size, self.start + self.length)
                if end < self.size:
                    end = self.quietest(pcm, end - self.search, end)
                self.end = end
                yield self.start, as_float(read(pcm, self.start, end - self.start))
                self.start = self.end

    @property
    def last(self):
        """The window just yielded runs to the end of the recording."""
        return self.end >= self.size

    def restart(self, after_ms, before_ms):
        """Start the next window in the pause between `after_ms` and `before_ms` (ms into the current
        window): the end of the last phrase kept and the start of the phrase given back. Returns False
        (and changes nothing) when there is no such point, so the caller keeps the phrase."""
        low = self.start + min(after_ms, before_ms) * RATE // 1000
        high = self.start + max(after_ms, before_ms) * RATE // 1000 + FRAME * 4
        with open(self.path, "rb") as pcm:
            point = self.quietest(pcm, max(low, self.start + FRAME), min(high, self.end))
        if not self.start < point < self.end:
            return False
        self.end = point
        return True

    def quietest(self, pcm, low, high):
        """The middle of the quietest QUIET_STRETCH-frame stretch between samples `low` and `high`."""
        if high - low < FRAME * 2:
            return high
        samples = as_float(read(pcm, low, high - low))
        frames = samples[:samples.size // FRAME * FRAME].reshape(-1, FRAME)
        energy = (frames ** 2).mean(axis=1)
        stretch = min(QUIET_STRETCH, energy.size)
        import numpy

        sums = numpy.convolve(energy, numpy.ones(stretch), mode="valid")
        best = int(sums.argmin())
        return low + best * FRAME + stretch * FRAME // 2


def read(pcm, start, count):
    import numpy

    pcm.seek(start * 2)
    return numpy.fromfile(pcm, dtype=numpy.int16, count=count)


def as_float(samples):
    import numpy

    return samples.astype(numpy.float32) / 32768.0
