"""Fieldnotes: contextual-inquiry field research, captured offline and synced."""
from types import FunctionType

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from fieldnotes import assets, compression, errors, jobs, live, security, writers
from fieldnotes.config import Config
from fieldnotes.extensions import db, login_manager, migrate
from fieldnotes.migrating import include_object
from fieldnotes.routing import IdConverter
from fieldnotes.secret import load_secret_key


class Fieldnotes(Flask):
    """Flask, asking once per hook whether it is a coroutine rather than on every call.

    Flask's ensure_sync runs inspect.iscoroutinefunction for the view and every before, after and
    teardown function of every request, eleven times for a phone's pull with no changes (issue 11,
    session 8). A function's kind never changes. Only plain functions are remembered, and only so
    many: a bound method can be made anew per call (a class-based view's dispatch_request).
    """

    REMEMBERED = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synced = {}

    def ensure_sync(self, func):
        synced = self._synced.get(func)
        if synced is None:
            synced = super().ensure_sync(func)
            if type(func) is FunctionType and len(self._synced) < self.REMEMBERED:
                self._synced[func] = synced
        return synced


def create_app(config=None):
    """Build the app; `config` (a mapping) overrides settings, as tests do.

    INSTANCE_PATH in it (absolute) moves instance/, where the development key lives.
    """
    app = Fieldnotes(__name__, static_folder="../static", template_folder="../templates",
                     instance_path=(config or {}).get("INSTANCE_PATH"), instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    app.config["SECRET_KEY"] = load_secret_key(app)
    app.url_map.converters["id"] = IdConverter

    # First registered, so it runs last of the app's after_request functions: it compresses the final body.
    compression.init_app(app)
    db.init_app(app)
    # SQLite can only ALTER in batches; the full-text index is made in raw SQL, not compared.
    migrate.init_app(app, db, render_as_batch=True, include_object=include_object)
    login_manager.init_app(app)
    errors.init_app(app)
    static_files = assets.init_app(app)
    security.init_app(app, script_hashes=[static_files.import_map_hash])
    writers.init_app(app)
    live.init_app(app)

    from fieldnotes import (accounts, api, auth, boards, demo, explore, exports, fieldkit, highlights, imports,
                            insights, observations, ops, pwa, studies, sync, transcripts, visits, workshops)
    for feature in (auth, studies, visits, observations, transcripts, highlights, explore, insights, boards, sync,
                    pwa, exports, imports, api, demo, ops, fieldkit, accounts, workshops):
        app.register_blueprint(feature.bp)
    jobs.init_app(app)  # after the features: their jobs are registered when they are imported

    if app.config["PROXIES"]:
        # Behind a TLS proxy: trust its X-Forwarded-* so the app sees https and the real host,
        # which the same-origin check, Secure cookies and HSTS rely on.
        hops = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    # Static files straight from WhiteNoise, no Flask request: fingerprinted, gzipped and cached for a
    # year (assets.py); the plain names too, for 60 s, for a browser without import maps.
    def static_headers(headers, path, url):
        security.add_static_headers(headers, path, url)
        static_files.add_cache_headers(headers, url)

    app.wsgi_app = WhiteNoise(app.wsgi_app, root=app.static_folder, prefix="static/",
                              add_headers_function=static_headers)
    static_files.serve(app.wsgi_app)
    return app
