"""What sync announces, for whoever listens.

Production code calls no test code: the test hooks (registered only under
TESTING) connect to these signals to inject faults, as other listeners could
(metrics, say) without sync knowing them.
"""
from blinker import Namespace

signals = Namespace()
# Sent with the app after a push is committed and before its answers go out.
push_committed = signals.signal("push-committed")
