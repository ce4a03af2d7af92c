"""The affinity moves, in one table: how each is asked for, the service call that makes it, and
what the person is told.

The workspace's script asks for a move with a JSON body (api.py); without the script, a plain form
names it in its `action` (views.py). Both read the move's data into the same dict (the body as the
move's schema loads it, or the form as the move's reader reads it, with the insight id the URL or
form names) and make it with `Move.run`, so a move added or changed here changes in both.
"""
from dataclasses import dataclass
from functools import partial

from flask import abort, request

from fieldnotes.forms import whole_number
from fieldnotes.insights import oplog, schemas, service, suggest

PERMISSION = "group_notes"  # every move changes the grouping


@dataclass(frozen=True)
class Move:
    """One move: `does(study_id, user_id, **data)` makes it (no commit), with the `takes` fields of data.

    The API posts a `schema` body to `path` (under the study's insights) and answers `status` with
    the board, or with `answer(data)`. A plain form's `reads()` gives the data; the person is then
    told `said` (or `said(data)`). A move without a path is only a form's; without `reads`, the API's.
    """

    does: object
    takes: str = ""
    path: str | None = None
    schema: type | None = None
    status: int = 200
    answer: object = None
    reads: object = None
    said: object = ""

    def run(self, study_id, user_id, data):
        """Make the move; a field the caller did not send is None (the service's default)."""
        return self.does(study_id, user_id, **{name: data.get(name) for name in self.takes.split()})

    def told(self, data):
        return self.said(data) if callable(self.said) else self.said


# What each id a form sends stands for, in the words of the workspace (never the field's name).
NUMBERED = {"insight_id": "The insight", "parent_id": "The insight to nest under",
            "target_id": "The insight to move the notes to", "version": "The version the page showed"}


def number(name):
    """A form's id field: None when empty, 400 when not a positive number an id column holds."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    value = whole_number(raw, low=1)
    if value is None:
        abort(400, f"{NUMBERED[name]} is not one this workspace offers: reload the page and choose again.")
    return value


def text(name):
    return request.form.get(name, "")


def notes():
    return request.form.getlist("note_ids")


def read_move():
    """The notes to move (at least one), where the form saw them (`from`) and where they go."""
    note_ids = notes()
    if not note_ids:
        raise oplog.Refused("Choose at least one note to move.")
    source = whole_number(request.form.get("from"), low=1)  # where the form saw them: an insight, or none
    sources = {n: source for n in note_ids} if "from" in request.form else None
    return {"note_ids": note_ids, "sources": sources, "target_id": number("target_id")}


def read_create():
    """A new insight from the form: its statement and the ticked notes.

    Enter in the statement box submits the form; with nothing ticked that would make an insight with
    no evidence, so the form asks for notes, and a heading for other insights is made on purpose
    ("theme"). Scripts (the JSON API) may still make either.
    """
    statement = text("statement")
    if not statement.strip():
        raise oplog.Refused("Write the insight’s statement before creating it: what the ticked notes say, "
                            "in the customer’s voice.")
    if not notes():
        raise oplog.Refused("Tick the notes this insight groups, then create it. To make a heading that other "
                            "insights nest under, use “Create an empty theme”.")
    return {"statement": statement, "note_ids": notes(), "parent_id": number("parent_id")}


def read_theme():
    statement = text("statement")
    if not statement.strip():
        raise oplog.Refused("Write the theme’s statement before creating it.")
    return {"statement": statement, "note_ids": [], "parent_id": number("parent_id")}


def notes_moved(data):
    count = len(data["note_ids"])
    return "Note moved." if count == 1 else f"{count} notes moved."


def fixed(**data):
    """A form's reader for data the action itself says (up is an offset of -1)."""
    return lambda: data


MOVES = {
    "create": Move(service.create_insight, "statement note_ids parent_id sources versions", "",
                   schemas.CreateSchema, 201, said="Insight created.", reads=read_create),
    "theme": Move(service.create_insight, "statement note_ids parent_id", reads=read_theme,
                  said="Theme created: nest insights under it."),
    "statement": Move(service.edit_statement, "insight_id statement version", "/<id:insight_id>/statement",
                      schemas.StatementSchema, reads=lambda: {"statement": text("statement")},
                      said="Statement saved."),
    "move": Move(service.move_notes, "note_ids target_id versions sources", "/move-notes", schemas.MoveSchema,
                 reads=read_move, said=notes_moved),
    "nest": Move(service.nest, "insight_id parent_id version", "/<id:insight_id>/nest", schemas.NestSchema,
                 reads=lambda: {"parent_id": number("parent_id")}, said="Insight moved."),
    # A dragged insight: under `parent_id`, before `before_id` (or last). The script's alone.
    "place": Move(service.place_insight, "insight_id parent_id before_id version", "/<id:insight_id>/place",
                  schemas.PlaceSchema),
    "reorder": Move(service.reorder, "insight_id offset version", "/<id:insight_id>/reorder",
                    schemas.ReorderSchema),
    "up": Move(service.reorder, "insight_id offset version", reads=fixed(offset=-1), said="Moved up."),
    "down": Move(service.reorder, "insight_id offset version", reads=fixed(offset=1), said="Moved down."),
    "delete": Move(service.delete_insight, "insight_id version ungroup", "/<id:insight_id>/delete",
                   schemas.DeleteSchema, reads=fixed(ungroup=False), said="Insight deleted."),
    "ungroup-delete": Move(service.delete_insight, "insight_id version ungroup", reads=fixed(ungroup=True),
                           said="Insight deleted."),
    "undo": Move(partial(oplog.step, undo=True), path="/undo", reads=fixed(), said="Undone."),
    "redo": Move(partial(oplog.step, undo=False), path="/redo", reads=fixed(), said="Redone."),
    "accept": Move(suggest.accept, "note_ids statement", "/suggestions/accept", schemas.SuggestionSchema, 201,
                   reads=lambda: {"note_ids": notes(), "statement": text("statement")},
                   said="Suggested group accepted as an insight."),
    "dismiss": Move(suggest.dismiss, "note_ids", "/suggestions/dismiss", schemas.SuggestionSchema,
                    answer=lambda data: {"dismissed": len(data["note_ids"])},
                    reads=lambda: {"note_ids": notes()}, said="Suggestion dismissed."),
}


def from_form(action):
    """The move a plain form's `action` names, and its data; 400 for an action no form has."""
    data = {"insight_id": number("insight_id"), "version": number("version")}  # any action: a bad one is 400
    move = MOVES.get(action)
    if move is None or move.reads is None:
        abort(400, "Unknown action.")
    return move, {**data, **move.reads()}
