"""Gzip for what a phone downloads, when it says it accepts gzip: its JSON, and the capture app's pages.

A first pull of a study is 166 kB of JSON and ~26 kB gzipped: on a weak signal in the field that is the
difference between seconds and a minute. Static files come gzipped already (assets.py). Other pages
(HTML) are left as they are: some show a secret once (a new access token, an invite link) beside what
a visitor typed, the mix a compression side channel (BREACH) needs. The capture app's pages and worker
(pwa.py asks for them with `gzipped`) hold no secret; the JSON is read by scripts, never rendered.
"""
import gzip

from flask import request

# Below this a gzip header and a CPU turn cost more than the bytes they save.
SMALLEST = 1024
# Level 5: ~95% of level 9's saving at a third of its time, paid on every request.
LEVEL = 5


def init_app(app):
    app.after_request(compress_json)


def compress_json(response):
    if response.mimetype == "application/json":
        gzipped(response)
    return response


def gzipped(response):
    """The response gzipped if the client accepts it and it is worth it; says Vary either way."""
    if response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")  # a shared cache must not give gzip to a client that did not ask
    if not request.accept_encodings["gzip"]:
        return response
    body = response.get_data()
    if len(body) < SMALLEST:
        return response
    response.set_data(gzip.compress(body, LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
