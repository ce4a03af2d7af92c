"""Which column of a CSV file fills which field of a note: guessed from the headers, changed by the user."""
import re

from fieldnotes.errors import Refused

# (field, label, words a header may use for it), in the order the mapping form shows them.
FIELDS = (
    ("text", "Text (required)", ("text", "note", "notes", "quote", "observation", "what they said", "content")),
    ("expected", "What they expected", ("expected", "what they expected", "expectation", "wanted")),
    ("time", "Time captured", ("time", "captured", "captured at", "date", "when", "timestamp", "datetime")),
    ("visit", "Site visit", ("visit", "site visit", "session", "organisation", "organization", "company")),
    ("participant", "Participant (pseudonym)", ("participant", "pseudonym", "who", "person", "interviewee")),
    ("role", "Role", ("role", "job", "job title")),
    ("touchpoint", "Touchpoint", ("touchpoint", "stage", "journey stage", "phase", "step")),
    ("kind", "Kind", ("kind", "type", "category")),
    ("tags", "Tags (separated by ;)", ("tags", "tag", "codes", "labels", "keywords")),
    ("key", "Key (unique per row)", ("key", "id", "row id", "note id", "uuid", "ref", "reference")),
)
FIELD_NAMES = tuple(field for field, _, _ in FIELDS)
LABELS = {field: label for field, label, _ in FIELDS}


def header_words(header):
    return " ".join(re.sub(r"[^\w]+", " ", header.casefold()).split())


def guess(headers):
    """{field: column index}: a header naming a field's word exactly wins; each column fills one field."""
    wanted = {header_words(h): i for i, h in reversed(list(enumerate(headers)))}
    mapping, used = {}, set()
    for field, _, words in FIELDS:
        column = next((wanted[w] for w in words if w in wanted and wanted[w] not in used), None)
        if column is not None:
            mapping[field] = column
            used.add(column)
    return mapping


def from_choices(headers, choices):
    """{field: column index} from {field: header index as text}; blank means not imported.

    :raise Refused: a column that does not exist, or one column for two fields.
    """
    mapping, errors = {}, {}
    for field in FIELD_NAMES:
        raw = (choices.get(field) or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) >= len(headers):
            errors[field] = ["No such column in this file."]
            continue
        mapping[field] = int(raw)
    errors |= twice_used(mapping, headers)
    if errors:
        raise Refused("Check which columns fill which fields.", errors=errors)
    return mapping


def from_spec(headers, spec):
    """{field: column index} from "text=Quote,touchpoint=Stage": header names as the file spells them.

    :raise Refused: an unknown field or a header the file does not have.
    """
    mapping, errors = {}, {}
    positions = {h.strip(): i for i, h in enumerate(headers)}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        field, _, header = (s.strip() for s in part.partition("="))
        if field not in LABELS:
            errors[field or part] = [f"Not a field; the fields are {', '.join(FIELD_NAMES)}."]
        elif header not in positions:
            errors[field] = [f"No column headed {header!r}; the file has {', '.join(map(repr, headers))}."]
        else:
            mapping[field] = positions[header]
    errors |= twice_used(mapping, headers)
    if errors:
        raise Refused("Check the mapping.", errors=errors)
    return mapping


def twice_used(mapping, headers):
    seen, errors = {}, {}
    for field, column in mapping.items():
        if column in seen:
            errors[field] = [f"Column {headers[column]!r} already fills {LABELS[seen[column]]}."]
        seen.setdefault(column, field)
    return errors
