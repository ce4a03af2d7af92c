"""Fault injection for tests, registered only when the app is built with TESTING.

Faults are made on the server so they behave the same whoever sent the
request: the push commits, then answers 503 or stalls.
"""
import threading
import time

from flask import Blueprint, abort, current_app, request
from sqlalchemy import delete, select

from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation
from fieldnotes.sync.models import ProcessedMutation
from fieldnotes.sync.signals import push_committed

hooks = Blueprint("sync_test_hooks", __name__)
lock = threading.Lock()


def install(app):
    """Register the hook routes and play faults after pushes (a testing build only)."""
    app.register_blueprint(hooks)
    push_committed.connect(after_push_commit, sender=app)


def faults():
    return current_app.extensions.setdefault("fieldnotes_sync_faults", [])


@hooks.post("/api/_test/faults")
def add_fault():
    body = request.get_json(silent=True) or {}
    count = body.get("count", 1)
    if body.get("after_commit") == "503":
        fault = {"kind": "503", "count": count}
    elif isinstance(body.get("stall_seconds"), int | float):
        fault = {"kind": "stall", "seconds": float(body["stall_seconds"]), "count": count}
    else:
        abort(400, 'Give {"after_commit": "503"} or {"stall_seconds": n}, with an optional count.')
    with lock:
        faults().append(fault)
    return {"queued": fault}, 201


def after_push_commit(app):
    """Sent by push after its commit: play the next queued fault, if any."""
    with lock:
        pending = faults()
        fault = pending[0] if pending else None
        if fault:
            fault["count"] -= 1
            if fault["count"] <= 0:
                pending.pop(0)
    if fault and fault["kind"] == "503":
        abort(503, "Injected fault: the push was committed, then this answer was lost.")
    if fault:
        time.sleep(fault["seconds"])


@hooks.post("/api/_test/restore")
def restore():
    """As if restored from an older backup: notes written after the seq go, and the epoch changes."""
    body = request.get_json(silent=True) or {}
    keep = body.get("keep_up_to_seq")
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
        abort(400, "keep_up_to_seq: a non-negative integer.")
    changes.lock_counter()
    doomed = db.session.scalars(select(Observation).where(Observation.seq > keep)).all()
    for note in doomed:
        db.session.delete(note)  # its tags, media and revisions go with it
    db.session.execute(delete(ProcessedMutation).where(
        (ProcessedMutation.counter_at > keep) | ProcessedMutation.entity_id.in_([n.id for n in doomed])))
    changes.restart_epoch(keep)
    db.session.commit()
    return {"deleted": len(doomed), "epoch": changes.current_epoch()}
