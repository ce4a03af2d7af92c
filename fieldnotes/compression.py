"""Brotli or gzip for what a phone downloads, as it says it accepts: its JSON, and the capture app's pages.

A first pull of a study is 166 kB of JSON and ~26 kB gzipped: on a weak signal in the field that is the
difference between seconds and a minute. Static files come gzipped already (assets.py). Other pages
(HTML) are left as they are: some show a secret once (a new access token, an invite link) beside what
a visitor typed, the mix a compression side channel (BREACH) needs. The capture app's pages and worker
(pwa.py asks for them with `gzipped`) hold no secret; the JSON is read by scripts, never rendered.
"""
import gzip

import brotli
from flask import request

# Below this a gzip header and a CPU turn cost more than the bytes they save.
SMALLEST = 1024
# Level 5: ~95% of level 9's saving at a third of its time, paid on every request.
LEVEL = 5
# Brotli at quality 5 costs about what gzip at 5 does and is 10-20% smaller on this JSON and HTML; every
# browser sends "br" to HTTPS sites and localhost (the capture app's first load, issue 11's 60 kB budget).
BROTLI_QUALITY = 5


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
    # A shared cache must not give gzip to a client that did not ask. (Said without parsing Vary when it
    # is not there yet, the usual case: every pull pays for this line, issue 11. Added, not set: a set
    # walks the headers again for a Vary just found absent.)
    if "Vary" in response.headers:
        response.vary.add("Accept-Encoding")
    else:
        response.headers.add("Vary", "Accept-Encoding")
    body = response.get_data()
    if len(body) < SMALLEST:
        return response
    if request.accept_encodings["br"]:
        response.set_data(brotli.compress(body, quality=BROTLI_QUALITY))
        response.headers["Content-Encoding"] = "br"
    elif request.accept_encodings["gzip"]:
        response.set_data(gzip.compress(body, LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
    return response
