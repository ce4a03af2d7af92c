"""flask housekeeping: the daily sweep of what nobody needs any more.

Safe while the app runs: each sweep commits on its own and takes the lock of the writers
it could race. What goes:

- sign-in sessions past REMEMBER_DAYS (sign-in already refuses them);
- invites used, or past their expiry (find_invite already refuses them);
- failed sign-ins older than the throttling window (they no longer count);
- the affinity move log beyond what undo and redo reach: a move can be undone (or redone)
  for UNDO_DAYS after it was made, among its maker's latest UNDO_DEPTH in the study. Kept:
  those moves, and every move after the oldest of them, because undoing a move checks
  every later move by someone else for a conflict. The change feed reads only the study's
  counter (InsightBoardState), never the log;
- media files that no row of any feature names (a note's media, an interview recording: storage.held),
  untouched for a day;
- uploads untouched for a day (a note's media from a phone, an interview recording from a laptop): their
  bytes go and the upload starts again at byte 0 (the phone, or the browser, keeps its copy until the
  server says "verified");
- participants the team erased whom a database restored by hand brought back: erased again
  with the team's choice, from the erasure ledger (visits/ledger.py).
"""
import re
import uuid
from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from fieldnotes.auth.models import FailedLogin, Invite, LoginSession, utcnow
from fieldnotes.extensions import db
from fieldnotes.insights.models import InsightBoardState, InsightOp, OpState
from fieldnotes.observations import changes
from fieldnotes.observations.models import Attachment, MediaStatus
from fieldnotes.observations.storage import held, media_root, partial_path
from fieldnotes.ops import bp
from fieldnotes.sync.media import lock_row
from fieldnotes.transcripts import uploads as interview_uploads
from fieldnotes.transcripts.models import Recording, UploadStatus
from fieldnotes.visits.service import erase_the_returned
from fieldnotes.writers import writer_turn

FILE_GRACE = timedelta(days=1)
UNDO_DAYS = 30
UNDO_DEPTH = 100
STORED_NAME = re.compile(r"[0-9a-f]{64}")
BATCH = 500
UNDOABLE = (OpState.DONE, OpState.UNDONE)


@bp.cli.command("housekeeping")
def housekeeping_command():
    """Remove expired sessions and invites, old failed sign-ins and moves, orphaned media. Run daily."""
    for what, count in sweep().items():
        click.echo(f"{what}: {count} removed")


def sweep():
    now = utcnow()
    return {
        "expired sign-in sessions": expired_sessions(now),
        "used or expired invites": dead_invites(now),
        "old failed sign-ins": old_failed_logins(now),
        "moves beyond undo": trim_moves(now),
        "unfinished uploads": stale_uploads(now),
        "orphaned media files": orphaned_files(now),
        "erased participants a restore brought back": erase_the_returned(),
    }


def removed(statement):
    with writer_turn():
        count = db.session.execute(statement).rowcount
        db.session.commit()
    return count


# Accounts

def expired_sessions(now):
    return removed(delete(LoginSession).where(
        LoginSession.created_at < now - current_app.config["REMEMBER_COOKIE_DURATION"]))


def dead_invites(now):
    return removed(delete(Invite).where(or_(Invite.used_at.is_not(None), Invite.expires_at < now)))


def old_failed_logins(now):
    return removed(delete(FailedLogin).where(FailedLogin.at < now - current_app.config["LOGIN_WINDOW"]))


# The move log

def trim_moves(now):
    """Moves out of undo's reach become DROPPED; then each study's log loses what no kept move needs."""
    count = 0
    for study_id in db.session.scalars(select(InsightOp.study_id).distinct()).all():
        with writer_turn():
            # The study's counter row, as every move takes it: no move runs in this study meanwhile.
            db.session.execute(update(InsightBoardState).where(InsightBoardState.study_id == study_id)
                               .values(counter=InsightBoardState.counter))
            end_undo(study_id, now)
            count += db.session.execute(delete(InsightOp).where(
                InsightOp.study_id == study_id, InsightOp.counter < horizon(study_id))).rowcount
            db.session.commit()
    return count


def end_undo(study_id, now):
    """Moves older than UNDO_DAYS, or past a person's latest UNDO_DEPTH in the study, can no longer be undone."""
    undoable = (InsightOp.study_id == study_id, InsightOp.state.in_(UNDOABLE))
    db.session.execute(update(InsightOp).where(*undoable, InsightOp.created_at < now - timedelta(days=UNDO_DAYS))
                       .values(state=OpState.DROPPED))
    crowded = db.session.scalars(select(InsightOp.user_id).where(*undoable).group_by(InsightOp.user_id)
                                 .having(func.count() > UNDO_DEPTH)).all()
    for user_id in crowded:
        theirs = (*undoable, InsightOp.user_id.is_(None) if user_id is None else InsightOp.user_id == user_id)
        last_dropped = db.session.scalar(select(InsightOp.id).where(*theirs).order_by(InsightOp.id.desc())
                                         .offset(UNDO_DEPTH).limit(1))
        db.session.execute(update(InsightOp).where(*theirs, InsightOp.id <= last_dropped)
                           .values(state=OpState.DROPPED))


def horizon(study_id):
    """The oldest change number undo may still need in the study (past the end when nothing is undoable)."""
    oldest = db.session.scalar(select(func.min(InsightOp.counter)).where(
        InsightOp.study_id == study_id, InsightOp.state.in_(UNDOABLE)))
    if oldest is not None:
        return oldest
    return (db.session.scalar(select(func.max(InsightOp.counter)).where(InsightOp.study_id == study_id)) or 0) + 1


# Media files

def untouched(path, now):
    """Not written for FILE_GRACE: no upload or verification is working on it."""
    try:
        return path.stat().st_mtime < now.timestamp() - FILE_GRACE.total_seconds()
    except FileNotFoundError:
        return False


def stale_uploads(now):
    """Files in partial/ untouched for a day; a pending upload they belonged to starts again at byte 0."""
    folder = media_root() / "partial"
    count = 0
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if untouched(path, now) and forget_upload(path, now):
            count += 1
    return count


def forget_upload(path, now):
    media_id = upload_id(path.name)
    with writer_turn():
        if media_id is not None and path == partial_path(media_id) and not start_again(media_id, path, now):
            db.session.rollback()
            return False
        path.unlink(missing_ok=True)
        db.session.commit()
    return True


def start_again(media_id, path, now):
    """The upload (a note's media or an interview recording) goes back to byte 0, its row locked as a
    chunk's append locks it, so none is written meanwhile; False when one was written since we looked."""
    attachment = db.session.get(Attachment, media_id)
    if attachment is not None:
        lock_row(attachment)
        if untouched(path, now) and attachment.status == MediaStatus.PENDING:
            attachment.offset = 0
        return untouched(path, now)
    if db.session.get(Recording, media_id) is not None:
        recording = interview_uploads.lock(media_id)
        if untouched(path, now) and recording.upload == UploadStatus.PENDING:
            recording.offset = 0
        return untouched(path, now)
    return True


def upload_id(name):
    """The upload a file in partial/ belongs to ('<id>', '<id>.ready-…'), or None."""
    try:
        return uuid.UUID(name.split(".", 1)[0])
    except ValueError:
        return None


def orphaned_files(now):
    """Stored files (<2 hex>/<sha256>) that no row of any feature names and nobody wrote for a day."""
    candidates = {path.name: path for path in media_root().glob("??/*")
                  if STORED_NAME.fullmatch(path.name) and path.parent.name == path.name[:2] and untouched(path, now)}
    names = sorted(candidates)
    count = 0
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        with writer_turn():
            # Verifying an upload moves its file into place and records it under the counter:
            # holding it, no file can be on its way to being named while we look.
            changes.lock_counter()
            named = held(batch)
            for name in batch:
                if name not in named and untouched(candidates[name], now):
                    candidates[name].unlink(missing_ok=True)
                    count += 1
            db.session.commit()
    return count
