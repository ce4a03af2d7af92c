"""gunicorn's settings for Fieldnotes: `gunicorn -c gunicorn.conf.py --workers 3 --bind 127.0.0.1:8000 'wsgi:app'`.

Threaded workers (gthread), many threads each: an open workspace or wall holds a server-sent event
stream for as long as it is open, and each stream takes a thread that mostly sleeps (a few kB of
memory, no database connection while it waits: fieldnotes/live.py). A worker holds at most
three quarters of its threads in streams (192 of 256; and at most FIELDNOTES_LIVE_MAX_STREAMS, 200)
and answers 503 past that (the page polls instead), so a quarter always remains for ordinary pages:
streams cannot starve them, whatever --threads says.
Idle keep-alive connections wait in gthread's poller, not on a thread. Why not gevent: psycopg and
SQLite block the whole worker unless patched, and every request would pay for it; see docs/scaling.md
and the load run (bench/live_load.py, docs/benchmarks.md "Issue 16: live").

The access log is gunicorn's usual one (written to standard output, for journald or
the container's log) except that the token of a secret link, a board share link or an
invite, is cut short wherever it appears: in the request line, the path, the Referer,
any other header, and in the error log. Whoever reads the logs cannot open a shared
board or take over an invite with them (fieldnotes/security.py: mask_secret_links).
"""
import gc
import os
import signal

from gunicorn.glogging import Logger, SafeAtoms

from fieldnotes.security import MaskSecretLinks, mask_secret_links

accesslog = "-"

worker_class = "gthread"
# 192 for streams + 64 for pages per worker. --threads on the command line wins.
threads = int(os.environ.get("FIELDNOTES_THREADS", "256"))
# Idle keep-alive connections wait in gthread's poller, not on a thread, so they cost a socket only.
# gunicorn's default (2 s) closes them just as a workspace polls (every 3 s) or a phone in a workshop
# places its next card (every few seconds): a request sent on a connection the server is closing is
# reset, and a browser does not resend a POST. The load run met 5 such resets a minute at 2 s.
keepalive = 20


def post_worker_init(worker):
    """Streams capped below the worker's threads (live.fit_to_threads). Told to stop (a deploy, a
    restart), the worker ends its event streams at once rather than wait for the graceful timeout:
    each browser reconnects to another worker and catches up from its last id."""
    from fieldnotes import live

    live.fit_to_threads(worker.cfg.threads)
    told_to_stop = worker.handle_exit

    def stop(sig, frame):
        live.close_all()
        told_to_stop(sig, frame)

    signal.signal(signal.SIGTERM, stop)
    # What the worker has loaded by now (modules, the app, its tables and routes: ~150,000 objects) lives
    # as long as the worker does. Frozen, it is left out of the garbage collector's full passes, which
    # otherwise walk all of it, holding every thread of the worker for ~40 ms each time: the slowest
    # requests' extra time (issue 11, session 10; docs/benchmarks.md).
    gc.freeze()


class MaskedAtoms(SafeAtoms):
    """An atom is masked when the log line takes it: the line takes a handful, while gunicorn offers
    ~60 (every request and response header, the whole environ), and masking them all cost 0.3 ms
    of CPU on every request (issue 11, profiled on a pull with no changes)."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return mask_secret_links(value) if isinstance(value, str) else value


class SecretLinksMasked(Logger):
    atoms_wrapper_class = MaskedAtoms

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):  # "Error handling request /share/..." and the like
            if not any(isinstance(f, MaskSecretLinks) for f in log.filters):
                log.addFilter(MaskSecretLinks())


logger_class = SecretLinksMasked
