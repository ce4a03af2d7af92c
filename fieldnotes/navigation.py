"""Where a page may send the browser next: a path on this site, never another site.

Sign-in and every form with a `next` field go through safe_next(), so no page can be made into
an open redirect.
"""
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target):
    """Only same-site paths: an open redirect after sign-in is a phishing aid.

    Browsers read "/\\evil.example" as "//evil.example" and drop tabs and
    newlines from URLs, so backslashes and control characters are refused too.
    """
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable() and not urlsplit(target).netloc):
        return target
    return url_for("studies.index")
