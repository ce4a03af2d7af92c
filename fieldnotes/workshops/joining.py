"""Joining by code, with guessing slowed: a code is six of 25 letters (about 244 million codes), and
each person gets GUESSES wrong codes per WINDOW, then waits. Counts live in the database, so every
worker shares them; a right code does not clear them (a guesser who finds one code keeps waiting).
"""
import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from werkzeug.exceptions import TooManyRequests

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.workshops.models import JoinAttempt

GUESSES = 10
WINDOW = timedelta(minutes=10)


def refuse_if_guessing(user_id):
    since = utcnow() - WINDOW
    count, first = db.session.execute(select(func.count(), func.min(JoinAttempt.at)).where(
        JoinAttempt.user_id == user_id, JoinAttempt.at > since)).one()
    if count >= GUESSES:
        wait = max(1, math.ceil((first + WINDOW - utcnow()).total_seconds()))
        raise TooManyRequests(f"Too many wrong codes. Try again in {math.ceil(wait / 60)} minutes, "
                              "or ask the facilitator to read the code again.", retry_after=wait)


def record_wrong_code(user_id):
    db.session.add(JoinAttempt(user_id=user_id, at=utcnow()))
    db.session.execute(delete(JoinAttempt).where(JoinAttempt.at < utcnow() - WINDOW))
