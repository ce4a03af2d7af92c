"""Which account a phone's outbox belongs to: read once per push, bound on a device's first push."""
from datetime import timedelta

from sqlalchemy import select, update

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict
from fieldnotes.extensions import db, upsert
from fieldnotes.sync.models import Device
from fieldnotes.writers import writer_turn

# last_seen_at is for people (which phones are in use), not for the protocol: an hour is precise enough,
# and it spares a write on almost every push.
SEEN_PRECISION = timedelta(hours=1)
NOT_YOURS = {"device_id": [
    "This phone's outbox belongs to another account: notes sent from it cannot be stored as yours. "
    "Sign in as the person who made them, or export them from the capture screen."]}


def check_claim(user_id, claimed):
    """The phone names the account whose notes it sends; another account's session may not send them."""
    if claimed is not None and claimed != user_id:
        raise Conflict("These notes were made on this phone by another account. They are sent only when "
                       "that account is signed in here.", reason="other_account")


def owner_of(device_id, user_id):
    """The account the device belongs to; a device never seen becomes `user_id`'s. One read when known."""
    row = db.session.execute(select(Device.user_id, Device.last_seen_at).where(Device.id == device_id)).first()
    db.session.rollback()  # end the read: on SQLite a write transaction must begin with its write
    if row is None:
        return bind(device_id, user_id)
    if row.user_id == user_id and utcnow() - row.last_seen_at > SEEN_PRECISION:
        write(update(Device).where(Device.id == device_id).values(last_seen_at=utcnow()))
    return row.user_id


def bind(device_id, user_id):
    """Insert-or-nothing, then read: two accounts racing for one new device id get one owner."""
    now = utcnow()
    with writer_turn():
        db.session.execute(upsert(Device).values(id=device_id, user_id=user_id, first_seen_at=now,
                                                 last_seen_at=now).on_conflict_do_nothing())
        owner = db.session.scalar(select(Device.user_id).where(Device.id == device_id))
        db.session.commit()
    return owner


def write(statement):
    with writer_turn():
        db.session.execute(statement)
        db.session.commit()
