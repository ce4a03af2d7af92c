"""Push, pull and the study context a phone needs to capture offline."""
from flask import abort, current_app, request
from flask_login import current_user, login_required

from fieldnotes.extensions import db
from fieldnotes.forms import json_body  # media_api.py takes it from here too
from fieldnotes.observations import changes
from fieldnotes.studies.permissions import allows, require, require_role
from fieldnotes.sync import bp, context, pull as pulling
from fieldnotes.sync.push import push_answers
from fieldnotes.sync.schemas import MAX_BATCH, BatchSchema
from fieldnotes.sync.signals import push_committed

# A pull only reads (but for the very first, which makes the stream's row): on PostgreSQL it reads on an
# autocommit connection, so psycopg sends no BEGIN before the sign-in read and no ROLLBACK after the
# last, two of a no-change pull's four round trips (issue 11, session 6). At READ COMMITTED, PostgreSQL's
# default and this app's, every statement of a transaction takes its own snapshot anyway: each read sees
# what it saw inside a transaction, every check (revocation, the 30-day cap, membership, the epoch) the same.
READ_ONLY = {"isolation_level": "AUTOCOMMIT"}


@bp.before_request
def read_pulls_without_a_transaction():
    """Before Flask-Login reads the session: the session's connection is procured here, in autocommit.

    The database is told by the app's engine, not by the session's get_bind(): the same dialect, without
    going through the scoped session and Flask-SQLAlchemy's bind lookup on every pull (issue 11, session 8)."""
    if request.endpoint == "sync.pull" and db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options=READ_ONLY)


@bp.post("/api/sync/push")
@login_required
def push():
    body = json_body()
    mutations = body.get("mutations")
    if isinstance(mutations, list) and len(mutations) > MAX_BATCH:
        abort(413, f"At most {MAX_BATCH} mutations in a batch; this one had {len(mutations)}.")
    batch = BatchSchema().load(body)  # ValidationError -> 422 with field messages
    # The signed-in user as the session row named them: a push needs only their id, not the ORM User.
    epoch, results = push_answers(current_user._get_current_object(), batch["device_id"], batch["mutations"],
                                  batch["account"])
    if epoch is None:  # nothing was numbered (replays, refusals): read it, in a transaction of its own
        epoch = changes.current_epoch()
        db.session.commit()
    push_committed.send(current_app._get_current_object())
    return {"epoch": epoch, "results": results}


@bp.get("/api/sync/pull")
@login_required
def pull():
    study_id = request.args.get("study_id", type=int)
    if study_id is None or not 1 <= study_id <= pulling.MAX_ID:
        abort(400, "study_id is required: the id of a study you are a member of.")
    # Most pulls are a capture screen asking "anything new?" every few minutes: the member's role and the
    # stream position were read with the sign-in (sync/pull.py SIGNED_IN_PULL), and a pull that wrote
    # nothing ends without a commit (issue 11).
    found = pulling.role_and_position(study_id, current_user.id)
    if found is None:
        db.session.commit()  # ends the autocommit read: the epoch row is made in a transaction of its own
        require(study_id, "view_notes")  # never synced: the first pull makes the epoch row (committed below)
        position = None
    else:
        role, position = found
        require_role(role, "view_notes")
    limit = request.args.get("limit", pulling.DEFAULT_LIMIT, type=int)
    if not 1 <= limit <= pulling.MAX_LIMIT:
        abort(400, f"limit must be between 1 and {pulling.MAX_LIMIT}.")
    try:
        page = pulling.pull(study_id, request.args.get("cursor", ""), limit, request.args.get("seen", ""),
                            position)
    except pulling.BadCursor as error:
        abort(400, str(error))
    if position is None:
        db.session.commit()  # the epoch row, the first time anything asks for it
    return page


@bp.get("/api/studies/<id:study_id>/context")
@login_required
def study_context(study_id):
    membership = require(study_id, "view_study")
    if not (allows(membership.role, "capture") or allows(membership.role, "view_notes")):
        abort(403, f"Your role in this study ({membership.role}) does not allow this.")
    answer = context.study_context(membership)
    db.session.commit()
    return answer

