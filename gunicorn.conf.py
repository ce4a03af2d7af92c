"""gunicorn's settings for Fieldnotes: `gunicorn -c gunicorn.conf.py --workers 3 --bind 127.0.0.1:8000 'wsgi:app'`.

The access log is gunicorn's usual one (written to standard output, for journald or
the container's log) except that the token of a secret link, a board share link or an
invite, is cut short wherever it appears: in the request line, the path, the Referer,
any other header, and in the error log. Whoever reads the logs cannot open a shared
board or take over an invite with them (fieldnotes/security.py: mask_secret_links).
"""
from gunicorn.glogging import Logger

from fieldnotes.security import MaskSecretLinks, mask_secret_links

accesslog = "-"


class SecretLinksMasked(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: mask_secret_links(value) if isinstance(value, str) else value
                for name, value in atoms.items()}

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):  # "Error handling request /share/..." and the like
            if not any(isinstance(f, MaskSecretLinks) for f in log.filters):
                log.addFilter(MaskSecretLinks())


logger_class = SecretLinksMasked
