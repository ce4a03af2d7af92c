"""A push's usual mutations are checked in plain code (sync/schemas.py, plain_mutation); the marshmallow schemas
stay the word on everything else. The plain check must take only what the schemas take, and make exactly
what they make: compared here over phone-shaped mutations and every odd value a field could carry."""
import copy
import uuid

import pytest
from marshmallow import ValidationError

from fieldnotes.sync.schemas import MUTATION_SCHEMA, NOTE_DATA_SCHEMA, load_mutation, plain_mutation
from tests.factories import note_mutation

ODD = [None, "", "  ", " padded ", True, False, 0, 1, -1, 1.0, 5.5, "5", 2_147_483_647, 2_147_483_648, [], {},
       ["a"], {"a": 1}, "x" * 61, "x" * 10_001, " " + "x" * 60 + " ", "a\u202eb", "a\x00b", "a\x07b", "tab\there",
       "line\nbreak", "\ud800", "observation", "quote", "photo", "create", "update", "delete",
       "2026-03-12T10:15:00+00:00", "2026-03-12T10:15:00Z", "2026-03-12T10:15:00", "2026-03-12",
       "2026-03-12T10:15:00.123456-05:30", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00",
       "not a time", str(uuid.uuid4()), str(uuid.uuid4()).upper(), uuid.uuid4().hex, "{%s}" % uuid.uuid4(),
       "urn:uuid:%s" % uuid.uuid4(), "1234"]
MUTATION_KEYS = ["mutation_id", "entity", "entity_id", "op", "base_version", "data", "client_time"]
NOTE_KEYS = ["study_id", "kind", "text", "expected", "touchpoint_id", "role_id", "participant_id", "visit_id",
             "no_person", "tags", "captured_at", "media", "author", "synced_at"]


def by_schema(raw):
    """What the marshmallow schemas make of `raw`, or None when they refuse it."""
    try:
        mutation = MUTATION_SCHEMA.load(copy.deepcopy(raw))
        if mutation["op"] != "delete":
            mutation["data"] = NOTE_DATA_SCHEMA.load(mutation["data"])
    except ValidationError:
        return None
    return mutation


def usual():
    return [note_mutation(7), note_mutation(7, text="  Re-keys it 🙂 by hand. ", tags=["Paper", "ERP "],
                                            touchpoint_id=3, role_id=4, participant_id=5, visit_id=6,
                                            no_person=True, expected="One screen for it."),
            note_mutation(7, op="update", base_version=2, kind="quote"),
            note_mutation(7, op="delete", base_version=3), note_mutation(7, op="delete"),
            {**note_mutation(7), "data": {**note_mutation(7)["data"], "author": 9, "synced_at": "x"}}]


def variants():
    """Every usual mutation, then each of its fields (and its note's) set to every odd value, or left out."""
    for raw in usual():
        yield raw
        for key in MUTATION_KEYS + ["unknown"]:
            for value in ODD:
                yield {**raw, key: value}
            yield {k: v for k, v in raw.items() if k != key}
        if raw["op"] == "delete":
            continue
        for key in NOTE_KEYS + ["unknown"]:
            for value in ODD + [["ok", "x" * 61], ["ok", "  "], ["ok"] * 50, ["ok"] * 51, [1], [None]]:
                yield {**raw, "data": {**raw["data"], key: value}}
            yield {**raw, "data": {k: v for k, v in raw["data"].items() if k != key}}


def test_the_plain_check_makes_what_the_schemas_make_or_leaves_it_to_them():
    taken = left = 0
    for raw in variants():
        plain = plain_mutation(copy.deepcopy(raw))
        if plain is None:
            left += 1
            continue
        taken += 1
        assert plain == by_schema(raw), raw
        assert [type(v) for v in plain.values()] == [type(v) for v in by_schema(raw).values()], raw
    # Both ways are used: the usual mutations take the plain path, the odd ones the schemas'.
    assert taken > 300 and left > 300, (taken, left)


@pytest.mark.parametrize("raw", usual())
def test_a_phones_usual_mutation_takes_the_plain_path(raw):
    assert plain_mutation(copy.deepcopy(raw)) is not None


def test_what_the_plain_check_leaves_still_gets_the_schemas_messages():
    mutation, errors = load_mutation({**note_mutation(7), "op": "update", "base_version": None})
    assert mutation is None and errors == {"base_version": ["An update says which version it was based on."]}
    mutation, errors = load_mutation({**note_mutation(7), "data": {**note_mutation(7)["data"], "tags": ["x" * 61]}})
    assert mutation is None and errors == {"tags.0": ["Length must be between 1 and 60."]}
    mutation, errors = load_mutation({**note_mutation(7), "data": {**note_mutation(7)["data"],
                                                                   "text": "a\u202eb"}})
    assert mutation is None and errors == {"text": ["Contains characters that are not allowed: U+202E."]}


def test_the_quick_search_finds_every_character_the_full_check_refuses():
    from fieldnotes.sync.schemas import SUSPECT
    from fieldnotes.text import forbidden_characters
    refused = [chr(c) for c in range(0x110000) if forbidden_characters(f"a{chr(c)}b")]
    assert len(refused) > 2000 and all(SUSPECT.search(c) for c in refused)
