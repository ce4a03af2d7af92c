"""gunicorn's settings for Fieldnotes: `gunicorn -c gunicorn.conf.py --workers 3 --bind 127.0.0.1:8000 'wsgi:app'`.

The access log is gunicorn's usual one (written to standard output, for journald or
the container's log) except that the token of a secret link, a board share link or an
invite, is cut short wherever it appears: in the request line, the path, the Referer,
any other header, and in the error log. Whoever reads the logs cannot open a shared
board or take over an invite with them (fieldnotes/security.py: mask_secret_links).
"""
from gunicorn.glogging import Logger, SafeAtoms

from fieldnotes.security import MaskSecretLinks, mask_secret_links

accesslog = "-"


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
