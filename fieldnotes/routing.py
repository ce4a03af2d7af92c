"""URL converters shared by every feature."""
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """A database id: `<id:study_id>`.

    Bounded, because an unbounded `<int:...>` lets a huge number reach the
    database driver and come back as a 500.
    """

    def __init__(self, map):
        super().__init__(map, min=1, max=2_147_483_647)
