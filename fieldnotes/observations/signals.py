"""What happens to notes and their media, for features above observations to act on.

A feature that must act inside the same transaction (transcripts queues a note's recording as its
upload is verified) connects here; the sender stays unaware of who listens.
"""
from blinker import Namespace

signals = Namespace()
# Sent with the Attachment just marked verified, inside the transaction that records it.
media_verified = signals.signal("media-verified")
