"""Notes as JSON, schema "fieldnotes.notes/1" (docs/schemas/notes-v1.schema.json), written note by note."""
import json

from fieldnotes.auth.models import utcnow
from fieldnotes.exports.audience import left_out
from fieldnotes.exports.rows import note_rows

SCHEMA = "fieldnotes.notes/1"
NOTES_PER_CHUNK = 500


def json_chunks(scope, audience, report=None):
    """Yield the document as UTF-8 byte chunks: the header with the left-out report, then each note.

    `report` is the left_out() list when the caller has it already.
    """
    report = left_out(scope, audience) if report is None else report
    head = {"schema": SCHEMA, "study": {"id": scope.study.id, "name": scope.study.name},
            "scope": scope.what, "exported_at": utcnow().isoformat(), "audience": audience,
            "left_out": [line.as_dict() for line in report]}
    # The header written whole but for its closing brace, so the notes can follow one at a time.
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "notes": [').encode("utf-8")
    batch = []
    for count, row in enumerate(note_rows(scope, audience)):
        batch.append(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        if len(batch) == NOTES_PER_CHUNK:
            yield "".join(batch).encode("utf-8")
            batch = []
    yield ("".join(batch) + "\n]}\n").encode("utf-8")
