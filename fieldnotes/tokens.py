"""Secret tokens in links and cookies (sessions, invites, board share links) are stored only as digests.

One digest for all of them, so a leaked database holds no usable session, invite or share link.
"""
import hashlib


def token_digest(token):
    """The SHA-256 hex digest kept in place of `token`: what lookups compare against."""
    return hashlib.sha256(token.encode()).hexdigest()
